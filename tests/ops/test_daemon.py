"""`pantau schedule` as a real subprocess against a loopback RSS server, stopped by SIGTERM."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pantau.config import Config
from tests.conftest import ROOT
from tests.loopback import LoopbackServer, Reply
from tests.ops.feeds import LiveFeed, write_config

pytestmark = pytest.mark.timeout(60)

SECOND = 1 / 60  # interval_minutes of one second


def _runs(db_path: Path) -> list[tuple[str, str, str | None, str]]:
    if not db_path.exists():
        return []
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute(
            "SELECT source, started_at, finished_at, status FROM runs ORDER BY id"
        ).fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        conn.close()


def _wait_for_runs(db_path: Path, names: list[str], count: int, proc: subprocess.Popen,
                   limit: float = 25) -> None:  # fmt: skip
    end = time.monotonic() + limit
    while time.monotonic() < end:
        assert proc.poll() is None, "scheduler exited early"
        done = [r for r in _runs(db_path) if r[3] == "ok"]
        if all(sum(1 for r in done if r[0] == n) >= count for n in names):
            return
        time.sleep(0.2)
    raise AssertionError(f"not {count} runs per source in time: {_runs(db_path)}")


def test_schedule_daemon_runs_cycles_and_stops_cleanly_on_sigterm(
    tmp_path: Path, server: LoopbackServer, default_config: Config
) -> None:
    feeds = [LiveFeed("alpha"), LiveFeed("beta", per_request=3)]
    for feed in feeds:
        server.route(f"/{feed.name}.xml", feed.as_reply())
    sources = [
        {"name": f.name, "type": "rss", "schedule": {"interval_minutes": SECOND},
         "options": {"url": f"{server.url}/{f.name}.xml"}}
        for f in feeds
    ]  # fmt: skip
    db_path = tmp_path / "pantau.db"
    log_path = tmp_path / "pantau.log"
    config = write_config(
        default_config, tmp_path / "config.yaml", sources,
        scheduler={"process_interval_minutes": SECOND, "alert_interval_minutes": 1,
                   "misfire_grace_seconds": 30, "job_timeout_seconds": 20},
        report={"out_dir": str(tmp_path / "digests")},
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "pantau", "--config", str(config), "--db", str(db_path),
         "--log-file", str(log_path), "schedule"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for_runs(db_path, [f.name for f in feeds], 4, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-3000:]
    assert "scheduler stopped" in err

    runs = _runs(db_path)
    assert all(status != "running" for _, _, _, status in runs), runs
    for feed in feeds:
        mine = [r for r in runs if r[0] == feed.name and r[3] not in ("busy",)]
        assert sum(1 for r in mine if r[3] == "ok") >= 4
        # No two runs of one source overlap: each starts after the previous finished.
        spans = sorted((r[1], r[2]) for r in mine)
        for (_, finished), (next_start, _) in zip(spans, spans[1:], strict=False):
            assert finished is not None and finished <= next_start, spans

    conn = sqlite3.connect(db_path)
    try:
        for feed in feeds:
            stored = [r[0] for r in conn.execute(
                "SELECT external_id FROM posts WHERE source = ?", [feed.name])]  # fmt: skip
            assert len(stored) == len(set(stored))
            assert set(stored) == feed.served
            assert len(feed.served) >= 4 * feed.per_request
        # The processing job analysed what was collected (all but perhaps the very last batch).
        analysed = conn.execute("SELECT count(*) FROM analysis").fetchone()[0]
        assert analysed > 0
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    # The structured per-run lines went to the rotating log file too.
    text = log_path.read_text(encoding="utf-8")
    assert "source=alpha status=ok fetched=" in text
    assert " new=" in text and " duration=" in text


def test_sigterm_during_a_fetch_lets_the_run_finish(
    tmp_path: Path, server: LoopbackServer, default_config: Config
) -> None:
    feed = LiveFeed("slow", per_request=3)

    def slow_reply(request):  # type: ignore[no-untyped-def]
        reply = feed.reply(request)
        reply.delay = 2.0
        return reply

    server.route("/slow.xml", Reply(handler=slow_reply))
    sources = [{"name": "slow", "type": "rss", "schedule": {"interval_minutes": 1},
                "options": {"url": f"{server.url}/slow.xml"}}]  # fmt: skip
    db_path = tmp_path / "pantau.db"
    config = write_config(default_config, tmp_path / "config.yaml", sources,
                          scheduler={"process_interval_minutes": 1, "job_timeout_seconds": 20},
                          report={"out_dir": str(tmp_path / "digests")})  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "pantau", "--config", str(config), "--db", str(db_path),
         "schedule"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        end = time.monotonic() + 20
        while not server.hits("/slow.xml"):
            assert proc.poll() is None and time.monotonic() < end, "no fetch started"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-3000:]
    runs = _runs(db_path)
    assert [r[3] for r in runs] == ["ok"], runs  # finished, not cut half-way
    conn = sqlite3.connect(db_path)
    try:
        stored = {r[0] for r in conn.execute("SELECT external_id FROM posts")}
        leases = conn.execute("SELECT count(*) FROM source_leases").fetchone()[0]
    finally:
        conn.close()
    assert stored == feed.served and len(stored) == 3
    assert leases == 0
