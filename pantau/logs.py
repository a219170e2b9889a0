"""Logging set-up: one-line records on stderr, optionally a rotating file, secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SECRET_ENV_HINTS = ("TOKEN", "SECRET", "PASSWORD", "KEY")


class RedactSecrets(logging.Filter):
    """Replace the values of secret-looking environment variables in log records."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets = sorted(
            (
                v
                for k, v in os.environ.items()
                if any(h in k.upper() for h in SECRET_ENV_HINTS) and len(v) >= 6
            ),
            key=len,
            reverse=True,
        )

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            if secret in redacted:
                redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, None
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
