"""X (Twitter) API v2 recent search through tweepy.

The query is built from configuration (regency and agency names, accounts,
hashtags; Indonesian only — X's operator is ``lang:in`` — and no retweets by default) and split into several queries
when it would exceed the API's length limit. Each query keeps its own ``since_id``
(the first page's ``meta.newest_id``) in the cursor. tweepy gets an
:class:`~collectors.apisession.ApiSession` for the base URL and timeout, and
``wait_on_rate_limit=False``: a 429 ends this source's run with the reset time.
``to_post`` maps one tweet (with its author) to a Post and is pure.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from collections.abc import Generator, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from collectors import CollectorContext, Options, parse_options, register
from collectors.apisession import ApiSession
from collectors.payload import json_cursor, json_documents
from collectors.text import clean_text
from pantau.config import SourceConfig, env_name
from pantau.errors import CollectorError, ConfigError, MissingCredentials
from pantau.models import Post, utcnow

log = logging.getLogger(__name__)

X_API = "https://api.twitter.com"
TWEET_FIELDS = ("author_id", "created_at", "lang", "conversation_id", "public_metrics",
                "referenced_tweets", "in_reply_to_user_id", "entities", "note_tweet")  # fmt: skip
USER_FIELDS = ("username", "name", "verified")
EXPANSIONS = ("author_id",)
_BEARER = re.compile(r"(Bearer\s+)[^\s'\",}]+", re.IGNORECASE)


class XOptions(Options):
    query: str | None = Field(default=None, description="A full query used as is.")
    keywords: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    lang: str | None = "id"
    include_retweets: bool = False
    max_query_length: int = Field(default=512, ge=64, le=4096)
    max_results: int = Field(default=100, ge=10, le=100)
    max_pages: int = Field(default=5, ge=1, le=100)
    bearer_token_env: str = "X_BEARER_TOKEN"
    base_url: str = Field(default=X_API, pattern=r"^https?://")


def _term(keyword: str) -> str:
    keyword = " ".join(keyword.replace('"', " ").split())
    return f'"{keyword}"' if " " in keyword or "-" in keyword else keyword


# X labels Indonesian with the legacy code "in" (a tweet's ``lang`` field and the
# ``lang:`` operator), not ISO 639-1 "id". Config speaks ISO codes, the query X's.
_X_LANG = {"id": "in"}


def build_queries(opts: XOptions) -> list[str]:
    """Return the search queries for ``opts``: OR-groups of terms within the length limit."""
    suffix = ""
    if opts.lang:
        suffix += f" lang:{_X_LANG.get(opts.lang, opts.lang)}"
    if not opts.include_retweets:
        suffix += " -is:retweet"
    if opts.query:
        query = opts.query.strip() + suffix
        if len(query) > opts.max_query_length:
            raise ConfigError(f"options.query: longer than max_query_length ({len(query)} > "
                              f"{opts.max_query_length})")  # fmt: skip
        return [query]
    terms: list[str] = []
    for keyword in opts.keywords:
        if keyword.strip():
            terms.append(_term(keyword))
    for tag in opts.hashtags:
        tag = tag.strip().lstrip("#")
        if tag:
            terms.append(f"#{tag}")
    for account in opts.accounts:
        handle = account.strip().lstrip("@")
        if handle:
            terms += [f"from:{handle}", f"@{handle}"]
    if not terms:
        raise ConfigError("options: give a query, or keywords / accounts / hashtags")
    budget = opts.max_query_length - len(suffix) - 2
    queries: list[str] = []
    group: list[str] = []
    for term in dict.fromkeys(terms):
        if len(term) > budget:
            raise ConfigError(f"options: term {term!r} alone exceeds max_query_length")
        if group and len(" OR ".join([*group, term])) > budget:
            queries.append(f"({' OR '.join(group)}){suffix}")
            group = []
        group.append(term)
    queries.append(f"({' OR '.join(group)}){suffix}")
    return queries


def _query_key(query: str) -> str:
    return hashlib.sha1(query.encode("utf-8")).hexdigest()[:12]


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_post(raw: Mapping[str, Any], *, source: str, fetched_at: datetime | None = None) -> Post:
    """Map ``{"data": tweet, "includes": {"users": [author]}}`` to a Post (pure)."""
    tweet = raw.get("data") or {}
    tweet_id = str(tweet.get("id") or "")
    if not tweet_id:
        raise CollectorError("tweet without an id", source=source)
    users = (raw.get("includes") or {}).get("users") or []
    author: dict[str, Any] = next((u for u in users if u.get("id") == tweet.get("author_id")), {})
    username = author.get("username")
    note = tweet.get("note_tweet") or {}
    text = note.get("text") or tweet.get("text") or ""
    if username:
        url = f"https://x.com/{username}/status/{tweet_id}"
    else:
        url = f"https://x.com/i/web/status/{tweet_id}"
    metrics = dict(tweet.get("public_metrics") or {}) or None
    return Post(
        source=source,
        kind="x",
        external_id=tweet_id,
        url=url,
        author=username or tweet.get("author_id"),
        title=None,
        # The API escapes &, < and > in tweet text.
        text=clean_text(html.unescape(text)),
        published_at=_parse_time(tweet.get("created_at")),
        fetched_at=fetched_at or utcnow(),
        lang=tweet.get("lang"),
        metrics=metrics,
        raw=dict(raw),
    )


def split_page(page: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Split one search response into per-tweet payloads (tweet plus its author)."""
    users = {u.get("id"): u for u in (page.get("includes") or {}).get("users") or []}
    for tweet in page.get("data") or []:
        author = users.get(tweet.get("author_id"))
        yield {"data": tweet, "includes": {"users": [author] if author else []}}


