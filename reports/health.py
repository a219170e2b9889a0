"""Source health for the digest: sources that failed or went silent, from the ``runs`` table.

A source is *silent* when its last new item is older than usual: three times the
median gap between its runs that brought new items over the last 14 days, and at
least :data:`MIN_SILENCE`. With too little history the bar is :data:`DEFAULT_SILENCE`.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from storage import queries
from storage.db import from_iso, to_iso

HISTORY = timedelta(days=14)
MIN_SILENCE = timedelta(hours=6)
DEFAULT_SILENCE = timedelta(hours=48)
SILENCE_FACTOR = 3
FAILED = ("error", "rate_limited")
MAX_ERROR = 200


@dataclass(frozen=True)
class SourceHealth:
    """One source that needs attention, described for humas."""

    source: str
    problem: str  # gagal | dibatasi | dilewati | senyap | belum_jalan
    last_run: str  # local "YYYY-MM-DD HH:MM" or ""
    last_new: str  # local time of the last new item or ""
    error: str
    note: str  # one sentence in Bahasa Indonesia


@dataclass(frozen=True)
class HealthReport:
    """Every enabled source checked; ``problems`` lists the ones that need a look."""

    checked: int
    problems: tuple[SourceHealth, ...]


def _local(value: str | None, tz: ZoneInfo) -> str:
    parsed = from_iso(value)
    return parsed.astimezone(tz).strftime("%Y-%m-%d %H:%M") if parsed else ""


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.0f} hari" if hours >= 48 else f"{hours:.0f} jam"


def silence_limit(new_times: list[datetime]) -> timedelta:
    """How long without new items is unusual, given the times new items arrived."""
    if len(new_times) < 3:
        return DEFAULT_SILENCE
    ordered = sorted(new_times)
    gaps = [(b - a).total_seconds() for a, b in zip(ordered, ordered[1:], strict=False)]
    return max(MIN_SILENCE, timedelta(seconds=SILENCE_FACTOR * statistics.median(gaps)))


def check_sources(
    db: sqlite_utils.Database, sources: Iterable[str], now: datetime, tz: ZoneInfo
) -> HealthReport:
    """Check every named (enabled) source's last runs against ``now``."""
    names = list(sources)
    last = queries.last_run_per_source(db)
    new_times: dict[str, list[datetime]] = {}
    for row in queries.new_item_times(db, to_iso(now - HISTORY) or ""):
        at = from_iso(row["at"])
        if at is not None:
            new_times.setdefault(row["source"], []).append(at)
    problems: list[SourceHealth] = []
    for name in names:
        run = last.get(name)
        if run is None:
            problems.append(SourceHealth(name, "belum_jalan", "", "", "",
                                         "Belum pernah dijalankan."))  # fmt: skip
            continue
        error = " ".join(str(run.get("last_error") or "").split())[:MAX_ERROR]
        last_run = _local(run.get("started_at"), tz)
        last_new = _local(run.get("last_new_at"), tz)
        status = run.get("status")
        if status in FAILED:
            problem = "dibatasi" if status == "rate_limited" else "gagal"
            note = ("Dibatasi oleh platform (rate limit); dicoba lagi otomatis."
                    if problem == "dibatasi" else "Pengambilan terakhir gagal.")  # fmt: skip
            problems.append(SourceHealth(name, problem, last_run, last_new, error, note))
            continue
        if status == "skipped":
            message = " ".join(str(run.get("error") or "").split())[:MAX_ERROR]
            problems.append(SourceHealth(name, "dilewati", last_run, last_new, message,
                                         "Dilewati: kredensial belum diatur."))  # fmt: skip
            continue
        limit = silence_limit(new_times.get(name, []))
        seen = from_iso(run.get("last_new_at"))
        since = from_iso(run.get("first_run_at")) if seen is None else seen
        if since is not None and now - since > limit:
            what = "Belum pernah membawa data baru" if seen is None else "Tidak ada data baru"
            note = f"{what} selama {_hours(now - since)} (biasanya paling lama {_hours(limit)})."
            problems.append(SourceHealth(name, "senyap", last_run, last_new, error, note))
    return HealthReport(checked=len(names), problems=tuple(problems))
