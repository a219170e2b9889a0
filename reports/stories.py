"""Stories of a digest: posts folded with their near-duplicates, ranked, and shown.

A :class:`Story` is the light part (what counts, orders and groups a story); the full
:class:`DigestPost` (title, excerpt, checked link, matched terms) is built only for
the stories a digest shows (:class:`Shown`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from collectors.urls import safe_link
from storage import queries
from storage.db import from_iso

EXCERPT_CHARS = 240


@dataclass(frozen=True)
class DigestPost:
    """One story as the digest shows it: near-duplicates folded in, link already checked."""

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
    sources: tuple[str, ...] = ()
    score: float = 0.0
    topics: tuple[str, ...] = ()


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut + "…"


REACH_KEYS = frozenset(("like_count", "retweet_count", "reply_count", "quote_count", "score",
                        "num_comments", "views", "impression_count"))  # fmt: skip


def reach_of(metrics: Any) -> int:
    if not isinstance(metrics, dict):
        return 0
    total = 0
    # Over the (few) stored metrics rather than every reach key: a sum of ints, same total.
    for key, value in metrics.items():
        if (
            key in REACH_KEYS
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and value > 0
        ):
            total += int(value)
    return total


def terms_of(matched: Any) -> tuple[str, ...]:
    out: list[str] = []
    if not isinstance(matched, dict):
        return ()
    for group in ("departments", "topics", "kecamatan"):
        terms = matched.get(group)
        for values in terms.values() if isinstance(terms, dict) else ():
            for value in values if isinstance(values, list) else ():
                if isinstance(value, str) and value not in out:
                    out.append(value)
    return tuple(out[:8])


def rank_score(reach: int, repeats: int, age_hours: float, aspirasi: str) -> float:
    """Rank stories needing an answer: reach, repetition and recency (higher first).

    ``2·ln(1+reach) + 3·ln(repeats) + 2·recency`` with recency falling linearly
    from 1 (just now) to 0 (24 h old), plus 1 for a complaint (keluhan).
    """
    recency = max(0.0, 1.0 - max(0.0, age_hours) / 24.0)
    bonus = 1.0 if aspirasi == "keluhan" else 0.0
    return 2 * math.log1p(max(reach, 0)) + 3 * math.log(max(repeats, 1)) + 2 * recency + bonus


def group_stories(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Fold near-duplicates (same ``dup_of`` root) into groups; the first row represents."""
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["at"], r["id"])):
        root = row["dup_of"] if row["dup_of"] is not None else row["id"]
        groups.setdefault(root, []).append(row)
    for root, members in groups.items():
        if len(members) > 1:
            members.sort(key=lambda r: (r["id"] != root, r["at"], r["id"]))
    return list(groups.values())


class Story:
    """The light part of a story: what counts, orders and groups it (see :func:`to_post`).

    The full :class:`DigestPost` (title, excerpt, link, matched terms, ...) is built only
    for the few stories the digest shows; on a 20,000-post day that was most of the build.
    """

    __slots__ = ("id", "aspirasi", "departments", "kecamatan", "topics", "sentiment", "score",
                 "reach", "group")  # fmt: skip

    def __init__(self, group: list[dict[str, Any]], ref: datetime) -> None:
        row = group[0]
        at = from_iso(row["at"])
        if len(group) == 1:
            reach = reach_of(row["metrics"])
            latest = at
        else:
            reach = sum(reach_of(r["metrics"]) for r in group)
            latest = max((from_iso(r["at"]) for r in group), default=at, key=lambda v: v or ref)
        age = (ref - latest).total_seconds() / 3600 if latest else 24.0
        self.id: int = row["id"]
        self.aspirasi: str = row["aspirasi"]
        self.departments: tuple[str, ...] = tuple(row["departments"])
        self.kecamatan: tuple[str, ...] = tuple(row["kecamatan"])
        self.topics: tuple[str, ...] = tuple(row["topics"])
        self.sentiment = float(row["sentiment"])
        self.score = round(rank_score(reach, len(group), age, row["aspirasi"]), 6)
        self.reach = reach
        self.group = group


def full_post(story: Story, tz: ZoneInfo) -> DigestPost:
    group = story.group
    row = group[0]
    at = from_iso(row["at"])
    title = " ".join((row.get("title") or "").split())
    text = row.get("text") or ""
    if not title:
        title = excerpt(text, 120) or "(tanpa judul)"
        summary = ""
    else:
        summary = excerpt(text)
    return DigestPost(
        id=story.id,
        title=title[:300],
        excerpt=summary,
        source=row["source"],
        kind=row["kind"],
        author=row.get("author"),
        time_local=at.astimezone(tz).strftime("%H:%M") if at else "",
        url=safe_link(row.get("url")),
        departments=story.departments,
        kecamatan=story.kecamatan,
        aspirasi=story.aspirasi,
        sentiment=story.sentiment,
        terms=terms_of(queries.decode_json(row["matched"], {})),
        repeats=len(group),
        reach=story.reach,
        sources=tuple(dict.fromkeys(r["source"] for r in group)),
        score=story.score,
        topics=story.topics,
    )


def to_post(group: list[dict[str, Any]], tz: ZoneInfo, ref: datetime) -> DigestPost:
    """Build the full :class:`DigestPost` of one story (a group of near-duplicates)."""
    return full_post(Story(group, ref), tz)


class Shown:
    """Full posts of the stories the digest shows, built once each."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.built: dict[int, DigestPost] = {}

    def __call__(self, stories: Iterable[Story]) -> tuple[DigestPost, ...]:
        out = []
        for story in stories:
            post = self.built.get(story.id)
            if post is None:
                post = self.built[story.id] = full_post(story, self.tz)
            out.append(post)
        return tuple(out)


def story_order(post: DigestPost | Story) -> tuple[float, int]:
    """Sort key of stories: highest rank score first, then oldest id."""
    return (-post.score, post.id)
