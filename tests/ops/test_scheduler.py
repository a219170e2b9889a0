"""The daemon's jobs, built and run in-process (the subprocess test is test_daemon.py)."""

from __future__ import annotations

import logging
import sys
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

import pantau.pipeline as pipeline
from pantau.config import Config, load_config
from pantau.models import utcnow
from pantau.polling import SourceState
from pantau.scheduler import Daemon
from storage.db import open_db
from storage.posts import get_cursor
from storage.state import get_state, save_state
from tests.loopback import LoopbackServer
from tests.ops.feeds import LiveFeed, write_config


def _config(tmp_path: Path, default_config: Config, url: str = "http://127.0.0.1:9/x") -> Config:
    sources = [
        {"name": "every", "type": "rss", "schedule": {"interval_minutes": 10},
         "options": {"url": url}},
        {"name": "nightly", "type": "rss", "schedule": {"cron": "30 2 * * *"},
         "options": {"url": url}},
        {"name": "off", "type": "rss", "enabled": False, "options": {"url": url}},
    ]  # fmt: skip
    path = write_config(default_config, tmp_path / "c.yaml", sources,
                        scheduler={"misfire_grace_seconds": 120, "job_timeout_seconds": 30},
                        report={"hour": 6, "minute": 15, "out_dir": str(tmp_path / "out")})  # fmt: skip
    return load_config(path)


@contextmanager
def paused(daemon: Daemon) -> Iterator[Daemon]:
    """Start the scheduler paused in a thread (jobs get their defaults, none runs)."""
    daemon.add_jobs()
    thread = threading.Thread(target=daemon.scheduler.start, kwargs={"paused": True})
    thread.start()
    while not daemon.scheduler.running:
        time.sleep(0.01)
    try:
        yield daemon
    finally:
        daemon.scheduler.shutdown(wait=False)
        thread.join(10)


def test_jobs_are_built_from_config(tmp_path: Path, default_config: Config) -> None:
    config = _config(tmp_path, default_config)
    db_path = tmp_path / "pantau.db"
    db = open_db(db_path)
    later = utcnow() + timedelta(hours=2)
    save_state(db, SourceState("every", consecutive_errors=2, backoff_until=later,
                               next_run_at=later))  # fmt: skip
    db.close()
    with paused(Daemon(config, db_path)) as daemon:
        jobs = {job.id: job for job in daemon.scheduler.get_jobs()}
    assert set(jobs) == {"source:every", "source:nightly", "process", "digest", "alerts"}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time == 120
    assert type(jobs["source:every"].trigger).__name__ == "IntervalTrigger"
    assert jobs["source:every"].trigger.interval == timedelta(minutes=10)
    # A backoff written by an earlier run (or by cron) delays the first run.
    assert abs((jobs["source:every"].next_run_time - later).total_seconds()) < 1
    nightly = jobs["source:nightly"].trigger
    assert type(nightly).__name__ == "CronTrigger" and str(nightly.timezone) == "Asia/Jakarta"
    digest = jobs["digest"].trigger
    assert type(digest).__name__ == "CronTrigger" and str(digest.timezone) == "Asia/Jakarta"
    fields = {f.name: str(f) for f in digest.fields}
    assert fields["hour"] == "6" and fields["minute"] == "15"


def test_collection_is_cut_at_the_time_limit_keeping_stored_batches(
    tmp_path: Path, server: LoopbackServer, default_config: Config,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    feed = LiveFeed("big", per_request=6)
    server.route("/big.xml", feed.as_reply())
    config = _config(tmp_path, default_config, f"{server.url}/big.xml")
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 2)
    db = open_db(tmp_path / "pantau.db")
    calls = []

    def cancel() -> str | None:
        calls.append(1)
        return "timeout" if len(calls) >= 2 else None

    result = pipeline.collect_source(db, config, config.sources[0], cancel=cancel)
    assert result.status == "timeout" and result.fetched == 4 and result.new == 4
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 4
    assert get_cursor(db, "every") is None  # an unfinished run never moves the cursor
    assert get_state(db, "every").consecutive_errors == 1
    row = db.execute("SELECT status, error FROM runs").fetchone()
    assert row[0] == "timeout" and "stopped early" in row[1]
    db.close()


