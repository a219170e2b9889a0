"""Storage: how posts are bound and inserted (NULL binding, conflicts, metrics refresh)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from pantau.models import Post
from storage import posts as post_store


def _post(i: int, source: str = "s", **kw: object) -> Post:
    return Post(
        source=source, kind="rss", external_id=f"id-{i}", text=f"teks {i} banjir",
        published_at=datetime(2026, 11, 27, 3, i % 60, tzinfo=UTC), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_none_is_bound_as_sql_null(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, [_post(1, author=None, title=None, lang=None, metrics=None)])
    row = db.execute(
        "SELECT typeof(author), typeof(title), typeof(lang), typeof(metrics), typeof(url)"
        " FROM posts"
    ).fetchone()
    assert row == ("null",) * 5
    # None in a comparison parameter still means NULL (IS matches, = does not).
    assert db.execute("SELECT count(*) FROM posts WHERE author IS ?", [None]).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM posts WHERE author = ?", [None]).fetchone()[0] == 0


def test_none_binding_of_a_plain_connection_is_unchanged() -> None:
    conn = sqlite3.connect(":memory:")
    assert conn.execute("SELECT typeof(?), ? IS NULL", [None, None]).fetchone() == ("null", 1)
    conn.close()
