"""Build, render and write (or send) digests: what the CLI and scheduler call."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

import sqlite_utils

from pantau.config import Config
from reports.charts import data_uris, digest_charts
from reports.deliver import digest_path, write_digest
from reports.digest import Digest, build_digest
from reports.render import render

log = logging.getLogger(__name__)


def department_names(config: Config) -> dict[str, str]:
    """Map department codes to their configured names."""
    return {code: dept.name for code, dept in config.departments.items()}


def render_file(digest: Digest, fmt: str, config: Config) -> str:
    """Render a digest for a standalone file (HTML charts embedded as ``data:`` URIs)."""
    images = data_uris(digest_charts(digest)) if fmt == "html" else None
    return render(digest, fmt, department_names(config), images=images)


def write_digests(
    db: sqlite_utils.Database,
    config: Config,
    *,
    day: date | None = None,
    fmt: str | None = None,
    out: str | None = None,
    email: bool = False,
    departments: bool = True,
    now: datetime | None = None,
) -> list[Path]:
    """Render the day's digest in the configured formats (or ``fmt``); return the paths.

    With ``email`` the full digest goes to ``report.recipients`` and, when
    ``departments`` is true, each department's part to its own recipients.
    """
    digest = build_digest(db, config, day, now=now)
    formats = [fmt] if fmt else list(config.report.formats)
    paths = []
    for one in formats:
        text = render_file(digest, one, config)
        if out and fmt:
            target = Path(out)
        else:
            target = digest_path(Path(out or config.report.out_dir), digest.day.isoformat(), one)
        paths.append(write_digest(text, target))
    if email:
        from reports.email import send_digests

        sent = send_digests(digest, config, departments=departments)
        log.info("digest %s e-mailed: %d message(s)", digest.day, sent)
    return paths


def write_department_digest(
    db: sqlite_utils.Database,
    config: Config,
    code: str,
    *,
    day: date | None = None,
    fmt: str | None = None,
    out: str | None = None,
    email: bool = False,
    now: datetime | None = None,
) -> list[Path]:
    """Render one department's part of the digest (and e-mail it to its recipients)."""
    from reports.scope import department_digest

    digest = department_digest(build_digest(db, config, day, now=now), code)
    formats = [fmt] if fmt else list(config.report.formats)
    paths = []
    for one in formats:
        if out and fmt:
            target = Path(out)
        else:
            folder = Path(out or config.report.out_dir)
            target = folder / f"digest-{digest.day.isoformat()}-{code}.{one}"
        paths.append(write_digest(render_file(digest, one, config), target))
    if email:
        from pantau.errors import PipelineError
        from reports.email import build_message, send_message

        addresses = list(config.report.department_recipients.get(code, []))
        if not addresses:
            raise PipelineError(f"report.department_recipients.{code} is empty: nobody to e-mail")
        send_message(build_message(digest, config, addresses), config)
    return paths
