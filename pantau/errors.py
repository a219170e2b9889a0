"""Pantau's exception hierarchy.

::

    PipelineError                 base of everything Pantau raises on purpose
    ├── ConfigError               bad config.yaml: file, key path, what is expected
    ├── CollectorError            one source failed (network, HTTP status, parse)
    │   ├── RateLimited           the platform said 429; carries the reset time
    │   └── MissingCredentials    a source's environment variables are not set
    ├── StorageError              the database cannot be opened or written
    └── SkipPost                  a single item is dropped with a reason

The CLI turns each into a one-line message; tracebacks only with ``--debug``.
"""

from __future__ import annotations

from datetime import datetime


class PipelineError(Exception):
    """Base class of Pantau's own errors."""


class ConfigError(PipelineError):
    """The configuration is invalid; the message names file, key path and fix."""


class CollectorError(PipelineError):
    """A collector failed for one source; other sources carry on."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class RateLimited(CollectorError):
    """The platform rate-limited us; stop this source's run and keep its cursor."""

    def __init__(
        self, message: str, *, source: str | None = None, reset_at: datetime | None = None
    ) -> None:
        super().__init__(message, source=source)
        self.reset_at = reset_at


class MissingCredentials(CollectorError):
    """A source needs environment variables that are not set; it is skipped."""


class StorageError(PipelineError):
    """The database cannot be opened, migrated or written."""


class SkipPost(PipelineError):
    """Drop one item (with a reason) without failing the run."""
