"""Daily volume series and spike detection, shared by the digest and the alerts.

A spike is today's count above ``mean + sigma * std`` of the previous
``baseline_days`` local days (population standard deviation, missing days
count as zero) and at least ``min_count``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from storage import queries
from storage.db import to_iso


@dataclass(frozen=True)
class Baseline:
    """One key's volume today against its history."""

    kind: str  # total | department | topic | kecamatan
    key: str | None
    today: int
    history: tuple[int, ...]  # previous days, oldest first

    @property
    def mean(self) -> float:
        return sum(self.history) / len(self.history) if self.history else 0.0

    @property
    def std(self) -> float:
        if not self.history:
            return 0.0
        mean = self.mean
        return math.sqrt(sum((x - mean) ** 2 for x in self.history) / len(self.history))

    def threshold(self, sigma: float) -> float:
        return self.mean + sigma * self.std

    def is_spike(self, sigma: float, min_count: int) -> bool:
        return self.today >= min_count and self.today > self.threshold(sigma)

    def change(self, days: int = 7) -> float | None:
        """Relative change of today against the mean of the last ``days`` days (None if 0)."""
        recent = self.history[-days:]
        mean = sum(recent) / len(recent) if recent else 0.0
        return None if mean == 0 else (self.today - mean) / mean


def utc_offset_hours(tz: ZoneInfo, day: date) -> float:
    """Return the zone's UTC offset at noon of ``day`` in hours (Asia/Jakarta: +7)."""
    offset = datetime.combine(day, time(12, 0), tz).utcoffset() or timedelta(0)
    return offset.total_seconds() / 3600


def local_bounds(day: date, tz: ZoneInfo, days_before: int = 0) -> tuple[str, str]:
    """Return UTC ISO bounds from ``days_before`` days before ``day`` to the end of ``day``."""
    start = datetime.combine(day - timedelta(days=days_before), time(0, 0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tz)
    return to_iso(start) or "", to_iso(end) or ""


def volume_series(
    db: sqlite_utils.Database,
    tz: ZoneInfo,
    day: date,
    days: int,
    by: str | None = None,
    *,
    aspirasi: tuple[str, ...] = (),
    until: datetime | None = None,
) -> dict[str | None, Baseline]:
    """Return a :class:`Baseline` per key: ``days`` previous days plus ``day`` itself.

    ``until`` cuts today's count at that moment (alerts during the day); history
    days are always whole local days.
    """
    start, end = local_bounds(day, tz, days)
    if until is not None:
        end = min(end, to_iso(until) or end)
    rows = queries.daily_counts(db, start, end, utc_offset_hours(tz, day), by, aspirasi=aspirasi)
    return _baselines(rows, day, days, by)


def volume_series_many(
    db: sqlite_utils.Database,
    tz: ZoneInfo,
    day: date,
    days: int,
    bys: tuple[str | None, ...],
    *,
    until: datetime | None = None,
) -> dict[str | None, dict[str | None, Baseline]]:
    """:func:`volume_series` for each ``by`` in ``bys`` from one query (same results)."""
    start, end = local_bounds(day, tz, days)
    if until is not None:
        end = min(end, to_iso(until) or end)
    rows = queries.daily_counts_many(db, start, end, utc_offset_hours(tz, day), bys)
    return {by: _baselines(rows[by], day, days, by) for by in bys}


def _baselines(
    rows: list[dict[str, Any]], day: date, days: int, by: str | None
) -> dict[str | None, Baseline]:
    wanted = [(day - timedelta(days=i)).isoformat() for i in range(days, -1, -1)]
    per_key: dict[str | None, dict[str, int]] = {}
    for row in rows:
        per_key.setdefault(row["key"], {})[row["day"]] = int(row["n"])
    if by is None:
        per_key.setdefault(None, {})
    kind = by or "total"
    out: dict[str | None, Baseline] = {}
    for key, counts in per_key.items():
        values = [counts.get(d, 0) for d in wanted]
        out[key] = Baseline(kind, key, values[-1], tuple(values[:-1]))
    return out


def find_spikes(baselines: Iterable[Baseline], sigma: float, min_count: int) -> list[Baseline]:
    """Return the baselines that spike today, biggest excess first."""
    spikes = [b for b in baselines if b.is_spike(sigma, min_count)]
    return sorted(spikes, key=lambda b: (-(b.today - b.threshold(sigma)), str(b.key)))


def trend(series: Mapping[str | None, Baseline], key: str | None, days: int) -> tuple[int, ...]:
    """Return the last ``days`` history values plus today for ``key`` (zeros when unseen)."""
    base = series.get(key)
    if base is None:
        return (0,) * (days + 1)
    return (*base.history[-days:], base.today)
