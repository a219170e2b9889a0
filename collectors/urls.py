"""Canonical URLs and stable ids shared by every collector."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs")
_TRACKING_KEYS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid",
        "mibextid", "ref_src", "ref_url", "cmpid", "_ga", "spm", "ref", "amp",
    }
)  # fmt: skip


def canonical_url(url: str | None) -> str | None:
    """Return ``url`` without tracking parameters, fragment or default port, host lower-cased.

    Non-http(s) URLs (``javascript:``, ``data:``) give None: they are never links.
    """
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    if port and not (scheme == "http" and port == 80 or scheme == "https" and port == 443):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING_KEYS and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


def safe_link(url: str | None) -> str | None:
    """Return ``url`` only when it is http(s); used before rendering any link."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("http", "https"):
        return None
    # Quotes, angle brackets, whitespace and control characters are percent-encoded so a
    # link can break out of no attribute, Markdown target or text line.
    return quote(url, safe=_URL_SAFE)


def stable_id(*parts: str | None) -> str:
    """Return a short stable id derived from the given strings."""
    digest = hashlib.sha1(
        "\x1f".join(p or "" for p in parts).encode("utf-8", "surrogatepass")
    ).hexdigest()
    return digest[:24]
