"""Fault injection for collector sources: one loopback server, many ways to misbehave.

Built on :mod:`tests.loopback`. A :class:`SourceKind` knows how to serve *good*
content for one source type (an RSS feed, a Google News search feed; later X,
Reddit, news pages) and how to write its config entry. A :class:`Fault` turns a
route into a misbehaving one. Both are data: adding a platform is one
``SourceKind`` (with its own ``malformed`` bodies); adding a failure mode is one
``Fault`` line in :data:`FAULTS`.

Helpers here also write a config file pointing sources at the server, run the
CLI, and snapshot the tables the fault tests compare.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

from tests.loopback import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parents[2]

# Small limits so every fault is cheap: the client gives up after TIMEOUT seconds.
TIMEOUT = 1.0
MAX_BYTES = 200_000
MAX_REDIRECTS = 3


@dataclass(frozen=True)
class Item:
    """One item a source serves (the ground truth the tests compare storage with)."""

    external_id: str
    title: str
    text: str
    author: str = "Redaksi"
    published: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 3, 0, tzinfo=UTC))


def make_items(prefix: str, count: int, start: int = 0) -> list[Item]:
    """Deterministic Indonesian-looking items ``prefix-<n>``."""
    topics = (
        "Jalan rusak di Cibinong Kabupaten Bogor belum diperbaiki PUPR",
        "Banjir melanda Kecamatan Bojonggede, BPBD Kabupaten Bogor siaga",
        "Warga Parung mengeluhkan sampah menumpuk, DLH diminta bertindak",
        "Pelayanan KTP di Disdukcapil Kabupaten Bogor makin cepat, terima kasih",
        "Kapan pendaftaran SPMB SMP negeri di Kabupaten Bogor dibuka?",
    )
    base = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    return [
        Item(
            external_id=f"{prefix}-{n}",
            title=f"{topics[n % len(topics)]} ({prefix} {n})",
            text=f"{topics[(n + 2) % len(topics)]}. Laporan nomor {n} dari {prefix}.",
            author=f"penulis{n % 7}@{prefix}",
            published=base + timedelta(minutes=n),
        )
        for n in range(start, start + count)
    ]


def rss_body(items: list[Item], title: str = "Feed uji") -> bytes:
    """An RSS 2.0 document with these items."""
    entries = "".join(
        "<item>"
        f'<guid isPermaLink="false">{escape(i.external_id)}</guid>'
        f"<title>{escape(i.title)}</title>"
        f"<link>https://berita.example/{escape(i.external_id)}</link>"
        f"<author>{escape(i.author)}</author>"
        f"<description>{escape(i.text)}</description>"
        f"<pubDate>{format_datetime(i.published)}</pubDate>"
        "</item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://berita.example/</link>"
        f"<description>uji</description>{entries}</channel></rss>"
    ).encode()


@dataclass(frozen=True)
class SourceKind:
    """How to serve good content for one source type and configure a source for it."""

    type: str
    content_type: str
    body: Callable[[list[Item]], bytes]
    source: Callable[[str, str], dict[str, Any]]  # (name, base url of its route) -> config entry
    malformed: dict[str, Callable[[bytes], bytes]]  # name -> good body -> broken body

    def route(self, name: str) -> str:
        return f"/{self.type}/{name}"

    def good(self, items: list[Item], etag: str | None = None) -> Reply:
        headers = {"Content-Type": self.content_type}
        if etag:
            headers["ETag"] = etag
        return Reply(200, self.body(items), headers)


def _truncate(body: bytes) -> bytes:
    return body[: int(len(body) * 0.6)]


RSS = SourceKind(
    type="rss",
    content_type="application/rss+xml; charset=utf-8",
    body=rss_body,
    source=lambda name, url: {
        "name": name,
        "type": "rss",
        "options": {"url": url, "publisher": "Uji", "max_entries": 5000},
    },
    malformed={
        "truncated_xml": _truncate,
        "garbage_in_xml": lambda b: b.replace(b"</item><item>", b"</item><<&&>><item>", 3),
        "mismatched_tags": lambda b: b.replace(b"</title>", b"</titel>", 2),
    },
)

GOOGLE_NEWS = SourceKind(
    type="google_news",
    content_type="application/xml; charset=utf-8",
    body=rss_body,
    source=lambda name, url: {
        "name": name,
        "type": "google_news",
        "options": {"query": '"Kabupaten Bogor"', "base_url": url, "max_entries": 5000},
    },
    malformed={"truncated_xml": _truncate},
)

KINDS = {kind.type: kind for kind in (RSS, GOOGLE_NEWS)}


@dataclass(frozen=True)
class Fault:
    """One way a source can fail, and what the run must record for it."""

    name: str
    replies: Callable[[SourceKind, bytes, str], list[Reply]]  # (kind, good body, route)
    status: str = "error"  # the runs.status expected
    error: str = ""  # a substring expected in runs.error
    reset: bool = False  # runs.rate_limit_reset must be set
    partial: bool = False  # some items before the fault may be stored (not required)


def _http_date(seconds: int) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


def _big(kind: SourceKind, size: int) -> bytes:
    items = make_items("besar", max(1, size // 300))
    body = kind.body(items)
    while len(body) <= size:
        body += body
    return body


FAULTS: list[Fault] = [
    Fault("http_500", lambda k, b, r: [Reply(500, b"boom")], error="HTTP 500"),
    Fault("http_502", lambda k, b, r: [Reply(502, b"<html>Bad Gateway</html>")], error="HTTP 502"),
    Fault("http_503", lambda k, b, r: [Reply(503, b"")], error="HTTP 503"),
    Fault("http_404", lambda k, b, r: [Reply(404, b"gone")], error="HTTP 404"),
    Fault("rate_limited_plain", lambda k, b, r: [Reply(429, b"")], "rate_limited", "429"),
    Fault(
        "rate_limited_retry_after_seconds",
        lambda k, b, r: [Reply(429, b"", {"Retry-After": "120"})],
        "rate_limited",
        "resets",
        reset=True,
    ),
    Fault(
        "rate_limited_retry_after_date",
        lambda k, b, r: [Reply(429, b"", {"Retry-After": _http_date(600)})],
        "rate_limited",
        "resets",
        reset=True,
    ),
    Fault(
        "rate_limited_x_rate_limit_reset",
        lambda k, b, r: [
            Reply(429, b"", {"x-rate-limit-reset": str(int(datetime.now(UTC).timestamp()) + 900)})
        ],
        "rate_limited",
        "resets",
        reset=True,
    ),
    Fault(
        "hang_past_timeout",
        lambda k, b, r: [Reply(200, b, {"Content-Type": k.content_type}, delay=TIMEOUT + 1.5)],
        error="timed out",
    ),
    Fault(
        "slow_drip_body",
        lambda k, b, r: [
            Reply(200, b * 8, {"Content-Type": k.content_type}, chunked=True, drip=TIMEOUT / 4)
        ],
        error="too slow",
        partial=True,
    ),
    Fault(
        "drop_mid_body",
        lambda k, b, r: [Reply(200, b, {"Content-Type": k.content_type}, drop_after=len(b) // 2)],
        error="connection broken",
    ),
    Fault(
        "redirect_loop",
        lambda k, b, r: [Reply(302, b"", {"Location": r})],
        error="too many redirects",
    ),
    Fault(
        "oversize_with_length",
        lambda k, b, r: [Reply(200, _big(k, MAX_BYTES + 1), {"Content-Type": k.content_type})],
        error="too large",
    ),
    Fault(
        "oversize_chunked",
        lambda k, b, r: [
            Reply(200, _big(k, MAX_BYTES + 1), {"Content-Type": k.content_type}, chunked=True)
        ],
        error="too large",
    ),
    Fault(
        "html_page_instead",
        lambda k, b, r: [
            Reply(
                200,
                b"<!DOCTYPE html><html><head><title>Portal</title></head>"
                b"<body><h1>Berita</h1><p>Bukan feed</p></body></html>",
                {"Content-Type": "text/html; charset=utf-8"},
            )
        ],
        error="not a feed",
    ),
    Fault(
        "json_instead",
        lambda k, b, r: [Reply(200, b'{"items": []}', {"Content-Type": "application/json"})],
        error="not a feed",
    ),
    Fault(
        "binary_instead",
        lambda k, b, r: [Reply(200, bytes(range(256)) * 16, {"Content-Type": "image/png"})],
        error="not a feed",
    ),
    Fault("empty_body", lambda k, b, r: [Reply(200, b"", {})], error="not a feed"),
]


def malformed_faults(kind: SourceKind) -> list[Fault]:
    """The kind's own broken payloads (served with a 200 and the right content type)."""
    return [
        Fault(
            name,
            lambda k, b, r, _break=breaker: [
                Reply(200, _break(b), {"Content-Type": k.content_type})
            ],
            error="malformed",
            partial=True,
        )
        for name, breaker in kind.malformed.items()
    ]


