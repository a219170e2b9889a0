"""The operations commands are documented: help text with an example, README section."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pantau.cli import cli
from tests.conftest import ROOT


@pytest.mark.parametrize("command", ["schedule", "backup", "prune", "doctor"])
def test_ops_command_has_help_and_readme_entry(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: pantau" in result.output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pantau {command}" in readme


def test_run_once_documents_force() -> None:
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "--force" in result.output and "backoff" in result.output


def test_deploy_files_reference_real_commands() -> None:
    unit = (ROOT / "deploy" / "pantau.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/pantau/.venv/bin/pantau" in unit and " schedule" in unit
    for key in ("User=pantau", "Restart=on-failure", "EnvironmentFile=", "WorkingDirectory="):
        assert key in unit
    cron = (ROOT / "deploy" / "pantau.cron").read_text(encoding="utf-8")
    assert "run --once" in cron and "backup" in cron and "prune --older-than" in cron
    env = (ROOT / "deploy" / "pantau.env.example").read_text(encoding="utf-8")
    values = [line.split("=", 1)[1] for line in env.splitlines()
              if line and not line.startswith("#")]  # fmt: skip
    assert values and all(v == "" for v in values)  # an example never carries a secret
