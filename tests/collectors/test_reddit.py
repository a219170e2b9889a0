from __future__ import annotations

import base64
import json
import logging
from urllib.parse import parse_qs

import pytest

from collectors import CollectorContext
from collectors.reddit import RedditCollector, RedditOptions, listings, to_post
from pantau.config import HttpConfig, SourceConfig
from pantau.errors import CollectorError, ConfigError, RateLimited
from pantau.pipeline import collect_source
from storage import posts as post_store
from tests.collectors.samples import REAL_SAMPLES
from tests.conftest import FIXTURES, make_config
from tests.loopback import Reply

CLIENT_ID = "test-client-id-abc"
SECRET = "test-client-secret-never-logged-xyz"
ACCESS = "test-access-token-never-logged-123"
JSON = {"Content-Type": "application/json; charset=UTF-8"}
TOKEN_BODY = json.dumps({"access_token": ACCESS, "token_type": "bearer", "expires_in": 86400,
                         "scope": "*"})  # fmt: skip
R = FIXTURES / "reddit"
PAGE1, PAGE2 = (R / "bogor_new_page1.json").read_text(), (R / "bogor_new_page2.json").read_text()
COMMENTS, SEARCH = (R / "bogor_comments.json").read_text(), (R / "search_new.json").read_text()
EMPTY = (R / "empty_listing.json").read_text()
ENV = {"REDDIT_CLIENT_ID": CLIENT_ID, "REDDIT_CLIENT_SECRET": SECRET}


def new_listing(request):  # type: ignore[no-untyped-def]
    """Like /r/bogor/new: two pages via `after`."""
    query = parse_qs(request.query)
    return Reply(200, PAGE2 if query.get("after") == ["t3_1h0a9z"] else PAGE1, JSON)


def serve_reddit(server, new=None) -> None:  # type: ignore[no-untyped-def]
    server.route("/api/v1/access_token", Reply(200, TOKEN_BODY, JSON))
    server.route("/r/bogor/new", new or Reply(handler=new_listing))
    server.route("/r/bogor/comments", Reply(200, COMMENTS, JSON))
    server.route("/r/indonesia/search", Reply(200, SEARCH, JSON))


def options(base: str, **extra: object) -> dict[str, object]:
    return {"subreddits": ["bogor"], "oauth_url": base, "reddit_url": base, **extra}


def collector(base: str, timeout: float = 5, **extra: object) -> RedditCollector:
    src = SourceConfig(name="reddit-bogor", type="reddit", options=options(base, **extra))
    return RedditCollector.from_config(
        src, context=CollectorContext(http=HttpConfig(timeout_seconds=timeout), env=ENV)
    )


def test_listings_from_config() -> None:
    opts = RedditOptions(subreddits=["r/bogor"], comments=True,
                         searches=[{"query": "Kabupaten Bogor", "subreddit": "indonesia"}])  # fmt: skip
    paths = [(key, path) for key, path, _ in listings(opts)]
    assert paths == [("new:bogor", "/r/bogor/new"), ("comments:bogor", "/r/bogor/comments"),
                     ("search:indonesia:Kabupaten Bogor", "/r/indonesia/search")]  # fmt: skip
    params = listings(opts)[2][2]
    assert params["sort"] == "new" and params["restrict_sr"] == "on"


def test_needs_subreddits_or_searches() -> None:
    with pytest.raises(ConfigError, match="subreddits"):
        RedditCollector.required_env(SourceConfig(name="r", type="reddit", options={}))


