"""The ``news`` collector: one configured outlet, crawled politely in child processes.

A run is two crawls: *discover* article links on the outlet's listing pages and
sitemaps; keep the links whose canonical URL is not stored yet
(``CollectorContext.seen_url``); *fetch* those pages. ``to_post`` extracts each page
(trafilatura, site selectors win) into a Post and is pure. Adding an outlet is
configuration only. This module never imports Scrapy.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from collectors import CollectorContext, Options, parse_options, register
from collectors.http import parse_reset
from collectors.news.extract import Selectors, extract_article
from collectors.news.run import read_items, run_crawl
from collectors.urls import canonical_url, stable_id
from pantau.config import SourceConfig
from pantau.errors import CollectorError, ConfigError, RateLimited, SkipPost
from pantau.models import Post, utcnow

log = logging.getLogger(__name__)

MIN_WORDS = 5  # fewer words than this is a broken page or a stub, not an article
_WORD = re.compile(r"\w{2,}")


class SelectorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = None
    text: str | None = None
    author: str | None = None
    date: str | None = None


class NewsOptions(Options):
    site: str = Field(min_length=1, description="Outlet name, used as publisher/author.")
    start_urls: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    allowed_domains: list[str] = Field(default_factory=list)
    article_pattern: str = Field(min_length=1)
    follow_pattern: str | None = None
    max_depth: int = Field(default=1, ge=0, le=5)
    max_articles: int = Field(default=30, ge=1, le=1000)
    selectors: SelectorOptions = SelectorOptions()
    timezone: str = "Asia/Jakarta"
    lang: str = "id"
    download_delay: float = Field(default=2.0, ge=0)
    autothrottle_start_delay: float = Field(default=2.0, ge=0)
    concurrency_per_domain: int = Field(default=1, ge=1, le=8)
    crawl_timeout_seconds: float = Field(default=600, gt=0)
    keep_html: bool = False

    @field_validator("start_urls", "sitemaps")
    @classmethod
    def _http(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"an http(s) URL, got {url!r}")
        return urls

    @field_validator("article_pattern", "follow_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"a valid regular expression ({exc})") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone such as 'Asia/Jakarta'") from None
        return value

    def domains(self) -> list[str]:
        """Allowed domains: configured, else the hosts of the start pages and sitemaps."""
        if self.allowed_domains:
            return list(self.allowed_domains)
        hosts = {urlsplit(u).hostname for u in [*self.start_urls, *self.sitemaps]}
        return sorted(h for h in hosts if h)


def to_post(raw: Mapping[str, Any], *, source: str, opts: NewsOptions,
            fetched_at: datetime | None = None) -> Post:  # fmt: skip
    """Extract one fetched page (a crawl ``page`` item) into a Post (pure).

    Raises SkipPost when the page holds no article text.
    """
    html = raw.get("html") or ""
    page_url = raw.get("final_url") or raw.get("url")
    sel = opts.selectors
    article = extract_article(html, url=page_url, tz=ZoneInfo(opts.timezone),
                              selectors=Selectors(sel.title, sel.text, sel.author, sel.date))  # fmt: skip
    if len(_WORD.findall(article.text)) < MIN_WORDS:
        raise SkipPost(f"no article text found at {raw.get('url') or 'payload'}")
    url = canonical_url(raw.get("url")) or canonical_url(article.canonical_url)
    external_id = url or stable_id(article.title, article.text)
    kept = {k: v for k, v in raw.items() if k != "html" or opts.keep_html}
    if not opts.keep_html:
        kept["html_bytes"] = len(html.encode("utf-8"))
    return Post(
        source=source,
        kind="news",
        external_id=external_id[:500],
        url=url,
        author=article.author or opts.site,
        title=article.title,
        text=article.text,
        published_at=article.published_at,
        fetched_at=fetched_at or utcnow(),
        lang=opts.lang,
        metrics=None,
        raw=kept,
    )


@register("news")
class NewsCollector:
    """One news outlet: discover links, fetch the ones not stored, extract articles."""

    def __init__(self, name: str, opts: NewsOptions, context: CollectorContext) -> None:
        self.name = name
        self.opts = opts
        self.context = context
        self.next_cursor: str | None = None
        self.skipped = 0

    @classmethod
    def from_config(cls, source: SourceConfig, *, context: CollectorContext) -> NewsCollector:
        return cls(source.name, _options(source), context)

    @classmethod
    def required_env(cls, source: SourceConfig) -> tuple[str, ...]:
        _options(source)
        return ()

    @classmethod
    def load_payload(cls, source: SourceConfig, payload: bytes) -> Iterator[Post]:
        opts = _options(source)
        head = payload.lstrip()[:1]
        if head == b"{":
            pages = [i for i in read_items(payload, source=source.name) if i.get("type") == "page"]
        else:
            pages = [{"url": None, "html": payload.decode("utf-8", errors="replace")}]
        now = utcnow()
        for page in pages:
            try:
                yield to_post(page, source=source.name, opts=opts, fetched_at=now)
            except SkipPost as exc:
                log.warning("source=%s skipped: %s", source.name, exc)

    def _job(self, mode: str, urls: list[str], sitemaps: list[str] | None = None) -> dict[str, Any]:
        http = self.context.http
        opts = self.opts
        return {
            "mode": mode, "site": opts.site, "urls": urls, "sitemaps": sitemaps or [],
            "allowed_domains": opts.domains(), "article_pattern": opts.article_pattern,
            "follow_pattern": opts.follow_pattern, "max_depth": opts.max_depth,
            "max_links": max(opts.max_articles * 5, 100),
            "polite": {
                "user_agent": http.user_agent, "timeout_seconds": http.timeout_seconds,
                "max_bytes": http.max_bytes, "max_redirects": http.max_redirects,
                "download_delay": opts.download_delay,
                "autothrottle_start_delay": opts.autothrottle_start_delay,
                "concurrency_per_domain": opts.concurrency_per_domain,
                "crawl_timeout_seconds": opts.crawl_timeout_seconds,
            },
        }  # fmt: skip

    def collect(self, cursor: str | None) -> Iterator[Post]:
        items = run_crawl(self._job("discover", self.opts.start_urls, self.opts.sitemaps),
                          source=self.name)  # fmt: skip
        links: list[str] = []
        for item in items:
            url = canonical_url(item.get("url")) if item.get("type") == "link" else None
            if url and url not in links:
                links.append(url)
        errors = [i for i in items if i.get("type") == "error"]
        if not links and errors:
            _raise_for(errors, self.name, "listing")
        fresh = [u for u in links if not self.context.seen_url(u)][: self.opts.max_articles]
        log.info("source=%s links=%d new_links=%d listing_errors=%d", self.name, len(links),
                 len(fresh), len(errors))  # fmt: skip
        self.next_cursor = json.dumps({"links_seen": len(links)})
        if not fresh:
            return
        pages = run_crawl(self._job("fetch", fresh), source=self.name)
        got = [p for p in pages if p.get("type") == "page"]
        errors = [p for p in pages if p.get("type") == "error"]
        for error in errors:
            log.warning("source=%s article skipped: %s %s", self.name, error.get("url"),
                        error.get("error"))  # fmt: skip
        # Pages robots.txt forbids are skipped on purpose, not failures of the source.
        failures = [e for e in errors if not str(e.get("error", "")).startswith("ignored")]
        if not got and failures:
            _raise_for(failures, self.name, "article")
        now = utcnow()
        for page in got:
            try:
                yield to_post(page, source=self.name, opts=self.opts, fetched_at=now)
            except SkipPost as exc:
                self.skipped += 1
                log.warning("source=%s skipped: %s", self.name, exc)


def _raise_for(errors: list[dict[str, Any]], source: str, what: str) -> None:
    limited = [e for e in errors if e.get("status") == 429]
    if limited:
        retry = limited[0].get("retry_after")
        reset = parse_reset({"retry-after": retry}) if retry else None
        when = f", resets {reset.isoformat(timespec='seconds')}" if reset else ", no reset time"
        raise RateLimited(f"HTTP 429 rate limited on {what} page{when}", source=source,
                          reset_at=reset)  # fmt: skip
    first = errors[0]
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    raise CollectorError(f"every {what} page failed: {first.get('error')} at {first.get('url')}"
                         f"{more}", source=source)  # fmt: skip


def _options(source: SourceConfig) -> NewsOptions:
    opts = parse_options(NewsOptions, source)
    if not opts.start_urls and not opts.sitemaps:
        raise ConfigError(f"sources[{source.name}].options: give start_urls and/or sitemaps")
    return opts
