"""Article extraction from one HTML page (pure): trafilatura, overridden by site selectors.

trafilatura finds the title, author, date and main text of most pages. A site's
CSS selectors (from config) win where given. Dates that trafilatura reports
without a time of day are refined from meta tags and the page's own Indonesian
dateline (``4 November 2015 | 21:04 WIB``) when they agree on the day.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from collectors.news.dates import find_dates, parse_date, parse_iso
from collectors.text import clean_text

_META_DATES = (
    'meta[property="article:published_time"]::attr(content)',
    'meta[itemprop="datePublished"]::attr(content)',
    'meta[name="publishdate"]::attr(content)',
    'meta[name="pubdate"]::attr(content)',
    'meta[name="content_PublishedDate"]::attr(content)',
    'meta[name="dtk:publishdate"]::attr(content)',
    "time[datetime]::attr(datetime)",
)
_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ")
_PARAGRAPHS = re.compile(r"\n\s*\n+")


@dataclass(frozen=True)
class Selectors:
    """CSS selectors that override extraction for one site (any may be None)."""

    title: str | None = None
    text: str | None = None
    author: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Article:
    """What we extracted from one article page."""

    title: str | None
    text: str
    author: str | None
    published_at: datetime | None
    canonical_url: str | None
    site_name: str | None
    lang: str | None


def extract_article(html: str, *, url: str | None, tz: tzinfo,
                    selectors: Selectors | None = None) -> Article:  # fmt: skip
    """Extract one article; never raises on odd markup (fields are then empty)."""
    import trafilatura  # heavy: imported on first use, not at CLI start-up

    selectors = selectors or Selectors()
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False,
            date_extraction_params={"extensive_search": True, "original_date": True,
                                    "outputformat": "%Y-%m-%dT%H:%M:%S%z"},
        )  # fmt: skip
    except (ValueError, TypeError, AttributeError):
        doc = None
    meta = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else dict(doc or {})
    page = _selector(html)
    title = _css_text(page, selectors.title) or clean_text(meta.get("title"))
    site_name = clean_text(meta.get("sitename")) or None
    title = strip_site_suffix(title, url, site_name)
    text = _css_paragraphs(page, selectors.text) or _paragraphs(meta.get("text"))
    author = _css_text(page, selectors.author) or clean_text(meta.get("author")) or None
    published = None
    if selectors.date:
        published = parse_date(_css_text(page, selectors.date), tz)
    if published is None:
        published = _best_date(meta.get("date"), page, tz)
    return Article(
        title=title or None,
        text=text,
        author=author,
        published_at=published,
        canonical_url=meta.get("url") or None,
        site_name=site_name,
        lang=meta.get("language") or None,
    )


def strip_site_suffix(title: str, url: str | None, site_name: str | None) -> str:
    """Drop a trailing " - Kompas.com Regional" / " | Republika Online" naming the site."""
    if not title:
        return title
    names = {n.lower() for n in (site_name,) if n}
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [p for p in host.lower().split(".") if p not in ("www", "com", "co", "id", "go", "or")]
    names.update(labels)
    for sep in _SEPARATORS:
        if sep in title:
            head, _, tail = title.rpartition(sep)
            squashed = tail.lower().replace(" ", "")
            if head.strip() and any(n and n.replace(" ", "") in squashed for n in names):
                return head.strip()
    return title


def _selector(html: str) -> Any:
    from parsel import Selector

    try:
        return Selector(text=html or "<html></html>")
    except (ValueError, TypeError):
        return None


def _css_nodes(page: Any, css: str | None) -> list[Any]:
    """The nodes a site's selector picks; none for no page, no selector or a bad selector."""
    if page is None or not css:
        return []
    try:
        return list(page.css(css))
    except (ValueError, SyntaxError):
        return []


def _node_text(node: Any) -> str:
    return clean_text(" ".join(node.css("::text").getall()))


def _css_text(page: Any, css: str | None) -> str:
    nodes = _css_nodes(page, css)
    return _node_text(nodes[0]) if nodes else ""


def _css_paragraphs(page: Any, css: str | None) -> str:
    parts = [_node_text(n) for n in _css_nodes(page, css)]
    return "\n\n".join(p for p in parts if p)


def _paragraphs(text: str | None) -> str:
    if not text:
        return ""
    lines = [clean_text(line) for line in _PARAGRAPHS.sub("\n", text).splitlines()]
    return "\n\n".join(line for line in lines if line)


def _json_ld_dates(page: Any) -> list[str]:
    out = []
    for block in page.css('script[type="application/ld+json"]::text').getall()[:5]:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                out.append(item["datePublished"])
    return out


def _best_date(found: str | None, page: Any, tz: tzinfo) -> datetime | None:
    """Trafilatura's date, refined to a time of day from the page when it gave only a day."""
    base = parse_iso(found, tz) if isinstance(found, str) else None
    has_time = bool(isinstance(found, str) and "T00:00:00" not in found and base is not None)
    if has_time or page is None:
        return base
    candidates: list[datetime] = []
    for css in _META_DATES:
        for value in page.css(css).getall()[:2]:
            parsed = parse_iso(value, tz)
            if parsed:
                candidates.append(parsed)
    for value in _json_ld_dates(page):
        parsed = parse_iso(value, tz)
        if parsed:
            candidates.append(parsed)
    body = " ".join(page.css("body ::text").getall()[:4000])
    candidates += [when for when, timed in find_dates(body, tz) if timed]
    if base is None:
        return candidates[0] if candidates else None
    day = base.astimezone(tz).date()
    for when in candidates:
        if when.astimezone(tz).date() == day:
            return when
    return base
