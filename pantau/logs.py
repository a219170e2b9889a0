"""Logging set-up: one-line records on stderr, optionally a rotating file, secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Mapping

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SECRET_ENV_HINTS = ("TOKEN", "SECRET", "PASSWORD", "KEY")


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return the values of secret-looking environment variables, longest first."""
    environ = os.environ if environ is None else environ
    return sorted(
        (
            v
            for k, v in environ.items()
            if any(h in k.upper() for h in SECRET_ENV_HINTS) and len(v) >= 6
        ),
        key=len,
        reverse=True,
    )


def redact(text: str, secrets: list[str] | None = None) -> str:
    """Replace secret values (from the environment unless given) in ``text`` with ``***``."""
    for secret in secret_values() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class RedactSecrets(logging.Filter):
    """Replace the values of secret-looking environment variables in log records."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets = secret_values()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted = redact(message, self.secrets)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def configure(level: str = "INFO", log_file: str | None = None) -> None:
    """Install handlers once on the root logger."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_pantau", False):
            root.removeHandler(handler)
    redact = RedactSecrets()
    stream = logging.StreamHandler()
    stream.setFormatter(logging.Formatter(FORMAT))
    stream.addFilter(redact)
    stream._pantau = True  # type: ignore[attr-defined]
    root.addHandler(stream)
    if log_file:
        rotating = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=10_000_000, backupCount=5, encoding="utf-8"
        )
        rotating.setFormatter(logging.Formatter(FORMAT))
        rotating.addFilter(redact)
        rotating._pantau = True  # type: ignore[attr-defined]
        root.addHandler(rotating)
    root.setLevel(level.upper())
    for noisy in ("urllib3", "scrapy", "twisted", "prawcore", "filelock", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
