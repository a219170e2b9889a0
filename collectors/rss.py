"""RSS/Atom feeds and Google News search feeds.

We fetch the bytes ourselves (timeout, our User-Agent, conditional GET from the
cursor) and hand them to ``feedparser.parse``; feedparser never opens a URL.
A ``bozo`` feed keeps the entries that parsed and logs why. ``to_post`` maps one
entry to a :class:`Post` and is pure.
"""

from __future__ import annotations

import calendar
import json
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

import feedparser
from pydantic import Field

from collectors import CollectorContext, Options, parse_options, register
from collectors.http import fetch, new_session
from collectors.payload import json_cursor
from collectors.text import clean_text, html_to_text
from collectors.urls import canonical_url, stable_id
from pantau.config import SourceConfig
from pantau.errors import CollectorError
from pantau.models import Post, utcnow

log = logging.getLogger(__name__)

GOOGLE_NEWS_SEARCH = "https://news.google.com/rss/search"


class RssOptions(Options):
    url: str = Field(pattern=r"^https?://")
    publisher: str | None = None
    max_entries: int = Field(default=500, ge=1)


class GoogleNewsOptions(Options):
    query: str = Field(min_length=1)
    base_url: str = Field(default=GOOGLE_NEWS_SEARCH, pattern=r"^https?://")
    hl: str = "id"
    gl: str = "ID"
    language: str = "id"
    when: str | None = Field(default=None, pattern=r"^\d+[hdm]$")
    max_entries: int = Field(default=200, ge=1)


def google_news_url(options: GoogleNewsOptions) -> str:
    """Build the Google News RSS search URL (``hl=id&gl=ID&ceid=ID:id`` by default)."""
    query = options.query if not options.when else f"{options.query} when:{options.when}"
    params = {
        "q": query,
        "hl": options.hl,
        "gl": options.gl,
        "ceid": f"{options.gl}:{options.language}",
    }
    return f"{options.base_url}?{urlencode(params)}"


def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                # feedparser's *_parsed tuples are already UTC.
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _strip_publisher(title: str, publisher: str | None) -> str:
    if publisher:
        suffix = f" - {publisher}"
        if title.endswith(suffix):
            return title[: -len(suffix)].rstrip()
    return title


