"""Source health for ``pantau sources``: configuration, credentials and last runs."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from pantau.config import Config
from pantau.models import utcnow
from pantau.pipeline import missing_env
from pantau.polling import SourceState, effective_interval
from storage import runs as run_store
from storage import state as state_store
from storage.db import to_iso


def source_status(db: sqlite_utils.Database, config: Config) -> list[dict[str, Any]]:
    """Return one row per configured source with its health, no secrets."""
    last = run_store.last_runs(db)
    states = state_store.all_states(db)
    now = utcnow()
    rows = []
    for source in config.sources:
        state = states.get(source.name) or SourceState(source=source.name)
        interval = effective_interval(source, state)
        run = last.get(source.name) or {}
        failure = run_store.last_error(db, source.name)
        missing = missing_env(source)
        schedule = source.schedule
        rows.append(
            {
                "name": source.name,
                "type": source.type,
                "enabled": source.enabled,
                "credentials": "missing: " + ", ".join(missing) if missing else "ok",
                "schedule": schedule.cron
                or f"every {schedule.interval_minutes:g} min"
                + (
                    f" (now {interval.total_seconds() / 60:g})"
                    if interval is not None and state.interval_factor != 1
                    else ""
                ),
                "last_run": run.get("started_at"),
                "status": run.get("status", "never run"),
                "fetched": run.get("fetched", 0),
                "new": run.get("new", 0),
                "last_new": run_store.last_new_at(db, source.name),
                "last_error": failure.get("error") if failure else None,
                "rate_limit_reset": run.get("rate_limit_reset"),
                "next_run": to_iso(state.next_run_at),
                "backoff": (
                    f"{state.consecutive_errors} errors, until {to_iso(state.backoff_until)}"
                    if state.in_backoff(now)
                    else "-"
                ),
                "consecutive_errors": state.consecutive_errors,
                "backoff_until": to_iso(state.backoff_until),
                "interval_factor": round(state.interval_factor, 3),
                "effective_interval_min": (
                    round(interval.total_seconds() / 60, 2) if interval is not None else None
                ),
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print the source table with rich (plain when not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("name", "type", "enabled", "credentials", "schedule", "last_run", "status",
                   "fetched", "new", "next_run", "backoff", "last_error"):  # fmt: skip
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[str(row[c]) if row[c] is not None else "-" for c in
                        ("name", "type", "enabled", "credentials", "schedule", "last_run", "status",
                         "fetched", "new", "next_run", "backoff", "last_error")])  # fmt: skip
    Console(width=200).print(table)
