"""Posts and cursors: idempotent batch upserts keyed by (source, external_id)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

import orjson
import sqlite_utils

from pantau.models import Post
from storage.db import to_iso, write_tx

_COLUMNS = (
    "source, kind, external_id, url, author, title, text, published_at, fetched_at, lang, "
    "metrics, raw"
)
_WIDTH = _COLUMNS.count(",") + 1
# Rows per INSERT statement. The posts_ai trigger feeds FTS5, and FTS5 flushes its pending
# terms into a new on-disk segment at every statement savepoint; a statement that fires a
# trigger opens one. With ``executemany`` (one statement per row) that meant one tiny segment
# plus merge work per post (~55 us of ~65 us per post); one multi-row statement per chunk
# flushes once per chunk (~25 us per post all told). The trigger stays the single place that
# keeps FTS in sync. Bigger chunks flush fewer, larger segments: 2,000 rows per statement
# cost ~32K instructions less per post than 500 (a collector run stores batches of
# ``pantau.pipeline.BATCH_SIZE``); 2,000 x 12 values stay within SQLite's 32,766 parameters.
_ROWS_PER_INSERT = 2000
_UPDATE_METRICS = """
UPDATE posts SET metrics = ? WHERE source = ? AND external_id = ? AND metrics IS NOT ?
"""
_CHUNK = 500


# One encoder for every row: json.dumps with non-default options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))


# orjson writes the same compact UTF-8 text as the encoder below for JSON-like payloads,
# ~5x faster; datetimes and dataclasses go through ``default=str`` as with json.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode("utf-8")
    except TypeError:
        pass  # integers over 64 bits, non-string keys, lone surrogates: the json module
    text = _ENCODER.encode(value)
    return text if _encodable(text) else json.dumps(value, default=str, separators=(",", ":"))


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _safe(text: str | None) -> str | None:
    """Replace lone surrogates (from JSON payloads) that SQLite cannot store as UTF-8."""
    if text is None or _encodable(text):
        return text
    return text.encode("utf-8", "replace").decode("utf-8")


def hash_author(author: str | None) -> str | None:
    """Pseudonymise an author handle (used when privacy.hash_authors is on)."""
    if not author:
        return author
    return "anon:" + hashlib.sha256(author.encode("utf-8")).hexdigest()[:16]


def _row(post: Post, hash_authors: bool) -> tuple[Any, ...]:
    """The posts row of ``post``, for text SQLite can store (see :func:`_safe_row`).

    Texts are bound as they are: sqlite3 encodes each to UTF-8 while binding, and a lone
    surrogate fails that with UnicodeEncodeError before the statement runs; only then
    are the rows rebuilt with :func:`_safe_row` (checking every text here first cost an
    extra call per column and a second UTF-8 encoding of every non-ASCII text).
    """
    if hash_authors:
        return _safe_row(post, hash_authors)
    published = post.published_at
    fetched = post.fetched_at
    published_iso = None if published is None else to_iso(published)
    metrics: Any = post.metrics
    raw: Any = post.raw
    if metrics is not None:
        try:
            metrics = orjson.dumps(metrics, default=str, option=_ORJSON_OPTIONS).decode()
        except TypeError:
            metrics = _json(metrics)
    if raw is not None:
        try:
            raw = orjson.dumps(raw, default=str, option=_ORJSON_OPTIONS).decode()
        except TypeError:
            raw = _json(raw)
    return (
        post.source, post.kind, post.external_id, post.url, post.author, post.title,
        post.text or "", published_iso,
        published_iso if fetched is published else to_iso(fetched),
        post.lang, metrics, raw,
    )  # fmt: skip


def _safe_row(post: Post, hash_authors: bool) -> tuple[Any, ...]:
    """The posts row of ``post`` with lone surrogates replaced in every text."""
    author = hash_author(post.author) if hash_authors else post.author
    raw = _json(post.raw)
    published = to_iso(post.published_at)
    fetched = published if post.fetched_at is post.published_at else to_iso(post.fetched_at)
    if hash_authors and post.author and raw and author:
        # The raw payload repeats the handle: pseudonymise it there too.
        quoted = json.dumps(post.author, ensure_ascii=False)[1:-1]
        raw = raw.replace(quoted, author).replace(json.dumps(post.author)[1:-1], author)
    return (
        post.source, post.kind, _safe(post.external_id), _safe(post.url), _safe(author),
        _safe(post.title), _safe(post.text) or "", published,
        fetched, _safe(post.lang), _json(post.metrics), raw,
    )  # fmt: skip


def existing_ids(db: sqlite_utils.Database, source: str, external_ids: Sequence[str]) -> set[str]:
    """Return which of ``external_ids`` are already stored for ``source``."""
    found: set[str] = set()
    for start in range(0, len(external_ids), _CHUNK):
        chunk = list(external_ids[start : start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT external_id FROM posts WHERE source = ? AND external_id IN ({marks})",
            [source, *chunk],
        )
        found.update(r[0] for r in rows)
    return found


def insert_posts(
    db: sqlite_utils.Database, posts: Sequence[Post], *, hash_authors: bool = False
) -> int:
    """Insert new posts and refresh metrics of known ones; return how many were new.

    Must run inside a write transaction (see :func:`save_batch`). Items repeated
    within ``posts`` are stored once.
    """
    unique: dict[tuple[str, str], Post] = {}
    for post in posts:
        external_id = post.external_id
        if not external_id.isascii() and not _encodable(external_id):
            post = dataclasses.replace(post, external_id=_safe(external_id) or "")
            external_id = post.external_id
        unique.setdefault((post.source, external_id), post)
    if not unique:
        return 0
    by_source: dict[str, list[str]] = {}
    for source, external_id in unique:
        by_source.setdefault(source, []).append(external_id)
    known: set[tuple[str, str]] = set()
    for source, ids in by_source.items():
        known.update((source, e) for e in existing_ids(db, source, ids))
    fresh = [p for key, p in unique.items() if key not in known]
    new = len(fresh)
    try:
        _insert_rows(db.conn, [_row(p, hash_authors) for p in fresh])
    except UnicodeEncodeError:
        # A text with a lone surrogate (nothing of its statement ran): store the cleaned
        # rows. Chunks already inserted are identical and skipped as conflicts.
        _insert_rows(db.conn, [_safe_row(p, hash_authors) for p in fresh])
    # Fresh posts were just inserted with their metrics; only known ones may need a refresh.
    with_metrics = [
        (metrics, key[0], key[1], metrics)
        for key, p in unique.items()
        if p.metrics and key in known
        for metrics in (_json(p.metrics),)
    ]
    if with_metrics:
        db.conn.executemany(_UPDATE_METRICS, with_metrics)
    return new


@functools.lru_cache(maxsize=8)
def _insert_sql(rows: int) -> str:
    marks = "(" + ", ".join("?" * _WIDTH) + ")"
    return (
        f"INSERT INTO posts ({_COLUMNS}) VALUES {', '.join([marks] * rows)} "
        "ON CONFLICT (source, external_id) DO NOTHING"
    )


def _rows_per_insert(conn: sqlite3.Connection) -> int:
    # Builds before SQLite 3.32 allow only 999 parameters per statement.
    return max(
        1, min(_ROWS_PER_INSERT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // _WIDTH)
    )


def _insert_rows(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (in order, so ids follow it) with few multi-row statements."""
    step = _rows_per_insert(conn)
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        conn.execute(_insert_sql(len(chunk)), list(chain.from_iterable(chunk)))


