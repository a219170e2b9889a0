"""Plain dataclasses passed between layers: collect -> process -> store -> report.

All are frozen except :class:`Analysis`, which is read-only by convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ASPIRASI = ("keluhan", "permintaan", "pertanyaan", "apresiasi", "informasi")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Post:
    """One collected item, as its collector mapped it from the raw payload.

    Identity is (``source``, ``external_id``). ``published_at`` and ``fetched_at``
    are aware UTC datetimes; ``raw`` is the untouched, JSON-serialisable payload.
    """

    source: str
    kind: str
    external_id: str
    text: str
    url: str | None = None
    author: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    lang: str | None = None
    metrics: Mapping[str, Any] | None = None
    raw: Any = None


# Not frozen: a frozen dataclass's ``__init__`` sets each field through
# ``object.__setattr__`` (~1 us of the per-post path); this one assigns slots. Read-only
# by convention: the pipeline's cache shares one Analysis among identical posts.
# ``unsafe_hash`` keeps the frozen class's field hash (unhashable while ``matched`` is a dict).
@dataclass(slots=True, unsafe_hash=True)
class Analysis:
    """The analysis of one post: the ``pantau tag`` contract of DESIGN.md."""

    relevant: bool
    relevance: float
    departments: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    aspirasi: str = "informasi"
    sentiment: float = 0.0
    matched: Mapping[str, Any] = field(default_factory=dict)
    desa: tuple[str, ...] = ()
    topic_departments: Mapping[str, str] = field(default_factory=dict)
    fingerprint: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the public fields as JSON-ready values (the ``pantau tag`` output)."""
        return {
            "relevant": self.relevant,
            "relevance": round(self.relevance, 3),
            "departments": list(self.departments),
            "topics": list(self.topics),
            "kecamatan": list(self.kecamatan),
            "aspirasi": self.aspirasi,
            "sentiment": round(self.sentiment, 3),
            "matched": dict(self.matched),
        }


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one collection run of one source did, as recorded in ``runs``."""

    source: str
    status: str  # ok | error | skipped | rate_limited
    fetched: int = 0
    new: int = 0
    error: str | None = None
    started: datetime | None = None
    finished: datetime | None = None
    rate_limit_reset: datetime | None = None
