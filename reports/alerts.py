"""Spike alerts during the day: detect, claim once in the database, e-mail.

The scheduler (every ``scheduler.alert_interval_minutes``) and cron
(``pantau alerts``) call :func:`check_and_send`. A department's or topic's count
so far today is compared with the previous ``report.alerts.baseline_days`` whole
days (mean + sigma x std, at least ``min_count``). Each (kind, key) alerts at
most once per local day and never again within ``cooldown_hours``.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import sqlite_utils

from pantau.config import Config
from pantau.errors import PipelineError
from pantau.models import utcnow
from reports.baseline import Baseline, find_spikes, volume_series_many
from reports.digest import Digest, DigestPost, build_digest, has_history
from reports.email import compose, send_message
from reports.render import angka, render_template, tanggal, topic_label, zone_label
from storage import alerts as alert_store

log = logging.getLogger(__name__)
MAX_POSTS = 8


@dataclass(frozen=True)
class AlertResult:
    """One detected spike and what happened to its alert."""

    kind: str
    key: str
    count: int
    mean: float
    threshold: float
    status: str  # sent | failed | cooldown | no_recipients


def detect(db: sqlite_utils.Database, config: Config, now: datetime) -> list[Baseline]:
    """Return today's department and topic spikes (counts up to ``now``)."""
    rules = config.report.alerts
    tz = ZoneInfo(config.timezone)
    day = now.astimezone(tz).date()
    days = rules.baseline_days
    # The total and both breakdowns come from one scan of the window.
    series = volume_series_many(db, tz, day, days, (None, "department", "topic"), until=now)
    if not has_history(series[None][None], days):
        log.info("alerts: less than %d days of history, no spike check yet", days // 2)
        return []
    spikes: list[Baseline] = []
    for by in ("department", "topic"):
        per_key = series[by]
        spikes += find_spikes((b for b in per_key.values() if b.key), rules.sigma, rules.min_count)
    return spikes


def _topic_department(config: Config, topic: str) -> str | None:
    for code, dept in config.departments.items():
        if topic in dept.topics:
            return code
    return None


def recipients_for(config: Config, kind: str, key: str) -> list[str]:
    """Humas (``report.recipients``) plus the department's own recipients."""
    code = key if kind == "department" else _topic_department(config, key)
    out = list(config.report.recipients)
    for address in config.report.department_recipients.get(code or "", []):
        if address not in out:
            out.append(address)
    return out


def _label(config: Config, kind: str, key: str) -> str:
    if kind == "department":
        dept = config.departments.get(key)
        return dept.name if dept else key
    return f'topik "{topic_label(key)}"'


def _posts(digest: Digest, kind: str, key: str) -> list[DigestPost]:
    seen: dict[int, DigestPost] = {}
    for post in digest.needs_answer:
        if (key in post.departments) if kind == "department" else (key in post.topics):
            seen.setdefault(post.id, post)
    for section in digest.departments:
        for post in section.posts:
            if (key in post.departments) if kind == "department" else (key in post.topics):
                seen.setdefault(post.id, post)
    return sorted(seen.values(), key=lambda p: (-p.score, p.id))[:MAX_POSTS]


def alert_message(
    config: Config, spike: Baseline, posts: list[DigestPost], now: datetime, recipients: list[str]
) -> EmailMessage:
    """Compose the alert e-mail (text and HTML) for one spike."""
    tz = ZoneInfo(config.timezone)
    label = _label(config, spike.kind, str(spike.key))
    names = {code: dept.name for code, dept in config.departments.items()}
    context = {
        "what": label, "spike": spike, "posts": posts, "names": names,
        "day": tanggal(now.astimezone(tz).date()), "time": now.astimezone(tz).strftime("%H:%M"),
        "sigma": config.report.alerts.sigma, "zona": zone_label(config.timezone),
    }  # fmt: skip
    html = render_template("alert.html.j2", **context)
    text = render_template("alert.txt.j2", **context)
    subject = (
        f"Pantau: lonjakan sebutan {label} hari ini ({spike.today}, biasanya {angka(spike.mean)})"
    )
    return compose(subject, text, html, {}, config.report.smtp.sender, recipients)


def check_and_send(
    db: sqlite_utils.Database,
    config: Config,
    now: datetime | None = None,
    *,
    tls_context: ssl.SSLContext | None = None,
) -> list[AlertResult]:
    """Detect spikes now, send each new alert once, record it; return what happened.

    A failed send is recorded as failed and retried by the next check.
    """
    rules = config.report.alerts
    if not rules.enabled:
        return []
    now = now or utcnow()
    tz = ZoneInfo(config.timezone)
    day = now.astimezone(tz).date()
    spikes = detect(db, config, now)
    if not spikes:
        return []
    digest = build_digest(db, config, day, now=now)
    results = []
    for spike in spikes:
        key = str(spike.key)
        threshold = round(spike.threshold(rules.sigma), 2)
        result = AlertResult(spike.kind, key, spike.today, round(spike.mean, 2), threshold, "")
        recipients = recipients_for(config, spike.kind, key)
        if not recipients:
            log.warning("alert %s=%s: no recipients configured; not sent", spike.kind, key)
            results.append(replace(result, status="no_recipients"))
            continue
        claim = alert_store.AlertClaim(spike.kind, key, day.isoformat(), spike.today,
                                       round(spike.mean, 3), round(spike.std, 3), threshold)  # fmt: skip
        alert_id = alert_store.claim_alert(db, claim, now, timedelta(hours=rules.cooldown_hours))
        if alert_id is None:
            results.append(replace(result, status="cooldown"))
            continue
        try:
            message = alert_message(config, spike, _posts(digest, spike.kind, key), now,
                                    recipients)  # fmt: skip
            send_message(message, config, tls_context=tls_context)
        except PipelineError as exc:
            alert_store.finish_alert(db, alert_id, sent=False, now=now, error=str(exc))
            log.error("alert %s=%s: %s", spike.kind, key, exc)
            results.append(replace(result, status="failed"))
            continue
        alert_store.finish_alert(db, alert_id, sent=True, now=now, recipients=recipients)
        log.info("alert %s=%s sent: today=%d mean=%.1f to %d recipient(s)", spike.kind, key,
                 spike.today, spike.mean, len(recipients))  # fmt: skip
        results.append(replace(result, status="sent"))
    return results
