from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from click.testing import CliRunner

from pantau.cli import cli
from tests.reports.fixed import CONFIG


def _config_file(tmp_path: Path, **report) -> Path:  # type: ignore[no-untyped-def]
    data = {**CONFIG, "report": {**CONFIG["report"], **report}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _run(tmp_path: Path, *args: str, **report):  # type: ignore[no-untyped-def]
    config = _config_file(tmp_path, **report)
    return CliRunner().invoke(cli, ["--config", str(config), "--db", str(tmp_path / "fixed.db"),
                                    *args])  # fmt: skip


def test_export_csv_and_parquet_with_filters(fixed_db, tmp_path: Path) -> None:
    out = tmp_path / "dlh.parquet"
    result = _run(tmp_path, "export", "--format", "parquet", "--out", str(out), "--start",
                  "2026-11-27", "--end", "2026-11-27", "--department", "dlh")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "rows=9" in result.output
    assert len(pd.read_parquet(out)) == 9
    csv = tmp_path / "cib.csv"
    result = _run(tmp_path, "export", "--out", str(csv), "--kecamatan", "Cibinong",
                  "--kecamatan", "Ciampea", "--start", "2026-11-27")  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(csv)
    assert len(frame) == 5 and set(frame["kecamatan"]) == {"Cibinong", "Ciampea"}
    bad = _run(tmp_path, "export", "--start", "27-11-2026")
    assert bad.exit_code == 2 and "--start" in bad.output


def test_digest_for_one_department(fixed_db, tmp_path: Path) -> None:
    out = tmp_path / "dlh.md"
    result = _run(tmp_path, "digest", "--date", "2026-11-27", "--department", "dlh", "--format",
                  "md", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Dinas Lingkungan Hidup" in text and "Parungpanjang" not in text
    unknown = _run(tmp_path, "digest", "--department", "nope")
    assert unknown.exit_code == 2 and "unknown department" in unknown.output


def test_digest_writes_all_formats_with_embedded_charts(fixed_db, tmp_path: Path) -> None:
    result = _run(tmp_path, "digest", "--date", "2026-11-27", "--out", str(tmp_path / "d"))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "d" / "digest-2026-11-27.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 6 and "cid:" not in html
    assert (tmp_path / "d" / "digest-2026-11-27.txt").exists()
    assert (tmp_path / "d" / "digest-2026-11-27.md").exists()


def test_alerts_command_without_history_is_a_no_op(tmp_path: Path) -> None:
    result = _run(tmp_path, "alerts")
    assert result.exit_code == 0, result.output
    assert "spikes=0 sent=0" in result.output
    result = _run(tmp_path, "digest", "--alerts")
    assert result.exit_code == 0 and "spikes=0" in result.output


def test_alerts_command_reports_failed_sends(tmp_path: Path, monkeypatch) -> None:
    from storage.db import open_db
    from tests.reports.fixed import DAY, day_items, history_items, insert_items, local
    from tests.reports.smtp_server import free_port, smtp_server

    db = open_db(tmp_path / "fixed.db")
    insert_items(db, history_items() + day_items())
    db.close()
    monkeypatch.setattr("reports.alerts.utcnow", lambda: local(DAY, 14, 0))
    dead = free_port()  # nothing listens there: the send fails
    result = _run(tmp_path, "alerts", smtp={"host": "127.0.0.1", "port": dead, "security": "none",
                                            "username_env": None, "password_env": None,
                                            "timeout_seconds": 2})  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "failed: department=dlh today=6" in result.output
    with smtp_server(tmp_path) as (inbox, port, _):
        result = _run(tmp_path, "digest", "--alerts", smtp={"host": "127.0.0.1", "port": port,
                      "security": "none", "username_env": None, "password_env": None})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "spikes=2 sent=2" in result.output and len(inbox.messages) == 2


def test_department_digest_emailed_to_its_recipients(fixed_db, tmp_path: Path) -> None:
    from tests.reports.smtp_server import smtp_server

    with smtp_server(tmp_path) as (inbox, port, _):
        smtp = {"host": "127.0.0.1", "port": port, "security": "none", "username_env": None,
                "password_env": None}  # fmt: skip
        result = _run(tmp_path, "digest", "--date", "2026-11-27", "--department", "dlh",
                      "--out", str(tmp_path / "d"), "--email", smtp=smtp)  # fmt: skip
        assert result.exit_code == 0, result.output
        nobody = _run(tmp_path, "digest", "--date", "2026-11-27", "--department", "pupr",
                      "--out", str(tmp_path / "d"), "--email", smtp=smtp)  # fmt: skip
    assert len(inbox.messages) == 1 and inbox.envelopes[0][1] == ["dlh@bogorkab.go.id"]
    assert (tmp_path / "d" / "digest-2026-11-27-dlh.html").exists()
    assert nobody.exit_code == 1 and "department_recipients.pupr is empty" in nobody.output


def test_full_digest_email_from_cli(fixed_db, tmp_path: Path) -> None:
    from tests.reports.smtp_server import smtp_server

    with smtp_server(tmp_path) as (inbox, port, _):
        smtp = {"host": "127.0.0.1", "port": port, "security": "none", "username_env": None,
                "password_env": None}  # fmt: skip
        result = _run(tmp_path, "digest", "--date", "2026-11-27", "--out", str(tmp_path / "d"),
                      "--email", "--no-department-emails", smtp=smtp)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [e[1] for e in inbox.envelopes] == [["humas@bogorkab.go.id"]]
