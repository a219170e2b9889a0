"""Source health for ``pantau sources``: configuration, credentials, last and next runs.

The next scheduled run is the one the scheduler persisted (backoff and adaptive
polling included, ``pantau/polling.py``) when there is one; otherwise it is
computed from the source's schedule and its last run: ``interval_minutes`` after
the last start (or now, before the first run), or the next time the cron
expression fires after the last start, in the configured time zone. A
rate-limited source is not due before its reset time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from pantau.config import Config, ScheduleConfig
from pantau.models import utcnow
from pantau.pipeline import missing_env
from pantau.polling import SourceState, effective_interval
from storage import runs as run_store
from storage import state as state_store
from storage.db import from_iso, to_iso

_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
COLUMNS = ("name", "type", "enabled", "credentials", "schedule", "last_run", "status", "fetched",
           "new", "next_run", "backoff", "last_error")  # fmt: skip


def _cron_field(spec: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError("cron step must be positive")
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = int(first), int(last)
        else:
            start = int(part)
            end = high if step > 1 else start
        if start < low or end > high or start > end:
            raise ValueError(f"cron value {part!r} outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def next_cron(expression: str, after: datetime, tz: ZoneInfo) -> datetime | None:
    """Return the first time after ``after`` that a 5-field cron expression fires (UTC)."""
    fields = expression.split()
    try:
        minutes, hours, days, months, weekdays = (
            _cron_field(f, lo, hi) for f, (lo, hi) in zip(fields, _CRON_RANGES, strict=True)
        )
    except ValueError:
        return None
    weekdays = {d % 7 for d in weekdays}  # 0 and 7 are both Sunday
    dom_any, dow_any = fields[2] == "*", fields[4] == "*"
    start = after.astimezone(tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
    day: date = start.date()
    for _ in range(366 * 5):
        cron_weekday = (day.weekday() + 1) % 7  # cron counts from Sunday = 0
        dom_ok, dow_ok = day.day in days, cron_weekday in weekdays
        # Standard cron: when both day fields are restricted, either may match.
        matches = dom_ok or dow_ok if not dom_any and not dow_any else dom_ok and dow_ok
        if day.month in months and matches:
            for hour in sorted(hours):
                for minute in sorted(minutes):
                    when = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                    if when >= start:
                        return when.astimezone(UTC)
        day += timedelta(days=1)
    return None


def next_run(schedule: ScheduleConfig, last_start: datetime | None, *, tz: ZoneInfo,
             now: datetime | None = None, reset_at: datetime | None = None) -> datetime | None:  # fmt: skip
    """When a source is next due: from its schedule and last run, not before a rate-limit reset."""
    now = now or utcnow()
    if schedule.cron:
        due = next_cron(schedule.cron, last_start or now, tz)
    elif schedule.interval_minutes:
        due = (last_start + timedelta(minutes=schedule.interval_minutes)) if last_start else now
    else:
        due = None
    if due is not None and reset_at is not None and reset_at > due:
        due = reset_at
    return due


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def source_status(db: sqlite_utils.Database, config: Config, *,
                  environ: Mapping[str, str] | None = None,
                  now: datetime | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Return one row per configured source with its health, never a secret value."""
    last = run_store.last_runs(db)
    states = state_store.all_states(db)
    tz = ZoneInfo(config.timezone)
    now = now or utcnow()
    rows = []
    for source in config.sources:
        state = states.get(source.name) or SourceState(source=source.name)
        interval = effective_interval(source, state)
        run = last.get(source.name) or {}
        failure = run_store.last_error(db, source.name)
        missing = missing_env(source, environ)
        schedule = source.schedule
        started = from_iso(run.get("started_at")) if run.get("started_at") else None
        reset = from_iso(run["rate_limit_reset"]) if run.get("rate_limit_reset") else None
        due = state.next_run_at or next_run(schedule, started, tz=tz, now=now, reset_at=reset)
        adapted = interval is not None and state.interval_factor != 1
        rows.append(
            {
                "name": source.name,
                "type": source.type,
                "enabled": source.enabled,
                "credentials": "missing: " + ", ".join(missing) if missing else "ok",
                "schedule": schedule.cron
                or f"every {schedule.interval_minutes:g} min"
                + (f" (now {interval.total_seconds() / 60:g})" if interval and adapted else ""),
                "last_run": run.get("started_at"),
                "status": run.get("status", "never run"),
                "fetched": run.get("fetched", 0),
                "new": run.get("new", 0),
                "last_new": run_store.last_new_at(db, source.name),
                "last_error": failure.get("error") if failure else None,
                "rate_limit_reset": run.get("rate_limit_reset"),
                "next_run": _iso(due) if source.enabled else "disabled",
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
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[str(row[c]) if row[c] is not None else "-" for c in COLUMNS])
    Console(width=220).print(table)
