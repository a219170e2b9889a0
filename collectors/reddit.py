"""Reddit through praw, read-only (application-only OAuth).

Each configured subreddit's ``new`` listing, optionally its new comments, and each
search query (``sort=new``) is paged with ``after`` until it reaches what the
cursor already saw (newest ``created_utc`` and fullname per listing). praw's
authenticated ``Reddit.request`` returns the listing JSON untouched, which we keep
as ``raw``. prawcore gets an :class:`~collectors.apisession.ApiSession`: base URLs
come from config (``oauth_url``/``reddit_url``), 429/5xx/timeouts end the run
without prawcore's retry sleeps, and an exhausted quota stops us before prawcore
would sleep until the reset. ``to_post`` is pure.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Generator, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from collectors import CollectorContext, Options, parse_options, register
from collectors.apisession import ApiSession
from collectors.payload import json_cursor, json_documents
from collectors.text import clean_text
from collectors.urls import canonical_url
from pantau import __version__
from pantau.config import SourceConfig, env_name
from pantau.errors import CollectorError, ConfigError, MissingCredentials
from pantau.models import Post, utcnow

log = logging.getLogger(__name__)

REDDIT_WWW = "https://www.reddit.com"
REDDIT_OAUTH = "https://oauth.reddit.com"
DEFAULT_USER_AGENT = f"python:id.go.bogorkab.pantau:v{__version__} (humas Pemkab Bogor)"


class RedditSearch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    query: str = Field(min_length=1)
    subreddit: str = "all"
    time_filter: Literal["hour", "day", "week", "month", "year", "all"] = "week"


class RedditOptions(Options):
    subreddits: list[str] = Field(default_factory=list)
    searches: list[RedditSearch] = Field(default_factory=list)
    comments: bool = False
    limit: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=5, ge=1, le=50)
    client_id_env: str = "REDDIT_CLIENT_ID"
    client_secret_env: str = "REDDIT_CLIENT_SECRET"
    user_agent: str = DEFAULT_USER_AGENT
    oauth_url: str = Field(default=REDDIT_OAUTH, pattern=r"^https?://")
    reddit_url: str = Field(default=REDDIT_WWW, pattern=r"^https?://")


def listings(opts: RedditOptions) -> list[tuple[str, str, dict[str, Any]]]:
    """Return ``(cursor key, API path, params)`` for every listing this source reads."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for name in opts.subreddits:
        sub = name.strip().removeprefix("/").removeprefix("r/")
        out.append((f"new:{sub}", f"/r/{sub}/new", {}))
        if opts.comments:
            out.append((f"comments:{sub}", f"/r/{sub}/comments", {}))
    for search in opts.searches:
        sub = search.subreddit.strip().removeprefix("/").removeprefix("r/")
        params = {"q": search.query, "sort": "new", "t": search.time_filter}
        if sub.lower() != "all":
            params["restrict_sr"] = "on"
        out.append((f"search:{sub}:{search.query}", f"/r/{sub}/search", params))
    return out


def to_post(raw: Mapping[str, Any], *, source: str, fetched_at: datetime | None = None) -> Post:
    """Map one listing child (``{"kind": "t3"|"t1", "data": {...}}``) to a Post (pure)."""
    kind = raw.get("kind")
    data = raw.get("data") or {}
    name = data.get("name") or (f"{kind}_{data['id']}" if data.get("id") else "")
    if kind not in ("t1", "t3") or not name:
        raise CollectorError(f"not a Reddit post or comment: kind={kind!r}", source=source)
    permalink = data.get("permalink")
    url = canonical_url(REDDIT_WWW + permalink) if isinstance(permalink, str) else None
    created = data.get("created_utc")
    published = None
    if isinstance(created, int | float):
        published = datetime.fromtimestamp(float(created), UTC)
    author = data.get("author")
    if kind == "t3":
        title = clean_text(data.get("title")) or None
        text = clean_text(data.get("selftext"))
        metrics = {k: data[k] for k in ("score", "num_comments", "upvote_ratio") if k in data}
    else:
        title = None
        text = clean_text(data.get("body"))
        metrics = {k: data[k] for k in ("score",) if k in data}
    if author in (None, "[deleted]"):
        author = None
    return Post(
        source=source,
        kind="reddit",
        external_id=name,
        url=url,
        author=author,
        title=title,
        text=text,
        published_at=published,
        fetched_at=fetched_at or utcnow(),
        lang=None,
        metrics=metrics or None,
        raw=dict(raw),
    )


def build_client(opts: RedditOptions, *, client_id: str, client_secret: str, source: str,
                 timeout: float) -> tuple[Any, ApiSession]:  # fmt: skip
    """Build a read-only praw Reddit on our session; return it with the session."""
    # prawcore reads its timeout from the environment once, at import.
    os.environ.setdefault("PRAWCORE_TIMEOUT", f"{timeout:g}")
    import praw

    session = ApiSession(source=source, timeout=timeout)
    reddit = praw.Reddit(
        client_id=client_id, client_secret=client_secret, user_agent=opts.user_agent,
        check_for_updates=False, oauth_url=opts.oauth_url.rstrip("/"),
        reddit_url=opts.reddit_url.rstrip("/"),
        requestor_kwargs={"session": session, "timeout": timeout},
    )  # fmt: skip
    reddit.read_only = True
    return reddit, session


