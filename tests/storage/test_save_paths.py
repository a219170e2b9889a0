"""save_analyses fast paths: one foreign-key switch per run, fresh vs retag rows."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.models import Analysis, Post
from pantau.pipeline import process_pending
from storage import analysis as analysis_store
from storage import posts as post_store


def _posts(n: int) -> list[Post]:
    return [
        Post("x", "x", str(i), f"jalan rusak parah di Ciseeng nomor {i}, mohon diperbaiki pak")
        for i in range(n)
    ]


def test_a_run_switches_foreign_keys_once_not_per_batch(db, resources) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts(7))
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    assert process_pending(db, resources, batch_size=2) == 7
    db.conn.set_trace_callback(None)
    pragmas = [s for s in seen if s.startswith("PRAGMA foreign_keys =")]
    assert pragmas == ["PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON"]
    assert sum(s == "BEGIN IMMEDIATE" for s in seen) == 4
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM analysis").fetchone() == (7,)


def test_a_failing_run_restores_foreign_keys(db, resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pantau import pipeline

    post_store.save_batch(db, _posts(3))

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "analyze_batch", boom)
    with pytest.raises(RuntimeError):
        process_pending(db, resources)
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_numbers_are_stored_with_the_column_types(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts(3))
    results = [
        (1, Analysis(relevant=True, relevance=1, sentiment=0, fingerprint=-(2**63)), None),  # type: ignore[arg-type]
        (2, Analysis(relevant=False, relevance=0.25, sentiment=-0.5, fingerprint=7), None),
        (3, Analysis(relevant=1, relevance=0.0, sentiment=1.0), None),  # type: ignore[arg-type]
    ]
    analysis_store.save_analyses(db, results, "v1")
    rows = db.execute(
        "SELECT relevant, typeof(relevant), relevance, typeof(relevance), sentiment,"
        " typeof(sentiment), fingerprint FROM analysis ORDER BY post_id"
    ).fetchall()
    assert rows == [
        (1, "integer", 1.0, "real", 0.0, "real", -(2**63)),
        (0, "integer", 0.25, "real", -0.5, "real", 7),
        (1, "integer", 0.0, "real", 1.0, "real", 0),
    ]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 30), st.sampled_from([1, 2, 4, 512]), st.sampled_from([5, 9, 32766]))
def test_shared_values_close_every_row_of_every_chunk(
    total: int, per_insert: int, limit: int
) -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT, v TEXT, n TEXT)")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    rows = [(i, None if i % 3 else f"b{i}") for i in range(total)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(analysis_store, "_ROWS_PER_INSERT", per_insert)
        analysis_store._insert(
            conn, "INSERT INTO t (a, b, v, n) VALUES ", 2, [x for row in rows for x in row],
            shared=["v9", "nanti"],
        )  # fmt: skip
    stored = conn.execute("SELECT * FROM t ORDER BY rowid").fetchall()
    assert stored == [(a, b, "v9", "nanti") for a, b in rows]


def _mixed(i: int, version: int) -> Analysis:
    return Analysis(
        relevant=bool((i + version) % 2), relevance=i / 10, departments=("bpbd",)[: i % 2],
        aspirasi="keluhan" if version else "informasi", sentiment=-i / 10,
        matched={"v": [version]}, fingerprint=i * 1000 + version,
    )  # fmt: skip


def test_a_batch_of_new_and_stored_analyses_upserts_each_row(db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(analysis_store, "_ROWS_PER_INSERT", 4)
    post_store.save_batch(db, _posts(11))
    analysis_store.save_analyses(db, [(i, _mixed(i, 0), None) for i in (2, 3, 5, 8)], "v1")
    analysis_store.save_analyses(db, [(i, _mixed(i, 1), None) for i in range(1, 12)], "v2")
    rows = db.execute(
        "SELECT post_id, relevant, relevance, departments, aspirasi, sentiment, matched,"
        " fingerprint, taxonomy_version FROM analysis ORDER BY post_id"
    ).fetchall()
    assert rows == [
        (i, (i + 1) % 2, i / 10, '["bpbd"]' if i % 2 else "[]", "keluhan", -i / 10, '{"v":[1]}',
         i * 1000 + 1, "v2")
        for i in range(1, 12)
    ]  # fmt: skip
    (stamp,) = db.execute("SELECT DISTINCT processed_at FROM analysis").fetchone()
    assert stamp and stamp.endswith("Z")
    assert list(analysis_store.pending_posts(db, "v2")) == []


@pytest.mark.parametrize("all_posts", [False, True])
def test_pending_rows_are_the_pending_posts_as_plain_tuples(db, all_posts: bool) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts(7))
    analysis_store.save_analyses(db, [(i, _mixed(i, 0), None) for i in (2, 3)], "v1")
    rows = list(analysis_store.pending_rows(db, "v1", batch_size=2, all_posts=all_posts))
    posts = list(analysis_store.pending_posts(db, "v1", batch_size=2, all_posts=all_posts))
    assert [[tuple(p) for p in batch] for batch in posts] == rows
    assert all(type(row) is tuple for batch in rows for row in batch)
    ids = [row[0] for batch in rows for row in batch]
    assert ids == ([1, 2, 3, 4, 5, 6, 7] if all_posts else [1, 4, 5, 6, 7])
    assert [len(batch) for batch in rows] == ([2, 2, 2, 1] if all_posts else [2, 2, 1])
