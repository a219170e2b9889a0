"""``pantau doctor``: one look at whether this installation is healthy.

Checks the database (integrity, schema migrations, file, WAL and free disk),
each enabled source (credentials present, last run and whether it reached its
server, backoff), leftover leases, and which text-processing implementation
runs (native mypyc build, pure Python, or a stale build that is ignored). Each finding is ``ok``, ``warn`` or
``fail``; any ``fail`` makes the command exit 1. Never prints secret values.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pantau.config import Config
from pantau.errors import PipelineError
from pantau.models import utcnow
from storage.db import to_iso

WAL_WARN_BYTES = 256 * 1024 * 1024
FREE_FAIL_BYTES = 500 * 1024 * 1024
FAILING_AFTER = 3  # consecutive errors before a source counts as broken


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report."""

    level: str  # ok | warn | fail
    check: str
    detail: str


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def check_database(db_path: Path) -> tuple[list[Finding], Any]:
    """Check the file, integrity and schema; return findings and a read-only db (or None)."""
    from storage.db import open_db
    from storage.maintenance import file_sizes, integrity_check
    from storage.migrations import MIGRATIONS

    findings: list[Finding] = []
    if not db_path.exists():
        findings.append(
            Finding("fail", "database", f"{db_path} not found (run `pantau run --once`)")
        )
        return findings, None
    try:
        db = open_db(db_path, readonly=True)
        messages = integrity_check(db)
    except (PipelineError, OSError) as exc:
        findings.append(Finding("fail", "database", str(exc)))
        return findings, None
    except sqlite3.DatabaseError as exc:
        findings.append(Finding("fail", "database", f"{db_path}: unreadable: {exc}"))
        return findings, None
    if messages == ["ok"]:
        findings.append(Finding("ok", "integrity", "PRAGMA integrity_check: ok"))
    else:
        findings.append(Finding("fail", "integrity", "; ".join(messages)[:300]))
    applied = [m.name for m in MIGRATIONS.applied(db)]
    known = [m.name for m in MIGRATIONS._migrations]
    pending = [name for name in known if name not in applied]
    unknown = [name for name in applied if name not in known]
    if unknown:
        findings.append(Finding("fail", "schema", f"database is newer than this code: {unknown}"))
    elif pending:
        findings.append(
            Finding("warn", "schema", f"pending migrations {pending} (applied at next write)")
        )
    else:
        findings.append(Finding("ok", "schema", f"{len(applied)} migrations applied, latest "
                                                f"{applied[-1] if applied else '-'}"))  # fmt: skip
    sizes = file_sizes(db_path)
    wal_level = "warn" if sizes["wal"] > WAL_WARN_BYTES else "ok"
    findings.append(
        Finding(wal_level, "disk", f"database {_size(sizes['db'])}, WAL {_size(sizes['wal'])}")
    )
    free = shutil.disk_usage(db_path.resolve().parent).free
    findings.append(
        Finding("fail" if free < FREE_FAIL_BYTES else "ok", "free space", f"{_size(free)} free")
    )
    return findings, db


def check_sources(db: Any, config: Config) -> list[Finding]:
    """Credentials and last-run reachability of each enabled source; stale leases."""
    from pantau.pipeline import missing_env
    from storage import locks
    from storage import runs as run_store
    from storage import state as state_store

    findings: list[Finding] = []
    last = run_store.last_runs(db) if db is not None else {}
    states = state_store.all_states(db) if db is not None else {}
    now = utcnow()
    for source in config.sources:
        if not source.enabled:
            continue
        check = f"source {source.name}"
        missing = missing_env(source)
        if missing:
            findings.append(Finding("fail", check, f"missing env {', '.join(missing)}"))
            continue
        run = last.get(source.name)
        state = states.get(source.name)
        if run is None:
            findings.append(Finding("warn", check, "credentials ok; never run"))
            continue
        status = run["status"]
        detail = f"last run {run['started_at']} {status}, fetched={run['fetched']}"
        if state and state.consecutive_errors >= FAILING_AFTER:
            findings.append(Finding("fail", check, f"{detail}; {state.consecutive_errors} "
                                                   f"failures in a row: {run.get('error')}"))  # fmt: skip
        elif status in ("error", "rate_limited", "timeout", "crashed"):
            findings.append(Finding("warn", check, f"{detail}: {run.get('error')}"))
        elif state and state.in_backoff(now):
            findings.append(
                Finding("warn", check, f"{detail}; backoff until {state.backoff_until}")
            )
        else:
            findings.append(Finding("ok", check, f"{detail}; reachable"))
    if db is not None:
        for source_name in [r[0] for r in db.execute("SELECT source FROM source_leases")]:
            row = locks.holder(db, source_name) or {}
            expires = row.get("expires_at") or ""
            stale = expires < (to_iso(now) or "")
            level = "warn" if stale else "ok"
            word = "expired lease (recovered at next run)" if stale else "running"
            findings.append(Finding(level, f"lease {source_name}", f"{word}: {row.get('owner')}"))
    return findings


def check_processing() -> Finding:
    """Which implementation of ``processing`` runs: native, pure, or stale (ignored)."""
    from processing import native

    state = native.STATE
    if state.mode == "native":
        return Finding("ok", "processing", f"native build in use: {state.detail}")
    if state.mode == "stale":
        return Finding("warn", "processing", f"stale native build ignored, pure Python in use: "
                                             f"{state.detail}")  # fmt: skip
    return Finding("ok", "processing", f"pure Python in use: {state.detail}")


def run_doctor(config: Config, db_path: Path) -> list[Finding]:
    """Return every finding for this configuration and database."""
    findings, db = check_database(db_path)
    try:
        findings.extend(check_sources(db, config))
    finally:
        if db is not None:
            db.close()
    findings.append(check_processing())
    return findings


def as_dicts(findings: list[Finding]) -> list[dict[str, str]]:
    """Return findings as JSON-ready dicts."""
    return [asdict(f) for f in findings]
