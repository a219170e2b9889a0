"""Storage: migrations, WAL, idempotent upserts, cursors with their posts, FTS."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pantau.models import Post
from storage import posts as post_store
from storage.db import from_iso, open_db, to_iso, write_tx


def _post(i: int, source: str = "s", **kw: object) -> Post:
    return Post(
        source=source, kind="rss", external_id=f"id-{i}", text=f"teks {i} banjir", title=f"judul {i}",
        published_at=datetime(2026, 11, 27, 3, i % 60, tzinfo=UTC), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_open_db_uses_wal_and_migrates_once(db_path: Path) -> None:
    db = open_db(db_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = set(db.table_names())
    assert {
        "posts",
        "analysis",
        "post_departments",
        "post_topics",
        "post_places",
        "cursors",
        "runs",
    } <= tables
    assert "mentions" in db.view_names()
    db.close()
    again = open_db(db_path)
    names = [r[0] for r in again.execute("select name from _sqlite_migrations")]
    assert names.count("m001_initial") == 1


def test_upsert_is_idempotent_and_counts_new(db) -> None:  # type: ignore[no-untyped-def]
    batch = [_post(i) for i in range(10)]
    assert post_store.save_batch(db, batch) == 10
    assert post_store.save_batch(db, batch + [_post(10)]) == 1
    assert post_store.save_batch(db, [_post(1), _post(1)]) == 0
    assert post_store.count_posts(db) == 11
    assert post_store.save_batch(db, [_post(1, source="other")]) == 1


def test_metrics_refresh_without_duplicating(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, [_post(1, metrics={"like_count": 1})])
    post_store.save_batch(db, [_post(1, metrics={"like_count": 9})])
    rows = db.execute("select metrics from posts").fetchall()
    assert rows == [('{"like_count":9}',)]


def test_cursor_saved_with_posts_or_not_at_all(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, [_post(1)], source="s", cursor="c1", save_cursor=True)
    assert post_store.get_cursor(db, "s") == "c1"
    with pytest.raises(RuntimeError):
        with write_tx(db):
            post_store.insert_posts(db, [_post(2)])
            post_store.set_cursor(db, "s", "c2")
            raise RuntimeError("crash mid-run")
    assert post_store.get_cursor(db, "s") == "c1"
    assert post_store.count_posts(db) == 1


def test_fts_follows_inserts(db) -> None:  # type: ignore[no-untyped-def]
    from storage.queries import search_posts

    post_store.save_batch(
        db, [_post(1), Post(source="s", kind="rss", external_id="z", text="longsor di Sukajaya")]
    )
    hits = search_posts(db, "longsor")
    assert [h["source"] for h in hits] == ["s"]
    assert search_posts(db, "banjir")[0]["title"] == "judul 1"


def test_hash_authors_pseudonymises(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, [_post(1, author="warga_cibinong")], hash_authors=True)
    author = db.execute("select author from posts").fetchone()[0]
    assert author.startswith("anon:") and "warga" not in author


def test_iso_round_trip() -> None:
    moment = datetime(2026, 11, 28, 4, 5, 6, tzinfo=UTC)
    assert to_iso(moment) == "2026-11-28T04:05:06Z"
    assert from_iso(to_iso(moment)) == moment
    assert to_iso(datetime(2026, 1, 1)) == "2026-01-01T00:00:00Z"
