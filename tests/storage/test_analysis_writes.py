"""Analysis writes: multi-row tag inserts, the stored-post check, fresh and retag batches."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.errors import StorageError
from pantau.models import Analysis, Post
from storage import analysis as analysis_store
from storage import posts as post_store
from storage.db import open_db, to_iso


def _posts(n: int, start: int = 0) -> list[Post]:
    return [
        Post(
            source="s",
            kind="x",
            external_id=f"e{i}",
            text=f"kabar {i}",
            published_at=datetime(2026, 11, 27, 1, i % 60, tzinfo=UTC),
        )  # fmt: skip
        for i in range(start, start + n)
    ]


def _analysis(departments: tuple[str, ...], places: tuple[str, ...] = ()) -> Analysis:
    return Analysis(
        relevant=True, relevance=0.5, departments=departments, topics=("banjir",),
        kecamatan=places, desa=tuple(f"{p}/Desa {p}" for p in places),
        matched={"departments": {d: [d, "kata"] for d in departments}},
        topic_departments={"banjir": "bpbd"}, fingerprint=3,
    )  # fmt: skip


def _table(db, table: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()


def _statements(db) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    return seen


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.sampled_from([1, 2, 4, 8]), st.sampled_from([4, 9, 32766]))
def test_insert_chunks_keep_every_row_in_order(total: int, per_insert: int, limit: int) -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT, c TEXT, d INTEGER)")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    rows = [(i, f"b{i}", None if i % 3 else "😭", -i) for i in range(total)]
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(analysis_store, "_ROWS_PER_INSERT", per_insert)
        analysis_store._insert(
            conn, "INSERT INTO t (a, b, c, d) VALUES ", 4, [v for row in rows for v in row]
        )
    conn.set_trace_callback(None)
    assert conn.execute("SELECT * FROM t ORDER BY rowid").fetchall() == rows
    # Each statement holds a power of two rows, within both caps.
    sizes = [s.count("(") - 1 for s in statements]
    cap = min(per_insert, max(1, limit // 4))
    assert sum(sizes) == total
    assert all(size & (size - 1) == 0 and size <= cap for size in sizes)
    assert sizes == sorted(sizes, reverse=True)


def test_chunk_boundaries_of_a_fresh_batch_and_its_retag(db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(analysis_store, "_ROWS_PER_INSERT", 4)
    post_store.save_batch(db, _posts(7))
    three = _analysis(("bpbd", "dinkes", "pupr"), ("Cibinong", "Ciseeng"))
    analysis_store.save_analyses(db, [(i, three, None) for i in range(1, 8)], "v1")
    deps = _table(db, "post_departments")
    assert len(deps) == 21  # 4 + 4 + 4 + 4 + 4 + 1 rows
    assert deps[:3] == [
        (1, "bpbd", 0, '["bpbd","kata"]'), (1, "dinkes", 1, '["dinkes","kata"]'),
        (1, "pupr", 2, '["pupr","kata"]'),
    ]  # fmt: skip
    assert len(_table(db, "post_places")) == 14
    assert _table(db, "post_topics")[0] == (1, "banjir", "bpbd", "[]")
    # Retag: one department removed everywhere, a place removed on odd posts.
    two = _analysis(("bpbd", "pupr"), ("Cibinong", "Ciseeng"))
    fewer = _analysis(("bpbd", "pupr"), ("Cibinong",))
    analysis_store.save_analyses(
        db, [(i, fewer if i % 2 else two, None) for i in range(1, 8)], "v2"
    )
    deps = _table(db, "post_departments")
    assert [(p, d, r) for p, d, r, _ in deps if p == 5] == [(5, "bpbd", 0), (5, "pupr", 1)]
    assert len(deps) == 14
    places = _table(db, "post_places")
    assert [p for p, *_ in places] == [1, 2, 2, 3, 4, 4, 5, 6, 6, 7]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_fresh_write_equals_a_row_by_row_write(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    posts = _posts(9)
    results = [
        (i, _analysis(("bpbd", "dinkes")[: i % 3], ("Cibinong",) * (i % 2)), None)
        for i in range(1, 10)
    ]
    dumps = []
    for per_insert in (1, 4, 512):
        monkeypatch.setattr(analysis_store, "_ROWS_PER_INSERT", per_insert)
        db = open_db(tmp_path / f"{per_insert}.db")
        post_store.save_batch(db, posts)
        analysis_store.save_analyses(db, results, "v1")
        tables = ("post_departments", "post_topics", "post_places", "posts")
        analysis = db.execute(
            "SELECT post_id, departments, topics, kecamatan, matched FROM analysis ORDER BY 1"
        )
        dumps.append([_table(db, t) for t in tables] + [analysis.fetchall()])
        db.close()
    assert dumps[0] == dumps[1] == dumps[2]


def test_stored_state_dense_gapped_and_sparse(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts(12))
    db.execute("UPDATE posts SET dup_of = 1 WHERE id IN (3, 11)")
    conn = db.conn
    # The whole range is stored: the count answers.
    assert analysis_store._stored_state(conn, {2, 3, 4, 5}) == (set(), {3: 1})
    db.execute("DELETE FROM posts WHERE id = 4")
    # Dense with a missing post, dense with a gap, and sparse ids (some never stored).
    assert analysis_store._stored_state(conn, {2, 3, 4, 5}) == ({4}, {3: 1})
    assert analysis_store._stored_state(conn, {3, 5, 6}) == (set(), {3: 1})
    assert analysis_store._stored_state(conn, {1, 11, 40, 900}) == ({40, 900}, {11: 1})
    # A post outside the asked ids with a dup_of is not reported.
    assert analysis_store._stored_state(conn, {9, 10, 12}) == (set(), {})


def test_dup_targets_in_and_outside_the_batch(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts(8))
    db.execute("DELETE FROM posts WHERE id IN (2, 6)")
    a = _analysis(("bpbd",))
    # 3 -> 1 (outside, stored), 4 -> 2 (outside, deleted), 5 -> 6 (in the batch, deleted),
    # 7 -> 5 (in the batch, stored); 6 itself is skipped.
    analysis_store.save_analyses(db, [(3, a, 1), (4, a, 2), (5, a, 6), (6, a, None), (7, a, 5)], "v1")  # fmt: skip
    assert db.execute("SELECT id, dup_of FROM posts ORDER BY id").fetchall() == [
        (1, None), (3, 1), (4, None), (5, None), (7, 5), (8, None),
    ]  # fmt: skip
    assert [r[0] for r in db.execute("SELECT post_id FROM analysis ORDER BY 1")] == [3, 4, 5, 7]


def test_failure_in_a_later_chunk_rolls_back_the_batch_then_it_resumes(db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(analysis_store, "_ROWS_PER_INSERT", 2)
    post_store.save_batch(db, _posts(6))
    good = _analysis(("bpbd", "dinkes"))
    bad = _analysis(("bpbd", "bpbd"))  # the same department twice: the key refuses it
    statements = _statements(db)
    with pytest.raises(StorageError):
        analysis_store.save_analyses(
            db, [(1, good, None), (2, good, 1), (3, good, None), (4, bad, None)], "v1"
        )
    db.conn.set_trace_callback(None)
    # Earlier chunks were written before the failing one, and all of it was rolled back.
    assert sum(s.startswith("INSERT INTO post_departments") for s in statements) >= 3
    for table in ("analysis", "post_departments", "post_topics"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM posts WHERE dup_of IS NOT NULL").fetchone() == (0,)
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    # The next run finds the same posts pending and stores them.
    (batch,) = list(analysis_store.pending_posts(db, "v1"))
    assert [p.id for p in batch] == [1, 2, 3, 4, 5, 6]
    analysis_store.save_analyses(db, [(p.id, good, None) for p in batch], "v1")
    assert db.execute("SELECT count(*) FROM post_departments").fetchone() == (12,)
    assert list(analysis_store.pending_posts(db, "v1")) == []


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(999, 1, 2, 3, 4, 5), "0999-01-02T03:04:05Z"),
        (datetime(5, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "0005-12-31T23:59:59Z"),
        (datetime(2026, 1, 1, 6, 30, tzinfo=timezone(timedelta(hours=7))), "2025-12-31T23:30:00Z"),
        (datetime(2026, 3, 9, 20, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
         "2026-03-09T23:30:00Z"),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(0), "GMT")), "9999-12-31T23:59:59Z"),
    ],
)  # fmt: skip
def test_to_iso_pads_small_years_and_converts_offsets(moment: datetime, text: str) -> None:
    assert to_iso(moment) == text
    assert to_iso(None) is None
