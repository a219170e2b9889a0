"""Read queries for reports, search and the CLI."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import orjson
import sqlite_utils

from pantau.errors import PipelineError


def _rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def _loads(text: str) -> Any:
    # orjson: several columns per row on days of tens of thousands of posts. It rejects
    # the NaN/Infinity that json.dumps may have written into metrics; json reads those.
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def decode_json(text: str | None, default: Any) -> Any:
    """Decode a JSON column value (``default`` for NULL or empty)."""
    return _loads(text) if text else default


def day_posts(
    db: sqlite_utils.Database, start_iso: str, end_iso: str, *, decode_matched: bool = True
) -> list[dict[str, Any]]:
    """Return analysed posts whose time falls in [start, end), with their tag lists decoded.

    With ``decode_matched=False`` the ``matched`` column stays JSON text (decode it with
    :func:`decode_json` where needed): the digest reads it for one post per story only,
    and decoding it for every post was a third of building a 20,000-post day.
    """
    rows = list(
        _rows(
            db,
            """
            SELECT p.id, p.source, p.kind, p.url, p.author, p.title, p.text, p.metrics, p.dup_of,
                   coalesce(p.published_at, p.fetched_at) AS at,
                   a.relevant, a.relevance, a.departments, a.topics, a.kecamatan, a.aspirasi,
                   a.sentiment, a.matched, a.fingerprint
            FROM posts p JOIN analysis a ON a.post_id = p.id
            WHERE coalesce(p.published_at, p.fetched_at) >= ?
              AND coalesce(p.published_at, p.fetched_at) < ?
            ORDER BY at DESC, p.id DESC
            """,
            [start_iso, end_iso],
        )
    )
    loads = _loads
    for row in rows:
        for key in ("departments", "topics", "kecamatan"):
            row[key] = loads(row[key] or "[]")
        if decode_matched:
            row["matched"] = loads(row["matched"] or "{}")
        row["metrics"] = loads(row["metrics"]) if row["metrics"] else {}
        row["relevant"] = bool(row["relevant"])
    return rows


def department_daily_counts(
    db: sqlite_utils.Database, start_iso: str, end_iso: str, offset_hours: float
) -> list[dict[str, Any]]:
    """Count relevant, non-duplicate posts per department per local day in [start, end)."""
    shift = f"{offset_hours:+g} hours"
    return list(
        _rows(
            db,
            f"""
            SELECT d.department, date(coalesce(p.published_at, p.fetched_at), '{shift}') AS day,
                   count(*) AS n
            FROM post_departments d JOIN posts p ON p.id = d.post_id
            JOIN analysis a ON a.post_id = p.id
            WHERE a.relevant = 1 AND +p.dup_of IS NULL
              AND coalesce(p.published_at, p.fetched_at) >= ?
              AND coalesce(p.published_at, p.fetched_at) < ?
            GROUP BY d.department, day
            """,
            [start_iso, end_iso],
        )
    )


def search_posts(db: sqlite_utils.Database, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Full-text search over titles and texts (FTS5 syntax); bad syntax is a clear error."""
    try:
        return list(
            _rows(
                db,
                """
                SELECT p.id, p.source, p.title, p.url, coalesce(p.published_at, p.fetched_at) AS at,
                       snippet(posts_fts, 1, '[', ']', '…', 12) AS snippet
                FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid
                WHERE posts_fts MATCH ? ORDER BY rank LIMIT ?
                """,
                [query, limit],
            )
        )
    except sqlite3.OperationalError as exc:
        raise PipelineError(
            f"search: invalid query {query!r}: {exc} (quote phrases with double quotes)"
        ) from None


_TAG_TABLES = {
    "department": ("post_departments", "department"),
    "topic": ("post_topics", "topic"),
    "kecamatan": ("post_places", "kecamatan"),
}


