from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from collectors import CollectorContext
from collectors.x import XCollector, XOptions, build_queries, split_page, to_post
from pantau.config import HttpConfig, SourceConfig
from pantau.errors import CollectorError, ConfigError, RateLimited
from pantau.pipeline import collect_source
from storage import posts as post_store
from tests.collectors.samples import REAL_SAMPLES
from tests.conftest import FIXTURES, make_config
from tests.loopback import Reply

TOKEN = "AAAAtest-bearer-token-never-logged-0123456789"
PAGE1 = (FIXTURES / "x" / "search_recent_page1.json").read_text()
PAGE2 = (FIXTURES / "x" / "search_recent_page2.json").read_text()
EMPTY = (FIXTURES / "x" / "search_recent_empty.json").read_text()
ROUTE = "/2/tweets/search/recent"
JSON = {"Content-Type": "application/json"}


def x_api(request):  # type: ignore[no-untyped-def]
    """Answer like the recent-search endpoint: page 2 on next_token, nothing newer than since_id."""
    query = parse_qs(request.query)
    if "next_token" in query:
        return Reply(200, PAGE2, JSON)
    if query.get("since_id") == ["1862000000000000003"]:
        return Reply(200, EMPTY, JSON)
    return Reply(200, PAGE1, JSON)


def source(base: str, **options: object) -> SourceConfig:
    opts = {"keywords": ["Kabupaten Bogor", "Pemkab Bogor"], "accounts": ["humaskabbogor"],
            "hashtags": ["KabupatenBogor"], "base_url": base, **options}  # fmt: skip
    return SourceConfig(name="x-bogor", type="x", options=opts)


def collector(base: str, timeout: float = 5, **options: object) -> XCollector:
    context = CollectorContext(http=HttpConfig(timeout_seconds=timeout),
                               env={"X_BEARER_TOKEN": TOKEN})  # fmt: skip
    return XCollector.from_config(source(base, **options), context=context)


def test_query_built_from_config_with_defaults() -> None:
    queries = build_queries(XOptions(keywords=["Kabupaten Bogor", "Cibinong"], hashtags=["#banjir"],
                                     accounts=["@humaskabbogor"]))  # fmt: skip
    assert queries == [
        '("Kabupaten Bogor" OR Cibinong OR #banjir OR from:humaskabbogor OR @humaskabbogor)'
        " lang:in -is:retweet"
    ]


def test_long_term_lists_split_into_queries_within_limit() -> None:
    keywords = [f"kecamatan nomor {i}" for i in range(60)]
    queries = build_queries(XOptions(keywords=keywords, max_query_length=200))
    assert len(queries) > 1
    assert all(len(q) <= 200 and q.endswith("lang:in -is:retweet") for q in queries)
    joined = " ".join(queries)
    assert all(f'"{k}"' in joined for k in keywords)


def test_query_required() -> None:
    with pytest.raises(ConfigError, match="keywords"):
        XCollector.required_env(SourceConfig(name="x", type="x", options={}))


def test_token_env_must_be_a_name() -> None:
    bad = SourceConfig(
        name="x", type="x", options={"query": "bogor", "bearer_token_env": "abc-123"}
    )
    with pytest.raises(ConfigError, match="NAME of an environment variable"):
        XCollector.required_env(bad)


