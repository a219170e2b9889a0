"""The ``pantau schedule`` daemon: APScheduler 3.x jobs built from config.yaml.

Jobs: one per enabled source (its interval, or its cron expression in the
configured time zone), a processing job, the daily digest at
``report.hour:minute`` and the spike-alert check. Every job calls the same
functions as the CLI, opens its own database connection (a connection is never
shared across threads) and has a time limit:

- collection and processing poll a ``cancel`` callback between items/batches and
  stop at ``scheduler.job_timeout_seconds`` (or at shutdown), keeping what was
  stored; every write is a transaction, so nothing is half-written. Network
  calls have their own timeouts and Scrapy crawls run in child processes.
- digest and alerts run in a helper thread the job waits for up to the limit.

Sources take their database lease (storage/locks.py), so a cron ``pantau run
--once`` and the daemon never work one source at the same time. After each run
the next run time comes from the source's backoff/adaptive state
(pantau/polling.py), kept in the database so restarts and cron honour it.

SIGTERM/SIGINT: stop taking new jobs, cut running ones at their next check,
wait for them, exit 0.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pantau.config import Config, SourceConfig
from pantau.errors import PipelineError
from pantau.models import utcnow
from pantau.pipeline import Cancel, collect_source, process_leased
from pantau.polling import effective_interval

log = logging.getLogger(__name__)

MAX_WORKERS = 8


class Daemon:
    """The scheduler and its jobs; :meth:`run` blocks until SIGTERM/SIGINT."""

    def __init__(
        self,
        config: Config,
        db_path: str | Path,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.environ = environ
        self.stopping = threading.Event()
        self.timeout = float(config.scheduler.job_timeout_seconds)
        self.tz = ZoneInfo(config.timezone)
        self._resources: Any = None
        self.sources = [s for s in config.sources if s.enabled]
        workers = max(2, min(MAX_WORKERS, len(self.sources) + 3))
        self.scheduler = BlockingScheduler(
            timezone=self.tz,
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": config.scheduler.misfire_grace_seconds,
            },
        )

    # ------------------------------------------------------------------ set-up
    def _open(self) -> Any:
        from storage.db import open_db

        return open_db(self.db_path, migrate=False)

    def _cancel(self) -> Cancel:
        deadline = time.monotonic() + self.timeout

        def check() -> str | None:
            if self.stopping.is_set():
                return "interrupted"
            if time.monotonic() > deadline:
                return "timeout"
            return None

        return check

    def add_jobs(self) -> None:
        """Build every job from the configuration (memory job store, rebuilt at start)."""
        from storage import state as state_store

        db = self._open()
        try:
            states = state_store.all_states(db)
        finally:
            db.close()
        now = utcnow()
        for source in self.sources:
            schedule = source.schedule
            trigger: Any
            if schedule.cron:
                trigger = CronTrigger.from_crontab(schedule.cron, timezone=self.tz)
                if schedule.jitter_seconds:
                    trigger.jitter = schedule.jitter_seconds
                first = None
            else:
                trigger = IntervalTrigger(
                    seconds=(schedule.interval_minutes or 30) * 60,
                    jitter=schedule.jitter_seconds or None,
                    timezone=self.tz,
                )
                state = states.get(source.name)
                # Honour a backoff or adaptive delay persisted by an earlier run (or cron).
                first = max(now, state.next_run_at) if state and state.next_run_at else now
            self.scheduler.add_job(
                self._source_job, trigger, args=[source], id=f"source:{source.name}",
                name=f"collect {source.name}", **({"next_run_time": first} if first else {}),
            )  # fmt: skip
        self.scheduler.add_job(
            self._process_job,
            IntervalTrigger(seconds=self.config.scheduler.process_interval_minutes * 60),
            id="process", name="process pending posts", next_run_time=now,
        )  # fmt: skip
        report = self.config.report
        self.scheduler.add_job(
            self._digest_job,
            CronTrigger(hour=report.hour, minute=report.minute, timezone=self.tz),
            id="digest", name="daily digest",
        )  # fmt: skip
        if report.alerts.enabled:
            self.scheduler.add_job(
                self._alerts_job,
                IntervalTrigger(seconds=self.config.scheduler.alert_interval_minutes * 60),
                id="alerts", name="spike alerts",
            )  # fmt: skip

    # ------------------------------------------------------------------ jobs
    def _source_job(self, source: SourceConfig) -> None:
        if self.stopping.is_set():
            return
        try:
            db = self._open()
        except PipelineError as exc:
            log.error("source=%s status=error cannot open database: %s", source.name, exc)
            return
        try:
            if self._ran_elsewhere(db, source):
                self._reschedule(db, source, from_state=True)
                return
            collect_source(db, self.config, source, environ=self.environ, cancel=self._cancel())
            self._reschedule(db, source)
        except (PipelineError, sqlite3.Error, OSError) as exc:
            log.error("source=%s status=error %s", source.name, exc)
        finally:
            db.close()

    def _ran_elsewhere(self, db: Any, source: SourceConfig) -> bool:
        """True when another process (a cron run) collected this source since we planned."""
        from storage import state as state_store

        interval = source.schedule.interval_minutes
        if source.schedule.cron or not interval:
            return False
        state = state_store.get_state(db, source.name)
        if state.next_run_at is None or state.in_backoff(utcnow()):
            return False  # backoff is collect_source's to report
        slack = timedelta(seconds=max(1.0, interval * 60 * 0.05))
        if state.next_run_at > utcnow() + slack:
            log.debug("source=%s not due until %s (collected by another run)",
                      source.name, state.next_run_at.isoformat())  # fmt: skip
            return True
        return False

    def _reschedule(self, db: Any, source: SourceConfig, *, from_state: bool = False) -> None:
        """Move this source's next run to what its backoff/adaptive state says."""
        if source.schedule.cron or self.stopping.is_set():
            return
        from storage import state as state_store

        state = state_store.get_state(db, source.name)
        now = utcnow()
        interval = effective_interval(source, state)
        if from_state and state.next_run_at is not None:
            when = state.next_run_at
        elif state.in_backoff(now) and state.backoff_until is not None:
            when = state.backoff_until
        elif interval is not None:
            when = now + interval  # stored times have whole seconds; compute it exactly here
        else:
            return
        when = max(when, now + timedelta(seconds=0.2))
        job_id = f"source:{source.name}"
        try:
            self.scheduler.modify_job(job_id, next_run_time=when.astimezone(self.tz))
        except LookupError:  # job removed meanwhile (shutting down)
            return
        log.debug("source=%s next_run=%s factor=%.2f errors=%d", source.name,
                  when.isoformat(), state.interval_factor, state.consecutive_errors)  # fmt: skip

    def _process_job(self) -> None:
        if self.stopping.is_set():
            return
        try:
            if self._resources is None:
                from processing.resources import build_resources

                self._resources = build_resources(self.config)
            db = self._open()
            try:
                process_leased(db, self.config, self._resources, cancel=self._cancel())
            finally:
                db.close()
        except (PipelineError, sqlite3.Error, OSError) as exc:
            log.error("job=process status=error %s", exc)

    def _digest_job(self) -> None:
        from reports.service import write_digests

        report = self.config.report
        email = bool(report.recipients or report.department_recipients)

        def work(db: Any) -> None:
            paths = write_digests(db, self.config, email=email)
            log.info("job=digest status=ok files=%s email=%s", ",".join(map(str, paths)), email)

        self._limited("digest", work)

    def _alerts_job(self) -> None:
        try:
            from reports.alerts import check_and_send  # type: ignore[import-not-found]
        except ImportError:
            log.info("job=alerts status=skipped reason='reports.alerts is not installed'")
            return

        def work(db: Any) -> None:
            result = check_and_send(db, self.config)
            log.info("job=alerts status=ok result=%s", result)

        self._limited("alerts", work)

    def _limited(self, name: str, work: Callable[[Any], None]) -> None:
        """Run ``work(db)`` in a helper thread; give up waiting after the job time limit."""
        if self.stopping.is_set():
            return

        def target() -> None:
            try:
                db = self._open()
                try:
                    work(db)
                finally:
                    db.close()
            except (PipelineError, sqlite3.Error, OSError) as exc:
                log.error("job=%s status=error %s", name, exc)

        thread = threading.Thread(target=target, name=f"pantau-{name}", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            log.error("job=%s status=timeout still running after %.0fs", name, self.timeout)

    # ------------------------------------------------------------------ run
    def request_stop(self, signum: int | None = None, _frame: Any = None) -> None:
        """Stop taking jobs, let running ones stop at their next check, then exit."""
        if self.stopping.is_set():
            return
        name = signal.Signals(signum).name if signum else "request"
        log.info("scheduler stopping (%s); waiting for running jobs", name)
        self.stopping.set()
        # shutdown(wait=True) joins the worker threads: do it off the signal handler.
        threading.Thread(target=self._shutdown, name="pantau-shutdown", daemon=True).start()

    def _shutdown(self) -> None:
        # A signal can arrive just before start(): wait until the scheduler runs, then stop it.
        while not self.scheduler.running:
            time.sleep(0.05)
        try:
            self.scheduler.shutdown(wait=True)
        except SchedulerNotRunningError:
            return

    def run(self) -> int:
        """Install signal handlers, start the scheduler, block until stopped; return 0."""
        self.add_jobs()
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        log.info(
            "scheduler started: sources=%d process_every=%gmin digest=%02d:%02d %s "
            "job_timeout=%ds", len(self.sources), self.config.scheduler.process_interval_minutes,
            self.config.report.hour, self.config.report.minute, self.config.timezone,
            int(self.timeout),
        )  # fmt: skip
        self.scheduler.start()
        log.info("scheduler stopped")
        return 0


def next_runs(daemon: Daemon) -> dict[str, datetime | None]:
    """Return each job's next run time (for logs and tests)."""
    return {job.id: getattr(job, "next_run_time", None) for job in daemon.scheduler.get_jobs()}