def daily_counts(
    db: sqlite_utils.Database,
    start_iso: str,
    end_iso: str,
    offset_hours: float,
    by: str | None = None,
    *,
    aspirasi: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Count relevant, non-duplicate posts per local day (and per tag when ``by`` is given).

    ``by`` is ``department``, ``topic``, ``kecamatan`` or None (totals); rows are
    ``{"day": "YYYY-MM-DD", "key": str | None, "n": int}``. A post counts once per
    tag (a post tagged with two kecamatan-desa pairs still counts once per kecamatan).
    """
    shift = f"{offset_hours:+g} hours"
    at = "coalesce(p.published_at, p.fetched_at)"
    # "+" keeps SQLite off the posts_dup_of index (most posts have dup_of NULL) and on
    # posts_time: 0.5 s -> milliseconds per call on a million posts.
    where = [f"{at} >= ?", f"{at} < ?", "a.relevant = 1", "+p.dup_of IS NULL"]
    params: list[Any] = [start_iso, end_iso]
    if aspirasi:
        where.append(f"a.aspirasi IN ({','.join('?' * len(aspirasi))})")
        params.extend(aspirasi)
    if by is None:
        sql = f"""
            SELECT date({at}, '{shift}') AS day, NULL AS key, count(*) AS n
            FROM posts p JOIN analysis a ON a.post_id = p.id
            WHERE {" AND ".join(where)}
            GROUP BY day ORDER BY day
        """
    else:
        if by not in _TAG_TABLES:
            raise ValueError(f"daily_counts: by must be one of {sorted(_TAG_TABLES)}, not {by!r}")
        table, column = _TAG_TABLES[by]
        sql = f"""
            SELECT date({at}, '{shift}') AS day, t.{column} AS key, count(DISTINCT p.id) AS n
            FROM {table} t JOIN posts p ON p.id = t.post_id JOIN analysis a ON a.post_id = p.id
            WHERE {" AND ".join(where)}
            GROUP BY day, key ORDER BY day, key
        """
    return list(_rows(db, sql, params))


def daily_counts_many(
    db: sqlite_utils.Database,
    start_iso: str,
    end_iso: str,
    offset_hours: float,
    bys: tuple[str | None, ...],
) -> dict[str | None, list[dict[str, Any]]]:
    """:func:`daily_counts` for several ``by`` at once: one scan of the posts in range.

    Same rows per ``by`` as :func:`daily_counts` (same order); the relevant,
    non-duplicate posts of the range are found once and shared by every count
    (three separate calls read the same ~300,000 posts three times).
    """
    shift = f"{offset_hours:+g} hours"
    at = "coalesce(p.published_at, p.fetched_at)"
    parts = []
    for i, by in enumerate(bys):
        if by is None:
            parts.append(
                f"SELECT {i} AS part, day, NULL AS key, count(*) AS n FROM base GROUP BY day"
            )
            continue
        if by not in _TAG_TABLES:
            raise ValueError(f"daily_counts: by must be one of {sorted(_TAG_TABLES)}, not {by!r}")
        table, column = _TAG_TABLES[by]
        # (post_id, department) and (post_id, topic) are primary keys: count(*) is the
        # number of distinct posts; a post can have several kecamatan-desa rows.
        count = "count(DISTINCT b.id)" if by == "kecamatan" else "count(*)"
        parts.append(
            f"SELECT {i} AS part, b.day AS day, t.{column} AS key, {count} AS n"
            f" FROM base b JOIN {table} t ON t.post_id = b.id GROUP BY b.day, t.{column}"
        )
    out: dict[str | None, list[dict[str, Any]]] = {by: [] for by in bys}
    if not parts:
        return out
    sql = f"""
        WITH base AS MATERIALIZED (
            SELECT p.id AS id, date({at}, '{shift}') AS day
            FROM posts p JOIN analysis a ON a.post_id = p.id
            WHERE {at} >= ? AND {at} < ? AND a.relevant = 1 AND +p.dup_of IS NULL
        )
        {" UNION ALL ".join(parts)}
        ORDER BY part, day, key
    """
    for part, day, key, n in db.execute(sql, [start_iso, end_iso]):
        out[bys[part]].append({"day": day, "key": key, "n": n})
    return out


def runs_since(db: sqlite_utils.Database, since_iso: str) -> list[dict[str, Any]]:
    """Return the collection runs started at or after ``since_iso``, oldest first."""
    return list(
        _rows(
            db,
            "SELECT * FROM runs WHERE started_at >= ? ORDER BY started_at, id",
            [since_iso],
        )
    )


def last_run_per_source(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """Return, per source, its latest run plus when it last brought something new."""
    rows = _rows(
        db,
        """
        SELECT r.*, (SELECT max(coalesce(n.finished_at, n.started_at)) FROM runs n
                     WHERE n.source = r.source AND n.new > 0) AS last_new_at,
               (SELECT e.error FROM runs e WHERE e.source = r.source
                  AND e.status IN ('error', 'rate_limited') ORDER BY e.id DESC LIMIT 1)
                 AS last_error,
               (SELECT e.started_at FROM runs e WHERE e.source = r.source
                  AND e.status IN ('error', 'rate_limited') ORDER BY e.id DESC LIMIT 1)
                 AS last_error_at,
               (SELECT min(f.started_at) FROM runs f WHERE f.source = r.source) AS first_run_at
        FROM runs r
        JOIN (SELECT source, max(id) AS id FROM runs GROUP BY source) m ON m.id = r.id
        ORDER BY r.source
        """,
        [],
    )
    return {row["source"]: row for row in rows}


def new_item_times(db: sqlite_utils.Database, since_iso: str) -> list[dict[str, Any]]:
    """Return (source, finished_at) of runs since ``since_iso`` that stored new posts."""
    return list(
        _rows(
            db,
            """
            SELECT source, coalesce(finished_at, started_at) AS at FROM runs
            WHERE new > 0 AND started_at >= ? ORDER BY source, at
            """,
            [since_iso],
        )
    )


_AT = "coalesce(p.published_at, p.fetched_at)"


def _filters(
    departments: list[str] | None,
    kecamatan: list[str] | None,
    start_iso: str | None = None,
    end_iso: str | None = None,
) -> tuple[str, list[Any]]:
    """Return a WHERE clause (or "") and its parameters for the shared loader filters."""
    where: list[str] = []
    params: list[Any] = []
    if start_iso:
        where.append(f"{_AT} >= ?")
        params.append(start_iso)
    if end_iso:
        where.append(f"{_AT} < ?")
        params.append(end_iso)
    if departments:
        where.append(
            "EXISTS (SELECT 1 FROM post_departments d WHERE d.post_id = p.id "
            f"AND d.department IN ({','.join('?' * len(departments))}))"
        )
        params.extend(departments)
    if kecamatan:
        where.append(
            "EXISTS (SELECT 1 FROM post_places k WHERE k.post_id = p.id "
            f"AND lower(k.kecamatan) IN ({','.join('?' * len(kecamatan))}))"
        )
        params.extend(k.lower() for k in kecamatan)
    return ("WHERE " + " AND ".join(where)) if where else "", params


def mention_rows(
    db: sqlite_utils.Database,
    start_iso: str | None,
    end_iso: str | None,
    *,
    departments: list[str] | None = None,
    kecamatan: list[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream analysed posts in [start, end) with optional tag filters (JSON lists undecoded)."""
    at = _AT
    clause, params = _filters(departments, kecamatan, start_iso, end_iso)
    return _rows(
        db,
        f"""
        SELECT p.id AS post_id, p.source, p.kind, p.external_id, p.url, p.author, p.title,
               p.text, {at} AS published_at, p.fetched_at, p.lang, p.metrics, p.dup_of,
               a.relevant, a.relevance, a.aspirasi, a.sentiment, a.departments, a.topics,
               a.kecamatan, a.matched, a.taxonomy_version
        FROM posts p JOIN analysis a ON a.post_id = p.id
        {clause}
        ORDER BY {at}, p.id
        """,
        params,
    )


def tag_rows(
    db: sqlite_utils.Database,
    kind: str,
    start_iso: str | None,
    end_iso: str | None,
    *,
    departments: list[str] | None = None,
    kecamatan: list[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream one row per (post, tag) of ``kind`` (department/topic/kecamatan) in [start, end)."""
    if kind not in _TAG_TABLES:
        raise ValueError(f"tag kind must be one of {sorted(_TAG_TABLES)}, not {kind!r}")
    table, column = _TAG_TABLES[kind]
    at = _AT
    clause, params = _filters(departments, kecamatan, start_iso, end_iso)
    return _rows(
        db,
        f"""
        SELECT DISTINCT t.post_id, t.{column} AS tag, {at} AS published_at, p.source,
               a.relevant, a.aspirasi, a.sentiment, p.dup_of
        FROM {table} t JOIN posts p ON p.id = t.post_id JOIN analysis a ON a.post_id = p.id
        {clause}
        ORDER BY {at}, t.post_id, tag
        """,
        params,
    )