def test_pagination_since_id_and_incremental_second_run(server, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    server.route(ROUTE, Reply(handler=x_api))
    first = collector(server.url)
    posts = list(first.collect(None))
    assert [p.external_id for p in posts] == [
        "1862000000000000003", "1862000000000000002", "1862000000000000001"
    ]  # fmt: skip
    hits = server.hits(ROUTE)
    assert len(hits) == 2
    params = parse_qs(hits[0].query)
    assert params["expansions"] == ["author_id"]
    assert "public_metrics" in params["tweet.fields"][0]
    assert "conversation_id" in params["tweet.fields"][0]
    assert params["user.fields"] == ["username,name,verified"]
    assert "lang:in" in params["query"][0] and "-is:retweet" in params["query"][0]
    assert hits[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert hits[0].headers["User-Agent"].startswith("Pantau/")
    cursor = first.next_cursor
    assert cursor and "1862000000000000003" in cursor  # first page's newest_id
    second = collector(server.url)
    assert list(second.collect(cursor)) == []
    assert parse_qs(server.hits(ROUTE)[-1].query)["since_id"] == ["1862000000000000003"]
    assert second.next_cursor == cursor
    assert TOKEN not in caplog.text


def test_to_post_maps_author_metrics_and_unescapes() -> None:
    page = json.loads(PAGE1)
    raws = list(split_page(page))
    post = to_post(raws[1], source="x-bogor")
    assert post.kind == "x"
    assert post.author == "humaskabbogor"
    assert post.url == "https://x.com/humaskabbogor/status/1862000000000000002"
    assert "Cileungsi & padamkan" in post.text
    assert post.metrics == {"retweet_count": 0, "reply_count": 0, "like_count": 3, "quote_count": 0}
    assert (
        post.published_at is not None
        and post.published_at.isoformat() == "2026-11-27T02:40:00+00:00"
    )
    assert post.raw["data"]["referenced_tweets"][0]["type"] == "replied_to"
    assert post.lang == "in"


@pytest.mark.parametrize(
    ("headers", "has_reset"),
    [({"x-rate-limit-reset": "1893456000", "x-rate-limit-remaining": "0"}, True), ({}, False)],
)
def test_429_stops_with_reset_time_and_never_sleeps(server, headers, has_reset) -> None:  # type: ignore[no-untyped-def]
    body = (FIXTURES / "x" / "error_429.json").read_text()
    server.route(ROUTE, Reply(429, body, {**JSON, **headers}))
    with pytest.raises(RateLimited) as info:
        list(collector(server.url).collect(None))
    assert len(server.hits(ROUTE)) == 1  # no retry loop
    if has_reset:
        assert info.value.reset_at is not None and info.value.reset_at.year == 2030
    else:
        assert info.value.reset_at is None


def test_429_mid_pagination_keeps_posts_of_first_page(server) -> None:  # type: ignore[no-untyped-def]
    server.route(ROUTE, Reply(200, PAGE1, JSON), Reply(429, "{}", JSON))
    got = []
    c = collector(server.url)
    with pytest.raises(RateLimited):
        for post in c.collect(None):
            got.append(post)
    assert len(got) == 2
    assert c.next_cursor is None


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(500, "oops"), "HTTP 500"),
        (Reply(503, "<html>down</html>"), "HTTP 503"),
        (Reply(200, "{not json", JSON), "malformed JSON"),
        (Reply(401, '{"title": "Unauthorized"}', JSON), "HTTP 401"),
        (Reply(200, "[1, 2]", JSON), "unexpected response"),
    ],
)
def test_http_errors_become_one_line(server, reply, message) -> None:  # type: ignore[no-untyped-def]
    server.route(ROUTE, reply)
    with pytest.raises(CollectorError, match=message) as info:
        list(collector(server.url).collect(None))
    assert "\n" not in str(info.value)
    assert TOKEN not in str(info.value)


def test_timeout(server) -> None:  # type: ignore[no-untyped-def]
    server.route(ROUTE, Reply(200, PAGE1, JSON, delay=1.0))
    with pytest.raises(CollectorError, match="timed out"):
        list(collector(server.url, timeout=0.2).collect(None))


def test_empty_result_keeps_no_cursor(server) -> None:  # type: ignore[no-untyped-def]
    server.route(ROUTE, Reply(200, EMPTY, JSON))
    c = collector(server.url)
    assert list(c.collect(None)) == []
    assert c.next_cursor == json.dumps({"since_id": {}})


def test_missing_token_skips_source_with_one_line(db, default_config) -> None:  # type: ignore[no-untyped-def]
    config = make_config(default_config, [{"name": "x-bogor", "type": "x",
                                           "options": {"query": "bogor"}}])  # fmt: skip
    result = collect_source(db, config, config.sources[0], environ={})
    assert result.status == "skipped"
    assert result.error == "missing environment variable(s) X_BEARER_TOKEN; source skipped"


