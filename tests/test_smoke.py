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
