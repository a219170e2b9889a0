"""Source leases: cron runs and the daemon never overlap; a killed holder is recovered."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from pantau.config import Config, load_config
from pantau.models import utcnow
from pantau.pipeline import PROCESS_LEASE, collect_source
from storage import locks
from storage.db import open_db
from storage.state import get_state
from tests.conftest import ROOT
from tests.loopback import LoopbackServer, Reply
from tests.ops.feeds import LiveFeed, rss, write_config


def test_second_acquire_is_refused_until_release(db) -> None:  # type: ignore[no-untyped-def]
    first = locks.acquire(db, "feed", ttl_seconds=60)
    assert first is not None
    assert locks.acquire(db, "feed", ttl_seconds=60) is None
    assert locks.acquire(db, "other", ttl_seconds=60) is not None
    assert locks.release(db, first)
    assert not locks.release(db, first)  # already gone
    assert locks.acquire(db, "feed", ttl_seconds=60) is not None


def test_expired_lease_is_taken_over(db) -> None:  # type: ignore[no-untyped-def]
    old = locks.acquire(db, "feed", ttl_seconds=5, now=utcnow() - timedelta(seconds=10))
    assert old is not None
    taken = locks.acquire(db, "feed", ttl_seconds=60)
    assert taken is not None and taken.owner != old.owner
    assert not locks.release(db, old)  # the old owner cannot release the new lease
    assert locks.holder(db, "feed")["owner"] == taken.owner  # type: ignore[index]


def test_lease_of_dead_pid_on_this_host_is_recovered(db) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    lease = locks.acquire(db, "feed", ttl_seconds=3600)
    assert lease is not None
    db.execute("UPDATE source_leases SET pid = ? WHERE source = 'feed'", [proc.pid])
    assert locks.acquire(db, "feed", ttl_seconds=60) is not None


def test_busy_source_is_recorded_not_failed(
    db, server: LoopbackServer, default_config: Config, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    feed = LiveFeed("feed")
    server.route("/feed.xml", feed.as_reply())
    path = write_config(default_config, tmp_path / "c.yaml",
                        [{"name": "feed", "type": "rss", "options": {"url": f"{server.url}/feed.xml"}}])  # fmt: skip
    config = load_config(path)
    held = locks.acquire(db, "feed", ttl_seconds=600)
    assert held is not None
    result = collect_source(db, config, config.sources[0])
    assert result.status == "busy"
    assert "lease held by" in (result.error or "")
    assert feed.requests == 0
    row = db.execute("SELECT status, finished_at FROM runs").fetchone()
    assert row[0] == "busy" and row[1] is not None
    locks.release(db, held)
    assert collect_source(db, config, config.sources[0]).status == "ok"
    assert locks.holder(db, "feed") is None  # released after the run


def _lease_row(db_path: Path, source: str) -> tuple | None:
    if not db_path.exists():
        return None
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute("SELECT owner, pid FROM source_leases WHERE source = ?",
                            [source]).fetchone()  # fmt: skip
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


@pytest.mark.timeout(60)
def test_killed_run_holding_the_lease_does_not_block_the_next(
    tmp_path: Path, server: LoopbackServer, default_config: Config
) -> None:
    item = [("slow-1", "Jalan rusak di Cibinong Kabupaten Bogor", utcnow())]
    # The first request hangs (the run sits holding its lease); later ones answer at once.
    server.route("/slow.xml", Reply(200, rss(item), delay=20), Reply(200, rss(item)))
    source = {"name": "slow", "type": "rss", "options": {"url": f"{server.url}/slow.xml"}}
    path = write_config(default_config, tmp_path / "c.yaml", [source],
                        http={"timeout_seconds": 60})  # fmt: skip
    db_path = tmp_path / "pantau.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pantau", "--config", str(path), "--db", str(db_path),
         "run", "--once", "--source", "slow"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        end = time.monotonic() + 20
        while (row := _lease_row(db_path, "slow")) is None:
            assert proc.poll() is None and time.monotonic() < end, "run never took the lease"
            time.sleep(0.05)
        assert row[1] == proc.pid
        config = load_config(path)
        db = open_db(db_path)
        try:
            # While the holder lives, another run is refused (busy), not run twice.
            assert collect_source(db, config, config.sources[0]).status == "busy"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            result = collect_source(db, config, config.sources[0])
            assert result.status == "ok", result
            assert result.new == 1
            statuses = [r[0] for r in db.execute("SELECT status FROM runs ORDER BY id")]
            # The killed run is marked crashed instead of staying 'running' forever.
            assert statuses == ["crashed", "busy", "ok"]
            assert locks.holder(db, "slow") is None
        finally:
            db.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_processing_lease_skips_a_second_processor(db, default_config: Config) -> None:  # type: ignore[no-untyped-def]
    from pantau.models import Post
    from pantau.pipeline import process_leased
    from processing.resources import build_resources
    from storage.posts import save_batch

    save_batch(db, [Post("feed", "rss", "a", "Banjir di Bojonggede Kabupaten Bogor")])
    resources = build_resources(default_config)
    held = locks.acquire(db, PROCESS_LEASE, ttl_seconds=600)
    assert held is not None
    assert process_leased(db, default_config, resources) == 0
    locks.release(db, held)
    assert process_leased(db, default_config, resources) == 1


def test_long_run_renews_its_lease_between_batches(
    db, server: LoopbackServer, default_config: Config, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    import pantau.pipeline as pipeline

    server.route("/big.xml", LiveFeed("big", per_request=6).as_reply())
    path = write_config(default_config, tmp_path / "c.yaml",
                        [{"name": "big", "type": "rss", "options": {"url": f"{server.url}/big.xml"}}])  # fmt: skip
    config = load_config(path)
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 2)
    expiries = []

    def cancel() -> str | None:
        expiries.append(locks.holder(db, "big")["expires_at"])  # type: ignore[index]
        if len(expiries) == 1:  # another process steals the (expired) lease mid-run
            db.execute("UPDATE source_leases SET owner = 'other:1:x'")
        return None

    result = pipeline.collect_source(db, config, config.sources[0], cancel=cancel)
    assert result.status == "lease_lost"
    assert expiries  # renewed (and checked) at the first batch boundary
    assert result.new == 4 and len(expiries) == 1  # stored batches are kept
    assert locks.holder(db, "big")["owner"] == "other:1:x"  # type: ignore[index]
    assert get_state(db, "big").interval_factor == 1.0  # a cut run does not adapt polling