def test_pipeline_stores_once_and_token_not_stored(server, db, default_config, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    server.route(ROUTE, Reply(handler=x_api))
    config = make_config(default_config, [{"name": "x-bogor", "type": "x",
                                           "options": {"query": "bogor", "base_url": server.url}}])  # fmt: skip
    env = {"X_BEARER_TOKEN": TOKEN}
    first = collect_source(db, config, config.sources[0], environ=env)
    second = collect_source(db, config, config.sources[0], environ=env)
    assert (first.status, first.fetched, first.new) == ("ok", 3, 3)
    assert (second.status, second.new) == ("ok", 0)
    assert post_store.count_posts(db, "x-bogor") == 3
    dump = "\n".join(str(r) for r in db.execute("SELECT * FROM posts").fetchall())
    assert TOKEN not in dump and TOKEN not in caplog.text


def test_rate_limited_run_recorded_with_reset(server, db, default_config) -> None:  # type: ignore[no-untyped-def]
    server.route(ROUTE, Reply(429, "{}", {"x-rate-limit-reset": "1893456000"}))
    config = make_config(default_config, [{"name": "x-bogor", "type": "x",
                                           "options": {"query": "bogor", "base_url": server.url}}])  # fmt: skip
    result = collect_source(db, config, config.sources[0], environ={"X_BEARER_TOKEN": TOKEN})
    assert result.status == "rate_limited"
    row = db.execute("SELECT rate_limit_reset FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert row[0].startswith("2030-01-01")
    assert post_store.get_cursor(db, "x-bogor") is None


def test_load_payload_replays_saved_pages(tmp_path: Path) -> None:
    payload = json.dumps([json.loads(PAGE1), json.loads(PAGE2)]).encode()
    posts = list(XCollector.load_payload(source("http://127.0.0.1:1"), payload))
    assert len(posts) == 3
    jsonl = (PAGE1.replace("\n", "") + "\n" + PAGE2.replace("\n", "")).encode()
    assert len(list(XCollector.load_payload(source("http://127.0.0.1:1"), jsonl))) == 3
    with pytest.raises(CollectorError, match="not JSON"):
        list(XCollector.load_payload(source("http://127.0.0.1:1"), b"<html>"))


def test_fixtures_hold_no_token() -> None:
    for path in (FIXTURES / "x").glob("*"):
        text = path.read_text()
        assert "Bearer" not in text and "AAAA" not in text


REAL = REAL_SAMPLES / "api_payloads" / "tweepy" / "decoded"


@pytest.mark.skipif(not REAL.exists(), reason="real samples not available")
def test_real_recorded_search_responses_map() -> None:
    for name in ("test_client_search_recent_tweets.json", "test_client_search_all_tweets.json"):
        interactions = json.loads((REAL / name).read_text())
        page = interactions[0]["body"] if isinstance(interactions, list) else interactions["body"]
        posts = [to_post(raw, source="real") for raw in split_page(page)]
        assert len(posts) == page["meta"]["result_count"]
        assert all(p.external_id.isdigit() and p.text for p in posts)
        assert all(p.url and p.url.startswith("https://x.com/i/web/status/") for p in posts)


def test_stale_since_id_is_dropped_once(server) -> None:  # type: ignore[no-untyped-def]
    stale = json.dumps({"errors": [{"parameters": {"since_id": ["1"]},
                                    "message": "Invalid 'since_id':'1'. 'since_id' must be a tweet id "
                                               "created after 2026-11-20T00:00Z."}],
                        "title": "Invalid Request", "type": "https://api.twitter.com/2/problems/invalid-request"})  # fmt: skip

    def api(request):  # type: ignore[no-untyped-def]
        if "since_id" in parse_qs(request.query):
            return Reply(400, stale, JSON)
        return x_api(request)

    server.route(ROUTE, Reply(handler=api))
    c = collector(server.url)
    cursor = json.dumps({"since_id": {k: "1" for k in _keys(c)}})
    posts = list(c.collect(cursor))
    assert len(posts) == 3
    assert [parse_qs(r.query).get("since_id") for r in server.hits(ROUTE)[:2]] == [["1"], None]
    assert "1862000000000000003" in (c.next_cursor or "")


def _keys(c: XCollector) -> list[str]:
    from collectors.x import _query_key

    return [_query_key(q) for q in c.queries]
