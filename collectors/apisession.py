"""A ``requests.Session`` for API client libraries (tweepy, praw) that lack our safeguards.

tweepy hardcodes ``https://api.twitter.com`` and passes no timeout; prawcore retries
and sleeps on 5xx. Handing either library an :class:`ApiSession` fixes both at the
transport: the host is rewritten to the configured base URL, every request gets a
default timeout and our User-Agent, and 429 / 5xx / timeouts become Pantau's own
one-line errors (never containing request headers, so tokens cannot leak).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from collectors.http import parse_reset
from pantau.errors import CollectorError, RateLimited


class ApiSession(requests.Session):
    """Rewrite hosts, default the timeout, turn throttling and outages into our errors.

    Args:
        source: the configured source name (for error messages).
        timeout: seconds for connect and read when the caller gives none.
        rewrite: maps a library's hardcoded origin (``https://api.twitter.com``)
            to the configured one (``http://127.0.0.1:8080`` in tests).
        user_agent: replaces the library's own User-Agent.
    """

    def __init__(self, *, source: str, timeout: float, rewrite: Mapping[str, str] | None = None,
                 user_agent: str | None = None) -> None:  # fmt: skip
        super().__init__()
        self.source = source
        self.default_timeout = timeout
        self.rewrite = {k.rstrip("/"): v.rstrip("/") for k, v in (rewrite or {}).items()}
        self.user_agent = user_agent
        self.requests_sent = 0
        self.exhausted_until: datetime | None = None
        if user_agent:
            self.headers["User-Agent"] = user_agent

    def rewrite_url(self, url: str) -> str:
        """Return ``url`` with a configured origin substituted for the library's one."""
        for old, new in self.rewrite.items():
            if old != new and (
                url == old or url.startswith(old + "/") or url.startswith(old + "?")
            ):
                return new + url[len(old) :]
        return url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        url = self.rewrite_url(url.decode() if isinstance(url, bytes) else url)
        # prawcore passes its import-time PRAWCORE_TIMEOUT; tweepy passes none: cap both.
        given = kwargs.get("timeout")
        if not isinstance(given, int | float) or given > self.default_timeout:
            kwargs["timeout"] = self.default_timeout
        if self.user_agent:
            headers = dict(kwargs.get("headers") or {})
            headers["User-Agent"] = self.user_agent
            kwargs["headers"] = headers
        self.requests_sent += 1
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.exceptions.Timeout:
            raise CollectorError(
                f"timed out after {self.default_timeout:g}s", source=self.source
            ) from None
        except requests.exceptions.RequestException as exc:
            raise CollectorError(f"network error: {_short(exc)}", source=self.source) from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        if response.status_code == 429:
            response.close()
            reset = parse_reset(headers)
            when = f", resets {reset.isoformat(timespec='seconds')}" if reset else ", no reset time"
            raise RateLimited(f"HTTP 429 rate limited{when}", source=self.source, reset_at=reset)
        if response.status_code >= 500:
            response.close()
            raise CollectorError(
                f"HTTP {response.status_code} {response.reason or ''}".strip(), source=self.source
            )
        self._note_quota(headers)
        return response

    def _note_quota(self, headers: Mapping[str, str]) -> None:
        # Reddit announces an exhausted quota before refusing; prawcore would then sleep
        # until the reset inside our job. Remember it so the collector stops instead.
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is None:
            return
        try:
            exhausted = float(remaining) < 1
        except ValueError:
            return
        if exhausted:
            self.exhausted_until = parse_reset(dict(headers)) or datetime.now(UTC) + timedelta(
                minutes=10
            )

    def check_quota(self) -> None:
        """Raise RateLimited when the last response said the quota is used up."""
        if self.exhausted_until and self.exhausted_until > datetime.now(UTC):
            raise RateLimited(
                "rate limit quota used up, resets "
                f"{self.exhausted_until.isoformat(timespec='seconds')}",
                source=self.source,
                reset_at=self.exhausted_until,
            )


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    for marker in (" (Caused by", ": <urllib3"):
        if marker in text:
            text = text.split(marker)[0]
    return text[:200] or type(exc).__name__
