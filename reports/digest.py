"""Build the day's digest data from storage (a local day in the configured time zone).

Pure data: :func:`build_digest` reads storage and returns a frozen :class:`Digest`;
rendering (``reports.render``) and charts (``reports.charts``) only read that.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from pantau.config import Config
from pantau.models import utcnow
from reports.baseline import Baseline, find_spikes, trend, volume_series_many
from reports.health import HealthReport, check_sources
from reports.stories import DigestPost, Shown, Story, group_stories, story_order
from storage import queries
from storage.db import from_iso, to_iso

NEEDS_ANSWER = ("keluhan", "permintaan", "pertanyaan")
COMPLAINTS = ("keluhan", "permintaan")
ASPIRASI_ORDER = {"keluhan": 0, "permintaan": 1, "pertanyaan": 2, "apresiasi": 3, "informasi": 4}
ASPIRASI_LABEL = {
    "keluhan": "Keluhan",
    "permintaan": "Permintaan",
    "pertanyaan": "Pertanyaan",
    "apresiasi": "Apresiasi",
    "informasi": "Informasi",
}
TREND_DAYS = 7
MAX_NEEDS_ANSWER = 30
SENTIMENT_CUT = 0.2


@dataclass(frozen=True)
class DepartmentSection:
    """One department's block in the digest."""

    code: str
    name: str
    total: int
    complaints: int
    posts: tuple[DigestPost, ...]
    topics: tuple[tuple[str, int], ...] = ()
    aspirasi: tuple[tuple[str, int], ...] = ()
    trend: tuple[int, ...] = ()  # TREND_DAYS previous days, then today
    mean_7d: float = 0.0
    sentiment: tuple[int, int, int] = (0, 0, 0)  # negatif, netral, positif
    spike: bool = False

    @property
    def short(self) -> str:
        return short_name(self.code)


@dataclass(frozen=True)
class Spike:
    """A department or topic whose volume today is above its baseline."""

    kind: str  # department | topic
    key: str
    today: int
    mean: float
    threshold: float


