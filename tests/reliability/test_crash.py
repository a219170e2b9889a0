"""Crash safety: SIGKILL ``pantau run --once`` at many points, rerun, lose nothing.

Each round grows the feeds (new items, new ETag), starts ``pantau run --once``
in a subprocess and kills it with SIGKILL at a seeded, randomly chosen point:

- ``fetch``: while the server is still answering a slow feed;
- ``write``: once the posts table has grown by a random number of rows (between
  batch transactions or inside one);
- ``process``: a random delay after collection finished (analysis batches).

After every kill ``PRAGMA integrity_check`` must be ok; after a final clean run
every served item is stored exactly once and every stored post is analysed.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from storage.db import open_db
from tests.loopback import LoopbackServer, Reply
from tests.reliability import faults as F

SURVIVED: Counter[str] = Counter()

# Items per source in the first round, and how many each later round adds.
GROWTH = {"besar": (520, 40), "lambat": (5, 2), "sedang": (80, 20), "kecil": (20, 5)}
SLOW_REPLY_S = 0.6


def _count(db_path: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return -1  # a schema change or checkpoint in flight; try again
    finally:
        conn.close()


def _serve_round(server: LoopbackServer, round_no: int) -> dict[str, list[F.Item]]:
    served = {}
    for name, (first, step) in GROWTH.items():
        items = F.make_items(name, first + step * round_no)
        reply = F.RSS.good(items, etag=f"r{round_no}")
        if name == "lambat":
            reply = Reply(reply.status, reply.body, reply.headers, delay=SLOW_REPLY_S)
        server.route(F.RSS.route(name), reply)
        served[name] = items
    return served


def _start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pantau", "--config", str(config), "run", "--once"],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        cwd=F.ROOT,
        env={**os.environ, "PYTHONPATH": str(F.ROOT)},
    )


def _wait_for(proc: subprocess.Popen[bytes], condition, limit: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll until ``condition()`` holds (True) or the process ended (False)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(0.002)
    raise AssertionError("kill point never reached")


def crash_rounds(server: LoopbackServer, tmp_path: Path, kills: int, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    db_path = tmp_path / "pantau.db"
    open_db(db_path).close()
    sources = [F.RSS.source(name, server.url + F.RSS.route(name)) for name in GROWTH]
    config = F.write_config(tmp_path / "config.yaml", F.base_config(db_path, sources, bulk=True))
    log = tmp_path / "stderr.log"
    outcome: Counter[str] = Counter()
    served: dict[str, list[F.Item]] = {}
    for round_no in range(kills):
        served = _serve_round(server, round_no)
        total = sum(len(items) for items in served.values())
        stored = _count(db_path, "SELECT count(*) FROM posts")
        phase = rng.choice(("fetch", "write", "process"))
        hits_before = len(server.hits(F.RSS.route("lambat")))
        proc = _start(config, log)
        if phase == "fetch":
            reached = _wait_for(
                proc, lambda n=hits_before: len(server.hits(F.RSS.route("lambat"))) > n
            )
            time.sleep(rng.uniform(0, SLOW_REPLY_S * 0.8))
        elif phase == "write":
            target = stored + rng.randint(1, max(1, total - stored - 1))
            reached = _wait_for(
                proc, lambda n=target: _count(db_path, "SELECT count(*) FROM posts") >= n
            )
        else:
            reached = _wait_for(
                proc, lambda n=total: _count(db_path, "SELECT count(*) FROM posts") >= n
            )
            time.sleep(rng.uniform(0, 0.25))
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=30)
        outcome[phase if reached and code == -signal.SIGKILL else "finished-before-kill"] += 1
        assert F.integrity(db_path) == "ok", f"round {round_no} ({phase}): corrupted"
    # A clean rerun completes what the kills interrupted.
    proc = _start(config, log)
    assert proc.wait(timeout=120) == 0, log.read_text(errors="replace")[-2000:]
    assert F.integrity(db_path) == "ok"
    for name, items in served.items():
        ids = F.stored_ids(db_path, name)
        assert len(ids) == len(set(ids)), f"{name}: duplicates"
        assert set(ids) == {i.external_id for i in items}, f"{name}: lost items"
    unprocessed = _count(
        db_path,
        "SELECT count(*) FROM posts p LEFT JOIN analysis a ON a.post_id = p.id "
        "WHERE a.post_id IS NULL",
    )
    assert unprocessed == 0
    assert "Traceback" not in log.read_text(errors="replace")
    SURVIVED.update(outcome)
    return outcome


@pytest.mark.timeout(120)
def test_sigkill_at_seeded_points_loses_nothing(server: LoopbackServer, tmp_path: Path) -> None:
    outcome = crash_rounds(server, tmp_path, kills=8, seed=20261128)
    killed = sum(n for phase, n in outcome.items() if phase != "finished-before-kill")
    assert killed >= 6, outcome


@pytest.mark.soak
@pytest.mark.timeout(900)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_soak(server: LoopbackServer, tmp_path: Path, seed: int) -> None:
    outcome = crash_rounds(server, tmp_path, kills=25, seed=seed)
    assert sum(n for p, n in outcome.items() if p != "finished-before-kill") >= 20, outcome
