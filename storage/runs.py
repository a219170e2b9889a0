"""The ``runs`` table: one row per source per collection run, for health and provenance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.models import utcnow
from storage.db import from_iso, to_iso, write_tx

MAX_ERROR_CHARS = 500


def start_run(db: sqlite_utils.Database, source: str, started: datetime | None = None) -> int:
    """Record that a run of ``source`` started; return its id."""
    with write_tx(db):
        cursor = db.execute(
            "INSERT INTO runs (source, started_at, status) VALUES (?, ?, 'running')",
            [source, to_iso(started or utcnow())],
        )
    return int(cursor.lastrowid or 0)


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    status: str,
    fetched: int = 0,
    new: int = 0,
    error: str | None = None,
    rate_limit_reset: datetime | None = None,
    finished: datetime | None = None,
) -> None:
    """Record the outcome of a run (call inside the run's last write, or on its own)."""
    finished = finished or utcnow()
    row = db.execute("SELECT started_at FROM runs WHERE id = ?", [run_id]).fetchone()
    started = from_iso(row[0]) if row else None
    duration = (finished - started).total_seconds() if started else None
    with write_tx(db):
        db.execute(
            """
            UPDATE runs SET finished_at = ?, status = ?, fetched = ?, new = ?, error = ?,
                            rate_limit_reset = ?, duration_s = ?
            WHERE id = ?
            """,
            [to_iso(finished), status, fetched, new, (error or None) and error[:MAX_ERROR_CHARS],
             to_iso(rate_limit_reset), duration, run_id],
        )  # fmt: skip


def last_runs(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """Return the latest run of every source, keyed by source name."""
    rows = db.execute(
        """
        SELECT r.* FROM runs r
        JOIN (SELECT source, max(id) AS id FROM runs GROUP BY source) m ON m.id = r.id
        """
    )
    names = [d[0] for d in rows.description]
    return {row[1]: dict(zip(names, row, strict=True)) for row in rows}


def last_error(db: sqlite_utils.Database, source: str) -> dict[str, Any] | None:
    """Return the latest failed run of ``source``, if any."""
    cursor = db.execute(
        "SELECT * FROM runs WHERE source = ? AND status IN ('error', 'rate_limited') "
        "ORDER BY id DESC LIMIT 1",
        [source],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def last_new_at(db: sqlite_utils.Database, source: str) -> str | None:
    """Return when ``source`` last brought at least one new post."""
    row = db.execute(
        "SELECT max(finished_at) FROM runs WHERE source = ? AND new > 0", [source]
    ).fetchone()
    return row[0] if row else None


def close_orphans(db: sqlite_utils.Database, source: str, *, before_id: int | None = None) -> int:
    """Mark runs of ``source`` left 'running' by a crashed process as 'crashed'.

    Call only while holding the source's lease: then no other run of it is live.
    """
    with write_tx(db):
        cursor = db.execute(
            "UPDATE runs SET status = 'crashed', error = 'process ended before the run finished' "
            "WHERE source = ? AND status = 'running' AND (? IS NULL OR id < ?)",
            [source, before_id, before_id],
        )
    return int(cursor.rowcount or 0)
