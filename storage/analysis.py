"""Analysis rows and tag tables: what processing reads and writes."""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, NamedTuple

import orjson
import sqlite_utils

from pantau.models import Analysis, utcnow
from storage.db import to_iso, write_tx


class PendingPost(NamedTuple):
    """The fields processing needs from a stored post (a tuple: built straight from a row)."""

    id: int
    kind: str
    url: str | None
    title: str | None
    text: str
    published_at: str | None


def pending_posts(
    db: sqlite_utils.Database,
    taxonomy_version: str,
    *,
    batch_size: int = 2000,
    all_posts: bool = False,
) -> Iterator[list[PendingPost]]:
    """Stream posts lacking an analysis of ``taxonomy_version`` in id order, in batches.

    With ``all_posts`` every post is returned (``pantau retag``). Keyset pagination
    keeps memory flat and lets the caller write between batches.
    """
    for rows in pending_rows(db, taxonomy_version, batch_size=batch_size, all_posts=all_posts):
        yield list(map(_make_pending, rows))


def pending_rows(
    db: sqlite_utils.Database,
    taxonomy_version: str,
    *,
    batch_size: int = 2000,
    all_posts: bool = False,
) -> Iterator[list[tuple[Any, ...]]]:
    """``pending_posts`` as the plain row tuples, in the same field order (no per-post copy).

    The processing loop unpacks each row by position: naming the fields cost ~1,250
    instructions per post.
    """
    last = 0
    columns = "p.id, p.kind, p.url, p.title, p.text, coalesce(p.published_at, p.fetched_at)"
    if all_posts:
        sql = f"SELECT {columns} FROM posts p WHERE p.id > ? ORDER BY p.id LIMIT ?"
        params_tail: list[Any] = []
    else:
        sql = f"""
            SELECT {columns} FROM posts p LEFT JOIN analysis a ON a.post_id = p.id
            WHERE p.id > ? AND (a.post_id IS NULL OR a.taxonomy_version != ?)
            ORDER BY p.id LIMIT ?
        """
        params_tail = [taxonomy_version]
    while True:
        rows = db.execute(sql, [last, *params_tail, batch_size]).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


# tuple.__new__ bound to the class: what ``PendingPost._make`` does, minus its Python frame and
# length check (the query returns six columns); ~0.1 us per post.
_make_pending = functools.partial(tuple.__new__, PendingPost)


def count_pending(db: sqlite_utils.Database, taxonomy_version: str) -> int:
    """Return how many posts lack an analysis of ``taxonomy_version``."""
    row = db.execute(
        """
        SELECT count(*) FROM posts p LEFT JOIN analysis a ON a.post_id = p.id
        WHERE a.post_id IS NULL OR a.taxonomy_version != ?
        """,
        [taxonomy_version],
    ).fetchone()
    return int(row[0])


# Fallback for anything orjson refuses; same output format (compact, UTF-8 unescaped).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value: Any) -> str:
    # orjson: ~10x faster than json for the small lists/dicts of every analysis and tag row.
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:
        return _ENCODER.encode(value)


# Analysis rows: one multi-row upsert per chunk. Parameters ?1 and ?2 (taxonomy version,
# processed_at) are the same for a whole batch: bound once per statement, not per row.
_ANALYSIS_HEAD = """INSERT INTO analysis (post_id, relevant, relevance, departments, topics,
    kecamatan, aspirasi, sentiment, matched, fingerprint, taxonomy_version, processed_at)
    VALUES """
_ANALYSIS_TAIL = """
    ON CONFLICT (post_id) DO UPDATE SET
        relevant = excluded.relevant, relevance = excluded.relevance,
        departments = excluded.departments, topics = excluded.topics,
        kecamatan = excluded.kecamatan, aspirasi = excluded.aspirasi,
        sentiment = excluded.sentiment, matched = excluded.matched,
        fingerprint = excluded.fingerprint, taxonomy_version = excluded.taxonomy_version,
        processed_at = excluded.processed_at
"""
_ANALYSIS_WIDTH = 10  # values per row in ``_Rows.analysis``; then ?1, ?2
# Tag tables: their columns (in the order rows are built), how many form the key, and the
# conflict clause of their INSERT.
_TAGS = {
    "post_departments": (("post_id", "department", "rank", "terms"), 2, ""),
    "post_topics": (("post_id", "topic", "department", "terms"), 2, ""),
    "post_places": (("post_id", "kecamatan", "desa", "terms"), 3, "OR IGNORE "),
}
_EMPTY = "[]"
_flat = chain.from_iterable
_orjson_dumps = orjson.dumps


@dataclass(slots=True)
class _Rows:
    """A batch's rows, flat, as the multi-row INSERTs bind them."""

    analysis: list[Any]
    departments: list[Any]
    topics: list[Any]
    places: list[Any]


