"""Fault injection through ``pantau run --once``: one source misbehaves, the rest complete.

For every (source kind, fault): a first healthy run stores v1 of every source;
the second run serves new items on the healthy sources and the fault on the
third. Afterwards the fault is recorded in ``runs``, the healthy sources stored
their new items, the exit code is 3, nothing stored before changed, and the
failing source's cursor did not move. A third run with the fault cleared stores
everything exactly once: no item is lost.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pantau.cli import cli
from tests.loopback import LoopbackServer
from tests.reliability import faults as F

# Counted by test_zz_report (and the report in the issue).
INJECTED: list[str] = []

DEFAULT_GNEWS = {
    "http_500",
    "rate_limited_x_rate_limit_reset",
    "truncated_xml",
    "html_page_instead",
}


def _cases(soak: bool) -> list[tuple[str, str]]:
    out = []
    for kind in F.KINDS.values():
        for fault in F.all_faults(kind):
            default = kind.type == "rss" or fault.name in DEFAULT_GNEWS
            if default != soak:
                out.append((kind.type, fault.name))
    return out


def _run(config: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--once", *extra])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def check_fault(server: LoopbackServer, tmp_path: Path, kind_name: str, fault_name: str) -> None:
    kind = F.KINDS[kind_name]
    fault = next(f for f in F.all_faults(kind) if f.name == fault_name)
    db_path = tmp_path / "pantau.db"
    healthy = {"sehat-a": F.make_items("a", 6), "sehat-b": F.make_items("b", 4)}
    faulty_v1 = F.make_items("rusak", 5)
    faulty_v2 = faulty_v1 + F.make_items("rusak", 20, start=5)

    sources = [
        F.serve(server, F.RSS, n, F.RSS.good(items, etag="v1")) for n, items in healthy.items()
    ]
    sources.insert(1, F.serve(server, kind, "rusak", kind.good(faulty_v1, etag="v1")))
    config = F.write_config(tmp_path / "config.yaml", F.base_config(db_path, sources))

    code, out, err = _run(config)
    assert code == 0, err
    before = F.snapshot(db_path)
    assert sorted(F.stored_ids(db_path, "rusak")) == sorted(i.external_id for i in faulty_v1)

    # Second run: healthy sources bring something new, the faulty one misbehaves.
    grown = {n: items + F.make_items(n[-1] + "x", 3) for n, items in healthy.items()}
    for name, items in grown.items():
        server.route(F.RSS.route(name), F.RSS.good(items, etag="v2"))
    route = kind.route("rusak")
    server.route(route, *fault.replies(kind, kind.body(faulty_v2), route))
    INJECTED.append(f"{kind_name}:{fault_name}")

    code, out, err = _run(config)
    assert code == 3, (out, err)
    run = F.last_run(db_path, "rusak")
    assert run["status"] == fault.status, run
    assert fault.error in (run["error"] or ""), run
    assert "\n" not in run["error"] and "Traceback" not in run["error"]
    if fault.reset:
        assert run["rate_limit_reset"], run
    assert any(line.startswith("  rusak: ") for line in err.splitlines()), err
    assert "Traceback" not in err
    for name, items in grown.items():
        assert F.last_run(db_path, name)["status"] == "ok"
        assert sorted(F.stored_ids(db_path, name)) == sorted(i.external_id for i in items)

    after = F.snapshot(db_path)
    for post_id, row in before["posts"].items():
        assert after["posts"][post_id] == row, f"stored post {post_id} changed"
    assert after["cursors"]["rusak"] == before["cursors"]["rusak"], "cursor moved on failure"
    stored = set(F.stored_ids(db_path, "rusak"))
    if not fault.partial:
        assert stored == {i.external_id for i in faulty_v1}
    assert stored <= {i.external_id for i in faulty_v2}

    # Third run: the source recovers and nothing is lost or doubled.
    server.route(route, kind.good(faulty_v2, etag="v3"))
    code, out, err = _run(config, "--force")  # the failing source is in backoff
    assert code == 0, err
    ids = F.stored_ids(db_path, "rusak")
    assert sorted(ids) == sorted(i.external_id for i in faulty_v2)
    assert F.rows(db_path, "SELECT count(*) FROM posts p LEFT JOIN analysis a ON a.post_id = p.id "
                  "WHERE a.post_id IS NULL")[0][0] == 0  # fmt: skip
    assert F.integrity(db_path) == "ok"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("kind_name", "fault_name"), _cases(soak=False))
def test_fault_is_recorded_and_contained(
    server: LoopbackServer, tmp_path: Path, kind_name: str, fault_name: str
) -> None:
    check_fault(server, tmp_path, kind_name, fault_name)


@pytest.mark.soak
@pytest.mark.timeout(120)
@pytest.mark.parametrize(("kind_name", "fault_name"), _cases(soak=True))
def test_fault_is_recorded_and_contained_soak(
    server: LoopbackServer, tmp_path: Path, kind_name: str, fault_name: str
) -> None:
    check_fault(server, tmp_path, kind_name, fault_name)


def test_every_fault_has_a_case() -> None:
    """The catalogue and the parametrisation agree (a new fault is never silently skipped)."""
    everything = set(_cases(soak=False)) | set(_cases(soak=True))
    for kind in F.KINDS.values():
        for fault in F.all_faults(kind):
            assert (kind.type, fault.name) in everything
    assert len(F.FAULTS) >= 15


def test_a_collector_bug_fails_only_its_source(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception inside one collector is recorded; the others still run."""
    import collectors.rss

    real = collectors.rss.to_post

    def buggy(entry, *, source, **kwargs):  # type: ignore[no-untyped-def]
        if source == "rusak":
            raise KeyError("bug in mapping")
        return real(entry, source=source, **kwargs)

    monkeypatch.setattr(collectors.rss, "to_post", buggy)
    sources = [
        F.serve(server, F.RSS, "rusak", F.RSS.good(F.make_items("r", 3))),
        F.serve(server, F.RSS, "sehat", F.RSS.good(F.make_items("s", 4))),
    ]
    config = F.write_config(tmp_path / "config.yaml", F.base_config(tmp_path / "p.db", sources))
    INJECTED.append("rss:internal_error")
    code, out, err = _run(config)
    assert code == 3, err
    run = F.last_run(tmp_path / "p.db", "rusak")
    assert run["status"] == "error" and "internal error: KeyError" in run["error"]
    assert F.last_run(tmp_path / "p.db", "sehat")["status"] == "ok"
    assert len(F.stored_ids(tmp_path / "p.db", "sehat")) == 4
    assert "Traceback" not in err
