"""Analysis rows and tag tables: what processing reads and writes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlite_utils

from pantau.models import Analysis, utcnow
from storage.db import to_iso, write_tx


@dataclass(frozen=True, slots=True)
class PendingPost:
    """The fields processing needs from a stored post."""

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
        yield [PendingPost(*row) for row in rows]
        last = rows[-1][0]


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


def save_analyses(
    db: sqlite_utils.Database,
    results: Sequence[tuple[int, Analysis, int | None]],
    taxonomy_version: str,
) -> None:
    """Write analyses, tag rows and ``dup_of`` for a batch, in one transaction.

    ``results`` holds (post_id, analysis, dup_of). Tag rows of these posts are
    replaced, so re-processing never leaves stale tags behind.
    """
    if not results:
        return
    now = to_iso(utcnow())
    ids = [(pid,) for pid, _, _ in results]
    analysis_rows = []
    department_rows = []
    topic_rows = []
    place_rows = []
    for post_id, a, _dup in results:
        analysis_rows.append(
            (
                post_id, int(a.relevant), float(a.relevance), _dumps(list(a.departments)),
                _dumps(list(a.topics)), _dumps(list(a.kecamatan)), a.aspirasi, float(a.sentiment),
                _dumps(dict(a.matched)), int(a.fingerprint), taxonomy_version, now,
            )
        )  # fmt: skip
        dep_terms = a.matched.get("departments", {}) if isinstance(a.matched, dict) else {}
        for rank, code in enumerate(a.departments):
            department_rows.append((post_id, code, rank, _dumps(dep_terms.get(code, []))))
        topic_terms = a.matched.get("topics", {}) if isinstance(a.matched, dict) else {}
        for topic in a.topics:
            topic_rows.append(
                (post_id, topic, a.topic_departments.get(topic), _dumps(topic_terms.get(topic, [])))
            )
        place_terms = a.matched.get("kecamatan", {}) if isinstance(a.matched, dict) else {}
        desa_by_kec: dict[str, list[str]] = {}
        for item in a.desa:
            kec, _, desa = item.partition("/")
            desa_by_kec.setdefault(kec, []).append(desa)
        for kec in a.kecamatan:
            for desa in desa_by_kec.get(kec, [""]):
                place_rows.append((post_id, kec, desa, _dumps(place_terms.get(kec, []))))
    first, last = min(ids)[0], max(ids)[0]
    contiguous = last - first + 1 == len(ids) == len(set(ids))
    with write_tx(db):
        conn = db.conn
        for table in ("post_departments", "post_topics", "post_places"):
            if contiguous:
                # A retag batch covers an id range: one range delete instead of a probe per post.
                conn.execute(f"DELETE FROM {table} WHERE post_id BETWEEN ? AND ?", [first, last])
            else:
                conn.executemany(f"DELETE FROM {table} WHERE post_id = ?", ids)
        conn.executemany(
            """
            INSERT INTO analysis (post_id, relevant, relevance, departments, topics, kecamatan,
                aspirasi, sentiment, matched, fingerprint, taxonomy_version, processed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (post_id) DO UPDATE SET
                relevant = excluded.relevant, relevance = excluded.relevance,
                departments = excluded.departments, topics = excluded.topics,
                kecamatan = excluded.kecamatan, aspirasi = excluded.aspirasi,
                sentiment = excluded.sentiment, matched = excluded.matched,
                fingerprint = excluded.fingerprint, taxonomy_version = excluded.taxonomy_version,
                processed_at = excluded.processed_at
            """,
            analysis_rows,
        )
        conn.executemany(
            "INSERT INTO post_departments (post_id, department, rank, terms) VALUES (?, ?, ?, ?)",
            department_rows,
        )
        conn.executemany(
            "INSERT INTO post_topics (post_id, topic, department, terms) VALUES (?, ?, ?, ?)",
            topic_rows,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO post_places (post_id, kecamatan, desa, terms) VALUES (?, ?, ?, ?)",
            place_rows,
        )
        conn.executemany(
            "UPDATE posts SET dup_of = ? WHERE id = ? AND dup_of IS NOT ?",
            [(dup, pid, dup) for pid, _, dup in results],
        )


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
