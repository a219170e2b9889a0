"""RSS feeds for the ops tests: each request may publish new items (a live feed)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import yaml

from pantau.config import Config
from tests.loopback import Reply, Request

TOPICS = (
    "Jalan rusak di Cibinong dikeluhkan warga, Dinas PUPR Kabupaten Bogor diminta segera perbaiki",
    "Banjir merendam rumah warga di Bojonggede Kabupaten Bogor, BPBD turun tangan",
    "Sampah menumpuk di pasar Cileungsi, DLH Kabupaten Bogor janji angkut",
    "Warga Ciawi tanya jadwal layanan KTP keliling Disdukcapil Kabupaten Bogor",
)


def rss(items: list[tuple[str, str, datetime]], title: str = "Feed uji") -> str:
    """Render (guid, title, published) items as RSS 2.0."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{text}</title>"
        f"<link>https://example.test/{guid}</link>"
        f"<description>{text}. Berita lengkap {guid}.</description>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for guid, text, when in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.test/</link>"
        f"<description>uji</description>{body}</channel></rss>"
    )


class LiveFeed:
    """A feed that publishes ``per_request`` new items on every request (keeps the last 10)."""

    def __init__(self, name: str, per_request: int = 2, keep: int = 10) -> None:
        self.name = name
        self.per_request = per_request
        self.keep = keep
        self.items: list[tuple[str, str, datetime]] = []
        self.served: set[str] = set()
        self.requests = 0
        self._lock = threading.Lock()

    def reply(self, _request: Request) -> Reply:
        with self._lock:
            self.requests += 1
            now = datetime.now(UTC)
            for _ in range(self.per_request):
                n = len(self.items)
                text = f"{TOPICS[n % len(TOPICS)]} ({self.name} #{n})"
                self.items.append((f"{self.name}-{n}", text, now - timedelta(minutes=5)))
            shown = self.items[-self.keep :]
            self.served.update(guid for guid, _, _ in shown)
            return Reply(200, rss(shown), {"Content-Type": "application/rss+xml"})

    def as_reply(self) -> Reply:
        return Reply(handler=self.reply)


def write_config(
    base: Config, path: Path, sources: list[dict[str, Any]], **sections: dict[str, Any]
) -> Path:
    """Write a config.yaml: the default config with these sources and section overrides."""
    data = base.model_dump(mode="json", exclude={"path"})
    data["sources"] = sources
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
