"""Compile the hot processing modules with mypyc into ``build/native/`` (optional).

    .venv/bin/python tools/build_native.py          # build now (``make native``)
    .venv/bin/python tools/build_native.py --auto   # ``make setup``: only when stale

The modules are ``processing.native.MODULES``, compiled as one mypyc group
(``pantau_native``) outside the source tree; ``processing.native`` loads them
only while ``build/native/manifest.json`` matches the sources. The compiler's
output goes to ``build/native.log``; this script prints one line. A failed build
leaves any previous build in place (it is stale once the sources change, and
then ignored). ``--auto`` never fails: it prints why and pure Python is used,
and it does not retry a failed build until its inputs change, nor build at all
when ``PANTAU_PURE`` is set.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# ``PANTAU_PURE=1 make setup`` skips the automatic build (quicker edit-test cycles).
PURE_REQUESTED = os.environ.get("PANTAU_PURE", "").strip() not in ("", "0")
if __name__ == "__main__":
    os.environ["PANTAU_PURE"] = "1"  # this process only reads the sources

from processing import native  # noqa: E402

FIRST_PARTY = ("pantau", "collectors", "processing", "storage", "reports")
BUILD = ROOT / "build"  # holds native/ (the build), native.log, native-failed.json
SMOKE = """
import sys
from pathlib import Path
from processing import native
if native.STATE.mode != "native":
    sys.exit("not loaded: " + native.describe())
from pantau.config import load_config
from processing.pipeline import analyze
from processing.resources import build_resources
resources = build_resources(load_config(Path("config.yaml")))
result = analyze(resources, "Jalan rusak di Cibinong, mohon diperbaiki", "Warga mengeluh", "rss")
compiled = native.active_modules()
if not compiled or not all(compiled.values()):
    sys.exit(f"modules not compiled: {compiled}")
print(result.departments)
"""


def _module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def dependencies(sources: list[Path]) -> list[Path]:
    """First-party modules the compiled sources import directly (their types are baked in)."""
    found: set[Path] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name.split(".")[0] in FIRST_PARTY:
                    path = _module_file(name)
                    if path is not None:
                        found.add(path)
    return sorted(found - set(sources))


def wanted_manifest() -> dict[str, Any]:
    """The manifest a build of the current files would have (without ``built_at``)."""
    sources = [ROOT / "processing" / f"{name}.py" for name in native.present_modules()]
    if not sources:
        raise FileNotFoundError(f"none of {native.MODULES} found in processing/")
    return {
        "format": native.FORMAT,
        "group": native.GROUP,
        **native.environment(),
        "mypy": native.mypy_version(),
        "sources": {str(p.relative_to(ROOT)): native.sha256(p) for p in sources},
        "deps": {str(p.relative_to(ROOT)): native.sha256(p) for p in dependencies(sources)},
    }


def _comparable(manifest: dict[str, Any] | None) -> dict[str, Any] | None:
    if manifest is None:
        return None
    return {k: v for k, v in manifest.items() if k not in ("built_at", "seconds", "reason")}


def preflight() -> str | None:
    """Why a build cannot even start (no mypyc, compiler or headers), or None."""
    if native.mypy_version() is None:
        return "mypy/mypyc is not installed (pip install -e '.[dev]')"
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler!r} not found; apt-get install gcc)"
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not include.is_file():
        return f"no Python headers ({include} missing; apt-get install python3-dev)"
    return None


def _first_error(text: str) -> str:
    for line in text.splitlines():
        if ": error:" in line or "error: " in line.lower()[:40] or "Error:" in line:
            return line.strip()[:200]
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "no output"


def compile_into(staging: Path, work: Path) -> None:
    """Child process: run mypyc and the C compiler; all output goes to the log."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    os.chdir(ROOT)
    paths = [f"processing/{name}.py" for name in native.present_modules()]
    extensions = mypycify(paths, group_name=native.GROUP, target_dir=str(work / "c"), opt_level="3")
    dist = Distribution({"name": "pantau-native", "ext_modules": extensions})
    command: Any = dist.get_command_obj("build_ext")
    command.build_lib = str(staging)
    command.build_temp = str(work / "obj")
    command.inplace = False
    command.ensure_finalized()
    command.run()


def _show(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _fail(reason: str, wanted: dict[str, Any], auto: bool, failed: Path) -> int:
    failed.parent.mkdir(parents=True, exist_ok=True)
    failed.write_text(json.dumps({**wanted, "reason": reason}, indent=1), encoding="utf-8")
    print(f"native: build failed, using pure Python: {reason}")
    return 0 if auto else 1


def build(auto: bool, force: bool, out: Path = BUILD) -> int:
    """Build into ``out/native`` unless it is up to date; return the exit status."""
    target, log_path, failed_path = out / "native", out / "native.log", out / "native-failed.json"
    wanted = wanted_manifest()
    current = native.read_manifest(target)
    if not force and _comparable(current) == wanted and native.check(target).mode == "native":
        print(f"native: up to date ({_show(target)})")
        return 0
    if auto and PURE_REQUESTED:
        print("native: skipped (PANTAU_PURE is set)")
        return 0
    if auto and not force and failed_path.is_file():
        try:
            failed = json.loads(failed_path.read_text(encoding="utf-8"))
        except ValueError:
            failed = None
        if _comparable(failed) == wanted:
            print(
                f"native: skipped, using pure Python (last build failed: {failed['reason']}; "
                "`make native` retries)"
            )
            return 0
    reason = preflight()
    if reason:
        return _fail(reason, wanted, auto, failed_path)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f"native.new-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        try:
            result = subprocess.run(
                [sys.executable, __file__, "--compile-into", str(staging),
                 "--work", str(out / "native-work")],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=1200, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            shutil.rmtree(staging, ignore_errors=True)
            return _fail("compilation timed out", wanted, auto, failed_path)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        error = _first_error(log_path.read_text(encoding="utf-8", errors="replace"))
        return _fail(f"{error} (see {_show(log_path)})", wanted, auto, failed_path)
    seconds = round(time.monotonic() - started, 1)
    manifest = {**wanted, "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    manifest["seconds"] = seconds
    (staging / native.MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    env = {**os.environ, "PANTAU_NATIVE_DIR": str(staging)}
    env.pop("PANTAU_PURE", None)
    smoke = subprocess.run(
        [sys.executable, "-c", SMOKE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    if smoke.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        with log_path.open("a", encoding="utf-8") as log:
            log.write(f"\nsmoke test failed:\n{smoke.stdout}\n{smoke.stderr}\n")
        return _fail(f"smoke test: {_first_error(smoke.stderr)}", wanted, auto, failed_path)
    old = out / f"native.old-{os.getpid()}"
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    failed_path.unlink(missing_ok=True)
    print(
        f"native: built {len(wanted['sources'])} modules with mypyc {wanted['mypy']} in {seconds} s "
        f"({_show(target)})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--auto", action="store_true", help="never fail; skip when up to date")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--build-dir", type=Path, default=BUILD, help="default: build/")
    parser.add_argument("--compile-into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.compile_into:
        compile_into(args.compile_into, args.work)
        return 0
    try:
        return build(args.auto, args.force, args.build_dir.resolve())
    except Exception as exc:  # --auto must never break `make setup`
        if not args.auto:
            raise
        print(f"native: build failed, using pure Python: {type(exc).__name__}: {exc}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