def save_batch(
    db: sqlite_utils.Database,
    posts: Sequence[Post],
    *,
    source: str | None = None,
    cursor: str | None = None,
    save_cursor: bool = False,
    hash_authors: bool = False,
) -> int:
    """Store one batch of posts, and optionally the source's cursor, in one transaction."""
    with write_tx(db):
        new = insert_posts(db, posts, hash_authors=hash_authors)
        if save_cursor and source is not None:
            set_cursor(db, source, cursor)
    return new


def upsert_posts(
    db: sqlite_utils.Database, posts: Iterable[Post], *, batch_size: int = 1000
) -> int:
    """Store posts in batches (each its own transaction); return how many were new."""
    new = 0
    batch: list[Post] = []
    for post in posts:
        batch.append(post)
        if len(batch) >= batch_size:
            new += save_batch(db, batch)
            batch = []
    if batch:
        new += save_batch(db, batch)
    return new


def get_cursor(db: sqlite_utils.Database, source: str) -> str | None:
    """Return the stored cursor of ``source`` (None before its first successful run)."""
    row = db.execute("SELECT cursor FROM cursors WHERE source = ?", [source]).fetchone()
    return row[0] if row else None


def set_cursor(db: sqlite_utils.Database, source: str, cursor: str | None) -> None:
    """Save the cursor of ``source``; call inside the transaction that stored its posts."""
    from pantau.models import utcnow

    db.execute(
        """
        INSERT INTO cursors (source, cursor, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
        """,
        [source, cursor, to_iso(utcnow())],
    )


def url_is_stored(db: sqlite_utils.Database, url: str) -> bool:
    """Return True when a post with this canonical URL is already stored."""
    return db.execute("SELECT 1 FROM posts WHERE url = ? LIMIT 1", [url]).fetchone() is not None


def count_posts(db: sqlite_utils.Database, source: str | None = None) -> int:
    """Return how many posts are stored (for one source, or all)."""
    if source is None:
        return int(db.execute("SELECT count(*) FROM posts").fetchone()[0])
    return int(db.execute("SELECT count(*) FROM posts WHERE source = ?", [source]).fetchone()[0])


def iter_rows(
    db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()
) -> Iterator[dict[str, Any]]:
    """Stream the rows of a read query as dicts (used by loaders and exports)."""
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))
