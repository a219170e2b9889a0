"""The optional native (mypyc) build: used only when fresh, both paths match the golden file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from processing import native
from tools import build_native

ROOT = Path(__file__).resolve().parents[2]
FRESH_BUILD = native.check(native.DEFAULT_DIR).mode == "native"

# Runs in a fresh interpreter: which implementation loaded, and where tagging came from.
PROBE = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from processing import native
import processing.pipeline, processing.tagging
print(native.STATE.mode, processing.tagging.__file__, sep="\\n")
"""

# The golden comparison of tests/processing/test_equivalence.py, in a fresh interpreter.
GOLDEN_CHECK = """
import gzip, json
from pathlib import Path
from pantau.config import load_config
from processing import native
from processing.resources import build_resources
from tests.processing.golden_analysis import GOLDEN, result
resources = build_resources(load_config(Path("config.yaml")))
with gzip.open(GOLDEN, "rt", encoding="utf-8") as lines:
    records = [json.loads(line) for line in lines]
bad = 0
for record in records:
    item = record["in"]
    got = json.loads(json.dumps(result(resources, item["text"], item["title"], item["kind"])))
    bad += got != record["out"]
print(native.STATE.mode, len(records), bad)
"""


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("PANTAU_PURE", "PANTAU_NATIVE_DIR")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**environ, **env},
        capture_output=True, text=True, timeout=240, check=True,
    )  # fmt: skip


def _fresh_manifest() -> dict[str, object]:
    return {**build_native.wanted_manifest(), "built_at": "2026-01-01T00:00:00Z"}


