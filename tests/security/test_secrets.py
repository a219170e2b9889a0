"""Secrets never leave the environment: not in logs, ``runs``, errors or command output.

Known secret values are set in the environment; sources then fail in ways that
put URLs into error messages (one feed URL even carries the secret in its query
string, as a careless operator might paste it). Every command's stdout and
stderr at DEBUG level, the log file and every text column of the database are
searched for the values. Adding a command (``pantau doctor``) is one line in
:data:`COMMANDS`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pantau.cli import cli
from pantau.logs import redact
from tests.loopback import LoopbackServer, Reply
from tests.reliability import faults as F

SECRETS = {
    "X_BEARER_TOKEN": "AAAAbearer-RAHASIA-x-7f3a9c",
    "REDDIT_CLIENT_ID": "reddit-id-RAHASIA-1b2c",
    "REDDIT_CLIENT_SECRET": "reddit-RAHASIA-secret-9d8e",
    "SMTP_USERNAME": "humas-smtp-user",
    "SMTP_PASSWORD": "smtp-RAHASIA-pass-4k5l",
}
# The values that must never appear (usernames are not secret).
NEVER = [v for k, v in SECRETS.items() if k not in ("SMTP_USERNAME", "REDDIT_CLIENT_ID")]

# (command line, exit codes accepted). `pantau doctor` goes here once it exists.
COMMANDS: list[tuple[list[str], set[int]]] = [
    (["run", "--once"], {3}),
    (["collect", "--force"], {3}),  # the failing sources are in backoff after the first run
    (["sources"], {0}),
    (["sources", "--json"], {0}),
    (["search", "RAHASIA"], {0}),
    (["digest", "--date", "2026-11-27", "--format", "txt", "--email"], {1}),
    (["doctor"], {0, 1, 3}),
]


@pytest.fixture
def leaky_setup(server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    token = SECRETS["X_BEARER_TOKEN"]
    server.route(F.RSS.route("baik"), F.RSS.good(F.make_items("baik", 3)))
    server.route("/kunci", Reply(500, f"error for key {token}".encode()))
    server.route("/batas", Reply(429, b"", {"Retry-After": "60"}))
    server.route("/putar", Reply(302, b"", {"Location": f"/putar?key={token}"}))
    sources = [
        F.RSS.source("baik", server.url + F.RSS.route("baik")),
        F.RSS.source("dengan-kunci", f"{server.url}/kunci?apikey={token}"),
        F.RSS.source("terbatas", f"{server.url}/batas?token={token}"),
        F.RSS.source("berputar", f"{server.url}/putar?key={token}"),
        F.RSS.source("mati", f"http://127.0.0.1:9/feed?secret={token}"),  # nothing listens
    ]
    data = F.base_config(tmp_path / "pantau.db", sources)
    data["report"]["recipients"] = ["humas@bogorkab.go.id"]
    data["report"]["smtp"] = {"host": "127.0.0.1", "port": 9, "security": "none"}
    return F.write_config(tmp_path / "config.yaml", data)


def _assert_clean(text: str, where: str) -> None:
    for secret in NEVER:
        assert secret not in text, f"secret leaked in {where}"
        assert secret[:12] not in text, f"part of a secret leaked in {where}"


def test_secrets_never_leak(leaky_setup: Path, tmp_path: Path) -> None:
    config = leaky_setup
    log_file = tmp_path / "pantau.log"
    ran = 0
    for args, codes in COMMANDS:
        if args[0] not in cli.commands:  # type: ignore[attr-defined]
            continue
        result = CliRunner().invoke(
            cli,
            ["--config", str(config), "--log-level", "DEBUG", "--log-file", str(log_file), *args],
        )
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code in codes, (args, result.output)
        _assert_clean(result.stdout, f"stdout of {args}")
        _assert_clean(result.stderr, f"stderr of {args}")
        assert "Traceback" not in result.stderr
        ran += 1
    assert ran >= 6
    _assert_clean(log_file.read_text(encoding="utf-8"), "the log file")
    conn = sqlite3.connect(tmp_path / "pantau.db")
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        for row in conn.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the schema
            _assert_clean(" ".join(str(v) for v in row), f"table {table}")
    errors = [r[0] for r in conn.execute("SELECT error FROM runs WHERE error IS NOT NULL")]
    conn.close()
    assert len(errors) >= 4  # the failures really happened and were recorded


def test_redact_replaces_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    text = " ".join(SECRETS.values())
    cleaned = redact(text)
    for secret in NEVER:
        assert secret not in cleaned
    assert cleaned.count("***") >= len(NEVER)


def test_collector_errors_never_contain_query_strings(server: LoopbackServer) -> None:
    from collectors.http import fetch
    from pantau.config import HttpConfig
    from pantau.errors import CollectorError

    secret = SECRETS["REDDIT_CLIENT_SECRET"]
    for url in (f"http://127.0.0.1:9/x?client_secret={secret}", f"{server.url}/none?k={secret}"):
        with pytest.raises(CollectorError) as info:
            fetch(url, http=HttpConfig(timeout_seconds=1), source="uji")
        assert secret not in str(info.value)
