"""HTTP fetching shared by collectors: timeout, User-Agent, size and redirect caps.

Every failure becomes a one-line :class:`CollectorError` (or :class:`RateLimited`
for 429) that never contains request headers, so tokens cannot leak into logs.
"""

from __future__ import annotations

import email.utils
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from pantau.config import HttpConfig
from pantau.errors import CollectorError, RateLimited

_CHUNK = 64 * 1024
# A server may drip a body one byte at a time: the read timeout then never fires, so
# the whole exchange also gets a deadline of this many read timeouts.
DEADLINE_FACTOR = 3
_QUERY = re.compile(r"(/[^\s?'\"]*)\?[^\s'\"]*")


@dataclass(frozen=True)
class FetchResult:
    """A completed HTTP exchange: status, headers (lower-case keys) and body bytes."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes


def new_session(http: HttpConfig) -> requests.Session:
    """Return a session with our User-Agent and redirect cap."""
    session = requests.Session()
    session.headers["User-Agent"] = http.user_agent
    session.max_redirects = http.max_redirects
    return session


def parse_reset(headers: dict[str, str], now: datetime | None = None) -> datetime | None:
    """Read a rate-limit reset time from ``Retry-After`` or ``x-rate-limit-reset``."""
    now = now or datetime.now(UTC)
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return now + timedelta(seconds=int(value))
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    for key in ("x-rate-limit-reset", "x-ratelimit-reset"):
        value = headers.get(key)
        if value:
            try:
                number = float(value)
            except ValueError:
                continue
            # Reddit sends seconds-until-reset; X sends an epoch timestamp.
            if number < 10_000_000:
                return now + timedelta(seconds=number)
            return datetime.fromtimestamp(number, UTC)
    return None


def fetch(
    url: str,
    *,
    http: HttpConfig,
    source: str,
    headers: dict[str, str] | None = None,
    session: requests.Session | None = None,
) -> FetchResult:
    """GET ``url`` with a timeout and a size cap; raise CollectorError on failure.

    Returns the result for 2xx and 304. A 429 raises RateLimited with the reset
    time when the server gave one; any other status raises CollectorError.
    """
    own = session is None
    session = session or new_session(http)
    deadline = time.monotonic() + http.timeout_seconds * DEADLINE_FACTOR
    try:
        try:
            response = session.get(
                url, headers=headers or {}, timeout=http.timeout_seconds, stream=True
            )
        except requests.exceptions.TooManyRedirects:
            raise CollectorError(
                f"too many redirects (more than {http.max_redirects})", source=source
            ) from None
        except requests.exceptions.Timeout:
            raise CollectorError(
                f"timed out after {http.timeout_seconds:g}s", source=source
            ) from None
        except requests.exceptions.RequestException as exc:
            raise CollectorError(f"network error: {_short(exc)}", source=source) from None
        with response:
            lower = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code == 429:
                reset = parse_reset(lower)
                when = f", resets {reset.isoformat(timespec='seconds')}" if reset else ""
                raise RateLimited(f"HTTP 429 rate limited{when}", source=source, reset_at=reset)
            if response.status_code == 304:
                return FetchResult(response.url, 304, lower, b"")
            if not 200 <= response.status_code < 300:
                raise CollectorError(
                    f"HTTP {response.status_code} {response.reason or ''}".strip(), source=source
                )
            declared = lower.get("content-length", "")
            if declared.isdigit() and int(declared) > http.max_bytes:
                raise CollectorError(
                    f"response too large ({declared} bytes > cap {http.max_bytes})", source=source
                )
            content = _read_capped(response, http.max_bytes, source, http.timeout_seconds, deadline)
            return FetchResult(response.url, response.status_code, lower, content)
    finally:
        if own:
            session.close()


def _read_capped(
    response: Any, cap: int, source: str, timeout: float, deadline: float | None = None
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise CollectorError(f"response too large (> cap {cap} bytes)", source=source)
            chunks.append(chunk)
            if deadline is not None and time.monotonic() > deadline:
                raise CollectorError(
                    f"body still arriving after {timeout * DEADLINE_FACTOR:g}s (too slow)",
                    source=source,
                )
    except requests.exceptions.ConnectionError as exc:
        # requests wraps a read timeout during the body as a ConnectionError.
        if "timed out" in str(exc).lower():
            raise CollectorError(f"timed out after {timeout:g}s", source=source) from None
        raise CollectorError(f"connection broken mid-body: {_short(exc)}", source=source) from None
    except requests.exceptions.RequestException as exc:
        raise CollectorError(f"connection broken mid-body: {_short(exc)}", source=source) from None
    return b"".join(chunks)


def _short(exc: BaseException) -> str:
    # Query strings may carry API keys: never repeat them in errors, logs or ``runs``.
    text = _QUERY.sub(r"\1?…", " ".join(str(exc).split()))
    # Drop the wrapped urllib3 object reprs; keep the first clause.
    for marker in (" (Caused by", ": <urllib3"):
        if marker in text:
            text = text.split(marker)[0]
    return text[:200] or type(exc).__name__
