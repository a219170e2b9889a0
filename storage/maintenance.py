"""Operations on the database file: online backup, retention with daily aggregates, checks.

``backup_db`` copies the database through SQLite's backup API in one step from a
read snapshot, so the copy is consistent even while the daemon writes (WAL lets
writers go on meanwhile). ``prune_posts`` first adds the per-day counts of the
posts it removes to ``daily_aggregates`` and deletes them in the same
transaction, so :func:`daily_counts` (live posts + aggregates) stays exact for
7-/14-day baselines after old posts are gone.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from pantau.errors import StorageError
from pantau.models import utcnow
from storage.db import BUSY_TIMEOUT_S, to_iso, write_tx

log = logging.getLogger(__name__)

DIMENSIONS = ("all", "department", "topic", "kecamatan", "aspirasi")
_TIME = "coalesce(p.published_at, p.fetched_at)"
_IN_RANGE = f"{_TIME} >= :start AND {_TIME} < :end"
_IN_PRUNE = "p.id IN (SELECT id FROM temp.prune_ids)"

# One SELECT per dimension: (day, key, total, relevant) of original (non-duplicate) posts.
_AGGREGATE_SQL = {
    "all": f"""
        SELECT date({_TIME}, :shift) AS day, '' AS key, count(*) AS total,
               coalesce(sum(a.relevant), 0) AS relevant
        FROM posts p LEFT JOIN analysis a ON a.post_id = p.id
        WHERE p.dup_of IS NULL AND {{where}} GROUP BY day
    """,
    "department": f"""
        SELECT date({_TIME}, :shift) AS day, d.department AS key, count(*) AS total,
               coalesce(sum(a.relevant), 0) AS relevant
        FROM post_departments d JOIN posts p ON p.id = d.post_id
        JOIN analysis a ON a.post_id = p.id
        WHERE p.dup_of IS NULL AND {{where}} GROUP BY day, key
    """,
    "topic": f"""
        SELECT date({_TIME}, :shift) AS day, t.topic AS key, count(*) AS total,
               coalesce(sum(a.relevant), 0) AS relevant
        FROM post_topics t JOIN posts p ON p.id = t.post_id
        JOIN analysis a ON a.post_id = p.id
        WHERE p.dup_of IS NULL AND {{where}} GROUP BY day, key
    """,
    "kecamatan": f"""
        SELECT date({_TIME}, :shift) AS day, k.kecamatan AS key, count(*) AS total,
               coalesce(sum(a.relevant), 0) AS relevant
        FROM (SELECT DISTINCT post_id, kecamatan FROM post_places) k
        JOIN posts p ON p.id = k.post_id JOIN analysis a ON a.post_id = p.id
        WHERE p.dup_of IS NULL AND {{where}} GROUP BY day, key
    """,
    "aspirasi": f"""
        SELECT date({_TIME}, :shift) AS day, a.aspirasi AS key, count(*) AS total,
               coalesce(sum(a.relevant), 0) AS relevant
        FROM posts p JOIN analysis a ON a.post_id = p.id
        WHERE p.dup_of IS NULL AND {{where}} GROUP BY day, key
    """,
}


@dataclass(frozen=True)
class PruneResult:
    """What ``prune_posts`` removed and kept."""

    cutoff: str
    posts: int
    runs: int
    aggregate_rows: int


def _shift(offset_hours: float) -> str:
    return f"{offset_hours:+g} hours"


def backup_db(db_path: str | Path, target: str | Path) -> dict[str, Any]:
    """Copy the live database to ``target`` consistently; return size and integrity."""
    source_path, target = Path(db_path), Path(target)
    if not source_path.exists():
        raise StorageError(f"{source_path}: database not found")
    if target.exists() and target.is_dir():
        target = target / f"pantau-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        dst = sqlite3.connect(str(partial))
        try:
            # pages=-1: the whole file in one step from one read snapshot. Step-wise copies
            # restart whenever another connection writes, and may never finish under load.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"backup of {source_path} failed: {exc}") from None
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise StorageError(f"backup of {source_path} failed its integrity check: {check}")
    os.replace(partial, target)
    return {"path": str(target), "bytes": target.stat().st_size, "integrity": check}


def _aggregate_pruned(db: sqlite_utils.Database, offset_hours: float) -> int:
    """Add per-day counts of the posts listed in ``temp.prune_ids`` to ``daily_aggregates``.

    Runs in the same write transaction as the deletion of those posts.
    """
    params = {"shift": _shift(offset_hours)}
    touched = 0
    for dimension, sql in _AGGREGATE_SQL.items():
        rows = db.execute(sql.format(where=_IN_PRUNE), params).fetchall()
        db.conn.executemany(
            """
            INSERT INTO daily_aggregates (day, dimension, key, total, relevant)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (day, dimension, key) DO UPDATE SET
                total = daily_aggregates.total + excluded.total,
                relevant = daily_aggregates.relevant + excluded.relevant
            """,
            [(day, dimension, key, total, relevant) for day, key, total, relevant in rows],
        )
        touched += len(rows)
    return touched


def prune_posts(
    db: sqlite_utils.Database,
    older_than_days: float,
    *,
    offset_hours: float = 7.0,
    now: datetime | None = None,
) -> PruneResult:
    """Delete posts (with analysis and tags) and runs older than the cutoff, keeping aggregates."""
    now = now or utcnow()
    cutoff = to_iso(now - timedelta(days=older_than_days)) or ""
    with write_tx(db):
        # Originals that newer (kept) duplicates point to stay until those age out too,
        # so pruning never turns a kept duplicate into an original and shifts live counts.
        db.execute("DROP TABLE IF EXISTS temp.prune_ids")
        db.execute(
            """
            CREATE TEMP TABLE prune_ids AS
            SELECT id FROM posts
            WHERE coalesce(published_at, fetched_at) < :cutoff
              AND id NOT IN (SELECT dup_of FROM posts WHERE dup_of IS NOT NULL
                             AND coalesce(published_at, fetched_at) >= :cutoff)
            """,
            {"cutoff": cutoff},
        )
        touched = _aggregate_pruned(db, offset_hours)
        # analysis and tag rows go by ON DELETE CASCADE; posts_fts by the posts_ad trigger.
        posts = db.execute("DELETE FROM posts WHERE id IN (SELECT id FROM temp.prune_ids)").rowcount
        db.execute("DROP TABLE temp.prune_ids")
        runs = db.execute(
            "DELETE FROM runs WHERE started_at < ? AND finished_at IS NOT NULL", [cutoff]
        ).rowcount
    log.info("pruned posts=%d runs=%d before=%s aggregates=%d", posts, runs, cutoff, touched)
    return PruneResult(cutoff, posts, runs, touched)


def daily_counts(
    db: sqlite_utils.Database,
    dimension: str,
    start_iso: str,
    end_iso: str,
    offset_hours: float = 7.0,
) -> dict[tuple[str, str], dict[str, int]]:
    """Return {(local day, key): {"total", "relevant"}} over live posts plus pruned aggregates.

    ``start_iso``/``end_iso`` are UTC bounds of whole local days (see
    ``reports.digest.day_bounds``); aggregates are selected by the local days they span.
    """
    if dimension not in _AGGREGATE_SQL:
        raise ValueError(f"unknown dimension {dimension!r} (known: {', '.join(DIMENSIONS)})")
    shift = _shift(offset_hours)
    params = {"start": start_iso, "end": end_iso, "shift": shift}
    out: dict[tuple[str, str], dict[str, int]] = {}
    sql = _AGGREGATE_SQL[dimension].format(where=_IN_RANGE)
    for day, key, total, relevant in db.execute(sql, params):
        out[(day, key)] = {"total": int(total), "relevant": int(relevant)}
    first_day = db.execute("SELECT date(?, ?)", [start_iso, shift]).fetchone()[0]
    last_day = db.execute("SELECT date(?, ?, '-1 second')", [end_iso, shift]).fetchone()[0]
    for day, key, total, relevant in db.execute(
        "SELECT day, key, total, relevant FROM daily_aggregates "
        "WHERE dimension = ? AND day >= ? AND day <= ?",
        [dimension, first_day, last_day],
    ):
        slot = out.setdefault((day, key), {"total": 0, "relevant": 0})
        slot["total"] += int(total)
        slot["relevant"] += int(relevant)
    return out


def integrity_check(db: sqlite_utils.Database) -> list[str]:
    """Return SQLite's integrity-check messages (``["ok"]`` when healthy)."""
    return [row[0] for row in db.execute("PRAGMA integrity_check(20)").fetchall()]


def file_sizes(db_path: str | Path) -> dict[str, int]:
    """Return the byte sizes of the database file, its WAL and shared-memory files."""
    path = Path(db_path)
    sizes = {}
    for label, suffix in (("db", ""), ("wal", "-wal"), ("shm", "-shm")):
        part = path.with_name(path.name + suffix)
        sizes[label] = part.stat().st_size if part.exists() else 0
    return sizes


def table_counts(db: sqlite_utils.Database, tables: tuple[str, ...]) -> dict[str, int]:
    """Return row counts of the named tables in one read transaction (a consistent view)."""
    known = set(db.table_names())
    counts = {}
    conn = db.conn
    own_tx = not conn.in_transaction
    if own_tx:
        conn.execute("BEGIN")
    try:
        for name in tables:
            if name in known:
                counts[name] = int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
    finally:
        if own_tx:
            conn.execute("COMMIT")
    return counts
