"""One generic spider for every news site; the job (from config) says where and what.

*discover* mode reads listing pages (following pagination links up to
``max_depth``) and sitemaps (sitemap indexes included) and yields the links that
match the site's article pattern. *fetch* mode downloads the given article URLs
and yields their HTML untouched. Failures become ``ErrorItem`` lines so the
parent can report them; the spider never parses articles or touches storage.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from collectors.news.items import ErrorItem, LinkItem, PageItem


class ArticleSpider(scrapy.Spider):
    """Listing pages and sitemaps -> article links; article URLs -> pages."""

    name = "article"

    def __init__(self, job: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        self.mode = job["mode"]
        self.allowed_domains = list(job.get("allowed_domains") or [])
        self.article_re = re.compile(job["article_pattern"])
        follow = job.get("follow_pattern")
        self.follow_re = re.compile(follow) if follow else None
        self.max_depth = int(job.get("max_depth", 1))
        self.max_links = int(job.get("max_links", 200))
        self.max_bytes = int(job["polite"]["max_bytes"])
        self.emitted: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        if self.mode == "fetch":
            for url in self.job.get("urls", []):
                yield scrapy.Request(url, callback=self.parse_article, errback=self.failed,
                                     dont_filter=True)  # fmt: skip
            return
        for url in self.job.get("sitemaps", []):
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed)
        for url in self.job.get("urls", []):
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.failed,
                                 cb_kwargs={"depth": 0})  # fmt: skip

    def _link(self, url: str, found_on: str, lastmod: str | None = None) -> LinkItem | None:
        url = urldefrag(url.strip())[0]
        host = (urlsplit(url).hostname or "").lower()
        if self.allowed_domains and not any(
            host == d or host.endswith("." + d) for d in self.allowed_domains
        ):
            return None
        if url in self.emitted or len(self.emitted) >= self.max_links:
            return None
        self.emitted.add(url)
        return LinkItem(url=url, found_on=found_on, lastmod=lastmod)

    def parse_listing(self, response: Response, depth: int) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield ErrorItem(
                url=response.url, error="listing page is not HTML", status=response.status
            )
            return
        for href in response.css("a::attr(href)").getall():
            url = urldefrag(response.urljoin(href.strip()))[0]
            if not url.startswith(("http://", "https://")):
                continue
            if self.article_re.search(url):
                item = self._link(url, response.url)
                if item is not None:
                    yield item
            elif (
                self.follow_re is not None and depth < self.max_depth and self.follow_re.search(url)
            ):
                yield response.follow(url, callback=self.parse_listing, errback=self.failed,
                                      cb_kwargs={"depth": depth + 1})  # fmt: skip

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        body = response.body
        if response.url.endswith(".gz") or body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.max_bytes)
            except OSError:
                yield ErrorItem(url=response.url, error="sitemap is not valid gzip")
                return
        try:
            sitemap = Sitemap(body)
        except (ValueError, SyntaxError, TypeError):
            yield ErrorItem(url=response.url, error="sitemap is not XML")
            return
        entries = sorted(sitemap, key=lambda e: e.get("lastmod") or "", reverse=True)
        if sitemap.type == "sitemapindex":
            for entry in entries[:5]:
                yield scrapy.Request(entry["loc"], callback=self.parse_sitemap, errback=self.failed)
            return
        for entry in entries:
            loc = entry.get("loc") or ""
            if self.article_re.search(loc):
                item = self._link(loc, response.url, entry.get("lastmod"))
                if item is not None:
                    yield item

    def parse_article(self, response: Response) -> Iterator[Any]:
        requested = (response.request.meta.get("redirect_urls") or [response.url])[0] \
            if response.request is not None else response.url  # fmt: skip
        if not isinstance(response, TextResponse):
            yield ErrorItem(url=requested, error="article is not HTML", status=response.status)
            return
        headers = {}
        for key in ("Last-Modified", "Content-Language"):
            value = response.headers.get(key)
            if value:
                headers[key.lower()] = value.decode("latin-1")
        content_type = response.headers.get("Content-Type")
        yield PageItem(
            url=requested, final_url=response.url, status=response.status, html=response.text,
            content_type=content_type.decode("latin-1") if content_type else None,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"), headers=headers,
        )  # fmt: skip

    def failed(self, failure: Any) -> Iterator[Any]:
        request = failure.request
        url = request.url if request is not None else "?"
        if failure.check(HttpError):
            response = failure.value.response
            retry = response.headers.get("Retry-After")
            yield ErrorItem(url=url, error=f"HTTP {response.status}", status=response.status,
                            retry_after=retry.decode("latin-1") if retry else None)  # fmt: skip
        elif failure.check(IgnoreRequest):
            yield ErrorItem(url=url, error=f"ignored: {failure.getErrorMessage()[:120]}")
        elif failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
            yield ErrorItem(url=url, error="timed out")
        elif failure.check(DNSLookupError):
            yield ErrorItem(url=url, error="DNS lookup failed")
        else:
            yield ErrorItem(url=url, error=" ".join(failure.getErrorMessage().split())[:200])
