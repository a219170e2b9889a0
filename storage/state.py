"""The ``source_state`` table: backoff and adaptive-polling state per source."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from pantau.models import utcnow
from pantau.polling import SourceState
from storage.db import from_iso, to_iso, write_tx


def _from_row(row: dict[str, Any]) -> SourceState:
    return SourceState(
        source=row["source"],
        consecutive_errors=int(row["consecutive_errors"] or 0),
        backoff_until=from_iso(row["backoff_until"]),
        interval_factor=float(row["interval_factor"] or 1.0),
        next_run_at=from_iso(row["next_run_at"]),
        last_status=row["last_status"],
        last_success_at=from_iso(row["last_success_at"]),
    )


def get_state(db: sqlite_utils.Database, source: str) -> SourceState:
    """Return the stored state of ``source`` (a fresh state when it never ran)."""
    cursor = db.execute("SELECT * FROM source_state WHERE source = ?", [source])
    row = cursor.fetchone()
    if row is None:
        return SourceState(source=source)
    return _from_row(dict(zip([d[0] for d in cursor.description], row, strict=True)))


def all_states(db: sqlite_utils.Database) -> dict[str, SourceState]:
    """Return every stored state keyed by source name."""
    cursor = db.execute("SELECT * FROM source_state")
    names = [d[0] for d in cursor.description]
    return {
        state.source: state
        for state in (_from_row(dict(zip(names, row, strict=True))) for row in cursor)
    }


def save_state(db: sqlite_utils.Database, state: SourceState) -> None:
    """Write the state of one source (insert or replace)."""
    with write_tx(db):
        db.execute(
            """
            INSERT INTO source_state (source, consecutive_errors, backoff_until, interval_factor,
                next_run_at, last_status, last_success_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source) DO UPDATE SET
                consecutive_errors = excluded.consecutive_errors,
                backoff_until = excluded.backoff_until,
                interval_factor = excluded.interval_factor,
                next_run_at = excluded.next_run_at,
                last_status = excluded.last_status,
                last_success_at = coalesce(excluded.last_success_at, source_state.last_success_at),
                updated_at = excluded.updated_at
            """,
            [state.source, state.consecutive_errors, to_iso(state.backoff_until),
             state.interval_factor, to_iso(state.next_run_at), state.last_status,
             to_iso(state.last_success_at), to_iso(utcnow())],
        )  # fmt: skip


def clear_backoff(db: sqlite_utils.Database, source: str) -> None:
    """Forget a source's backoff (e.g. after the operator fixed it)."""
    with write_tx(db):
        db.execute(
            "UPDATE source_state SET backoff_until = NULL, consecutive_errors = 0 WHERE source = ?",
            [source],
        )