class _RedactBearer(logging.Filter):
    """tweepy logs request headers (the bearer token) at DEBUG: mask them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "earer" in record.msg:
            record.msg = _BEARER.sub(r"\1***", record.msg)
        return True


def _guard_tweepy_logs() -> None:
    logger = logging.getLogger("tweepy.client")
    if not any(isinstance(f, _RedactBearer) for f in logger.filters):
        logger.addFilter(_RedactBearer())


def build_client(opts: XOptions, *, token: str, source: str, timeout: float,
                 user_agent: str) -> Any:  # fmt: skip
    """Build a tweepy Client returning raw dicts, on our session, never sleeping."""
    import tweepy

    _guard_tweepy_logs()
    client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
    client.session = ApiSession(source=source, timeout=timeout, rewrite={X_API: opts.base_url},
                                user_agent=user_agent)  # fmt: skip
    return client


class _StaleSinceId(Exception):
    """The API refused the cursor's since_id (older than the search window)."""


@register("x")
class XCollector:
    """Recent search on X (API v2), incremental by ``since_id`` per query."""

    def __init__(self, name: str, opts: XOptions, client: Any) -> None:
        self.name = name
        self.opts = opts
        self.client = client
        self.queries = build_queries(opts)
        self.next_cursor: str | None = None

    @classmethod
    def from_config(cls, source: SourceConfig, *, context: CollectorContext) -> XCollector:
        opts = _options(source)
        client = context.client
        if client is None:
            token = context.env.get(opts.bearer_token_env)
            if not token:
                raise MissingCredentials(
                    f"missing environment variable {opts.bearer_token_env}", source=source.name
                )
            client = build_client(opts, token=token, source=source.name,
                                  timeout=context.http.timeout_seconds,
                                  user_agent=context.http.user_agent)  # fmt: skip
        return cls(source.name, opts, client)

    @classmethod
    def required_env(cls, source: SourceConfig) -> tuple[str, ...]:
        return (_options(source).bearer_token_env,)

    @classmethod
    def load_payload(cls, source: SourceConfig, payload: bytes) -> Iterator[Post]:
        now = utcnow()
        for page in _pages(payload, source.name):
            for raw in split_page(page):
                yield to_post(raw, source=source.name, fetched_at=now)

    def collect(self, cursor: str | None) -> Iterator[Post]:
        state = _load_cursor(cursor)
        new_state: dict[str, str] = {}
        for query in self.queries:
            key = _query_key(query)
            since = state.get(key)
            try:
                newest = yield from self._search(query, since)
            except _StaleSinceId:
                # Recent search only reaches back 7 days; an older since_id is refused.
                log.warning("source=%s since_id %s too old for recent search; searching without",
                            self.name, since)  # fmt: skip
                since = None
                newest = yield from self._search(query, None)
            if newest or since:
                new_state[key] = newest or since  # type: ignore[assignment]
        self.next_cursor = json.dumps({"since_id": new_state}, sort_keys=True)

    def _search(self, query: str, since_id: str | None) -> Generator[Post, None, str | None]:
        import tweepy

        pages = tweepy.Paginator(
            self.client.search_recent_tweets, query, since_id=since_id,
            max_results=self.opts.max_results, expansions=list(EXPANSIONS),
            tweet_fields=list(TWEET_FIELDS), user_fields=list(USER_FIELDS),
            limit=self.opts.max_pages,
        )  # fmt: skip
        newest: str | None = None
        count = 0
        try:
            for number, page in enumerate(pages):
                if not isinstance(page, dict):
                    raise CollectorError(
                        "unexpected response (not a JSON object)", source=self.name
                    )
                meta = page.get("meta") or {}
                if number == 0:
                    newest = meta.get("newest_id")
                now = utcnow()
                for raw in split_page(page):
                    count += 1
                    yield to_post(raw, source=self.name, fetched_at=now)
                if number + 1 >= self.opts.max_pages and meta.get("next_token"):
                    log.warning("source=%s stopped after max_pages=%d; older matches skipped",
                                self.name, self.opts.max_pages)  # fmt: skip
        except tweepy.HTTPException as exc:
            status = getattr(exc.response, "status_code", "?")
            detail = "; ".join(str(m) for m in getattr(exc, "api_messages", [])[:2])[:200]
            if status == 400 and since_id and count == 0 and "since_id" in detail:
                raise _StaleSinceId from None
            raise CollectorError(f"HTTP {status} from X API: {detail or type(exc).__name__}",
                                 source=self.name) from None  # fmt: skip
        except RuntimeError:
            # tweepy.Paginator raises RuntimeError on a body that is not a JSON object.
            raise CollectorError("unexpected response (not a JSON object)",
                                 source=self.name) from None  # fmt: skip
        except ValueError as exc:
            raise CollectorError(f"malformed JSON from X API: {str(exc)[:120]}",
                                 source=self.name) from None  # fmt: skip
        log.debug("source=%s query=%s tweets=%d", self.name, _query_key(query), count)
        return newest


def _options(source: SourceConfig) -> XOptions:
    opts = parse_options(XOptions, source)
    env_name(opts.bearer_token_env, f"sources[{source.name}].options.bearer_token_env")
    try:
        build_queries(opts)
    except ConfigError as exc:
        raise ConfigError(f"sources[{source.name}].{exc}") from None
    return opts


def _load_cursor(cursor: str | None) -> dict[str, str]:
    ids = json_cursor(cursor).get("since_id")
    return {str(k): str(v) for k, v in ids.items()} if isinstance(ids, dict) else {}


def _pages(payload: bytes, source: str) -> list[dict[str, Any]]:
    """Read a saved payload: one search response, a list of them, or JSON Lines."""
    pages = json_documents(payload, source)
    if not all(isinstance(p, dict) for p in pages):
        raise CollectorError("payload must hold X search responses (JSON objects)", source=source)
    return pages
