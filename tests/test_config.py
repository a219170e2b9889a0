"""config.yaml validation: one line naming file, key path and what is expected."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from collectors import validate_sources
from pantau.cli import cli
from pantau.config import load_config
from pantau.errors import ConfigError
from tests.conftest import ROOT

DESIGN_CODES = (
    "disdik dinkes rsud pupr dpkpp dishub dlh disdukcapil diskominfo bpbd satpolpp dinsos disnaker "
    "dpmptsp bapenda tirta_kahuripan damkar disbudpar dispora dpmd diskanak distanhorbun disdagin "
    "diskopukm dp3a setda_pimpinan dprd"
).split()


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_default_config_loads_with_every_design_department() -> None:
    config = load_config(ROOT / "config.yaml")
    validate_sources(list(config.sources), "config.yaml")
    assert set(DESIGN_CODES) <= set(config.departments)
    for code in DESIGN_CODES:
        dept = config.departments[code]
        assert dept.name and dept.aliases and (dept.keywords or dept.topics), code
    kinds = {s.type for s in config.sources}
    assert {"rss", "google_news"} <= kinds


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"timezone": 7}, "timezone"),
        ({"timezone": "Mars/Olympus"}, "timezone: expected an IANA time zone"),
        ({"http": {"timeout_seconds": "soon"}}, "http.timeout_seconds: expected"),
        ({"databse": "x.db"}, "databse: unknown key"),
        ({"sources": [{"type": "rss"}]}, "sources[0].name: required key is missing"),
        ({"sources": [{"name": "a", "type": "rss", "enabled": "maybe"}]}, "sources[0].enabled"),
        (
            {"sources": [{"name": "a", "type": "rss", "schedule": {"cron": "bad"}}]},
            "sources[0].schedule.cron",
        ),
        ({"report": {"hour": 25}}, "report.hour"),
        ({"report": {"formats": ["pdf"]}}, "report.formats[0]"),
        (
            {"departments": {"pupr": {"aliases": ["pupr"]}}},
            "departments.pupr.name: required key is missing",
        ),
        ({"departments": {"PUPR!": {"name": "x"}}}, "departments"),
        ([1, 2], "expected a mapping"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path: Path, data: object, expected: str) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(str(path) + ": ")
    assert expected in message
    assert "\n" not in message


def test_unknown_collector_type_lists_known_types(tmp_path: Path) -> None:
    path = _write(tmp_path, {"sources": [{"name": "a", "type": "telepathy"}]})
    config = load_config(path)
    with pytest.raises(
        ConfigError, match=r"unknown collector type 'telepathy' \(known types: .*google_news.*rss"
    ):
        validate_sources(list(config.sources), str(path))


def test_bad_collector_option_names_the_option(tmp_path: Path) -> None:
    path = _write(tmp_path, {"sources": [{"name": "a", "type": "rss", "options": {"uri": "x"}}]})
    config = load_config(path)
    with pytest.raises(ConfigError, match=r"sources\[a\]\.options\.uri: unknown option"):
        validate_sources(list(config.sources), str(path))


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("database: x\nsources: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.yaml: line \d+"):
        load_config(path)


def test_cli_bad_config_exits_1_with_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, {"sources": [{"name": "a", "type": "rss", "options": {"url": 5}}]})
    result = CliRunner().invoke(cli, ["--config", str(path), "run", "--once"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "options.url" in lines[0]
    assert "Traceback" not in result.output


def test_cli_missing_config_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.yaml"), "sources"])
    assert result.exit_code == 1
    assert "file not found" in result.stderr


def test_usage_error_exits_2() -> None:
    result = CliRunner().invoke(cli, ["digest", "--date", "28-11-2026"])
    assert result.exit_code == 2