def test_time_limit_is_checked_while_a_batch_fills_and_keeps_the_partial_batch(
    tmp_path: Path, server: LoopbackServer, default_config: Config,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # Batches are large (2,000 posts) for FTS5's sake; a stop request must not wait for one.
    feed = LiveFeed("big", per_request=6)
    server.route("/big.xml", feed.as_reply())
    config = _config(tmp_path, default_config, f"{server.url}/big.xml")
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 100)
    monkeypatch.setattr(pipeline, "CHECK_EVERY", 2)
    db = open_db(tmp_path / "pantau.db")
    calls = []

    def cancel() -> str | None:
        calls.append(1)
        return "timeout" if len(calls) >= 2 else None

    result = pipeline.collect_source(db, config, config.sources[0], cancel=cancel)
    # Checked after items 2 and 4; the four fetched posts are stored though no batch filled.
    assert result.status == "timeout" and result.fetched == 4 and result.new == 4
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 4
    assert db.execute("SELECT count(*) FROM posts_fts").fetchone()[0] == 4
    assert get_cursor(db, "every") is None  # an unfinished run never moves the cursor
    db.close()


def test_source_job_reschedules_from_adaptive_state(
    tmp_path: Path, server: LoopbackServer, default_config: Config
) -> None:
    server.route("/f.xml", LiveFeed("f", per_request=5).as_reply())
    config = _config(tmp_path, default_config, f"{server.url}/f.xml")
    db_path = tmp_path / "pantau.db"
    open_db(db_path).close()
    with paused(Daemon(config, db_path)) as daemon:
        daemon._source_job(config.sources[0])
        next_run = daemon.scheduler.get_job("source:every").next_run_time
    db = open_db(db_path)
    state = get_state(db, "every")
    db.close()
    assert state.interval_factor == pytest.approx(0.75)  # all new: poll sooner
    expected = utcnow() + timedelta(minutes=7.5)
    assert abs((next_run - expected).total_seconds()) < 5


def test_alerts_job_calls_check_and_send_or_skips(
    tmp_path: Path, default_config: Config, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    config = _config(tmp_path, default_config)
    db_path = tmp_path / "pantau.db"
    open_db(db_path).close()
    daemon = Daemon(config, db_path)
    seen = []
    fake = types.ModuleType("reports.alerts")
    fake.check_and_send = lambda db, cfg, now=None: seen.append((db, cfg)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reports.alerts", fake)
    daemon._alerts_job()
    assert len(seen) == 1 and seen[0][1] is config
    monkeypatch.setitem(sys.modules, "reports.alerts", None)  # import now fails
    with caplog.at_level(logging.INFO, logger="pantau.scheduler"):
        daemon._alerts_job()
    assert "job=alerts status=skipped" in caplog.text


def test_digest_job_writes_the_configured_formats(tmp_path: Path, default_config: Config) -> None:
    config = _config(tmp_path, default_config)
    db_path = tmp_path / "pantau.db"
    open_db(db_path).close()
    Daemon(config, db_path)._digest_job()
    written = sorted(p.suffix for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written == sorted(f".{f}" for f in config.report.formats)


def test_stop_request_makes_jobs_return_without_work(
    tmp_path: Path, server: LoopbackServer, default_config: Config
) -> None:
    feed = LiveFeed("f")
    server.route("/f.xml", feed.as_reply())
    config = _config(tmp_path, default_config, f"{server.url}/f.xml")
    db_path = tmp_path / "pantau.db"
    open_db(db_path).close()
    daemon = Daemon(config, db_path)
    daemon.stopping.set()
    daemon._source_job(config.sources[0])
    daemon._process_job()
    assert feed.requests == 0
    cancel = Daemon(config, db_path)._cancel()
    assert cancel() is None


def test_daemon_skips_a_source_a_cron_run_just_collected(
    tmp_path: Path, server: LoopbackServer, default_config: Config
) -> None:
    feed = LiveFeed("f")
    server.route("/f.xml", feed.as_reply())
    config = _config(tmp_path, default_config, f"{server.url}/f.xml")
    db_path = tmp_path / "pantau.db"
    db = open_db(db_path)
    pipeline.collect_source(db, config, config.sources[0])  # the cron run
    db.close()
    assert feed.requests == 1
    with paused(Daemon(config, db_path)) as daemon:
        daemon._source_job(config.sources[0])
        next_run = daemon.scheduler.get_job("source:every").next_run_time
    assert feed.requests == 1  # not polled again right away
    assert next_run > utcnow() + timedelta(minutes=5)
