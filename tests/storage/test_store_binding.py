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


def test_lone_surrogates_in_a_later_chunk_store_every_post_once(db) -> None:  # type: ignore[no-untyped-def]
    # 600 posts = two INSERT statements; the bad texts sit in the second one, so the
    # first is already stored when binding the second fails and the rows are rebuilt.
    batch = [_post(i) for i in range(600)]
    batch[550] = _post(550, title="judul\ud83d", author="@pen\udc00", url="https://a.id/\ud800")
    batch[599] = Post("s", "rss", "id-599", "teks\udfff akhir", lang="i\ud800d")
    assert post_store.save_batch(db, batch) == 600
    assert post_store.count_posts(db) == 600
    rows = db.execute(
        "SELECT title, author, url, text, lang FROM posts"
        " WHERE external_id IN ('id-550', 'id-599') ORDER BY id"
    ).fetchall()
    assert rows == [
        ("judul?", "@pen?", "https://a.id/?", "teks 550 banjir", None),
        (None, None, None, "teks? akhir", "i?d"),
    ]
    ids = [r[0] for r in db.execute("SELECT external_id FROM posts ORDER BY id")]
    assert ids == [f"id-{i}" for i in range(600)]  # ids still follow the batch order
    assert post_store.save_batch(db, batch) == 0  # idempotent: same cleaned keys


def test_rows_bind_the_same_values_as_the_checked_path() -> None:
    post = _post(1, url="https://a.id/1", author="warga", title="Judul ✓", lang="id",
                 metrics={"like_count": 3}, raw={"k": [1, "é"]})  # fmt: skip
    assert post_store._row(post, False) == post_store._safe_row(post, False)
