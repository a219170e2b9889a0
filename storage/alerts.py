"""The ``alerts`` table: claim an alert before sending it, record the outcome.

Claiming happens in one ``BEGIN IMMEDIATE`` transaction, so two processes
(cron and the daemon) can never both send the same alert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from storage.db import to_iso, write_tx

STALE_PENDING = timedelta(minutes=30)
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class AlertClaim:
    """What is about to be alerted."""

    kind: str
    key: str
    day: str
    count: int
    mean: float
    std: float
    threshold: float


def claim_alert(
    db: sqlite_utils.Database, claim: AlertClaim, now: datetime, cooldown: timedelta
) -> int | None:
    """Reserve the alert; return its row id, or None when sent already or cooling down.

    An alert of the same kind and key sent (or being sent) within ``cooldown``
    blocks it; so does one already sent for the same local day. A failed or
    stale pending attempt may be claimed again.
    """
    now_iso = to_iso(now) or ""
    with write_tx(db):
        recent = db.execute(
            """
            SELECT 1 FROM alerts WHERE kind = ? AND key = ? AND status IN ('sent', 'pending')
              AND coalesce(sent_at, created_at) > ? LIMIT 1
            """,
            [claim.kind, claim.key, to_iso(now - cooldown)],
        ).fetchone()
        if recent is not None:
            return None
        cursor = db.execute(
            """
            INSERT INTO alerts (kind, key, day, count, baseline_mean, baseline_std, threshold,
                                status, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)
            ON CONFLICT (kind, key, day) DO UPDATE SET
                count = excluded.count, baseline_mean = excluded.baseline_mean,
                baseline_std = excluded.baseline_std, threshold = excluded.threshold,
                status = 'pending', created_at = excluded.created_at, error = NULL
            WHERE alerts.status = 'failed'
               OR (alerts.status = 'pending' AND alerts.created_at < ?)
            """,
            [claim.kind, claim.key, claim.day, claim.count, claim.mean, claim.std,
             claim.threshold, now_iso, to_iso(now - STALE_PENDING)],
        )  # fmt: skip
        if cursor.rowcount != 1:
            return None
        row = db.execute(
            "SELECT id FROM alerts WHERE kind = ? AND key = ? AND day = ?",
            [claim.kind, claim.key, claim.day],
        ).fetchone()
    return int(row[0])


def finish_alert(
    db: sqlite_utils.Database,
    alert_id: int,
    *,
    sent: bool,
    now: datetime,
    recipients: list[str] | None = None,
    error: str | None = None,
) -> None:
    """Record that the claimed alert was sent (or failed, so a later check may retry)."""
    with write_tx(db):
        db.execute(
            "UPDATE alerts SET status = ?, sent_at = ?, recipients = ?, error = ? WHERE id = ?",
            ["sent" if sent else "failed", to_iso(now) if sent else None,
             json.dumps(recipients or []), (error or None) and error[:MAX_ERROR_CHARS],
             alert_id],
        )  # fmt: skip


def list_alerts(db: sqlite_utils.Database, since_iso: str | None = None) -> list[dict[str, Any]]:
    """Return recorded alerts (newest first), optionally only those created since a time."""
    cursor = db.execute(
        "SELECT * FROM alerts WHERE (? IS NULL OR created_at >= ?) ORDER BY created_at DESC, id DESC",
        [since_iso or None, since_iso or None],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
