"""`pantau doctor`: healthy installs pass, broken ones exit 1 with the reason."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pantau.cli import cli
from pantau.config import Config
from storage.db import open_db
from tests.loopback import LoopbackServer, Reply
from tests.ops.feeds import LiveFeed, write_config


def _doctor(config: Path, db_path: Path) -> tuple[int, dict[str, dict[str, str]], str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", str(db_path), "doctor",
                                      "--json"])  # fmt: skip
    findings = {f["check"]: f for f in json.loads(result.stdout)}
    return result.exit_code, findings, result.output


def test_healthy_install_passes(tmp_path: Path, server: LoopbackServer,
                                default_config: Config) -> None:  # fmt: skip
    server.route("/f.xml", LiveFeed("f").as_reply())
    config = write_config(default_config, tmp_path / "c.yaml",
                          [{"name": "f", "type": "rss", "options": {"url": f"{server.url}/f.xml"}}])  # fmt: skip
    db_path = tmp_path / "pantau.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config), "--db", str(db_path), "run",
                               "--once"]).exit_code == 0  # fmt: skip
    code, findings, _ = _doctor(config, db_path)
    assert code == 0, findings
    assert findings["integrity"]["level"] == "ok"
    assert "m002_ops_leases_state_aggregates" in findings["schema"]["detail"]
    assert findings["source f"]["level"] == "ok" and "reachable" in findings["source f"]["detail"]
    assert findings["disk"]["detail"].startswith("database ")
    plain = runner.invoke(cli, ["--config", str(config), "--db", str(db_path), "doctor"])
    assert plain.exit_code == 0 and "ok    integrity" in plain.output


def test_source_failing_again_and_again_fails(
    tmp_path: Path, server: LoopbackServer, default_config: Config
) -> None:
    server.route("/down.xml", Reply(503, b"down"))
    sources = [{"name": "down", "type": "rss", "options": {"url": f"{server.url}/down.xml"}}]
    config = write_config(default_config, tmp_path / "c.yaml", sources)
    db_path = tmp_path / "pantau.db"
    runner = CliRunner()
    for _ in range(3):
        runner.invoke(cli, ["--config", str(config), "--db", str(db_path), "run", "--once",
                            "--force"])  # fmt: skip
    code, findings, output = _doctor(config, db_path)
    assert code == 1
    assert findings["source down"]["level"] == "fail"
    assert "3 failures in a row" in findings["source down"]["detail"]
    assert "1 problem(s) found" in output


def test_missing_and_corrupt_database_fail(tmp_path: Path, default_config: Config) -> None:
    config = write_config(default_config, tmp_path / "c.yaml", [])
    code, findings, _ = _doctor(config, tmp_path / "absent.db")
    assert code == 1 and findings["database"]["level"] == "fail"
    assert not (tmp_path / "absent.db").exists()  # doctor never creates a database
    broken = tmp_path / "broken.db"
    db = open_db(broken)
    db.close()
    data = bytearray(broken.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # garble the schema page
    broken.write_bytes(bytes(data))
    code, findings, _ = _doctor(config, broken)
    assert code == 1
    assert any(f["level"] == "fail" for f in findings.values())
