from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pantau.cli import cli


def test_demo_writes_digest_with_departments(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", "config.yaml", "demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    html = path.read_text(encoding="utf-8")
    assert html.count('class="dinas"') >= 12
    # The demo also runs the real X, Reddit and news-site collectors against its server.
    import sqlite3

    with sqlite3.connect(tmp_path / "pantau-demo.db") as conn:
        kinds = dict(conn.execute("SELECT kind, count(*) FROM posts GROUP BY kind").fetchall())
    assert kinds["x"] == 4 and kinds["reddit"] == 4 and kinds["news"] == 3
    assert "x.com/warga_cileungsi/status/1950000000000000010" in html
