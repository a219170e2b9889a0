"""Build the day's digest data from storage (a local day in the configured time zone)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from collectors.urls import safe_link
from pantau.config import Config
from pantau.models import utcnow
from storage import queries
from storage.db import from_iso, to_iso

NEEDS_ANSWER = ("keluhan", "permintaan", "pertanyaan")
ASPIRASI_ORDER = {"keluhan": 0, "permintaan": 1, "pertanyaan": 2, "apresiasi": 3, "informasi": 4}
ASPIRASI_LABEL = {
    "keluhan": "Keluhan",
    "permintaan": "Permintaan",
    "pertanyaan": "Pertanyaan",
    "apresiasi": "Apresiasi",
    "informasi": "Informasi",
}
EXCERPT_CHARS = 240


@dataclass(frozen=True)
class DigestPost:
    """One post as the digest shows it (text already shortened, link already checked)."""

    id: int
    title: str
    excerpt: str
    source: str
    kind: str
    author: str | None
    time_local: str
    url: str | None
    departments: tuple[str, ...]
    kecamatan: tuple[str, ...]
    aspirasi: str
    sentiment: float
    terms: tuple[str, ...]
    repeats: int = 1
    reach: int = 0


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

    @property
    def quiet(self) -> bool:
        return self.relevant == 0


def day_bounds(day: date, tz: ZoneInfo) -> tuple[str, str]:
    """Return the UTC ISO bounds [start, end) of a local day."""
    start = datetime.combine(day, time(0, 0), tz)
    end = start + timedelta(days=1)
    return to_iso(start) or "", to_iso(end) or ""


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut + "…"


def _reach(metrics: dict[str, Any]) -> int:
    keys = ("like_count", "retweet_count", "reply_count", "quote_count", "score", "num_comments")
    total = 0
    for key in keys:
        value = metrics.get(key)
        if isinstance(value, int | float):
            total += int(value)
    return total


def _terms(matched: dict[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for group in ("departments", "topics", "kecamatan"):
        for values in (matched.get(group) or {}).values():
            for value in values:
                if value not in out:
                    out.append(value)
    return tuple(out[:8])


def _to_post(row: dict[str, Any], tz: ZoneInfo, repeats: int = 1) -> DigestPost:
    at = from_iso(row["at"])
    title = " ".join((row.get("title") or "").split())
    text = row.get("text") or ""
    if not title:
        title = _excerpt(text, 120) or "(tanpa judul)"
        excerpt = ""
    else:
        excerpt = _excerpt(text)
    return DigestPost(
        id=row["id"],
        title=title[:300],
        excerpt=excerpt,
        source=row["source"],
        kind=row["kind"],
        author=row.get("author"),
        time_local=at.astimezone(tz).strftime("%H:%M") if at else "",
        url=safe_link(row.get("url")),
        departments=tuple(row["departments"]),
        kecamatan=tuple(row["kecamatan"]),
        aspirasi=row["aspirasi"],
        sentiment=float(row["sentiment"]),
        terms=_terms(row["matched"]),
        repeats=repeats,
        reach=_reach(row["metrics"]),
    )


def _sort_key(post: DigestPost) -> tuple[int, int, int]:
    return (ASPIRASI_ORDER.get(post.aspirasi, 9), -post.repeats, -post.reach)


def build_digest(
    db: sqlite_utils.Database,
    config: Config,
    day: date | None = None,
    *,
    now: datetime | None = None,
) -> Digest:
    """Collect the day's figures and posts from storage into a :class:`Digest`."""
    tz = ZoneInfo(config.timezone)
    now = now or utcnow()
    day = day or now.astimezone(tz).date()
    start, end = day_bounds(day, tz)
    rows = queries.day_posts(db, start, end)
    repeats = Counter(r["dup_of"] for r in rows if r["dup_of"] is not None)
    originals = [r for r in rows if r["dup_of"] is None]
    relevant = [r for r in originals if r["relevant"]]
    posts = [_to_post(r, tz, 1 + repeats.get(r["id"], 0)) for r in relevant]
    aspirasi = Counter(p.aspirasi for p in posts)
    needs = sorted((p for p in posts if p.aspirasi in NEEDS_ANSWER), key=_sort_key)
    limit = config.report.max_posts_per_department
    sections = []
    for code, dept in config.departments.items():
        mine = [p for p in posts if code in p.departments]
        if not mine:
            continue
        topic_counts = Counter(t for r in relevant if code in r["departments"] for t in r["topics"])
        sections.append(
            DepartmentSection(
                code=code,
                name=dept.name,
                total=len(mine),
                complaints=sum(1 for p in mine if p.aspirasi in ("keluhan", "permintaan")),
                posts=tuple(sorted(mine, key=_sort_key)[:limit]),
                topics=tuple(topic_counts.most_common(5)),
                aspirasi=tuple(sorted(Counter(p.aspirasi for p in mine).items(),
                                      key=lambda kv: ASPIRASI_ORDER.get(kv[0], 9))),
            )
        )  # fmt: skip
    sections.sort(key=lambda s: (-s.complaints, -s.total, s.code))
    kecamatan = Counter(k for p in posts for k in p.kecamatan)
    untagged = tuple(sorted((p for p in posts if not p.departments), key=_sort_key)[:limit])
    return Digest(
        day=day,
        timezone=config.timezone,
        generated_at=now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        total=len(rows),
        relevant=len(relevant),
        duplicates=len(rows) - len(originals),
        not_relevant=len(originals) - len(relevant),
        aspirasi_counts={k: aspirasi.get(k, 0) for k in ASPIRASI_ORDER},
        needs_answer=tuple(needs),
        departments=tuple(sections),
        kecamatan=tuple(sorted(kecamatan.items(), key=lambda kv: (-kv[1], kv[0]))),
        untagged=untagged,
    )
