from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storage.explore import canned_queries, datasette_command, datasette_metadata, write_metadata
from tests.reports.fixed import DAY

datasette_app = pytest.importorskip("datasette.app")


def _datasette(db_path: Path, metadata: dict):  # type: ignore[no-untyped-def]
    return datasette_app.Datasette([str(db_path)], metadata=metadata)


def test_canned_queries_run_against_a_real_db(fixed_db, tmp_path: Path) -> None:
    path = tmp_path / "fixed.db"
    meta = datasette_metadata(path)
    assert set(meta["databases"]) == {"fixed"}
    queries = meta["databases"]["fixed"]["queries"]
    assert {"keluhan_hari_ini", "per_dinas", "per_kecamatan", "sumber_bermasalah"} <= set(queries)

    async def run() -> dict[str, list[dict]]:
        ds = _datasette(path, meta)
        await ds.invoke_startup()
        out = {}
        for name in queries:
            response = await ds.client.get(f"/fixed/{name}.json?day={DAY}&_shape=array")
            assert response.status_code == 200, (name, response.text[:500])
            out[name] = response.json()
        info = (await ds.client.get("/fixed.json")).json()
        assert {q["name"] for q in info["queries"]} == set(queries)
        served = (await ds.client.get("/-/metadata.json")).json()
        assert served["title"] == meta["title"]
        table = (
            await ds.client.get("/fixed/post_departments.json?_shape=objects&_labels=on&_size=1")
        ).json()
        assert isinstance(table["rows"][0]["post_id"], dict)  # labelled by posts.title
        assert "label" in table["rows"][0]["post_id"]
        return out

    results = asyncio.run(run())
    complaints = results["keluhan_hari_ini"]
    assert len(complaints) == 11  # keluhan + permintaan, copies excluded
    assert complaints[0]["waktu_lokal"].startswith("2026-11-27 19:30")
    per_dinas = {r["department"]: r for r in results["per_dinas"]}
    assert per_dinas["dlh"]["sebutan"] == 9 and per_dinas["dlh"]["keluhan_permintaan"] == 9
    per_kec = {r["kecamatan"]: r for r in results["per_kecamatan"]}
    assert per_kec["Cibinong"]["keluhan_permintaan"] == 4
    assert [r["source"] for r in results["sumber_bermasalah"]] == ["x-bogor"]


def test_today_default_parameter_executes(fixed_db) -> None:
    for name, query in canned_queries(__import__("zoneinfo").ZoneInfo("Asia/Jakarta")).items():
        rows = fixed_db.execute(query["sql"], {"day": ""} if ":day" in query["sql"] else {})
        assert rows.fetchall() is not None, name


def test_explore_cli_dry_run(fixed_db, tmp_path: Path) -> None:
    from pantau.cli import cli

    meta_path = tmp_path / "meta.json"
    result = CliRunner().invoke(cli, ["--config", "config.yaml", "--db", str(tmp_path / "fixed.db"),
                                      "explore", "--dry-run", "--metadata-out", str(meta_path),
                                      "--port", "8123"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "datasette serve" in result.output and "--port 8123" in result.output
    assert "--host 127.0.0.1" in result.output
    assert (
        json.loads(meta_path.read_text())["databases"]["fixed"]["tables"]["posts"]["label_column"]
        == "title"
    )
    missing = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "explore", "--dry-run"])
    assert missing.exit_code == 1 and "database not found" in missing.output


def test_metadata_file_and_command(tmp_path: Path) -> None:
    out = write_metadata(tmp_path / "pantau.db", tmp_path / "m.json")
    assert json.loads(out.read_text())["databases"]["pantau"]["tables"]["cursors"]["hidden"]
    command = datasette_command(tmp_path / "pantau.db", out, "127.0.0.1", 9000)
    assert command is not None and command[-4:] == ["--host", "127.0.0.1", "--port", "9000"]


def test_explore_command_serves_on_loopback(fixed_db, tmp_path: Path) -> None:
    """Start the exact `pantau explore` command briefly on 127.0.0.1 and query it once."""
    import subprocess
    import time
    import urllib.error
    import urllib.request

    from tests.reports.smtp_server import free_port

    db_path = tmp_path / "fixed.db"
    port = free_port()
    meta = write_metadata(db_path, tmp_path / "meta.json")
    command = datasette_command(db_path, meta, "127.0.0.1", port)
    assert command is not None
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/fixed/per_dinas.json?day={DAY}&_shape=array"
    try:
        rows = None
        for _ in range(150):
            if process.poll() is not None:
                pytest.fail(f"datasette exited: {process.stderr.read().decode()[-1000:]}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    rows = json.loads(response.read())
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert rows is not None, "datasette did not answer"
        assert {r["department"] for r in rows} == {
            "dlh",
            "pupr",
            "dishub",
            "bpbd",
            "tirta_kahuripan",
        }
    finally:
        process.terminate()
        process.wait(timeout=10)
