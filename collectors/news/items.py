"""What the article spider yields (plain dataclasses, written as JSON Lines)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LinkItem:
    """An article link found on a listing page or in a sitemap."""

    url: str
    found_on: str
    lastmod: str | None = None
    type: str = "link"


@dataclass
class PageItem:
    """A fetched article page, HTML untouched."""

    url: str
    final_url: str
    status: int
    html: str
    content_type: str | None
    fetched_at: str
    headers: dict[str, str] = field(default_factory=dict)
    type: str = "page"


@dataclass
class ErrorItem:
    """A request that failed: HTTP status, timeout, robots.txt or DNS."""

    url: str
    error: str
    status: int | None = None
    retry_after: str | None = None
    type: str = "error"