@dataclass(frozen=True)
class Digest:
    """Everything a rendered digest shows."""

    day: date
    timezone: str
    generated_at: str
    total: int
    relevant: int
    duplicates: int
    not_relevant: int
    aspirasi_counts: dict[str, int]
    needs_answer: tuple[DigestPost, ...]
    departments: tuple[DepartmentSection, ...]
    kecamatan: tuple[tuple[str, int], ...]
    untagged: tuple[DigestPost, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    mean_7d: float = 0.0
    change_7d: float | None = None
    spikes: tuple[Spike, ...] = ()
    kecamatan_complaints: tuple[tuple[str, int], ...] = ()
    health: HealthReport = HealthReport(0, ())
    needs_answer_more: int = 0
    needs_by_department: tuple[tuple[str, int, str], ...] = ()  # code, count, top kecamatan
    scope: str | None = None  # a department code for a per-department digest
    spikes_checked: bool = True  # False while the store has too little history

    @property
    def quiet(self) -> bool:
        return self.relevant == 0

    @property
    def complaints(self) -> int:
        return sum(self.aspirasi_counts.get(k, 0) for k in COMPLAINTS)


def short_name(code: str) -> str:
    """A short department label for badges: ``PUPR``, ``Tirta Kahuripan``."""
    return code.replace("_", " ").title() if "_" in code else code.upper()


def day_bounds(day: date, tz: ZoneInfo) -> tuple[str, str]:
    """Return the UTC ISO bounds [start, end) of a local day."""
    start = datetime.combine(day, time(0, 0), tz)
    end = start + timedelta(days=1)
    return to_iso(start) or "", to_iso(end) or ""


def _sentiment(posts: list[Story]) -> tuple[int, int, int]:
    neg = sum(1 for p in posts if p.sentiment < -SENTIMENT_CUT)
    pos = sum(1 for p in posts if p.sentiment > SENTIMENT_CUT)
    return (neg, len(posts) - neg - pos, pos)


def by_count(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    """Counter items, most common first, ties by name."""
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def build_digest(
    db: sqlite_utils.Database,
    config: Config,
    day: date | None = None,
    *,
    now: datetime | None = None,
) -> Digest:
    """Collect the day's figures, stories, baselines and source health into a :class:`Digest`."""
    tz = ZoneInfo(config.timezone)
    now = now or utcnow()
    day = day or now.astimezone(tz).date()
    start, end = day_bounds(day, tz)
    ref = min(now, from_iso(end) or now)
    # Only what was known at ``now``: today's digest (or a re-run with a frozen clock)
    # never shows posts stamped later than the moment it is built.
    rows = queries.day_posts(db, start, min(end, to_iso(ref) or end), decode_matched=False)
    relevant_rows = [r for r in rows if r["relevant"]]
    groups = group_stories(relevant_rows)
    posts = [Story(g, ref) for g in groups]
    shown = Shown(tz)
    aspirasi = Counter(p.aspirasi for p in posts)
    needs = sorted((p for p in posts if p.aspirasi in NEEDS_ANSWER), key=story_order)

    alerts = config.report.alerts
    history = max(alerts.baseline_days, TREND_DAYS)
    volumes = volume_series_many(db, tz, day, history, (None, "department", "topic"), until=ref)
    totals = volumes[None][None]
    per_dept = volumes["department"]
    per_topic = volumes["topic"]
    spikes: list[Spike] = []
    checked = has_history(totals, alerts.baseline_days)
    if checked:
        spikes = _spikes(per_dept, per_topic, alerts.baseline_days, alerts.sigma, alerts.min_count)
    spiking = {s.key for s in spikes if s.kind == "department"}

    limit = config.report.max_posts_per_department
    sections = []
    # One pass over the day's posts instead of one per department.
    by_department: dict[str, list[Story]] = {}
    for post in posts:
        for code in dict.fromkeys(post.departments):
            by_department.setdefault(code, []).append(post)
    for code, dept in config.departments.items():
        mine = by_department.get(code, [])
        if not mine:
            continue
        series = trend(per_dept, code, TREND_DAYS)
        sections.append(
            DepartmentSection(
                code=code,
                name=dept.name,
                total=len(mine),
                complaints=sum(1 for p in mine if p.aspirasi in COMPLAINTS),
                posts=shown(sorted(mine, key=story_order)[:limit]),
                topics=by_count(Counter(t for p in mine for t in p.topics))[:5],
                aspirasi=tuple(sorted(Counter(p.aspirasi for p in mine).items(),
                                      key=lambda kv: ASPIRASI_ORDER.get(kv[0], 9))),
                trend=series,
                mean_7d=round(sum(series[:-1]) / TREND_DAYS, 1),
                sentiment=_sentiment(mine),
                spike=code in spiking,
            )
        )  # fmt: skip
    sections.sort(key=lambda s: (not s.spike, -s.complaints, -s.total, s.code))
    recent = totals.history[-TREND_DAYS:]
    enabled = [s.name for s in config.sources if s.enabled]
    return Digest(
        day=day,
        timezone=config.timezone,
        generated_at=now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        total=len(rows),
        relevant=len(posts),
        duplicates=len(relevant_rows) - len(posts),
        not_relevant=len(rows) - len(relevant_rows),
        aspirasi_counts={k: aspirasi.get(k, 0) for k in ASPIRASI_ORDER},
        needs_answer=shown(needs[:MAX_NEEDS_ANSWER]),
        needs_answer_more=max(0, len(needs) - MAX_NEEDS_ANSWER),
        needs_by_department=_needs_by_department(needs),
        departments=tuple(sections),
        kecamatan=by_count(Counter(k for p in posts for k in p.kecamatan)),
        kecamatan_complaints=by_count(
            Counter(k for p in posts if p.aspirasi in COMPLAINTS for k in p.kecamatan)
        ),
        untagged=shown(sorted((p for p in posts if not p.departments), key=story_order)[:limit]),
        mean_7d=round(sum(recent) / len(recent), 1) if recent else 0.0,
        change_7d=totals.change(TREND_DAYS),
        spikes=tuple(spikes),
        spikes_checked=checked,
        health=check_sources(db, enabled, now, tz),
    )


def _needs_by_department(needs: list[Story]) -> tuple[tuple[str, int, str], ...]:
    counts: Counter[str] = Counter()
    places: dict[str, Counter[str]] = {}
    for post in needs:
        for code in post.departments or ("",):
            counts[code] += 1
            place = places.get(code)
            if place is None:
                place = places[code] = Counter()
            for kecamatan in post.kecamatan:
                place[kecamatan] += 1
    out = []
    for code, n in by_count(counts):
        top = by_count(places[code])
        out.append((code, n, top[0][0] if top else ""))
    return tuple(out)


def has_history(totals: Baseline, days: int) -> bool:
    """Judge spikes only once at least half of the baseline days have any mentions."""
    recent = totals.history[-days:]
    return sum(1 for n in recent if n > 0) * 2 >= max(days, 1)


def _spikes(
    per_dept: dict[str | None, Baseline],
    per_topic: dict[str | None, Baseline],
    days: int,
    sigma: float,
    min_count: int,
) -> list[Spike]:
    out = []
    for kind, series in (("department", per_dept), ("topic", per_topic)):
        trimmed = [replace(b, history=b.history[-days:]) for b in series.values() if b.key]
        for b in find_spikes(trimmed, sigma, min_count):
            out.append(Spike(kind, str(b.key), b.today, round(b.mean, 1),
                             round(b.threshold(sigma), 1)))  # fmt: skip
    return out
