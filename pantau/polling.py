"""Backoff for failing sources and adaptive polling for feeds: the pure policy.

After each run :func:`next_state` turns the previous state and the run's outcome
into the new state. Consecutive failures double the wait (base interval x 2^n,
capped at ``scheduler.backoff_max_minutes``; a rate limit waits at least until
its reset); a success resets it. For feed sources the interval factor shrinks
when most fetched items were new and grows when little changed, bounded to
[``MIN_FACTOR``, ``MAX_FACTOR``]. The state lives in the ``source_state`` table
(storage/state.py) so cron runs and the daemon share it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pantau.config import SchedulerConfig, SourceConfig

FAILED = ("error", "rate_limited", "timeout")
NEUTRAL = ("skipped", "busy", "backoff", "interrupted", "lease_lost")
ADAPTIVE_TYPES = ("rss", "google_news", "atom")
MIN_FACTOR, MAX_FACTOR = 0.5, 4.0
SHORTEN, LENGTHEN = 0.75, 1.5
MOSTLY_NEW, LITTLE_NEW = 0.5, 0.1


@dataclass(frozen=True)
class SourceState:
    """What the scheduler remembers about one source between runs."""

    source: str
    consecutive_errors: int = 0
    backoff_until: datetime | None = None
    interval_factor: float = 1.0
    next_run_at: datetime | None = None
    last_status: str | None = None
    last_success_at: datetime | None = None

    def in_backoff(self, now: datetime) -> bool:
        """Return True while a failing source should be left alone."""
        return self.backoff_until is not None and self.backoff_until > now


def base_interval(source: SourceConfig) -> timedelta | None:
    """Return the configured interval of an interval-scheduled source (None for cron)."""
    schedule = source.schedule
    if schedule.cron:
        return None
    return timedelta(minutes=schedule.interval_minutes or 30)


def backoff_delay(source: SourceConfig, errors: int, cap_minutes: float) -> timedelta:
    """Return how long to wait after ``errors`` consecutive failures (exponential, capped)."""
    base = base_interval(source) or timedelta(minutes=30)
    cap = timedelta(minutes=cap_minutes)
    if errors <= 0:
        return timedelta(0)
    # 2**errors grows fast; stop before float overflow.
    factor = 2 ** min(errors, 30)
    return min(base * factor, cap)


def adapt_factor(factor: float, fetched: int, new: int) -> float:
    """Shorten the interval when most items were new, lengthen it when little changed."""
    if fetched > 0 and new / fetched >= MOSTLY_NEW:
        factor *= SHORTEN
    elif fetched == 0 or new / fetched < LITTLE_NEW:
        factor *= LENGTHEN
    return max(MIN_FACTOR, min(MAX_FACTOR, factor))


def next_state(
    state: SourceState,
    source: SourceConfig,
    scheduler: SchedulerConfig,
    *,
    status: str,
    fetched: int,
    new: int,
    now: datetime,
    rate_limit_reset: datetime | None = None,
) -> SourceState:
    """Return the state after a run of ``source`` that ended with ``status``."""
    if status in NEUTRAL:
        return replace(state, last_status=status)
    base = base_interval(source)
    if status in FAILED:
        errors = state.consecutive_errors + 1
        until = now + backoff_delay(source, errors, scheduler.backoff_max_minutes)
        if rate_limit_reset is not None and rate_limit_reset > until:
            until = rate_limit_reset
        return replace(
            state,
            consecutive_errors=errors,
            backoff_until=until,
            next_run_at=until,
            last_status=status,
        )
    factor = state.interval_factor
    if scheduler.adaptive_polling and base is not None and source.type in ADAPTIVE_TYPES:
        factor = adapt_factor(factor, fetched, new)
    next_run = now + base * factor if base is not None else None
    return SourceState(
        source=state.source,
        consecutive_errors=0,
        backoff_until=None,
        interval_factor=factor,
        next_run_at=next_run,
        last_status=status,
        last_success_at=now,
    )


def effective_interval(source: SourceConfig, state: SourceState) -> timedelta | None:
    """Return the interval the scheduler uses now (base x adaptive factor), None for cron."""
    base = base_interval(source)
    return None if base is None else base * state.interval_factor
