"""Disk full, read-only and unusable database files: one clear line, exit 1, nothing corrupted.

Tests run as root, where ``chmod`` does not stop writes, so an unwritable
database is simulated three ways: a path whose parent is a regular file, a
connection switched to ``PRAGMA query_only`` (SQLite's "attempt to write a
readonly database"), and, when not root, a ``chmod 0444`` file. Disk full is
``PRAGMA max_page_count`` (SQLITE_FULL) on the CLI's own connection.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import storage.db
from pantau.cli import cli
from tests.loopback import LoopbackServer
from tests.reliability import faults as F

COMMANDS = [
    ["run", "--once"],
    ["collect"],
    ["process"],
    ["retag"],
    ["sources"],
    ["search", "jalan"],
    ["digest", "--date", "2026-11-27"],
]


def _invoke(config: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--config", str(config), "--log-level", "ERROR", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def _setup(server: LoopbackServer, tmp_path: Path, items: int = 40) -> tuple[Path, Path]:
    db_path = tmp_path / "pantau.db"
    server.route(F.RSS.route("umpan"), F.RSS.good(F.make_items("umpan", items), etag="1"))
    sources = [F.RSS.source("umpan", server.url + F.RSS.route("umpan"))]
    config = F.write_config(tmp_path / "config.yaml", F.base_config(db_path, sources, bulk=True))
    assert _invoke(config, "run", "--once").exit_code == 0
    return db_path, config


def _patch_open(monkeypatch: pytest.MonkeyPatch, after_open: Callable[[Any], None]) -> None:
    real = storage.db.open_db

    def patched(*args: Any, **kwargs: Any) -> Any:
        db = real(*args, **kwargs)
        after_open(db)
        return db

    monkeypatch.setattr(storage.db, "open_db", patched)


def _grow_feed(server: LoopbackServer, count: int) -> None:
    big = [
        F.Item(i.external_id, i.title, i.text * 10, i.author, i.published)
        for i in F.make_items("umpan", count)
    ]
    server.route(F.RSS.route("umpan"), F.RSS.good(big, etag="2"))


def test_disk_full_is_one_line_and_exit_1(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path, config = _setup(server, tmp_path)
    before = F.snapshot(db_path)
    _grow_feed(server, 300)

    def cap(db: Any) -> None:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + 8}")

    _patch_open(monkeypatch, cap)
    result = _invoke(config, "run", "--once")
    assert result.exit_code == 1, result.output
    lines = _error_lines(result.stderr)
    assert len(lines) == 1 and "full" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    monkeypatch.undo()
    assert F.integrity(db_path) == "ok"
    after = F.snapshot(db_path)
    assert all(after["posts"][k] == v for k, v in before["posts"].items())
    assert after["cursors"] == before["cursors"]
    # With space again, the next run stores everything.
    assert _invoke(config, "run", "--once").exit_code == 0
    assert len(F.stored_ids(db_path, "umpan")) == 300


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_read_only_database_is_one_line_and_exit_1(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    db_path, config = _setup(server, tmp_path)
    _grow_feed(server, 60)
    before = F.snapshot(db_path)
    _patch_open(monkeypatch, lambda db: db.execute("PRAGMA query_only = ON"))
    result = _invoke(config, *command)
    writes = command[0] in ("run", "collect", "retag")
    if writes:
        assert result.exit_code == 1, result.output
        lines = _error_lines(result.stderr)
        assert len(lines) == 1 and "readonly" in lines[0], result.stderr
    else:
        assert result.exit_code == 0, result.output  # reading needs no write access
    assert "Traceback" not in result.stderr
    monkeypatch.undo()
    assert F.integrity(db_path) == "ok"
    assert F.snapshot(db_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_chmod_read_only_file(server: LoopbackServer, tmp_path: Path) -> None:
    db_path, config = _setup(server, tmp_path)
    _grow_feed(server, 60)
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db_path}{suffix}")
        if path.exists():
            path.chmod(0o444)
    result = _invoke(config, "run", "--once")
    assert result.exit_code == 1 and len(_error_lines(result.stderr)) == 1


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("damage", ["parent_is_a_file", "path_is_a_directory", "not_a_database"])
def test_unusable_database_path(tmp_path: Path, command: list[str], damage: str) -> None:
    blocker = tmp_path / "blocker"
    if damage == "parent_is_a_file":
        blocker.write_text("I am a file")
        db_path = blocker / "pantau.db"
    elif damage == "path_is_a_directory":
        db_path = tmp_path / "dir.db"
        db_path.mkdir()
    else:
        db_path = tmp_path / "garbage.db"
        db_path.write_bytes(b"this is not an sqlite file" * 100)
    original = db_path.read_bytes() if db_path.is_file() else None
    config = F.write_config(tmp_path / "config.yaml", F.base_config(db_path, []))
    result = _invoke(config, *command)
    assert result.exit_code == 1, result.output
    lines = _error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert str(db_path) in lines[0] or "database" in lines[0]
    assert "Traceback" not in result.stderr
    if original is not None:
        assert db_path.read_bytes() == original, "the unusable file was modified"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_damaged_pages_are_one_line(
    server: LoopbackServer, tmp_path: Path, command: list[str]
) -> None:
    """A file whose header is fine but whose pages are garbage ("disk image is malformed")."""
    db_path, config = _setup(server, tmp_path, items=300)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    for start in range(page * 2, len(data), page * 2):  # every other page after the first two
        data[start : start + page] = b"\xa5" * page
    db_path.write_bytes(bytes(data))
    result = _invoke(config, *command)
    assert "Traceback" not in result.stderr
    assert result.exit_code == 1, result.output
    lines = _error_lines(result.stderr)
    assert len(lines) == 1 and "malformed" in lines[0] and "backup" in lines[0], result.stderr
