"""``privacy.hash_authors``: author handles are stored only as pseudonyms, end to end."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pantau.cli import cli
from storage.posts import hash_author
from tests.loopback import LoopbackServer
from tests.reliability import faults as F


def _run(server: LoopbackServer, tmp_path: Path, hash_authors: bool) -> Path:
    items = F.make_items("privasi", 14)
    server.route(F.RSS.route("umpan"), F.RSS.good(items))
    sources = [F.RSS.source("umpan", server.url + F.RSS.route("umpan"))]
    data = F.base_config(tmp_path / "pantau.db", sources)
    data["privacy"] = {"hash_authors": hash_authors}
    config = F.write_config(tmp_path / "config.yaml", data)
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 0, result.output
    return tmp_path / "pantau.db"


def _all_bytes(db_path: Path) -> bytes:
    F.rows(db_path, "SELECT 1")
    data = b""
    for suffix in ("", "-wal"):
        path = Path(f"{db_path}{suffix}")
        if path.exists():
            data += path.read_bytes()
    return data


def test_hash_authors_stores_no_handle_anywhere(server: LoopbackServer, tmp_path: Path) -> None:
    db_path = _run(server, tmp_path, hash_authors=True)
    handles = {i.author for i in F.make_items("privasi", 14)}
    authors = {r[0] for r in F.rows(db_path, "SELECT author FROM posts")}
    assert authors == {hash_author(h) for h in handles}
    assert all(a.startswith("anon:") for a in authors)
    raw = _all_bytes(db_path)
    for handle in handles:
        assert handle.encode() not in raw, f"{handle} stored in clear"
    # Pseudonyms are stable: the same author always maps to the same value.
    assert hash_author("penulis1@privasi") == hash_author("penulis1@privasi")


def test_without_the_option_handles_are_kept(server: LoopbackServer, tmp_path: Path) -> None:
    db_path = _run(server, tmp_path, hash_authors=False)
    authors = {r[0] for r in F.rows(db_path, "SELECT author FROM posts")}
    assert "penulis1@privasi" in authors
