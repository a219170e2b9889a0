"""Per-source leases: cron runs and the daemon never work the same source at once.

A lease is one row in ``source_leases`` (owner, host, pid, expires_at), taken in a
``BEGIN IMMEDIATE`` transaction so two processes cannot both see the row free.
A lease left behind by a crash is recovered when it has expired, or at once when
its pid is no longer alive on this host.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from pantau.models import utcnow
from storage.db import from_iso, to_iso, write_tx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lease:
    """A held lease on one source (or on a job name such as ``:process``)."""

    source: str
    owner: str
    host: str
    pid: int
    expires_at: datetime


def new_owner() -> str:
    """Return a unique owner id for this process and call: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def pid_alive(pid: int) -> bool:
    """Return True when a process with ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def _stale(row: dict[str, Any], now: datetime, host: str) -> str | None:
    """Return why a lease row may be taken over, or None when it is still held."""
    expires = from_iso(row["expires_at"])
    if expires is None or expires <= now:
        return "expired"
    if row["host"] == host and not pid_alive(int(row["pid"])):
        return f"pid {row['pid']} is gone"
    return None


def acquire(
    db: sqlite_utils.Database,
    source: str,
    *,
    ttl_seconds: float,
    owner: str | None = None,
    now: datetime | None = None,
) -> Lease | None:
    """Take the lease on ``source`` for ``ttl_seconds``; return None when someone holds it."""
    now = now or utcnow()
    owner = owner or new_owner()
    host = socket.gethostname()
    pid = os.getpid()
    expires = now + timedelta(seconds=ttl_seconds)
    with write_tx(db):
        cursor = db.execute("SELECT * FROM source_leases WHERE source = ?", [source])
        found = cursor.fetchone()
        if found is not None:
            row = dict(zip([d[0] for d in cursor.description], found, strict=True))
            reason = _stale(row, now, host)
            if reason is None:
                return None
            log.warning("source=%s recovering lease of %s (%s)", source, row["owner"], reason)
        db.execute(
            """
            INSERT INTO source_leases (source, owner, host, pid, acquired_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (source) DO UPDATE SET owner = excluded.owner, host = excluded.host,
                pid = excluded.pid, acquired_at = excluded.acquired_at,
                expires_at = excluded.expires_at
            """,
            [source, owner, host, pid, to_iso(now), to_iso(expires)],
        )
    return Lease(source, owner, host, pid, expires)


def release(db: sqlite_utils.Database, lease: Lease) -> bool:
    """Give the lease back; return False when it was no longer ours (taken over)."""
    with write_tx(db):
        cursor = db.execute(
            "DELETE FROM source_leases WHERE source = ? AND owner = ?", [lease.source, lease.owner]
        )
    return bool(cursor.rowcount)


def renew(db: sqlite_utils.Database, lease: Lease, *, ttl_seconds: float) -> bool:
    """Push the lease's expiry out by ``ttl_seconds``; return False when it is not ours any more."""
    expires = utcnow() + timedelta(seconds=ttl_seconds)
    with write_tx(db):
        cursor = db.execute(
            "UPDATE source_leases SET expires_at = ? WHERE source = ? AND owner = ?",
            [to_iso(expires), lease.source, lease.owner],
        )
    return bool(cursor.rowcount)


def holder(db: sqlite_utils.Database, source: str) -> dict[str, Any] | None:
    """Return the lease row of ``source`` (even a stale one), or None."""
    cursor = db.execute("SELECT * FROM source_leases WHERE source = ?", [source])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


@contextlib.contextmanager
def leased(db: sqlite_utils.Database, source: str, *, ttl_seconds: float) -> Iterator[Lease | None]:
    """Hold the lease of ``source`` for the block; yield None (and hold nothing) when busy."""
    lease = acquire(db, source, ttl_seconds=ttl_seconds)
    try:
        yield lease
    finally:
        if lease is not None and not release(db, lease):
            log.warning("source=%s lease was taken over before release", source)
