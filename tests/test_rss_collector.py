"""The rss and google_news collectors against a loopback server and recorded-shape feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors import CollectorContext, collector_class
from collectors.rss import GoogleNewsOptions, google_news_url, parse_feed, to_post
from pantau.config import HttpConfig, SourceConfig
from pantau.errors import CollectorError, RateLimited
from tests.conftest import FIXTURES, SHARED_SAMPLES
from tests.loopback import LoopbackServer, Reply

FEED = (FIXTURES / "rss" / "kabar_bogor.xml").read_bytes()


def _collector(url: str, kind: str = "rss", **options: object):  # type: ignore[no-untyped-def]
    opts = {"url": url} if kind == "rss" else {"query": "Kabupaten Bogor", "base_url": url}
    opts.update(options)
    source = SourceConfig(name="src", type=kind, options=opts)
    cls = collector_class(source)
    return cls.from_config(source, context=CollectorContext(http=HttpConfig(timeout_seconds=2)))


def test_fetch_maps_entries_and_sends_user_agent(server: LoopbackServer) -> None:
    server.route("/feed", Reply(200, FEED, {"ETag": '"v1"', "Content-Type": "application/rss+xml"}))
    collector = _collector(server.url + "/feed")
    posts = list(collector.collect(None))
    assert [p.external_id for p in posts] == ["kabar-1", "kabar-2", "kabar-3"]
    first = posts[0]
    assert first.url == "https://kabar.example/berita/1?id=1"  # utm_ dropped
    assert first.text == "Warga Kecamatan Cibinong mengeluhkan jalan berlubang."
    assert (
        first.published_at is not None
        and first.published_at.isoformat() == "2026-11-27T03:00:00+00:00"
    )
    assert posts[1].published_at.isoformat() == "2026-11-26T21:00:00+00:00"  # +0700 -> UTC
    assert json.loads(collector.next_cursor) == {"etag": '"v1"'}
    assert server.requests[0].headers["User-Agent"].startswith("Pantau/")


def test_conditional_get_304_means_nothing_new(server: LoopbackServer) -> None:
    server.route(
        "/feed",
        Reply(200, FEED, {"ETag": '"v1"', "Last-Modified": "Fri, 27 Nov 2026 05:00:00 GMT"}),
    )
    first = _collector(server.url + "/feed")
    assert len(list(first.collect(None))) == 3
    second = _collector(server.url + "/feed")
    assert list(second.collect(first.next_cursor)) == []
    assert second.next_cursor == first.next_cursor
    sent = server.requests[-1].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Fri, 27 Nov 2026 05:00:00 GMT"


def test_server_error_raises_collector_error(server: LoopbackServer) -> None:
    server.route("/feed", Reply(500, b"oops"))
    with pytest.raises(CollectorError, match="HTTP 500"):
        list(_collector(server.url + "/feed").collect(None))


def test_429_carries_reset_time(server: LoopbackServer) -> None:
    server.route("/feed", Reply(429, b"slow down", {"Retry-After": "120"}))
    with pytest.raises(RateLimited) as caught:
        list(_collector(server.url + "/feed").collect(None))
    assert caught.value.reset_at is not None


def test_timeout_is_a_collector_error(server: LoopbackServer) -> None:
    server.route("/feed", Reply(200, FEED, delay=3.0))
    source = SourceConfig(name="slow", type="rss", options={"url": server.url + "/feed"})
    collector = collector_class(source).from_config(
        source, context=CollectorContext(http=HttpConfig(timeout_seconds=0.5))
    )
    with pytest.raises(CollectorError, match="timed out"):
        list(collector.collect(None))


def test_malformed_feed_keeps_entries(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    # A truncated feed: the entries before the break are yielded (and stored by the
    # pipeline), then the run is an error so the cursor does not move past the break.
    server.route("/feed", Reply(200, (FIXTURES / "rss" / "broken.xml").read_bytes()))
    collector = _collector(server.url + "/feed")
    posts = []
    with pytest.raises(CollectorError, match="malformed feed, kept the 2 entries"):
        for post in collector.collect(None):
            posts.append(post)
    assert [p.external_id for p in posts] == ["broken-a", "broken-b"]


def test_harmless_bozo_feed_is_ok(server: LoopbackServer, caplog: pytest.LogCaptureFixture) -> None:
    odd = b"\n\n" + FEED.replace(b"Jalan rusak", b"Jalan &nbsp;rusak")  # leading blank, HTML entity
    server.route("/feed", Reply(200, odd))
    posts = list(_collector(server.url + "/feed").collect(None))
    assert [p.external_id for p in posts] == ["kabar-1", "kabar-2", "kabar-3"]


def test_html_instead_of_feed_is_an_error(server: LoopbackServer) -> None:
    server.route("/feed", Reply(200, b"<html><body><p>Maintenance</p></body></html>"))
    with pytest.raises(CollectorError, match="not a feed"):
        list(_collector(server.url + "/feed").collect(None))


def test_google_news_url_is_indonesian_edition() -> None:
    url = google_news_url(GoogleNewsOptions(query='"Kabupaten Bogor" banjir', when="1d"))
    assert url.startswith("https://news.google.com/rss/search?q=")
    assert "hl=id&gl=ID&ceid=ID%3Aid" in url
    assert "when%3A1d" in url


def test_google_news_publisher_from_source_and_suffix_stripped(server: LoopbackServer) -> None:
    server.route("/search", Reply(200, (FIXTURES / "rss" / "gnews.xml").read_bytes()))
    posts = list(_collector(server.url + "/search", kind="google_news").collect(None))
    assert posts[0].title == "Dishub Kabupaten Bogor tertibkan truk tambang di Rumpin"
    assert posts[0].author == "Metropolitan.id"
    assert posts[0].kind == "gnews"
    # Only the publisher's own suffix goes; a title that repeats it keeps the rest.
    assert posts[1].title == "Harga elpiji naik di Leuwiliang - Radar Bogor"
    assert posts[0].text == ""
    assert "q=Kabupaten+Bogor" in server.requests[0].query


def test_to_post_is_pure_and_tolerates_empty_entries() -> None:
    post = to_post({}, source="s")
    assert post.external_id and post.text == "" and post.title is None and post.url is None
    hostile = to_post(
        {"title": "<script>alert(1)</script>Judul", "link": "javascript:alert(1)"}, source="s"
    )
    assert hostile.url is None
    assert "<script>" not in (hostile.title or "")


@pytest.mark.parametrize(
    ("name", "items"),
    [
        ("antara_rss_terkini_2015.xml", 20),
        ("detik_news_rss_feedsportal_2015.xml", 20),
        ("republika_rss_2015.xml", 10),
        ("kapanlagi_rss_2015.xml", 3),
    ],
)
def test_real_indonesian_feeds_parse(name: str, items: int) -> None:
    path: Path = SHARED_SAMPLES / "feeds_and_pages" / name
    if not path.exists():
        pytest.skip("shared real samples not present")
    parsed = parse_feed(path.read_bytes(), source="real")
    posts = [to_post(e, source="real") for e in parsed.entries]
    assert len(posts) == items
    assert all(p.title for p in posts)
    assert all(p.published_at is not None for p in posts)
    assert len({p.external_id for p in posts}) == items
