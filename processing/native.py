"""Optional mypyc-compiled build of the hot processing modules, used only when fresh.

``tools/build_native.py`` (``make native``; ``make setup`` runs it too) compiles
:data:`MODULES` with mypyc into ``build/native/`` -- outside the source tree, so
a ``.so`` never sits next to the ``.py`` it was built from -- and writes a
manifest last: the sha256 of every compiled source and of the first-party
modules they import, the Python version and ABI, and the mypy version.

:func:`activate` (run by ``processing/__init__.py``) puts the compiled modules
first on ``processing.__path__`` only when that manifest matches the current
files; otherwise the pure-Python modules load as usual, with one debug log line.
The compiled group is all or nothing: its modules call each other directly, so
one edited source makes the whole build stale. ``PANTAU_PURE=1`` forces pure
Python; ``PANTAU_NATIVE_DIR`` points at another build directory.

This module uses the standard library only and never compiles anything.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import platform
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# The hot, pure modules compiled together (``processing.<name>``). A module that
# mypyc cannot compile is simply removed from this list.
MODULES = (
    "normalize",
    "entities",
    "expand",
    "sastrawi_ecs",
    "stem",
    "terms",
    "tagging",
    "places",
    "relevance",
    "aspirasi",
    "fingerprint",
    "dedup",
    "pipeline",
    "window",
    "resources",
)
GROUP = "pantau_native"
MANIFEST = "manifest.json"
FORMAT = 1
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "build" / "native"


@dataclass(frozen=True)
class NativeState:
    """Which implementation ``processing`` uses: ``native``, ``pure`` or ``stale``."""

    mode: str
    detail: str
    build_dir: Path | None = None


STATE = NativeState("pure", "not activated")


def present_modules(root: Path = ROOT) -> list[str]:
    """The :data:`MODULES` whose source exists (a module may be renamed or merged)."""
    return [name for name in MODULES if (root / "processing" / f"{name}.py").is_file()]


def build_dir() -> Path:
    """The build directory in use (``PANTAU_NATIVE_DIR`` or ``build/native``)."""
    custom = os.environ.get("PANTAU_NATIVE_DIR")
    return Path(custom) if custom else DEFAULT_DIR


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mypy_version() -> str | None:
    """The installed mypy version, or None when mypy is not installed."""
    from importlib import metadata

    try:
        return metadata.version("mypy")
    except metadata.PackageNotFoundError:
        return None


def environment() -> dict[str, str]:
    """What a compiled build is tied to besides its sources."""
    return {
        "python": platform.python_version(),
        "implementation": sys.implementation.cache_tag or "",
        "ext_suffix": str(sysconfig.get_config_var("EXT_SUFFIX")),
    }


def stale_reason(manifest: dict[str, Any], root: Path = ROOT) -> str | None:
    """Why ``manifest`` does not describe the current files, or None when it does."""
    if manifest.get("format") != FORMAT or manifest.get("group") != GROUP:
        return "manifest format changed"
    for key, value in environment().items():
        if manifest.get(key) != value:
            return f"built for {key} {manifest.get(key)}, running {value}"
    installed = mypy_version()
    # Without mypy (a runtime-only install) the compiled code still runs: it
    # carries its own runtime. With mypy, a different version means rebuild.
    if installed is not None and manifest.get("mypy") != installed:
        return f"built with mypy {manifest.get('mypy')}, installed {installed}"
    files = {**manifest.get("sources", {}), **manifest.get("deps", {})}
    if not manifest.get("sources"):
        return "manifest lists no sources"
    for rel, digest in sorted(files.items()):
        path = root / rel
        if not path.is_file():
            return f"{rel} is gone"
        if sha256(path) != digest:
            return f"{rel} changed since the build"
    return None


def read_manifest(directory: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check(directory: Path, root: Path = ROOT) -> NativeState:
    """Decide, without importing anything, whether the build in ``directory`` is usable."""
    if not (directory / MANIFEST).exists():
        return NativeState("pure", "no native build (run `make native`)")
    manifest = read_manifest(directory)
    if manifest is None:
        return NativeState("stale", f"{directory / MANIFEST} is unreadable", directory)
    try:
        reason = stale_reason(manifest, root)
    except (AttributeError, TypeError, ValueError, OSError) as exc:  # a hand-edited manifest
        reason = f"manifest unusable ({type(exc).__name__}: {exc})"
    if reason:
        return NativeState("stale", f"{reason}; run `make native`", directory)
    names = sorted(Path(rel).stem for rel in manifest["sources"])
    if names != sorted(present_modules(root)):
        return NativeState(
            "stale", "the list of compiled modules changed; run `make native`", directory
        )
    compiled = [directory / "processing" / f"{name}{_suffix()}" for name in names]
    missing = [p.name for p in compiled if not p.is_file()]
    if missing or not _group_library(directory).is_file():
        return NativeState("stale", f"incomplete build {missing or GROUP}", directory)
    listed = ", ".join(names)
    return NativeState("native", f"mypyc {manifest.get('mypy')}: {listed}", directory)


def _suffix() -> str:
    return str(sysconfig.get_config_var("EXT_SUFFIX"))


def _group_library(directory: Path) -> Path:
    return directory / f"{GROUP}__mypyc{_suffix()}"


def _load_group(directory: Path) -> None:
    """Load the shared mypyc library the per-module shims import by name."""
    name = f"{GROUP}__mypyc"
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, _group_library(directory))
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise


def activate(package_path: list[str]) -> NativeState:
    """Put a fresh native build first on ``package_path`` (``processing.__path__``)."""
    global STATE
    if os.environ.get("PANTAU_PURE", "").strip() not in ("", "0"):
        STATE = NativeState("pure", "PANTAU_PURE is set")
        return STATE
    state = check(build_dir())
    directory = state.build_dir
    if state.mode == "native" and directory is not None:
        try:
            _load_group(directory)
        except (ImportError, OSError) as exc:
            state = NativeState("stale", f"cannot load the native build: {exc}", directory)
        else:
            package_path.insert(0, str(directory / "processing"))
    if state.mode == "stale":
        log.debug("processing: pure Python (native build not used: %s)", state.detail)
    STATE = state
    return state


def describe() -> str:
    """One line for ``pantau doctor`` and the benchmarks."""
    return f"{STATE.mode} ({STATE.detail})"


def active_modules() -> dict[str, bool]:
    """Whether each of :data:`MODULES` that is already imported runs compiled code."""
    result = {}
    for name in MODULES:
        module = sys.modules.get(f"processing.{name}")
        if module is not None:
            result[name] = not str(getattr(module, "__file__", "")).endswith(".py")
    return result