def test_pagination_token_endpoint_and_incremental_second_run(server, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    serve_reddit(server)
    first = collector(server.url, comments=True,
                      searches=[{"query": "Kabupaten Bogor", "subreddit": "indonesia"}])  # fmt: skip
    posts = list(first.collect(None))
    names = [p.external_id for p in posts]
    assert names == ["t3_1h0b3c", "t3_1h0a9z", "t3_1h09xx", "t1_lz3k2a", "t1_lz3k1b", "t3_1h0c00"]
    token_hits = server.hits("/api/v1/access_token")
    assert len(token_hits) == 1
    auth = token_hits[0].headers["Authorization"]
    assert base64.b64decode(auth.split()[1]).decode() == f"{CLIENT_ID}:{SECRET}"
    assert b"grant_type=client_credentials" in token_hits[0].body
    listing = server.hits("/r/bogor/new")
    assert len(listing) == 2 and "after=t3_1h0a9z" in listing[1].query
    assert listing[0].headers["Authorization"] == f"bearer {ACCESS}"
    search = parse_qs(server.hits("/r/indonesia/search")[0].query)
    assert search["q"] == ["Kabupaten Bogor"] and search["sort"] == ["new"]
    cursor = json.loads(first.next_cursor or "{}")
    assert cursor["new:bogor"] == {"created_utc": 1764211200.0, "name": "t3_1h0b3c"}
    second = collector(server.url, comments=True,
                       searches=[{"query": "Kabupaten Bogor", "subreddit": "indonesia"}])  # fmt: skip
    assert list(second.collect(first.next_cursor)) == []
    assert len(server.hits("/r/bogor/new")) == 3  # the second run stopped at the first page
    assert json.loads(second.next_cursor or "{}") == cursor
    for secret in (SECRET, ACCESS):
        assert secret not in caplog.text


def test_to_post_submission_and_comment() -> None:
    child = json.loads(PAGE2)["data"]["children"][0]
    post = to_post(child, source="r")
    assert post.kind == "reddit" and post.external_id == "t3_1h09xx"
    assert post.author is None  # [deleted]
    assert post.title and post.title.startswith("Sampah numpuk")
    assert post.url == "https://www.reddit.com/r/bogor/comments/1h09xx/slug/"
    assert post.metrics == {"score": 12, "num_comments": 3, "upvote_ratio": 0.93}
    assert post.published_at and post.published_at.isoformat() == "2025-11-26T23:40:00+00:00"
    comment = to_post(json.loads(COMMENTS)["data"]["children"][0], source="r")
    assert comment.title is None and comment.text.startswith("Betul")
    assert comment.external_id == "t1_lz3k2a"
    with pytest.raises(CollectorError):
        to_post({"kind": "t5", "data": {"id": "x"}}, source="r")


@pytest.mark.parametrize(
    ("headers", "has_reset"),
    [({"x-ratelimit-reset": "120", "x-ratelimit-remaining": "0"}, True), ({}, False)],  # fmt: skip
)
def test_429_stops_run(server, headers, has_reset) -> None:  # type: ignore[no-untyped-def]
    serve_reddit(server, new=Reply(429, '{"message": "Too Many Requests", "error": 429}',
                                   {**JSON, **headers}))  # fmt: skip
    with pytest.raises(RateLimited) as info:
        list(collector(server.url).collect(None))
    assert len(server.hits("/r/bogor/new")) == 1
    assert (info.value.reset_at is not None) is has_reset


def test_exhausted_quota_stops_before_prawcore_sleeps(server) -> None:  # type: ignore[no-untyped-def]
    quota = {"x-ratelimit-remaining": "0.0", "x-ratelimit-used": "100", "x-ratelimit-reset": "300"}
    serve_reddit(server, new=Reply(200, PAGE1, {**JSON, **quota}))
    got = []
    with pytest.raises(RateLimited) as info:
        for post in collector(server.url).collect(None):
            got.append(post)
    assert len(got) == 2  # the first page was kept
    assert len(server.hits("/r/bogor/new")) == 1
    assert info.value.reset_at is not None


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(500, "oops"), "HTTP 500"),
        (Reply(502, "<html>bad gateway</html>"), "HTTP 502"),
        (Reply(200, "{not json", JSON), "malformed JSON"),
        (Reply(403, '{"message": "Forbidden"}', JSON), "HTTP 403"),
        (Reply(200, '{"kind": "t2"}', JSON), "not a Reddit Listing"),
    ],
)
def test_errors_become_one_line_without_retry_sleeps(server, reply, message) -> None:  # type: ignore[no-untyped-def]
    serve_reddit(server, new=reply)
    with pytest.raises(CollectorError, match=message) as info:
        list(collector(server.url).collect(None))
    assert len(server.hits("/r/bogor/new")) == 1  # prawcore's retries (with sleeps) bypassed
    assert "\n" not in str(info.value) and SECRET not in str(info.value)


