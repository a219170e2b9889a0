"""One run end to end against loopback feeds: idempotency, cursors, runs, partial failure."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from pantau.cli import cli
from pantau.pipeline import run_once
from storage.db import open_db
from tests.conftest import FIXTURES, ROOT, make_config
from tests.loopback import LoopbackServer, Reply

FEED = (FIXTURES / "rss" / "kabar_bogor.xml").read_bytes()
GNEWS = (FIXTURES / "rss" / "gnews.xml").read_bytes()


def _config_file(tmp_path: Path, server: LoopbackServer, extra_sources: list | None = None) -> Path:
    base = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    base["database"] = str(tmp_path / "pantau.db")
    base["report"]["out_dir"] = str(tmp_path / "digests")
    base["sources"] = [
        {"name": "kabar", "type": "rss", "options": {"url": server.url + "/kabar.xml"}},
        {"name": "gnews", "type": "google_news",
         "options": {"query": "Kabupaten Bogor", "base_url": server.url + "/gnews"}},
    ] + (extra_sources or [])  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


def _serve(server: LoopbackServer) -> None:
    server.route("/kabar.xml", Reply(200, FEED, {"ETag": '"k1"'}))
    server.route("/gnews", Reply(200, GNEWS, {"Last-Modified": "Fri, 27 Nov 2026 05:00:00 GMT"}))


def test_run_once_twice_stores_each_item_once(tmp_path: Path, server: LoopbackServer) -> None:
    _serve(server)
    config = _config_file(tmp_path, server)
    runner = CliRunner()
    first = runner.invoke(cli, ["--config", str(config), "run", "--once"])
    assert first.exit_code == 0, first.output
    assert "new=5" in first.stdout
    second = runner.invoke(cli, ["--config", str(config), "run", "--once"])
    assert second.exit_code == 0, second.output
    assert "new=0" in second.stdout
    db = open_db(tmp_path / "pantau.db")
    assert db.execute("select count(*) from posts").fetchone()[0] == 5
    assert db.execute("select count(*) from analysis").fetchone()[0] == 5
    runs = db.execute("select source, status, fetched, new from runs order by id").fetchall()
    assert runs == [
        ("kabar", "ok", 3, 3), ("gnews", "ok", 2, 2), ("kabar", "ok", 0, 0), ("gnews", "ok", 2, 0),
    ]  # fmt: skip
    # The second run asked conditionally: the ETag source answered 304.
    kabar = server.hits("/kabar.xml")
    assert kabar[1].headers.get("If-None-Match") == '"k1"'
    gnews = server.hits("/gnews")
    assert gnews[1].headers.get("If-Modified-Since") == "Fri, 27 Nov 2026 05:00:00 GMT"
    cursor = db.execute("select cursor from cursors where source = 'kabar'").fetchone()[0]
    assert json.loads(cursor) == {"etag": '"k1"'}


def test_failing_source_does_not_stop_others_and_exits_3(
    tmp_path: Path, server: LoopbackServer
) -> None:
    _serve(server)
    server.route("/down.xml", Reply(500, b"error"))
    config = _config_file(
        tmp_path,
        server,
        [{"name": "down", "type": "rss", "options": {"url": server.url + "/down.xml"}}],
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 3
    assert "down: error: HTTP 500" in result.stderr
    db = open_db(tmp_path / "pantau.db")
    assert db.execute("select count(*) from posts").fetchone()[0] == 5
    row = db.execute("select status, error from runs where source = 'down'").fetchone()
    assert row[0] == "error" and "HTTP 500" in row[1]
    assert db.execute("select count(*) from cursors where source = 'down'").fetchone()[0] == 0


def test_error_after_success_keeps_posts_and_cursor(
    tmp_path: Path, server: LoopbackServer, default_config
) -> None:  # type: ignore[no-untyped-def]
    server.route("/kabar.xml", Reply(200, FEED, {"ETag": '"k1"'}), Reply(500, b"boom"))
    config = make_config(
        default_config,
        [{"name": "kabar", "type": "rss", "options": {"url": server.url + "/kabar.xml"}}],
    )
    db = open_db(tmp_path / "p.db")
    run_once(db, config)
    before = db.execute(
        "select id, source, external_id, title, text from posts order by id"
    ).fetchall()
    cursor = db.execute("select cursor from cursors").fetchall()
    summary = run_once(db, config)
    assert [r.status for r in summary.results] == ["error"]
    assert (
        db.execute("select id, source, external_id, title, text from posts order by id").fetchall()
        == before
    )
    assert db.execute("select cursor from cursors").fetchall() == cursor


def test_kota_bogor_item_is_stored_but_not_relevant(
    tmp_path: Path, server: LoopbackServer, default_config
) -> None:  # type: ignore[no-untyped-def]
    _serve(server)
    config = make_config(
        default_config,
        [{"name": "kabar", "type": "rss", "options": {"url": server.url + "/kabar.xml"}}],
    )
    db = open_db(tmp_path / "p.db")
    run_once(db, config)
    rows = dict(
        db.execute(
            "select p.external_id, a.relevant from posts p join analysis a on a.post_id = p.id"
        ).fetchall()
    )
    assert rows == {"kabar-1": 1, "kabar-2": 1, "kabar-3": 0}
    tags = db.execute(
        "select d.department from post_departments d join posts p on p.id = d.post_id "
        "where p.external_id = 'kabar-2'"
    ).fetchall()
    assert ("bpbd",) in tags


def test_missing_credentials_skip_source_without_failing(tmp_path: Path, default_config) -> None:  # type: ignore[no-untyped-def]
    from pantau.pipeline import collect_source

    db = open_db(tmp_path / "p.db")
    source = make_config(
        default_config, [{"name": "x", "type": "rss", "options": {"url": "http://127.0.0.1:9/"}}]
    ).sources[0]
    config = make_config(default_config, [])

    class NeedsToken:
        @classmethod
        def required_env(cls, source):  # type: ignore[no-untyped-def]
            return ("PANTAU_TEST_TOKEN",)

    import collectors

    collectors.REGISTRY["needs_token"] = NeedsToken
    try:
        result = collect_source(
            db, config, source.model_copy(update={"type": "needs_token"}), environ={}
        )
    finally:
        del collectors.REGISTRY["needs_token"]
    assert result.status == "skipped"
    assert "PANTAU_TEST_TOKEN" in (result.error or "")


def test_collect_load_replays_saved_payload(tmp_path: Path, server: LoopbackServer) -> None:
    _serve(server)
    config = _config_file(tmp_path, server)
    payload = tmp_path / "saved.xml"
    payload.write_bytes(FEED)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--config", str(config), "collect", "--source", "kabar", "--load", str(payload)]
    )
    assert result.exit_code == 0, result.output
    assert "loaded=3 new=3" in result.stdout
    again = runner.invoke(
        cli, ["--config", str(config), "collect", "--source", "kabar", "--load", str(payload)]
    )
    assert "loaded=3 new=0" in again.stdout
    assert server.requests == []


def test_process_then_retag_records_taxonomy_version(
    tmp_path: Path, server: LoopbackServer
) -> None:
    _serve(server)
    config = _config_file(tmp_path, server)
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config), "collect"]).exit_code == 0
    processed = runner.invoke(cli, ["--config", str(config), "process"])
    assert "processed=5" in processed.stdout
    assert "processed=0" in runner.invoke(cli, ["--config", str(config), "process"]).stdout
    retag = runner.invoke(cli, ["--config", str(config), "retag", "--no-progress"])
    assert retag.exit_code == 0 and "retagged=5" in retag.stdout
    version = retag.stdout.split("taxonomy_version=")[1].strip()
    db = open_db(tmp_path / "pantau.db")
    assert db.execute("select distinct taxonomy_version from analysis").fetchall() == [(version,)]


def test_search_and_bad_fts_query(tmp_path: Path, server: LoopbackServer) -> None:
    _serve(server)
    config = _config_file(tmp_path, server)
    runner = CliRunner()
    runner.invoke(cli, ["--config", str(config), "run", "--once"])
    found = runner.invoke(cli, ["--config", str(config), "search", "banjir"])
    assert found.exit_code == 0 and "BPBD Kabupaten Bogor siaga banjir" in found.stdout
    bad = runner.invoke(cli, ["--config", str(config), "search", '"unbalanced'])
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: search: invalid query")


def test_sources_command_lists_health(tmp_path: Path, server: LoopbackServer) -> None:
    _serve(server)
    server.route("/down.xml", Reply(500, b"error"))
    config = _config_file(
        tmp_path,
        server,
        [{"name": "down", "type": "rss", "options": {"url": server.url + "/down.xml"}}],
    )
    runner = CliRunner()
    runner.invoke(cli, ["--config", str(config), "run", "--once"])
    result = runner.invoke(cli, ["--config", str(config), "sources", "--json"])
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["kabar"]["status"] == "ok" and rows["kabar"]["new"] == 3
    assert rows["down"]["status"] == "error" and "HTTP 500" in rows["down"]["last_error"]
