"""`pantau collect` / `--load` / `sources` against loopback servers configured through YAML."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner

from pantau.cli import cli
from pantau.config import ScheduleConfig
from pantau.health import next_cron, next_run
from tests.collectors import test_reddit as reddit_case
from tests.collectors import test_x as x_case
from tests.conftest import FIXTURES
from tests.loopback import Reply

WIB = ZoneInfo("Asia/Jakarta")


def write_config(tmp_path: Path, sources: list[dict]) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": "pantau.db", "sources": sources}), encoding="utf-8")
    return path


def invoke(config: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=env or {})


def stored(config: Path, source: str) -> list[str]:
    with sqlite3.connect(config.parent / "pantau.db") as conn:
        rows = conn.execute("SELECT external_id FROM posts WHERE source = ? ORDER BY external_id",
                            [source]).fetchall()  # fmt: skip
    return [r[0] for r in rows]


def test_x_through_config_stores_exactly_the_served_posts_once(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route(x_case.ROUTE, Reply(handler=x_case.x_api))
    config = write_config(tmp_path, [{"name": "x-bogor", "type": "x", "options": {
        "keywords": ["Kabupaten Bogor"], "base_url": server.url}}])  # fmt: skip
    env = {"X_BEARER_TOKEN": x_case.TOKEN}
    first = invoke(config, "collect", "--source", "x-bogor", env=env)
    assert first.exit_code == 0, first.output
    assert "fetched=3 new=3 failed=0" in first.stdout
    second = invoke(config, "collect", "--source", "x-bogor", env=env)
    assert "fetched=0 new=0 failed=0" in second.stdout
    assert stored(config, "x-bogor") == ["1862000000000000001", "1862000000000000002",
                                         "1862000000000000003"]  # fmt: skip
    assert x_case.TOKEN not in first.output + second.output


def test_reddit_through_config_stores_exactly_the_served_posts_once(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reddit_case.serve_reddit(server)
    config = write_config(tmp_path, [{"name": "reddit-bogor", "type": "reddit",
                                      "options": reddit_case.options(server.url)}])  # fmt: skip
    first = invoke(config, "collect", "--source", "reddit-bogor", env=reddit_case.ENV)
    assert first.exit_code == 0, first.output
    assert "fetched=3 new=3 failed=0" in first.stdout
    second = invoke(config, "collect", "--source", "reddit-bogor", env=reddit_case.ENV)
    assert "new=0 failed=0" in second.stdout
    assert stored(config, "reddit-bogor") == ["t3_1h09xx", "t3_1h0a9z", "t3_1h0b3c"]


def test_missing_credentials_skip_without_failing_the_run(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("/feed.xml", Reply(200, "<rss version='2.0'><channel><title>t</title><item>"
                                    "<guid>a1</guid><title>Banjir di Cibinong</title></item>"
                                    "</channel></rss>", {"Content-Type": "application/rss+xml"}))  # fmt: skip
    config = write_config(tmp_path, [
        {"name": "x-bogor", "type": "x", "options": {"query": "bogor", "base_url": server.url}},
        {"name": "feed", "type": "rss", "options": {"url": f"{server.url}/feed.xml"}},
    ])  # fmt: skip
    result = invoke(config, "collect")
    assert result.exit_code == 0, result.output
    assert "new=1 failed=0" in result.stdout
    assert "missing environment variable(s) X_BEARER_TOKEN; source skipped" in result.stderr
    assert not server.hits(x_case.ROUTE)


@pytest.mark.parametrize(
    ("source", "payload", "expected"),
    [
        ({"name": "x-bogor", "type": "x", "options": {"query": "bogor"}},
         FIXTURES / "x" / "search_recent_page1.json", 2),
        ({"name": "reddit-bogor", "type": "reddit", "options": {"subreddits": ["bogor"]}},
         FIXTURES / "reddit" / "bogor_new_page1.json", 2),
        ({"name": "warta", "type": "news", "options": {"site": "Warta Bogor",
          "start_urls": ["https://wartabogor.example/"], "article_pattern": "/berita/"}},
         FIXTURES / "news" / "article_1.html", 1),
    ],
)  # fmt: skip
def test_collect_load_replays_offline(tmp_path, source, payload, expected) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, [source])
    first = invoke(config, "collect", "--source", source["name"], "--load", str(payload))
    assert first.exit_code == 0, first.output
    assert f"loaded={expected} new={expected}" in first.stdout
    again = invoke(config, "collect", "--source", source["name"], "--load", str(payload))
    assert f"loaded={expected} new=0" in again.stdout
    assert len(stored(config, source["name"])) == expected


def test_sources_shows_health_and_next_run(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route(x_case.ROUTE, Reply(429, "{}", {"x-rate-limit-reset": "4102444800"}))
    config = write_config(tmp_path, [
        {"name": "x-bogor", "type": "x", "schedule": {"interval_minutes": 15},
         "options": {"query": "bogor", "base_url": server.url}},
        {"name": "reddit-bogor", "type": "reddit", "schedule": {"cron": "0 7 * * 1"},
         "options": {"subreddits": ["bogor"]}},
        {"name": "off", "type": "rss", "enabled": False, "options": {"url": "http://127.0.0.1:9/"}},
    ])  # fmt: skip
    env = {"X_BEARER_TOKEN": x_case.TOKEN}
    assert invoke(config, "collect", "--source", "x-bogor", env=env).exit_code == 3
    result = invoke(config, "sources", "--json", env=env)
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    x = rows["x-bogor"]
    assert x["credentials"] == "ok" and x["status"] == "rate_limited"
    assert x["next_run"] == "2100-01-01T00:00:00+00:00"  # not before the rate-limit reset
    assert "HTTP 429" in x["last_error"] and x_case.TOKEN not in result.stdout
    assert rows["reddit-bogor"]["credentials"] == "missing: REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET"
    assert rows["reddit-bogor"]["status"] == "never run"
    assert rows["off"]["next_run"] == "disabled"
    table = invoke(config, "sources", env=env)
    assert table.exit_code == 0 and "next_run" in table.stdout and "x-bogor" in table.stdout


def test_next_run_from_schedule_and_last_run() -> None:
    last = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    now = datetime(2026, 11, 27, 1, 5, tzinfo=UTC)
    assert next_run(ScheduleConfig(interval_minutes=30), last, tz=WIB, now=now) == datetime(
        2026, 11, 27, 1, 30, tzinfo=UTC
    )
    assert next_run(ScheduleConfig(interval_minutes=30), None, tz=WIB, now=now) == now
    # Monday 07:00 WIB after Friday 27 Nov 2026 -> Monday 30 Nov, 00:00 UTC.
    assert next_run(ScheduleConfig(cron="0 7 * * 1"), last, tz=WIB, now=now) == datetime(
        2026, 11, 30, 0, 0, tzinfo=UTC
    )
    assert next_cron("*/20 6-8 * * *", last, WIB) == datetime(2026, 11, 27, 1, 20, tzinfo=UTC)
    assert next_cron("0 0 1 1 *", last, WIB) == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert next_cron("0 9 31 2 *", last, WIB) is None  # never fires
    reset = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    assert next_run(ScheduleConfig(interval_minutes=30), last, tz=WIB, reset_at=reset) == reset


@pytest.mark.parametrize("command", ["sources", "collect"])
def test_source_commands_documented(command: str) -> None:
    from tests.conftest import ROOT

    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "Example: pantau" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pantau {command}" in readme
    for name in ("X_BEARER_TOKEN", "REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "article_pattern"):
        assert name in readme