# JSON texts of tag and term lists by value, shared by every batch of the process (a tag
# list or term list repeats across batches too). Only tuples of plain strings are kept:
# they equal nothing that encodes differently (as ``(1,) == (True,) == (1.0,)`` do).
_TEXTS_SEED: dict[Any, str] = {(): _EMPTY, None: _EMPTY}
_TEXTS: dict[Any, str] = dict(_TEXTS_SEED)
_TEXTS_MAX = 1 << 16  # entries; then the cache starts over (~10 MB at most)


def _text(items: Any) -> str:
    """The JSON text of a tag or term list (``[]`` for none), from ``_TEXTS`` when it is there."""
    if not items:
        return _EMPTY
    kind = type(items)
    if kind is not tuple and kind is not list:
        return _dumps(items)
    for item in items:
        if type(item) is not str:
            return _dumps(items)
    key = items if kind is tuple else tuple(items)
    found = _TEXTS.get(key)
    if found is None:
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
            _TEXTS.update(_TEXTS_SEED)
        try:
            found = _orjson_dumps(key).decode("utf-8")
        except TypeError:  # lone surrogates
            found = _ENCODER.encode(key)
        _TEXTS[key] = found
    return found


def _build_rows(
    results: Sequence[tuple[int, Analysis, int | None]], taxonomy_version: str, now: str | None
) -> _Rows:
    """Analysis and tag rows of a batch, in one pass over each analysis's fields.

    Tag lists and term lists repeat: each distinct one is encoded once (:func:`_text`) and
    then found inline with one dict lookup (the terms of ``Analysis.matched`` are tuples,
    the kecamatan terms lists). A Python call per tag row cost ~1,100 instructions.
    """
    rows = _Rows([], [], [], [])
    add_analysis, add_department = rows.analysis.extend, rows.departments.extend
    add_topic, add_place = rows.topics.extend, rows.places.extend
    known = _TEXTS.get
    empty: dict[str, Any] = {}
    for post_id, a, _dup in results:
        matched = a.matched
        if type(matched) is not dict:
            matched = dict(matched)
        departments, topics, kecamatan = a.departments, a.topics, a.kecamatan
        try:
            matched_text = _orjson_dumps(matched).decode("utf-8")
        except TypeError:
            matched_text = _ENCODER.encode(matched)
        try:
            d_text, t_text, k_text = known(departments), known(topics), known(kecamatan)
        except TypeError:  # lists, or unhashable items
            d_text = t_text = k_text = None
        # Values go in as they are (no int()/float() calls: ~1.8k instructions a post): the
        # columns' affinity stores an int relevance as REAL; a bool would take sqlite3's
        # adapter lookup (slower than this test), so relevant goes in as 1/0.
        add_analysis(
            (
                post_id, 1 if a.relevant else 0, a.relevance, d_text or _text(departments),
                t_text or _text(topics), k_text or _text(kecamatan), a.aspirasi,
                a.sentiment, matched_text, a.fingerprint,
            )
        )  # fmt: skip
        if departments:
            get = (matched.get("departments") or empty).get
            for rank, code in enumerate(departments):
                t = get(code)
                try:
                    s = known(t)
                except TypeError:  # a list, or unhashable items
                    s = None
                add_department((post_id, code, rank, s or _text(t)))
        if topics:
            get = (matched.get("topics") or empty).get
            owner = a.topic_departments.get
            for topic in topics:
                t = get(topic)
                try:
                    s = known(t)
                except TypeError:
                    s = None
                add_topic((post_id, topic, owner(topic), s or _text(t)))
        if kecamatan:
            get = (matched.get("kecamatan") or empty).get
            desa = a.desa
            for kec in kecamatan:
                t = get(kec)
                try:
                    s = known(tuple(t) if type(t) is list else t)
                except TypeError:
                    s = None
                if s is None:
                    s = _text(t)
                if not desa:
                    add_place((post_id, kec, "", s))
                    continue
                # A row per desa ("kecamatan/desa") of this kecamatan, in order; else one.
                found = False
                for item in desa:
                    head, _, name = item.partition("/")
                    if head == kec:
                        add_place((post_id, kec, name, s))
                        found = True
                if not found:
                    add_place((post_id, kec, "", s))
    return rows


