"""Fault injection for the API sources (X, Reddit) through ``pantau run --once``.

The same contract as the feed faults: the failing source records its error in one
line, the healthy RSS source completes, exit code 3, nothing stored changes, the
cursor stays, and a later run recovers every item exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pantau.cli import cli
from tests.collectors import test_reddit as R
from tests.collectors import test_x as X
from tests.loopback import LoopbackServer, Reply
from tests.reliability import faults as F

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Api:
    """How to serve one API healthily and which route to break."""

    type: str
    env: dict[str, str]
    route: str
    serve: Callable[[LoopbackServer], None]
    source: Callable[[str], dict[str, Any]]


def _serve_x(server: LoopbackServer) -> None:
    server.route(X.ROUTE, Reply(handler=X.x_api))


API = {
    "x": Api(
        "x",
        {"X_BEARER_TOKEN": X.TOKEN},
        X.ROUTE,
        _serve_x,
        lambda url: {"name": "api", "type": "x",
                     "options": {"keywords": ["Kabupaten Bogor"], "base_url": url}},
    ),
    "reddit": Api(
        "reddit",
        R.ENV,
        "/r/bogor/new",
        lambda server: R.serve_reddit(server),
        lambda url: {"name": "api", "type": "reddit", "options": R.options(url)},
    ),
}  # fmt: skip

API_FAULTS: dict[str, tuple[list[Reply], str]] = {
    "http_500": ([Reply(500, b'{"error": "boom"}', JSON)], "error"),
    "http_502_html": ([Reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"})], "error"),
    "rate_limited_plain": ([Reply(429, b"{}", JSON)], "rate_limited"),
    "rate_limited_reset": ([Reply(429, b"{}", {**JSON, "x-rate-limit-reset": "1893456000"})], "rate_limited"),
    "hang_past_timeout": ([Reply(200, b"{}", JSON, delay=F.TIMEOUT + 1.5)], "error"),
    "malformed_json": ([Reply(200, b'{"data": [{"id": ', JSON)], "error"),
    "html_instead": ([Reply(200, b"<html><body>Maintenance</body></html>", {"Content-Type": "text/html"})], "error"),
    "drop_mid_body": ([Reply(200, b'{"data": []}' + b" " * 4000, JSON, drop_after=20)], "error"),
}  # fmt: skip


def _run(config: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once", *extra])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fault_name", sorted(API_FAULTS))
@pytest.mark.parametrize("api_name", sorted(API))
def test_api_fault_is_recorded_and_contained(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api_name: str,
    fault_name: str,
) -> None:  # fmt: skip
    api = API[api_name]
    for key, value in api.env.items():
        monkeypatch.setenv(key, value)
    db_path = tmp_path / "pantau.db"
    api.serve(server)
    rss = F.serve(server, F.RSS, "sehat", F.RSS.good(F.make_items("a", 4), etag="v1"))
    config = F.write_config(
        tmp_path / "config.yaml", F.base_config(db_path, [rss, api.source(server.url)])
    )
    code, _, err = _run(config)
    assert code == 0, err
    before = F.snapshot(db_path)
    stored_before = set(F.stored_ids(db_path, "api"))
    assert stored_before, "the healthy first run stored the API's posts"

    replies, status = API_FAULTS[fault_name]
    server.route(api.route, *replies)
    server.route(F.RSS.route("sehat"), F.RSS.good(F.make_items("a", 6), etag="v2"))
    code, _, err = _run(config)
    assert code == 3, err
    run = F.last_run(db_path, "api")
    assert run["status"] == status, run
    assert run["error"] and "\n" not in run["error"] and "Traceback" not in run["error"]
    for secret in api.env.values():
        if "secret" in secret or "token" in secret.lower():
            assert secret not in run["error"] and secret not in err
    assert F.last_run(db_path, "sehat")["status"] == "ok"
    assert len(F.stored_ids(db_path, "sehat")) == 6
    after = F.snapshot(db_path)
    for post_id, row in before["posts"].items():
        assert after["posts"][post_id] == row, f"stored post {post_id} changed"
    assert after["cursors"].get("api") == before["cursors"].get("api"), "cursor moved on failure"
    assert set(F.stored_ids(db_path, "api")) == stored_before

    api.serve(server)
    code, _, err = _run(config, "--force")
    assert code == 0, err
    ids = F.stored_ids(db_path, "api")
    assert len(ids) == len(set(ids)) and set(ids) >= stored_before
    assert F.integrity(db_path) == "ok"