def _plain(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a JSON-serialisable copy of a feedparser entry (the ``raw`` payload)."""
    keep = ("id", "title", "link", "published", "updated", "author", "summary", "tags", "source")
    out: dict[str, Any] = {}
    for key in keep:
        if key in entry:
            out[key] = entry[key]
    content = entry.get("content")
    if isinstance(content, list):
        out["content"] = [
            {"type": c.get("type"), "value": c.get("value")}
            for c in content
            if isinstance(c, Mapping)
        ]
    return json.loads(json.dumps(out, default=str))


def to_post(
    entry: Mapping[str, Any],
    *,
    source: str,
    kind: str = "rss",
    fetched_at: datetime | None = None,
    publisher: str | None = None,
) -> Post:
    """Map one feedparser entry to a Post (pure; never raises on odd entries)."""
    fetched_at = fetched_at or utcnow()
    source_info = entry.get("source") or {}
    entry_publisher = (
        clean_text(source_info.get("title")) if isinstance(source_info, Mapping) else ""
    )
    publisher_name = entry_publisher or publisher
    title = clean_text(html_to_text(entry.get("title")))
    if kind == "gnews":
        title = _strip_publisher(title, publisher_name)
    body = ""
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        body = html_to_text(content[0].get("value"))
    if not body:
        body = html_to_text(entry.get("summary"))
    if kind == "gnews":
        # Google News summaries repeat the headline and publisher as links: not text.
        body = ""
    url = canonical_url(entry.get("link")) or None
    external_id = clean_text(entry.get("id")) or url or stable_id(title, body)
    author = clean_text(entry.get("author")) or publisher_name or None
    lang = entry.get("language")
    return Post(
        source=source,
        kind=kind,
        external_id=external_id[:500],
        url=url,
        author=author,
        title=title or None,
        text=body,
        published_at=_entry_time(entry),
        fetched_at=fetched_at,
        lang=clean_text(lang)[:35] or None,
        metrics=None,
        raw=_plain(entry),
    )


# Malformations feedparser's lenient parser recovers from completely; anything else
# (truncation, garbage, mismatched tags) may have hidden entries after the fault.
_PARSER_BUGS = (ValueError, TypeError, IndexError, KeyError, OverflowError, AssertionError)
_HARMLESS_BOZO = ("undefined entity", "xml or text declaration not at start of entity")


def parse_feed(content: bytes, *, source: str, headers: Mapping[str, str] | None = None) -> Any:
    """Parse feed bytes with feedparser; keep a bozo feed's entries, fail on no feed at all."""
    # Real feeds sometimes start with whitespace before <?xml: strict parsers reject that.
    try:
        parsed = feedparser.parse(content.lstrip(), response_headers=dict(headers or {}))
    except _PARSER_BUGS as exc:
        # Hostile bytes can crash feedparser itself (e.g. "&#2000000;" -> chr() ValueError).
        raise CollectorError(f"not a feed: parser failed: {_reason(exc)}", source=source) from None
    if not parsed.entries and not parsed.get("version"):
        # An HTML page, JSON, an image... feedparser recognised no feed format at all.
        kind = (headers or {}).get("content-type", "").split(";")[0].strip()
        why = _reason(parsed.get("bozo_exception")) if parsed.get("bozo") else "no RSS/Atom root"
        got = f" (content-type {kind})" if kind else ""
        raise CollectorError(f"not a feed{got}: {why}", source=source)
    if parsed.get("bozo"):
        log.warning(
            "source=%s malformed feed, kept %d entries: %s",
            source,
            len(parsed.entries),
            _reason(parsed.get("bozo_exception")),
        )
    return parsed


def feed_damage(parsed: Any) -> str | None:
    """Return why a parsed feed may be missing entries (truncated, not well-formed), else None."""
    if not parsed.get("bozo"):
        return None
    reason = _reason(parsed.get("bozo_exception"))
    if type(parsed.get("bozo_exception")).__name__ != "SAXParseException":
        return None  # encoding overrides and content-type notes lose nothing
    if any(reason.lower().startswith(h) or h in reason.lower() for h in _HARMLESS_BOZO):
        return None
    return reason


def _reason(exc: Any) -> str:
    return " ".join(str(exc).split())[:160] if exc else "unknown parse problem"


def _load_cursor(cursor: str | None) -> dict[str, str]:
    data = json_cursor(cursor)
    return {k: str(v) for k, v in data.items() if k in ("etag", "modified")}


@register("rss")
class RssCollector:
    """An RSS or Atom feed fetched with a conditional GET."""

    kind: ClassVar[str] = "rss"
    options_model: ClassVar[type[Options]] = RssOptions

    def __init__(self, name: str, url: str, *, context: CollectorContext, publisher: str | None,
                 max_entries: int) -> None:  # fmt: skip
        self.name = name
        self.url = url
        self.context = context
        self.publisher = publisher
        self.max_entries = max_entries
        self.next_cursor: str | None = None
        self.not_modified = False

    @classmethod
    def from_config(cls, source: SourceConfig, *, context: CollectorContext) -> RssCollector:
        opts = parse_options(RssOptions, source)
        return cls(source.name, opts.url, context=context, publisher=opts.publisher,
                   max_entries=opts.max_entries)  # fmt: skip

    @classmethod
    def required_env(cls, source: SourceConfig) -> tuple[str, ...]:
        parse_options(cls.options_model, source)
        return ()

    @classmethod
    def load_payload(cls, source: SourceConfig, payload: bytes) -> Iterator[Post]:
        parsed = parse_feed(payload, source=source.name)
        opts = parse_options(cls.options_model, source)
        publisher = getattr(opts, "publisher", None)
        now = utcnow()
        for entry in parsed.entries:
            yield to_post(entry, source=source.name, kind=cls.kind, fetched_at=now,
                          publisher=publisher)  # fmt: skip

    def collect(self, cursor: str | None) -> Iterator[Post]:
        state = _load_cursor(cursor)
        headers: dict[str, str] = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("modified"):
            headers["If-Modified-Since"] = state["modified"]
        session = self.context.client or new_session(self.context.http)
        result = fetch(self.url, http=self.context.http, source=self.name, headers=headers,
                       session=session)  # fmt: skip
        if result.status == 304:
            self.not_modified = True
            self.next_cursor = cursor
            log.info("source=%s not modified (304)", self.name)
            return
        parsed = parse_feed(result.content, source=self.name, headers=result.headers)
        now = utcnow()
        entries = parsed.entries[: self.max_entries]
        for entry in entries:
            yield to_post(entry, source=self.name, kind=self.kind, fetched_at=now,
                          publisher=self.publisher)  # fmt: skip
        damage = feed_damage(parsed)
        if damage:
            # The entries that parsed are kept (already yielded); failing here keeps the
            # old cursor, so the next run fetches the whole feed again instead of a 304.
            raise CollectorError(
                f"malformed feed, kept the {len(entries)} entries before the fault: {damage}",
                source=self.name,
            )
        new_state = {}
        if result.headers.get("etag"):
            new_state["etag"] = result.headers["etag"]
        if result.headers.get("last-modified"):
            new_state["modified"] = result.headers["last-modified"]
        self.next_cursor = json.dumps(new_state, sort_keys=True) if new_state else None


@register("google_news")
class GoogleNewsCollector(RssCollector):
    """A Google News RSS search feed configured by query (Indonesian edition)."""

    kind: ClassVar[str] = "gnews"
    options_model: ClassVar[type[Options]] = GoogleNewsOptions

    @classmethod
    def from_config(cls, source: SourceConfig, *, context: CollectorContext) -> RssCollector:
        opts = parse_options(GoogleNewsOptions, source)
        return cls(source.name, google_news_url(opts), context=context, publisher=None,
                   max_entries=opts.max_entries)  # fmt: skip
