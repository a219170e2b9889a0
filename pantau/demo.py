"""``pantau demo``: the real pipeline, offline, against a loopback server.

A small HTTP server on 127.0.0.1 serves the bundled sample corpus
(``pantau/demo_corpus/corpus.yaml``) as RSS 2.0, Atom and Google-News-style
feeds, with ETag / Last-Modified and 304s like real publishers, plus X and
Reddit API JSON (OAuth token endpoint included) and a news site's listing,
article pages and robots.txt (``pantau/demo_apis.py``). The demo then
points the *real* collectors at it through ordinary source configuration,
stores into a fresh database, processes and renders the digest.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import yaml

from pantau.config import Config, SourceConfig
from pantau.demo_apis import DEMO_ENV, api_sources, render_api_documents
from pantau.models import utcnow

log = logging.getLogger(__name__)
DEMO_DB = "pantau-demo.db"
PAGE_PARAMS = ("next_token", "after")


def load_corpus() -> dict[str, Any]:
    """Read the bundled corpus description."""
    text = resources.files("pantau").joinpath("demo_corpus", "corpus.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def anchor_time(now: datetime, tz: ZoneInfo, day: date | None = None) -> datetime:
    """Pick the moment the corpus is 'now' so that every item falls on one local day."""
    if day is not None:
        return datetime.combine(day, time(20, 0), tz).astimezone(UTC)
    local = now.astimezone(tz)
    if local.hour >= 10:
        return now
    return datetime.combine(local.date() - timedelta(days=1), time(20, 0), tz).astimezone(UTC)


def _rss(feed: dict[str, Any], anchor: datetime) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">', "<channel>",
           f"<title>{escape(feed['title'])}</title>", "<link>https://example.invalid/</link>",
           "<language>id</language>"]  # fmt: skip
    for item in feed["items"]:
        when = anchor - timedelta(minutes=item["minutes_ago"])
        out.append("<item>")
        out.append(f"<title>{escape(item['title'])}</title>")
        out.append(f"<link>{escape(item['link'])}</link>")
        out.append(f'<guid isPermaLink="false">{escape(item["id"])}</guid>')
        out.append(f"<pubDate>{format_datetime(when)}</pubDate>")
        if item.get("description"):
            out.append(f"<description>{escape(item['description'])}</description>")
        if item.get("publisher"):
            out.append(
                f"<source url={quoteattr(item.get('publisher_url', ''))}>{escape(item['publisher'])}</source>"
            )
        if item.get("author"):
            out.append(f"<dc:creator>{escape(item['author'])}</dc:creator>")
        out.append("</item>")
    out += ["</channel>", "</rss>"]
    return "\n".join(out).encode("utf-8")


def _atom(feed: dict[str, Any], anchor: datetime) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           f"<title>{escape(feed['title'])}</title>", "<id>urn:pantau:demo:" + escape(feed["name"]) + "</id>",
           f"<updated>{anchor.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"]  # fmt: skip
    for item in feed["items"]:
        when = (anchor - timedelta(minutes=item["minutes_ago"])).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append("<entry>")
        out.append(f"<id>{escape(item['id'])}</id>")
        out.append(f"<title>{escape(item['title'])}</title>")
        out.append(f"<link href={quoteattr(item['link'])}/>")
        out.append(f"<published>{when}</published><updated>{when}</updated>")
        if item.get("author"):
            out.append(f"<author><name>{escape(item['author'])}</name></author>")
        out.append(f'<content type="text">{escape(item.get("description", ""))}</content>')
        out.append("</entry>")
    out.append("</feed>")
    return "\n".join(out).encode("utf-8")


@dataclass(frozen=True)
class Document:
    """One served document with its validators."""

    body: bytes
    content_type: str
    etag: str
    last_modified: str


def render_documents(corpus: dict[str, Any], anchor: datetime) -> dict[str, Document]:
    """Render every feed of the corpus, keyed by URL path."""
    documents = {}
    modified = format_datetime(anchor.replace(microsecond=0), usegmt=True)
    for feed in corpus["feeds"]:
        body = _atom(feed, anchor) if feed.get("atom") else _rss(feed, anchor)
        kind = "application/atom+xml" if feed.get("atom") else "application/rss+xml"
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        documents[feed["path"]] = Document(body, f"{kind}; charset=utf-8", etag, modified)
    for key, (body, kind) in render_api_documents(corpus, anchor).items():
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        documents[key] = Document(body, kind, etag, modified)
    return documents


class _Handler(BaseHTTPRequestHandler):
    server_version = "PantauDemo/1"
    documents: dict[str, Document] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        doc = self.documents.get(parts.path)
        query = parse_qs(parts.query)
        for param in PAGE_PARAMS:
            # Paginated API responses are keyed by their page token.
            if param in query:
                doc = self.documents.get(f"{parts.path}?{param}={query[param][0]}")
        if doc is None:
            self.send_error(404, "not in the demo corpus")
            return
        if self.headers.get("If-None-Match") == doc.etag:
            self.send_response(304)
            self.send_header("ETag", doc.etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", doc.content_type)
        self.send_header("Content-Length", str(len(doc.body)))
        self.send_header("ETag", doc.etag)
        self.send_header("Last-Modified", doc.last_modified)
        self.end_headers()
        self.wfile.write(doc.body)

    def do_POST(self) -> None:  # noqa: N802 - the OAuth token endpoint
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("demo server: " + format, *args)


@contextmanager
def serve_corpus(documents: dict[str, Document]) -> Iterator[str]:
    """Serve ``documents`` on 127.0.0.1 (a free port) in a thread; yield the base URL."""
    handler = type("Handler", (_Handler,), {"documents": documents})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="pantau-demo-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def demo_sources(corpus: dict[str, Any], base: str) -> list[SourceConfig]:
    """Ordinary source configuration pointing the real collectors at the demo server."""
    sources = []
    for feed in corpus["feeds"]:
        if feed["type"] == "google_news":
            options = {"query": '"Kabupaten Bogor"', "base_url": base + feed["path"]}
        else:
            options = {"url": base + feed["path"]}
            if feed.get("publisher"):
                options["publisher"] = feed["publisher"]
        sources.append(SourceConfig(name=feed["name"], type=feed["type"], options=options))
    return sources + api_sources(corpus, base)


def run_demo(
    config: Config, out_dir: Path, *, day: date | None = None, now: datetime | None = None
) -> list[Path]:
    """Run the whole pipeline on the sample corpus into ``out_dir``; return the digest paths."""
    from pantau.pipeline import run_once
    from reports.service import write_digests
    from storage.db import open_db

    tz = ZoneInfo(config.timezone)
    anchor = anchor_time(now or utcnow(), tz, day)
    corpus = load_corpus()
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / DEMO_DB
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    with serve_corpus(render_documents(corpus, anchor)) as base:
        demo_config = config.model_copy(update={"sources": demo_sources(corpus, base)})
        db = open_db(db_path)
        # The demo's own environment: clearly fake credentials for the loopback APIs.
        summary = run_once(db, demo_config, environ=DEMO_ENV)
        log.info("demo: collected %d new posts from %d sources, processed %d",
                 summary.new, len(summary.results), summary.processed)  # fmt: skip
    paths = write_digests(db, demo_config, day=anchor.astimezone(tz).date(), out=str(out_dir))
    db.close()
    return sorted(paths, key=lambda p: p.suffix != ".html")