def test_token_endpoint_refusal(server) -> None:  # type: ignore[no-untyped-def]
    serve_reddit(server)
    server.route(
        "/api/v1/access_token", Reply(401, '{"message": "Unauthorized", "error": 401}', JSON)
    )
    with pytest.raises(CollectorError) as info:
        list(collector(server.url).collect(None))
    assert SECRET not in str(info.value)


def test_timeout(server) -> None:  # type: ignore[no-untyped-def]
    serve_reddit(server, new=Reply(200, PAGE1, JSON, delay=1.0))
    with pytest.raises(CollectorError, match="timed out"):
        list(collector(server.url, timeout=0.2).collect(None))


def test_empty_listing(server) -> None:  # type: ignore[no-untyped-def]
    serve_reddit(server, new=Reply(200, EMPTY, JSON))
    c = collector(server.url)
    assert list(c.collect('{"new:bogor": {"created_utc": 5.0, "name": "t3_old"}}')) == []
    assert json.loads(c.next_cursor or "{}") == {
        "new:bogor": {"created_utc": 5.0, "name": "t3_old"}
    }


def test_pipeline_stores_once(server, db, default_config) -> None:  # type: ignore[no-untyped-def]
    serve_reddit(server)
    config = make_config(default_config, [{"name": "reddit-bogor", "type": "reddit",
                                           "options": options(server.url)}])  # fmt: skip
    first = collect_source(db, config, config.sources[0], environ=ENV)
    second = collect_source(db, config, config.sources[0], environ=ENV)
    assert (first.status, first.new) == ("ok", 3)
    assert (second.status, second.new) == ("ok", 0)
    assert post_store.count_posts(db, "reddit-bogor") == 3
    dump = "\n".join(str(r) for r in db.execute("SELECT * FROM posts").fetchall())
    assert SECRET not in dump and ACCESS not in dump
    missing = collect_source(db, config, config.sources[0], environ={"REDDIT_CLIENT_ID": "x"})
    assert missing.status == "skipped" and "REDDIT_CLIENT_SECRET" in (missing.error or "")


def test_load_payload() -> None:
    src = SourceConfig(name="r", type="reddit", options={"subreddits": ["bogor"]})
    payload = json.dumps([json.loads(PAGE1), json.loads(COMMENTS)]).encode()
    assert len(list(RedditCollector.load_payload(src, payload))) == 4
    with pytest.raises(CollectorError):
        list(RedditCollector.load_payload(src, b'{"kind": "t5"}'))


def test_fixtures_hold_no_secrets() -> None:
    for path in R.glob("*"):
        text = path.read_text()
        assert "access_token" not in text and "bearer" not in text.lower()


REAL = REAL_SAMPLES / "api_payloads" / "praw"


@pytest.mark.skipif(not REAL.exists(), reason="real samples not available")
def test_real_recorded_listings_map() -> None:
    for name in ("TestSubredditListings.test_new.json", "TestSubmission.test_hide_multiple_in_batches.json",
                 "TestSubredditStreams.test_comments__with_continue_after_id.json"):  # fmt: skip
        cassette = json.loads((REAL / name).read_text())
        bodies = [i["response"]["body"]["string"] for i in cassette["interactions"]
                  if "access_token" not in i["request"]["uri"]]  # fmt: skip
        listing = json.loads(bodies[0])
        posts = [to_post(c, source="real") for c in listing["data"]["children"]]
        assert len(posts) >= 50
        assert all(p.external_id.startswith(("t1_", "t3_")) and p.published_at for p in posts)
        assert all(p.url and p.url.startswith("https://www.reddit.com/r/") for p in posts)