def _fake_build(directory: Path, manifest: dict[str, object], payload: bytes) -> Path:
    """A build directory with ``manifest`` and a ``payload`` in place of every library."""
    (directory / "processing").mkdir(parents=True)
    (directory / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    suffix = native.environment()["ext_suffix"]
    (directory / f"{native.GROUP}__mypyc{suffix}").write_bytes(payload)
    for name in native.MODULES:
        (directory / "processing" / f"{name}{suffix}").write_bytes(payload)
    return directory


def test_no_build_means_pure(tmp_path: Path) -> None:
    state = native.check(tmp_path / "absent")
    assert state.mode == "pure" and "make native" in state.detail


def test_manifest_matches_only_the_files_and_toolchain_it_names(tmp_path: Path) -> None:
    (tmp_path / "processing").mkdir()
    (tmp_path / "pantau").mkdir()
    source, dep = tmp_path / "processing" / "a.py", tmp_path / "pantau" / "models.py"
    source.write_text("x = 1\n")
    dep.write_text("y = 2\n")
    manifest = {
        "format": native.FORMAT,
        "group": native.GROUP,
        **native.environment(),
        "mypy": native.mypy_version(),
        "sources": {"processing/a.py": native.sha256(source)},
        "deps": {"pantau/models.py": native.sha256(dep)},
    }
    assert native.stale_reason(manifest, tmp_path) is None
    assert "python" in str(native.stale_reason({**manifest, "python": "3.10.0"}, tmp_path))
    assert "mypy 0.1" in str(native.stale_reason({**manifest, "mypy": "0.1"}, tmp_path))
    assert native.stale_reason({**manifest, "sources": {}}, tmp_path) == "manifest lists no sources"
    dep.write_text("y = 3\n")
    assert native.stale_reason(manifest, tmp_path) == "pantau/models.py changed since the build"
    dep.write_text("y = 2\n")
    source.write_text("x = 1  # edited\n")
    assert native.stale_reason(manifest, tmp_path) == "processing/a.py changed since the build"
    source.unlink()
    assert native.stale_reason(manifest, tmp_path) == "processing/a.py is gone"


def test_manifest_covers_the_compiled_modules_and_their_first_party_imports() -> None:
    manifest = build_native.wanted_manifest()
    assert sorted(manifest["sources"]) == sorted(
        f"processing/{m}.py" for m in native.present_modules()
    )
    assert "processing/resources.py" in manifest["sources"]
    assert {"pantau/models.py", "processing/lexicon.py"} <= set(manifest["deps"])
    assert not set(manifest["deps"]) & set(manifest["sources"])


def test_incomplete_or_unreadable_build_is_stale(tmp_path: Path) -> None:
    build = _fake_build(tmp_path / "b", _fresh_manifest(), b"")
    (build / "processing" / f"tagging{native.environment()['ext_suffix']}").unlink()
    state = native.check(build)
    assert state.mode == "stale" and "incomplete" in state.detail
    (build / native.MANIFEST).write_text("{not json")
    assert native.check(build).mode == "stale"
    (build / native.MANIFEST).write_text(json.dumps({**_fresh_manifest(), "deps": ["x"]}))
    assert "manifest unusable" in native.check(build).detail


def test_stale_manifest_falls_back_to_pure_python(tmp_path: Path) -> None:
    manifest = _fresh_manifest()
    sources = dict(manifest["sources"])  # type: ignore[call-overload]
    sources["processing/tagging.py"] = "0" * 64
    build = _fake_build(tmp_path / "b", {**manifest, "sources": sources}, b"not a library")
    done = _run(PROBE, PANTAU_NATIVE_DIR=str(build))
    mode, tagging_file = done.stdout.split()
    assert mode == "stale" and tagging_file == str(ROOT / "processing" / "tagging.py")
    # Exactly one (debug) line says why.
    assert done.stderr.count("native build not used") == 1
    assert "processing/tagging.py changed since the build" in done.stderr


def test_unloadable_build_with_matching_manifest_falls_back_to_pure(tmp_path: Path) -> None:
    build = _fake_build(tmp_path / "b", _fresh_manifest(), b"not a shared library")
    mode, tagging_file = _run(PROBE, PANTAU_NATIVE_DIR=str(build)).stdout.split()
    assert mode == "stale" and tagging_file.endswith("processing/tagging.py")


def test_pantau_pure_forces_pure_python() -> None:
    mode, tagging_file = _run(PROBE, PANTAU_PURE="1").stdout.split()
    assert mode == "pure" and tagging_file.endswith("processing/tagging.py")


@pytest.mark.skipif(not FRESH_BUILD, reason="no fresh native build (make native)")
def test_fresh_build_loads_compiled_modules_from_outside_the_source_tree() -> None:
    mode, tagging_file = _run(PROBE).stdout.split()
    assert mode == "native"
    assert tagging_file.startswith(str(native.DEFAULT_DIR)) and not tagging_file.endswith(".py")
    assert not list((ROOT / "processing").glob("*.so"))


@pytest.mark.skipif(not FRESH_BUILD, reason="no fresh native build (make native)")
def test_golden_file_matches_in_the_other_implementation_too() -> None:
    # This process runs one implementation (test_equivalence checks it); the other runs here.
    other = {"PANTAU_PURE": "1"} if native.STATE.mode == "native" else {}
    mode, count, mismatches = _run(GOLDEN_CHECK, **other).stdout.split()
    assert mode == ("pure" if other else "native")
    assert int(count) > 2500 and mismatches == "0"


def test_failed_build_prints_one_line_and_auto_mode_never_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    monkeypatch.setattr(build_native, "PURE_REQUESTED", False)
    assert build_native.main(["--auto", "--build-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"native: build failed, using pure Python: no C compiler "
                   f"('{tmp_path / 'no-such-cc'}' not found; apt-get install gcc)"]  # fmt: skip
    assert not (tmp_path / "native").exists()
    # Same inputs: --auto does not retry; an explicit build does, and fails loudly.
    assert build_native.main(["--auto", "--build-dir", str(tmp_path)]) == 0
    assert "skipped, using pure Python" in capsys.readouterr().out
    assert build_native.main(["--build-dir", str(tmp_path)]) == 1


@pytest.mark.skipif(not FRESH_BUILD, reason="no fresh native build (make native)")
def test_up_to_date_build_is_not_rebuilt(capsys: pytest.CaptureFixture[str]) -> None:
    before = (native.DEFAULT_DIR / native.MANIFEST).stat().st_mtime_ns
    assert build_native.main(["--auto"]) == 0
    assert capsys.readouterr().out.startswith("native: up to date")
    assert (native.DEFAULT_DIR / native.MANIFEST).stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("mode", "level", "start"),
    [("native", "ok", "native build in use"), ("pure", "ok", "pure Python in use"),
     ("stale", "warn", "stale native build ignored, pure Python in use")],
)  # fmt: skip
def test_doctor_reports_the_implementation_in_use(
    monkeypatch: pytest.MonkeyPatch, mode: str, level: str, start: str
) -> None:
    from pantau.doctor import check_processing

    monkeypatch.setattr(native, "STATE", native.NativeState(mode, "why"))
    assert check_processing() == type(check_processing())(level, "processing", f"{start}: why")


def test_a_removed_module_is_left_out_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "processing").mkdir()
    for name in native.MODULES[1:]:
        (tmp_path / "processing" / f"{name}.py").write_text("")
    assert native.present_modules(tmp_path) == list(native.MODULES[1:])
    assert native.present_modules() == list(native.MODULES)


def test_auto_build_is_skipped_when_pure_python_is_requested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(build_native, "PURE_REQUESTED", True)
    assert build_native.main(["--auto", "--build-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "native: skipped (PANTAU_PURE is set)\n"
    assert not list(tmp_path.iterdir())
