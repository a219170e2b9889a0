"""Storage write paths kept fast: multi-row post inserts, FTS settings, analysis rewrites."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.models import Analysis, Post
from storage import analysis as analysis_store
from storage import posts as post_store
from storage.db import open_db
from storage.queries import search_posts


def _post(i: int, text: str | None = None, source: str = "s") -> Post:
    return Post(
        source=source, kind="x", external_id=f"e{i}", text=text or f"kabar nomor {i} dari Cibinong",
        title=f"judul {i}", published_at=datetime(2026, 11, 27, 1, i % 60, tzinfo=UTC),
    )  # fmt: skip


def _fts_ok(db) -> None:  # type: ignore[no-untyped-def]
    # Raises "database disk image is malformed" when the index and posts disagree.
    db.execute("INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)")


def test_chunked_insert_keeps_order_ids_and_fts(db, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(post_store, "_ROWS_PER_INSERT", 7)
    post_store.save_batch(db, [_post(i) for i in range(5)])
    # Known posts, repeats within the batch and a chunk boundary that is not a multiple of 7.
    batch = [_post(i) for i in range(3, 40)] + [_post(12), _post(41, source="t")]
    assert post_store.save_batch(db, batch) == 36
    rows = db.execute("SELECT id, source, external_id FROM posts ORDER BY id").fetchall()
    assert [r[0] for r in rows] == list(range(1, 42))
    assert [r[2] for r in rows] == [f"e{i}" for i in range(40)] + ["e41"]
    assert post_store.save_batch(db, batch) == 0
    _fts_ok(db)
    hits = db.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'cibinong'").fetchone()
    assert hits[0] == 41
    assert [h["title"] for h in search_posts(db, '"nomor 17"')] == ["judul 17"]


def test_insert_falls_back_to_the_parameter_limit(db) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 30)  # two rows of 12 per statement
    assert post_store._rows_per_insert(db.conn) == 2
    assert post_store.save_batch(db, [_post(i) for i in range(5)]) == 5
    assert post_store.count_posts(db) == 5
    _fts_ok(db)


def test_fts_automerge_setting_and_phrase_search(db) -> None:  # type: ignore[no-untyped-def]
    value = db.execute("SELECT v FROM posts_fts_config WHERE k = 'automerge'").fetchone()
    assert value == (8,)
    texts = ["jalan rusak parah di Citeureup", "rusak jalan menuju pasar", "jalan berlubang rusak"]
    for start in range(0, 60, 3):  # many small transactions: many segments, merges
        post_store.save_batch(db, [_post(start + k, texts[k]) for k in range(3)])
    _fts_ok(db)
    phrase = search_posts(db, '"jalan rusak"', limit=100)
    assert len(phrase) == 20
    assert all("jalan rusak" in db.execute(
        "SELECT text FROM posts WHERE id = ?", [h["id"]]).fetchone()[0] for h in phrase)  # fmt: skip
    assert len(search_posts(db, "jalan rusak", limit=100)) == 60
    assert len(search_posts(db, "NEAR(jalan pasar, 1)", limit=100)) == 20


def test_automerge_migration_on_a_database_with_data(db_path: Path) -> None:
    db = open_db(db_path)
    post_store.save_batch(db, [_post(i) for i in range(30)])
    # Roll the database back to how m001-m003 left it, then open it again.
    db.execute("DELETE FROM posts_fts_config WHERE k = 'automerge'")
    db.execute("CREATE INDEX analysis_version ON analysis (taxonomy_version)")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_write_speed'")
    db.close()
    db = open_db(db_path)
    assert db.execute("SELECT v FROM posts_fts_config WHERE k = 'automerge'").fetchone() == (8,)
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "analysis_version" not in indexes and "posts_url" in indexes
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone() == (10_000,)
    _fts_ok(db)
    post_store.save_batch(db, [_post(i, "banjir di Bojonggede") for i in range(30, 40)])
    _fts_ok(db)
    assert len(search_posts(db, '"banjir di bojonggede"', limit=50)) == 10
    assert len(search_posts(db, "cibinong", limit=50)) == 30
    db.close()


def _analysis(
    departments: tuple[str, ...], topics: tuple[str, ...], places: tuple[str, ...]
) -> Analysis:
    return Analysis(
        relevant=True, relevance=0.9, departments=departments, topics=topics, kecamatan=places,
        matched={"departments": {d: [d.lower()] for d in departments}}, fingerprint=7,
    )  # fmt: skip


def _tags(db, table: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    column = {"post_departments": "department", "post_topics": "topic", "post_places": "kecamatan"}
    return db.execute(f"SELECT post_id, {column[table]} FROM {table} ORDER BY 1, 2").fetchall()


def _stored(db, n: int) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, [_post(i) for i in range(n)])


def test_reprocessed_post_with_fewer_tags_leaves_no_stale_rows(db) -> None:  # type: ignore[no-untyped-def]
    _stored(db, 6)
    full = _analysis(("dpupr", "bpbd"), ("banjir", "jalan"), ("Cibinong", "Citeureup"))
    analysis_store.save_analyses(db, [(i, full, None) for i in range(1, 7)], "v1")
    assert len(_tags(db, "post_departments")) == 12
    # A contiguous batch (range delete) and a scattered one (IN delete), each with fewer tags.
    less = _analysis(("bpbd",), (), ("Cibinong",))
    analysis_store.save_analyses(db, [(2, less, None), (3, less, None)], "v2")
    analysis_store.save_analyses(db, [(1, less, None), (5, _analysis((), (), ()), None)], "v2")
    deps = _tags(db, "post_departments")
    assert [r for r in deps if r[0] in (1, 2, 3)] == [(1, "bpbd"), (2, "bpbd"), (3, "bpbd")]
    assert [r for r in deps if r[0] == 4] == [(4, "bpbd"), (4, "dpupr")]
    assert not [r for r in deps if r[0] == 5]
    assert [r[0] for r in _tags(db, "post_topics")] == [4, 4, 6, 6]
    assert [r for r in _tags(db, "post_places") if r[0] in (1, 2, 3, 5)] == [
        (1, "Cibinong"), (2, "Cibinong"), (3, "Cibinong"),
    ]  # fmt: skip
    versions = dict(db.execute("SELECT post_id, taxonomy_version FROM analysis").fetchall())
    assert versions == {1: "v2", 2: "v2", 3: "v2", 4: "v1", 5: "v2", 6: "v1"}
    terms = db.execute(
        "SELECT terms FROM post_departments WHERE post_id = 4 AND department = 'bpbd'"
    )
    assert terms.fetchone() == ('["bpbd"]',)


def test_dup_of_set_cleared_and_kept(db) -> None:  # type: ignore[no-untyped-def]
    _stored(db, 5)
    a = _analysis(("bpbd",), (), ())
    analysis_store.save_analyses(db, [(1, a, None), (2, a, 1), (3, a, 1), (4, a, None)], "v1")
    assert db.execute("SELECT id, dup_of FROM posts ORDER BY id").fetchall() == [
        (1, None), (2, 1), (3, 1), (4, None), (5, None),
    ]  # fmt: skip
    # Re-processing: 2 stays a copy, 3 is no longer one, 4 now is one (of 2), 5 is untouched.
    analysis_store.save_analyses(db, [(2, a, 1), (3, a, None), (4, a, 2)], "v2")
    assert db.execute("SELECT id, dup_of FROM posts ORDER BY id").fetchall() == [
        (1, None), (2, 1), (3, None), (4, 2), (5, None),
    ]  # fmt: skip


def test_posts_deleted_meanwhile_are_skipped_and_checks_stay_on(db) -> None:  # type: ignore[no-untyped-def]
    _stored(db, 4)
    db.execute("DELETE FROM posts WHERE id IN (2, 3)")  # e.g. pruned after they were read
    a = _analysis(("bpbd",), ("banjir",), ("Cibinong",))
    analysis_store.save_analyses(db, [(1, a, None), (2, a, None), (4, a, 3)], "v1")
    assert [r[0] for r in db.execute("SELECT post_id FROM analysis ORDER BY 1")] == [1, 4]
    assert [r[0] for r in _tags(db, "post_departments")] == [1, 4]
    assert db.execute("SELECT dup_of FROM posts WHERE id = 4").fetchone() == (None,)
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # Deleting a post still cascades to its analysis and tags.
    db.execute("DELETE FROM posts WHERE id = 1")
    assert [r[0] for r in db.execute("SELECT post_id FROM analysis")] == [4]
    assert [r[0] for r in _tags(db, "post_places")] == [4]


def test_save_inside_an_open_transaction_rolls_back_with_it(db) -> None:  # type: ignore[no-untyped-def]
    from storage.db import write_tx

    _stored(db, 2)
    a = _analysis(("bpbd",), (), ())
    with pytest.raises(RuntimeError):
        with write_tx(db):
            analysis_store.save_analyses(db, [(1, a, None), (2, a, 1)], "v1")
            raise RuntimeError("crash")
    assert db.execute("SELECT count(*) FROM analysis").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM posts WHERE dup_of IS NOT NULL").fetchone() == (0,)
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_pending_then_saved_in_batches_covers_every_post_once(db) -> None:  # type: ignore[no-untyped-def]
    _stored(db, 25)
    a = _analysis(("bpbd",), (), ())
    seen: list[int] = []
    for batch in analysis_store.pending_posts(db, "v1", batch_size=10):
        seen += [p.id for p in batch]
        analysis_store.save_analyses(db, [(p.id, a, None) for p in batch], "v1")
    assert seen == list(range(1, 26))
    assert list(analysis_store.pending_posts(db, "v1")) == []
    assert analysis_store.count_pending(db, "v2") == 25


def test_retag_keeps_unchanged_tag_rows_and_replaces_changed_ones(db) -> None:  # type: ignore[no-untyped-def]
    _stored(db, 4)
    before = _analysis(("bpbd", "dpupr", "dinkes"), ("banjir", "jalan"), ("Cibinong",))
    analysis_store.save_analyses(db, [(i, before, None) for i in range(1, 5)], "v1")
    # Same first two departments (same rank and terms), the third dropped; one topic's
    # terms change; a place is added. Contiguous (1-2) and scattered (1, 3) batches.
    after = Analysis(
        relevant=True, relevance=0.5, departments=("bpbd", "dpupr"), topics=("banjir", "jalan"),
        kecamatan=("Cibinong", "Bojonggede"), desa=("Bojonggede/Waringin Jaya",),
        matched={"departments": {"bpbd": ["bpbd"], "dpupr": ["dpupr"]},
                 "topics": {"jalan": ["jalan rusak"]}},
    )  # fmt: skip
    analysis_store.save_analyses(db, [(1, after, None), (2, after, None)], "v2")
    analysis_store.save_analyses(db, [(3, after, None)], "v2")
    for post in (1, 2, 3):
        assert db.execute(
            "SELECT department, rank, terms FROM post_departments WHERE post_id = ? ORDER BY 2",
            [post],
        ).fetchall() == [("bpbd", 0, '["bpbd"]'), ("dpupr", 1, '["dpupr"]')]
        assert db.execute(
            "SELECT topic, terms FROM post_topics WHERE post_id = ? ORDER BY 1", [post]
        ).fetchall() == [("banjir", "[]"), ("jalan", '["jalan rusak"]')]
        assert db.execute(
            "SELECT kecamatan, desa FROM post_places WHERE post_id = ? ORDER BY 1", [post]
        ).fetchall() == [("Bojonggede", "Waringin Jaya"), ("Cibinong", "")]
    assert [r[0] for r in _tags(db, "post_departments") if r[0] == 4] == [4, 4, 4]
    relevance = db.execute("SELECT post_id, relevance FROM analysis ORDER BY 1").fetchall()
    assert relevance == [(1, 0.5), (2, 0.5), (3, 0.5), (4, 0.9)]


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False, width=32),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


def _has_float(value: object) -> bool:
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return isinstance(value, float)


@settings(max_examples=150, deadline=None)
@given(_JSON_VALUES)
def test_payload_json_reads_back_equal(value: object) -> None:
    import json

    text = post_store._json(value)
    if value is None:
        assert text is None
        return
    assert text is not None
    text.encode("utf-8")  # storable: lone surrogates are escaped
    assert json.loads(text) == value
    # Same text as the json module wrote before (floats may differ in exponent notation).
    if not _has_float(value):
        old = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if any(0xD800 <= ord(c) <= 0xDFFF for c in old):
            old = json.dumps(value, separators=(",", ":"))
        assert text == old


def test_payload_json_fallbacks() -> None:
    assert post_store._json({"at": datetime(2026, 1, 2, tzinfo=UTC)}) == (
        '{"at":"2026-01-02 00:00:00+00:00"}'
    )
    assert post_store._json({1: "a"}) == '{"1":"a"}'
    assert post_store._json({"n": 2**80}) == '{"n":1208925819614629174706176}'
    assert post_store._json({"t": "bad \ud800 surrogate"}) == '{"t":"bad \\ud800 surrogate"}'


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1000, 1, 2), timezones=st.none() | st.timezones()))
def test_to_iso_matches_strftime(moment: datetime) -> None:
    from storage.db import from_iso, to_iso

    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    expected = aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert to_iso(moment) == expected
    assert from_iso(to_iso(moment)) == aware.astimezone(UTC).replace(microsecond=0)


def test_failed_save_writes_nothing_and_restores_checks(db) -> None:  # type: ignore[no-untyped-def]
    from pantau.errors import StorageError

    _stored(db, 2)
    bad = _analysis(("bpbd", "bpbd"), (), ())  # the same tag twice: the key refuses it
    with pytest.raises(StorageError):
        analysis_store.save_analyses(
            db, [(1, _analysis(("bpbd",), (), ()), None), (2, bad, 1)], "v1"
        )
    assert db.execute("SELECT count(*) FROM analysis").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM post_departments").fetchone() == (0,)
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    with pytest.raises(Exception, match="FOREIGN KEY"):
        db.execute("INSERT INTO analysis (post_id, relevant, relevance, aspirasi, sentiment, "
                   "taxonomy_version, processed_at) VALUES (99, 1, 1, 'x', 0, 'v', 'now')")  # fmt: skip


def test_tag_terms_keep_their_json(db) -> None:  # type: ignore[no-untyped-def]
    _stored(db, 2)
    odd = Analysis(
        relevant=True, relevance=1.0, departments=("bpbd", "dinkes"), kecamatan=("Cibinong",),
        matched={"departments": {"bpbd": ["banjir", "😭"], "dinkes": [["nested"]]},
                 "kecamatan": {"Cibinong": "cibinong"}},
    )  # fmt: skip
    analysis_store.save_analyses(db, [(1, odd, None), (2, odd, None)], "v1")
    assert db.execute("SELECT terms FROM post_departments ORDER BY post_id, rank").fetchall() == [
        ('["banjir","😭"]',), ('[["nested"]]',), ('["banjir","😭"]',), ('[["nested"]]',),
    ]  # fmt: skip
    assert db.execute("SELECT DISTINCT terms FROM post_places").fetchall() == [('"cibinong"',)]
    row = db.execute("SELECT departments, topics, kecamatan FROM analysis WHERE post_id = 2")
    assert row.fetchone() == ('["bpbd","dinkes"]', "[]", '["Cibinong"]')


def test_day_posts_can_leave_matched_encoded(db) -> None:  # type: ignore[no-untyped-def]
    from storage.queries import day_posts, decode_json

    post_store.save_batch(db, [_post(1), _post(2)])
    analysis_store.save_analyses(db, [(1, _analysis(("pupr",), (), ()), None)], "v1")
    start, end = "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"
    decoded = day_posts(db, start, end)
    raw = day_posts(db, start, end, decode_matched=False)
    assert len(decoded) == len(raw) == 1  # only analysed posts
    assert isinstance(raw[0]["matched"], str)
    assert decode_json(raw[0]["matched"], {}) == decoded[0]["matched"]
    assert decoded[0]["matched"]["departments"] == {"pupr": ["pupr"]}
    assert raw[0]["departments"] == decoded[0]["departments"] == ["pupr"]
    assert decode_json(None, {}) == {} and decode_json("", []) == []
