"""The demo corpus's X, Reddit and news-site parts, rendered as those platforms serve them.

X: API v2 recent-search JSON (``data``/``includes.users``/``meta`` with a
``next_token`` page). Reddit: the OAuth token endpoint and ``Listing`` JSON for a
subreddit's new posts and comments. News: a listing page, article pages and
robots.txt for the generic spider. :func:`api_sources` is ordinary source
configuration pointing the real collectors at the demo server; the demo passes
:data:`DEMO_ENV` (clearly fake credentials) as the pipeline's environment.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from html import escape
from typing import Any

from pantau.config import SourceConfig

DEMO_ENV = {
    "X_BEARER_TOKEN": "demo-x-bearer-token-not-a-secret",
    "REDDIT_CLIENT_ID": "demo-reddit-client-id",
    "REDDIT_CLIENT_SECRET": "demo-reddit-secret-not-a-secret",
}
X_SEARCH = "/2/tweets/search/recent"
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


def _x_pages(x: dict[str, Any], anchor: datetime) -> list[dict[str, Any]]:
    tweets = []
    for item in x["tweets"]:
        when = anchor - timedelta(minutes=item["minutes_ago"])
        tweets.append({
            "id": item["id"], "text": " ".join(item["text"].split()), "author_id": item["author"],
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "lang": "in",
            "conversation_id": item["id"], "public_metrics": item.get("metrics", {}),
            "edit_history_tweet_ids": [item["id"]],
        })  # fmt: skip
    users = {u["id"]: u for u in x["users"]}
    half = max(1, len(tweets) // 2)
    pages = []
    for number, chunk in enumerate((tweets[:half], tweets[half:])):
        if not chunk:
            continue
        meta: dict[str, Any] = {"newest_id": chunk[0]["id"], "oldest_id": chunk[-1]["id"],
                                "result_count": len(chunk)}  # fmt: skip
        if number == 0 and tweets[half:]:
            meta["next_token"] = "demo-page-2"
        authors = {t["author_id"] for t in chunk}
        pages.append({"data": chunk, "meta": meta,
                      "includes": {"users": [users[a] for a in sorted(authors) if a in users]}})  # fmt: skip
    return pages


def _listing(children: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": None, "before": None, "dist": len(children),
                                        "modhash": "", "children": children}}  # fmt: skip


def _reddit(reddit: dict[str, Any], anchor: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    sub = reddit["subreddit"]
    posts, comments = [], []
    for item in reddit["posts"]:
        created = (anchor - timedelta(minutes=item["minutes_ago"])).timestamp()
        posts.append({"kind": "t3", "data": {
            "id": item["id"], "name": f"t3_{item['id']}", "subreddit": sub,
            "title": item["title"], "selftext": " ".join(item["text"].split()),
            "author": item["author"], "created_utc": created, "score": item.get("score", 1),
            "num_comments": item.get("num_comments", 0), "upvote_ratio": 0.95,
            "permalink": f"/r/{sub}/comments/{item['id']}/demo/", "is_self": True}})  # fmt: skip
    for item in reddit.get("comments", []):
        created = (anchor - timedelta(minutes=item["minutes_ago"])).timestamp()
        comments.append({"kind": "t1", "data": {
            "id": item["id"], "name": f"t1_{item['id']}", "subreddit": sub,
            "link_id": f"t3_{item['post']}", "parent_id": f"t3_{item['post']}",
            "body": item["body"], "author": item["author"], "created_utc": created, "score": 3,
            "permalink": f"/r/{sub}/comments/{item['post']}/demo/{item['id']}/"}})  # fmt: skip
    order = lambda c: -c["data"]["created_utc"]  # noqa: E731 - newest first, like Reddit
    return _listing(sorted(posts, key=order)), _listing(sorted(comments, key=order))


def _article_html(site: dict[str, Any], article: dict[str, Any], anchor: datetime) -> str:
    when = anchor - timedelta(minutes=article["minutes_ago"])
    body = "\n".join(f"<p>{escape(' '.join(p.split()))}</p>" for p in article["paragraphs"])
    byline = (
        f'<p class="penulis">Penulis: {escape(article["author"])}</p>'
        if article.get("author")
        else ""
    )
    return (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
            f"<title>{escape(article['title'])} - {escape(site['site'])}</title>"
            f'<meta property="og:site_name" content="{escape(site["site"])}">'
            f'<meta property="article:published_time" content="{when.isoformat(timespec="seconds")}">'
            f"</head><body><nav><a href=\"{site['prefix']}/\">Beranda</a></nav><main><article>"
            f"<h1>{escape(article['title'])}</h1>{byline}{body}</article></main>"
            f"<footer>{escape(site['site'])} - contoh demo Pantau</footer></body></html>")  # fmt: skip


def render_api_documents(corpus: dict[str, Any], anchor: datetime) -> dict[str, tuple[bytes, str]]:
    """Render the X, Reddit and news-site parts; keys are paths (``?param=value`` for pages)."""
    out: dict[str, tuple[bytes, str]] = {}
    dump = lambda data: json.dumps(data, ensure_ascii=False).encode("utf-8")  # noqa: E731
    if corpus.get("x"):
        pages = _x_pages(corpus["x"], anchor)
        out[X_SEARCH] = (dump(pages[0]), JSON_TYPE)
        if len(pages) > 1:
            out[f"{X_SEARCH}?next_token=demo-page-2"] = (dump(pages[1]), JSON_TYPE)
    if corpus.get("reddit"):
        reddit = corpus["reddit"]
        token = {"access_token": "demo-access-token", "token_type": "bearer",
                 "expires_in": 86400, "scope": "*"}  # fmt: skip
        out["/api/v1/access_token"] = (dump(token), JSON_TYPE)
        posts, comments = _reddit(reddit, anchor)
        out[f"/r/{reddit['subreddit']}/new"] = (dump(posts), JSON_TYPE)
        out[f"/r/{reddit['subreddit']}/comments"] = (dump(comments), JSON_TYPE)
    sites = corpus.get("news_sites") or []
    if sites:
        out["/robots.txt"] = (b"User-agent: *\nDisallow: /admin/\n", "text/plain; charset=utf-8")
    for site in sites:
        links = []
        for article in site["articles"]:
            path = f"{site['prefix']}/berita/{article['id']}/{article['slug']}"
            out[path] = (_article_html(site, article, anchor).encode("utf-8"), HTML_TYPE)
            links.append(
                f'<li><a href="{path}?utm_source=beranda">{escape(article["title"])}</a></li>'
            )
        listing = (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>'
                   f"{escape(site['site'])}</title></head><body><h1>Berita terbaru</h1><ul>"
                   f"{''.join(links)}</ul></body></html>")  # fmt: skip
        out[f"{site['prefix']}/"] = (listing.encode("utf-8"), HTML_TYPE)
    return out


def api_sources(corpus: dict[str, Any], base: str) -> list[SourceConfig]:
    """Ordinary configuration pointing the real X, Reddit and news collectors at ``base``."""
    sources = []
    if corpus.get("x"):
        x = corpus["x"]
        sources.append(SourceConfig(name=x["name"], type="x",
                                    options={"query": x["query"], "base_url": base}))  # fmt: skip
    if corpus.get("reddit"):
        reddit = corpus["reddit"]
        sources.append(SourceConfig(name=reddit["name"], type="reddit", options={
            "subreddits": [reddit["subreddit"]], "comments": True, "oauth_url": base,
            "reddit_url": base}))  # fmt: skip
    for site in corpus.get("news_sites") or []:
        prefix = site["prefix"].replace("/", "\\/")
        sources.append(SourceConfig(name=site["name"], type="news", options={
            "site": site["site"], "start_urls": [f"{base}{site['prefix']}/"],
            "article_pattern": f"{prefix}\\/berita\\/\\d+\\/", "download_delay": 0,
            "autothrottle_start_delay": 0, "concurrency_per_domain": 4}))  # fmt: skip
    return sources