def save_analyses(
    db: sqlite_utils.Database,
    results: Sequence[tuple[int, Analysis, int | None]],
    taxonomy_version: str,
) -> None:
    """Write analyses, tag rows and ``dup_of`` for a batch, in one transaction.

    ``results`` holds (post_id, analysis, dup_of). Tag rows of these posts are
    replaced, so re-processing never leaves stale tags behind. Posts deleted since
    they were read (a concurrent prune) are skipped, as is a ``dup_of`` pointing to one.
    """
    if not results:
        return
    now = to_iso(utcnow())
    conn = db.conn
    with unchecked_writes(db):
        with write_tx(db):
            ids = {pid for pid, _, _ in results}
            missing, dup_of = _stored_state(conn, ids)
            targets = {dup for _, _, dup in results if dup is not None and dup not in ids}
            dead = missing | (targets - _existing(conn, targets)) if targets else missing
            if dead:
                results = [
                    (pid, a, None if dup in dead else dup)
                    for pid, a, dup in results
                    if pid not in missing
                ]
            _write(conn, results, dup_of, taxonomy_version, now)


@contextlib.contextmanager
def unchecked_writes(db: sqlite_utils.Database) -> Iterator[None]:
    """Hold the connection's foreign-key enforcement off for the block; restore it after.

    Foreign-key checks cost ~7 us per post in ``save_analyses`` (one parent probe per
    analysis and tag row); it checks its posts itself instead, with one range read inside
    its transaction. The pragma only takes effect outside a transaction (inside one, or
    when enforcement is already off, this does nothing). Setting it expires every prepared
    statement of the connection (SQLite re-parses each on its next use), so a processing
    run holds it off across all its batches (``pantau.pipeline``) rather than per batch:
    per batch, re-parsing the cached multi-row INSERTs cost ~9,500 instructions per post.
    Nothing else may write rows with foreign keys on this connection inside the block.
    """
    conn = db.conn
    switched = not conn.in_transaction and bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])
    if switched:
        conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        if switched:
            conn.execute("PRAGMA foreign_keys = ON")


def _write(
    conn: sqlite3.Connection,
    results: Sequence[tuple[int, Analysis, int | None]],
    dup_of: dict[int, int],
    taxonomy_version: str,
    now: str | None,
) -> None:
    if not results:
        return
    rows = _build_rows(results, taxonomy_version, now)
    ids = [pid for pid, _, _ in results]
    first, last = min(ids), max(ids)
    if last - first + 1 == len(ids) == len(set(ids)):
        # A batch covers an id range: one range statement instead of a probe per post.
        where = [("post_id BETWEEN ? AND ?", [first, last])]
    else:
        where = [(f"post_id IN ({','.join('?' * len(c))})", c) for c in _chunks(ids)]
    # One upsert per row: a multi-row upsert measured slower here (retag ~+10%).
    _insert(
        conn, _ANALYSIS_HEAD, _ANALYSIS_WIDTH, rows.analysis,
        shared=[taxonomy_version, now], tail=_ANALYSIS_TAIL,
    )  # fmt: skip
    _replace_tags(conn, "post_departments", rows.departments, where)
    _replace_tags(conn, "post_topics", rows.topics, where)
    _replace_tags(conn, "post_places", rows.places, where)
    # Only posts whose dup_of changes are written (most have none, before and after).
    changed = [(dup, pid) for pid, _, dup in results if dup_of.get(pid) != dup]
    if changed:
        conn.executemany("UPDATE posts SET dup_of = ? WHERE id = ?", changed)


_CHUNK = 500


def _replace_tags(
    conn: sqlite3.Connection,
    table: str,
    values: list[Any],
    where: list[tuple[str, list[int]]],
) -> None:
    """Make the rows of ``values`` (flat) the tag rows of ``table`` for the posts ``where`` selects.

    Rows that are already stored exactly are kept: a retag after a small taxonomy change
    rewrites only the tags that changed. When most stored rows change (or none are
    stored) the posts' rows are cleared with one statement and all are inserted.
    """
    names, keys, extra = _TAGS[table]
    width, columns = len(names), ", ".join(names)
    old: list[tuple[Any, ...]] = []
    for condition, params in where:
        old += conn.execute(f"SELECT {columns} FROM {table} WHERE {condition}", params).fetchall()
    if old:
        rows = list(zip(*[iter(values)] * width, strict=True))
        new = set(rows)
        stale = [row for row in old if row not in new]
        if len(stale) * 2 > len(old):
            for condition, params in where:
                conn.execute(f"DELETE FROM {table} WHERE {condition}", params)
        else:
            if stale:
                condition = " AND ".join(f"{c} = ?" for c in names[:keys])
                conn.executemany(
                    f"DELETE FROM {table} WHERE {condition}", [row[:keys] for row in stale]
                )
            kept = set(old)
            rows = [row for row in rows if row not in kept]
        values = list(_flat(rows))
    if values:
        _insert(conn, f"INSERT {extra}INTO {table} ({columns}) VALUES ", width, values)