@register("reddit")
class RedditCollector:
    """New submissions (and optionally comments) of subreddits, plus searches."""

    def __init__(self, name: str, opts: RedditOptions, reddit: Any,
                 session: ApiSession | None) -> None:  # fmt: skip
        self.name = name
        self.opts = opts
        self.reddit = reddit
        self.session = session
        self.next_cursor: str | None = None

    @classmethod
    def from_config(cls, source: SourceConfig, *, context: CollectorContext) -> RedditCollector:
        opts = _options(source)
        if context.client is not None:
            return cls(source.name, opts, context.client, None)
        client_id = context.env.get(opts.client_id_env)
        secret = context.env.get(opts.client_secret_env)
        if not client_id or not secret:
            missing = [n for n, v in ((opts.client_id_env, client_id),
                                      (opts.client_secret_env, secret)) if not v]  # fmt: skip
            raise MissingCredentials(f"missing environment variable(s) {', '.join(missing)}",
                                     source=source.name)  # fmt: skip
        reddit, session = build_client(opts, client_id=client_id, client_secret=secret,
                                       source=source.name, timeout=context.http.timeout_seconds)  # fmt: skip
        return cls(source.name, opts, reddit, session)

    @classmethod
    def required_env(cls, source: SourceConfig) -> tuple[str, ...]:
        opts = _options(source)
        return (opts.client_id_env, opts.client_secret_env)

    @classmethod
    def load_payload(cls, source: SourceConfig, payload: bytes) -> Iterator[Post]:
        now = utcnow()
        for child in _payload_children(payload, source.name):
            yield to_post(child, source=source.name, fetched_at=now)

    def collect(self, cursor: str | None) -> Iterator[Post]:
        state = _load_cursor(cursor)
        new_state = dict(state)
        for key, path, params in listings(self.opts):
            mark = yield from self._listing(path, params, state.get(key))
            if mark:
                new_state[key] = mark
        self.next_cursor = json.dumps(new_state, sort_keys=True)

    def _listing(self, path: str, params: dict[str, Any],
                 seen: dict[str, Any] | None) -> Generator[Post, None, dict[str, Any] | None]:  # fmt: skip
        seen_time = float(seen.get("created_utc", 0)) if seen else 0.0
        seen_name = seen.get("name") if seen else None
        newest: dict[str, Any] | None = None
        after: str | None = None
        for _page in range(self.opts.max_pages):
            query = {**params, "limit": self.opts.limit}
            if after:
                query["after"] = after
            listing = self._get(path, query)
            children = _children(listing, self.name)
            now = utcnow()
            reached_seen = False
            for child in children:
                data = child.get("data") or {}
                created = float(data.get("created_utc") or 0)
                name = data.get("name")
                if newest is None or created > newest["created_utc"]:
                    newest = {"created_utc": created, "name": name}
                if created < seen_time or (seen_name is not None and name == seen_name):
                    reached_seen = True
                    continue
                yield to_post(child, source=self.name, fetched_at=now)
            after = (listing.get("data") or {}).get("after")
            if reached_seen or not after or not children:
                break
        return newest

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        import prawcore

        if self.session is not None:
            self.session.check_quota()
        try:
            return self.reddit.request(method="GET", path=path, params=params)
        except prawcore.RequestException as exc:
            original = getattr(exc, "original_exception", None)
            if isinstance(original, CollectorError):
                raise original from None
            raise CollectorError(f"request failed: {type(original).__name__}",
                                 source=self.name) from None  # fmt: skip
        except prawcore.BadJSON:
            raise CollectorError(
                f"malformed JSON from Reddit at {path}", source=self.name
            ) from None
        except prawcore.OAuthException as exc:
            raise CollectorError(f"Reddit OAuth refused: {exc.error}", source=self.name) from None
        except prawcore.ResponseException as exc:
            status = getattr(exc.response, "status_code", "?")
            raise CollectorError(f"HTTP {status} from Reddit at {path}", source=self.name) from None
        except ValueError as exc:
            raise CollectorError(f"malformed JSON from Reddit: {str(exc)[:120]}",
                                 source=self.name) from None  # fmt: skip


def _children(listing: Any, source: str) -> list[dict[str, Any]]:
    if not isinstance(listing, dict) or listing.get("kind") != "Listing":
        raise CollectorError("unexpected response: not a Reddit Listing", source=source)
    children = (listing.get("data") or {}).get("children") or []
    return [c for c in children if isinstance(c, dict) and c.get("kind") in ("t1", "t3")]


def _options(source: SourceConfig) -> RedditOptions:
    opts = parse_options(RedditOptions, source)
    where = f"sources[{source.name}].options"
    env_name(opts.client_id_env, f"{where}.client_id_env")
    env_name(opts.client_secret_env, f"{where}.client_secret_env")
    if not opts.subreddits and not opts.searches:
        raise ConfigError(f"{where}: give subreddits and/or searches")
    return opts


def _load_cursor(cursor: str | None) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in json_cursor(cursor).items() if isinstance(v, dict)}


def _payload_children(payload: bytes, source: str) -> list[dict[str, Any]]:
    """Children of a saved Listing, a list of Listings (e.g. a comments page) or JSON Lines."""
    items = json_documents(payload, source)
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict) and item.get("kind") == "Listing":
            out.extend(_children(item, source))
        elif isinstance(item, dict) and item.get("kind") in ("t1", "t3"):
            out.append(item)
    if not out and items:
        raise CollectorError("payload holds no Reddit Listing, post or comment", source=source)
    return out
