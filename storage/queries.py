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


def day_posts(db: sqlite_utils.Database, start_iso: str, end_iso: str) -> list[dict[str, Any]]:
    """Return analysed posts whose time falls in [start, end), with their tag lists decoded."""
    rows = list(
        _rows(
            db,
            """
            SELECT p.id, p.source, p.kind, p.url, p.author, p.title, p.text, p.metrics, p.dup_of,
                   coalesce(p.published_at, p.fetched_at) AS at,
                   a.relevant, a.relevance, a.departments, a.topics, a.kecamatan, a.aspirasi,
                   a.sentiment, a.matched
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
            WHERE a.relevant = 1 AND p.dup_of IS NULL
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
