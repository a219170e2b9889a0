"""Build, render and write (or send) digests: what the CLI and scheduler call."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlite_utils

from pantau.config import Config
from reports.deliver import digest_path, write_digest
from reports.digest import build_digest
from reports.render import render


def write_digests(
    db: sqlite_utils.Database,
    config: Config,
    *,
    day: date | None = None,
    fmt: str | None = None,
    out: str | None = None,
    email: bool = False,
) -> list[Path]:
    """Render the day's digest in the configured formats (or ``fmt``); return the paths."""
    digest = build_digest(db, config, day)
    names = {code: dept.name for code, dept in config.departments.items()}
    formats = [fmt] if fmt else list(config.report.formats)
    paths = []
    for one in formats:
        text = render(digest, one, names)
        if out and fmt:
            target = Path(out)
        else:
            target = digest_path(Path(out or config.report.out_dir), digest.day.isoformat(), one)
        paths.append(write_digest(text, target))
    if email:
        from reports.email import send_digest

        send_digest(digest, config)
    return paths