# Rows per multi-row INSERT (analysis and tag rows): one statement per chunk instead of one
# per row (``executemany``) saves each row's statement restart, cursor seeks and GIL
# hand-over (~2 us per post of a fresh batch, ~7 tag rows per post). Each statement shape
# is parsed once per connection, at a cost that grows with its rows: 64 rows measured best
# (512: ~20k instructions per post more on a one-batch run of 2,000 posts, the same per
# batch after; 32: more in both).
_ROWS_PER_INSERT = 64


@functools.lru_cache(maxsize=64)
def _values_sql(head: str, width: int, rows: int, shared: int = 0, tail: str = "") -> str:
    if not shared:
        marks = "(" + ",".join("?" * width) + ")"
        return head + ",".join([marks] * rows) + tail
    # Parameters 1..shared are the shared values; rows follow in order. The first row names
    # its numbers (?{shared+1}...), so later rows can use plain ``?`` (SQLite numbers each
    # one after the highest so far) and refer to the shared ones by number. (Numbering
    # every parameter made the parse quadratic: SQLite looks each ?NNN up in a list.)
    common = "".join(f",?{k}" for k in range(1, shared + 1))
    first = "(" + ",".join(f"?{n}" for n in range(shared + 1, shared + width + 1)) + common + ")"
    rest = "(" + ",".join("?" * width) + common + ")"
    return head + ",".join([first] + [rest] * (rows - 1)) + tail


def _insert(
    conn: sqlite3.Connection,
    head: str,
    width: int,
    values: list[Any],
    *,
    shared: list[Any] | None = None,
    tail: str = "",
) -> None:
    """Run ``head (...), (...), ... tail`` over ``values`` (rows of ``width``, flat), in order.

    ``shared`` values are bound once per statement and close every row. Each statement
    holds a power of two rows (at most ``_ROWS_PER_INSERT`` and within SQLite's parameter
    limit), so a handful of statement shapes serve every batch size and stay in the
    connection's statement cache.
    """
    extra = len(shared) if shared else 0
    step = _ROWS_PER_INSERT
    limit = max(1, (conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - extra) // width)
    while step > limit:
        step //= 2
    start, total = 0, len(values) // width
    while start < total:
        while step > total - start:
            step //= 2
        end = start + step
        params = values[start * width : end * width]
        if shared:
            params = shared + params
        conn.execute(_values_sql(head, width, step, extra, tail), params)
        start = end


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _stored_state(conn: sqlite3.Connection, ids: set[int]) -> tuple[set[int], dict[int, int]]:
    """Return (the ``ids`` not stored, {id: dup_of} of the stored ones with a ``dup_of``)."""
    first, last = min(ids), max(ids)
    if last - first >= 2 * len(ids):
        present: set[int] = set()
        dup_of: dict[int, int] = {}
        for chunk in _chunks(sorted(ids)):
            marks = ",".join("?" * len(chunk))
            for pid, dup in conn.execute(
                f"SELECT id, dup_of FROM posts WHERE id IN ({marks})", chunk
            ):
                present.add(pid)
                if dup is not None:
                    dup_of[pid] = dup
        return ids - present, dup_of
    # Dense ids (every batch of pending posts): range reads beat a probe per id, and
    # only the few posts with a dup_of come back as rows.
    bounds = [first, last]
    dup_of = {
        pid: dup
        for pid, dup in conn.execute(
            "SELECT id, dup_of FROM posts WHERE id BETWEEN ? AND ? AND dup_of IS NOT NULL", bounds
        )
        if pid in ids
    }
    if last - first + 1 == len(ids):
        # The ids fill the range: a count tells whether all of them are stored.
        (count,) = conn.execute(
            "SELECT count(*) FROM posts WHERE id BETWEEN ? AND ?", bounds
        ).fetchone()
        if count == len(ids):
            return set(), dup_of
    present = {
        row[0] for row in conn.execute("SELECT id FROM posts WHERE id BETWEEN ? AND ?", bounds)
    }
    return ids - present, dup_of


def _existing(conn: sqlite3.Connection, ids: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        marks = ",".join("?" * len(chunk))
        found.update(
            r[0] for r in conn.execute(f"SELECT id FROM posts WHERE id IN ({marks})", chunk)
        )
    return found


def recent_fingerprints(
    db: sqlite_utils.Database, since_iso: str, before_id: int | None = None
) -> Iterator[tuple[int, int, str | None, str | None]]:
    """Yield (post_id, fingerprint, url, title) of analysed posts since ``since_iso``, oldest first."""
    sql = """
        SELECT p.id, a.fingerprint, p.url, p.title FROM posts p JOIN analysis a ON a.post_id = p.id
        WHERE coalesce(p.published_at, p.fetched_at) >= ? {extra}
        ORDER BY p.id
    """
    params: list[Any] = [since_iso]
    extra = ""
    if before_id is not None:
        extra = "AND p.id < ?"
        params.append(before_id)
    yield from db.execute(sql.format(extra=extra), params)
