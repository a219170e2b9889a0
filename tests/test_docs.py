"""Every CLI command has help text with an example and is documented in the README."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pantau.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_has_help_and_is_in_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output, f"{name} help has no example"
    assert f"pantau {name}" in README, f"README does not mention `pantau {name}`"


def test_readme_quick_start_is_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [
        line.split("#")[0].strip()
        for line in quick.splitlines()
        if line.strip() and not line.startswith("sh")
    ]
    assert commands == ["make demo", "make test"]
