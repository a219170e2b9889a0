"""Backoff and adaptive polling: the pure policy, and cron runs honouring the stored state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pantau.cli import cli
from pantau.config import Config, SchedulerConfig, SourceConfig
from pantau.polling import MAX_FACTOR, MIN_FACTOR, SourceState, adapt_factor, next_state
from storage.db import open_db
from storage.state import get_state
from tests.loopback import LoopbackServer, Reply
from tests.ops.feeds import LiveFeed, write_config

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
FEED = SourceConfig(name="feed", type="rss", schedule={"interval_minutes": 10})
SCHED = SchedulerConfig(backoff_max_minutes=60)


def _after(state: SourceState, status: str, fetched: int = 0, new: int = 0,
           **kw: object) -> SourceState:  # fmt: skip
    return next_state(state, FEED, SCHED, status=status, fetched=fetched, new=new, now=NOW, **kw)  # type: ignore[arg-type]


def test_consecutive_errors_double_the_wait_up_to_the_cap() -> None:
    state = SourceState("feed")
    waits = []
    for _ in range(5):
        state = _after(state, "error")
        waits.append(state.backoff_until - NOW)  # type: ignore[operator]
    assert waits == [timedelta(minutes=m) for m in (20, 40, 60, 60, 60)]
    assert state.consecutive_errors == 5 and state.in_backoff(NOW)
    ok = _after(state, "ok", fetched=3, new=1)
    assert ok.consecutive_errors == 0 and ok.backoff_until is None and not ok.in_backoff(NOW)
    assert ok.last_success_at == NOW


def test_rate_limit_waits_at_least_until_reset() -> None:
    reset = NOW + timedelta(hours=3)
    state = _after(SourceState("feed"), "rate_limited", rate_limit_reset=reset)
    assert state.backoff_until == reset


def test_busy_and_skipped_leave_backoff_alone() -> None:
    failing = _after(SourceState("feed"), "error")
    for status in ("busy", "skipped", "backoff"):
        same = _after(failing, status)
        assert same.consecutive_errors == 1 and same.backoff_until == failing.backoff_until


def test_interval_shortens_when_most_items_are_new_and_lengthens_when_quiet() -> None:
    busy = _after(SourceState("feed"), "ok", fetched=10, new=9)
    assert busy.interval_factor < 1 and busy.next_run_at == NOW + timedelta(minutes=7.5)
    quiet = _after(SourceState("feed"), "ok", fetched=10, new=0)
    assert quiet.interval_factor > 1 and quiet.next_run_at == NOW + timedelta(minutes=15)
    unchanged = _after(SourceState("feed"), "ok", fetched=0, new=0)  # 304 Not Modified
    assert unchanged.interval_factor > 1


def test_adaptive_polling_can_be_switched_off() -> None:
    off = SchedulerConfig(adaptive_polling=False)
    state = next_state(SourceState("feed"), FEED, off, status="ok", fetched=10, new=10, now=NOW)
    assert state.interval_factor == 1.0


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=60))
def test_adaptive_factor_stays_within_bounds(runs: list[tuple[int, int]]) -> None:
    factor = 1.0
    for fetched, new in runs:
        factor = adapt_factor(factor, fetched, min(new, fetched))
        assert MIN_FACTOR <= factor <= MAX_FACTOR


def test_cron_run_skips_a_source_in_backoff_unless_forced(
    tmp_path: Path, server: LoopbackServer, default_config: Config
) -> None:
    feed = LiveFeed("good")
    server.route("/good.xml", feed.as_reply())
    server.route("/bad.xml", Reply(500, b"down"), Reply(500, b"down"), feed.as_reply())
    sources = [
        {"name": "good", "type": "rss", "options": {"url": f"{server.url}/good.xml"}},
        {"name": "bad", "type": "rss", "options": {"url": f"{server.url}/bad.xml"}},
    ]
    config = write_config(default_config, tmp_path / "c.yaml", sources)
    db_path = tmp_path / "pantau.db"
    base = ["--config", str(config), "--db", str(db_path)]
    runner = CliRunner()

    first = runner.invoke(cli, [*base, "run", "--once"])
    assert first.exit_code == 3, first.output  # bad failed, good stored
    second = runner.invoke(cli, [*base, "run", "--once"])
    assert second.exit_code == 0, second.output  # bad is in backoff: skipped, not failed
    assert len(server.hits("/bad.xml")) == 1
    db = open_db(db_path)
    state = get_state(db, "bad")
    db.close()
    assert state.consecutive_errors == 1 and state.backoff_until is not None

    shown = runner.invoke(cli, [*base, "sources", "--json"])
    rows = {r["name"]: r for r in json.loads(shown.stdout)}
    assert rows["bad"]["consecutive_errors"] == 1
    assert rows["bad"]["backoff"].startswith("1 errors, until ")
    assert rows["good"]["backoff"] == "-" and rows["good"]["next_run"] is not None
    assert rows["good"]["interval_factor"] < 1  # everything was new
    table = runner.invoke(cli, [*base, "sources"])
    assert "next_run" in table.output and "backoff" in table.output

    forced = runner.invoke(cli, [*base, "run", "--once", "--force", "--source", "bad"])
    assert forced.exit_code == 3  # still failing: error, counted
    assert len(server.hits("/bad.xml")) == 2
    healed = runner.invoke(cli, [*base, "run", "--once", "--force", "--source", "bad"])
    assert healed.exit_code == 0, healed.output
    db = open_db(db_path)
    state = get_state(db, "bad")
    db.close()
    assert state.consecutive_errors == 0 and state.backoff_until is None
