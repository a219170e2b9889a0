"""Logging set-up: one-line records on stderr, optionally a rotating file, secrets redacted.

:class:`RedactSecrets` sits on every handler we install. It replaces

- the values of secret-looking environment variables (names containing TOKEN,
  SECRET, PASSWORD, KEY, ...) and of variables registered with
  :func:`register_secret_names` (the ``*_env`` names a config declares),
- credentials in recognisable shapes: ``Authorization: Bearer ...``,
  ``password=...``/``token=...`` pairs, ``user:pass@`` in URLs,

in the message, its arguments, the formatted traceback and stack info. Records
are flattened to one line so a multi-line value cannot forge log records.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import threading
from collections.abc import Mapping

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SECRET_ENV_HINTS = (
    "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "KEY", "CREDENTIAL", "AUTH", "BEARER",
    "COOKIE", "CLIENT_ID", "PRIVATE",
)  # fmt: skip
MIN_SECRET_LEN = 6  # shorter values (flags, 'true') would mask ordinary words
MASK = "***"

_PATTERNS = (
    # Authorization headers and bearer tokens.
    re.compile(r"(?i)\b(authorization\s*[:=]\s*['\"]?)(?:bearer|basic|token)?\s*[^\s'\",}]+"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=%-]{8,}"),
    # key=value / "key": "value" pairs whose key names a secret.
    re.compile(
        r"(?i)\b((?:access_?token|refresh_?token|api_?key|apikey|client_?secret|password|passwd|"
        r"secret|token|bearer_?token)['\"]?\s*[:=]\s*['\"]?)[^\s'\"&,}]+"
    ),
    # user:password@host in URLs.
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+(?=@)"),
)

_extra_names: set[str] = set()
_names_lock = threading.Lock()


def register_secret_names(names: list[str] | tuple[str, ...] | set[str]) -> None:
    """Also redact the values of these environment variables (e.g. from config ``*_env``)."""
    with _names_lock:
        _extra_names.update(n for n in names if n)


def _is_secret_name(name: str) -> bool:
    upper = name.upper()
    return upper in _extra_names or any(hint in upper for hint in SECRET_ENV_HINTS)


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return the secret values to mask, longest first (so overlaps mask fully)."""
    environ = dict(os.environ) if environ is None else environ
    values = {v for k, v in environ.items() if _is_secret_name(k) and len(v) >= MIN_SECRET_LEN}
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: list[str] | None = None) -> str:
    """Return ``text`` with secret values and credential shapes masked."""
    for secret in secret_values() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class RedactSecrets(logging.Filter):
    """Mask secrets in a record's message, traceback and stack info; keep it one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = secret_values()
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = _one_line(redact(message, secrets)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


def configure(level: str = "INFO", log_file: str | None = None) -> None:
    """Install handlers once on the root logger."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_pantau", False):
            root.removeHandler(handler)
            handler.close()
    redact_filter = RedactSecrets()
    stream = logging.StreamHandler()
    stream.setFormatter(logging.Formatter(FORMAT))
    stream.addFilter(redact_filter)
    stream._pantau = True  # type: ignore[attr-defined]
    root.addHandler(stream)
    if log_file:
        rotating = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=10_000_000, backupCount=5, encoding="utf-8"
        )
        rotating.setFormatter(logging.Formatter(FORMAT))
        rotating.addFilter(redact_filter)
        rotating._pantau = True  # type: ignore[attr-defined]
        root.addHandler(rotating)
    root.setLevel(level.upper())
    for noisy in ("urllib3", "scrapy", "twisted", "prawcore", "filelock", "matplotlib", "PIL",
                  "apscheduler.scheduler", "apscheduler.executors.default"):  # fmt: skip
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