def all_faults(kind: SourceKind) -> list[Fault]:
    return [*FAULTS, *malformed_faults(kind)]


# ------------------------------------------------------------------ config and runs


def base_config(
    db_path: Path, sources: list[dict[str, Any]], *, bulk: bool = False, **extra: Any
) -> dict[str, Any]:
    """The default config.yaml (departments, places...) with these sources and small limits.

    ``bulk`` lifts the size cap and the timeout for tests that serve big, healthy feeds.
    """
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data["database"] = str(db_path)
    data["sources"] = sources
    data["http"] = {
        "timeout_seconds": 10 if bulk else TIMEOUT,
        "max_bytes": 50_000_000 if bulk else MAX_BYTES,
        "max_redirects": MAX_REDIRECTS,
    }
    data.setdefault("report", {})["out_dir"] = str(db_path.parent / "digests")
    data.update(extra)
    return data


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def serve(server: LoopbackServer, kind: SourceKind, name: str, *replies: Reply) -> dict[str, Any]:
    """Route ``name`` on the server and return its config entry."""
    route = kind.route(name)
    server.route(route, *replies)
    return kind.source(name, server.url + route)


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read with a plain sqlite3 connection (what pandas and Datasette would use)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def snapshot(db_path: Path) -> dict[str, Any]:
    """Everything the fault tests compare before/after: posts, cursors, analysis."""
    return {
        "posts": {
            r[0]: r[1:]
            for r in rows(
                db_path,
                "SELECT id, source, external_id, url, author, title, text, published_at, "
                "fetched_at, raw FROM posts",
            )
        },
        "cursors": dict(rows(db_path, "SELECT source, cursor FROM cursors")),
        "analysis": {
            r[0]: r[1:] for r in rows(db_path, "SELECT post_id, relevant, aspirasi FROM analysis")
        },
    }


def stored_ids(db_path: Path, source: str) -> list[str]:
    return [
        r[0] for r in rows(db_path, "SELECT external_id FROM posts WHERE source = ?", (source,))
    ]


def last_run(db_path: Path, source: str) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute(
            "SELECT * FROM runs WHERE source = ? ORDER BY id DESC LIMIT 1", (source,)
        ).fetchone()
        return dict(row) if row else {}
    finally:
        conn.close()


def integrity(db_path: Path) -> str:
    return str(rows(db_path, "PRAGMA integrity_check")[0][0])


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
