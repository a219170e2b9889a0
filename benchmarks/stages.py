"""Micro-benchmark of ``processing.pipeline.analyze``: microseconds per post, per stage.

Runs on the benchmark corpus (``benchmarks/corpus.py``) after a warm-up pass, so
the stemmer and normalization memos are warm (``pantau process`` over a big
backlog, or a retag, runs in this state after its first few thousand posts)::

    .venv/bin/python benchmarks/stages.py [--posts N] [--repeat R]

The per-stage split wraps each stage's function with a timer, which adds a little
overhead of its own; the plain ``analyze`` figure is measured without wrappers.
With the native (mypyc) build active the compiled modules call each other
directly, so wrappers would see nothing: only ``analyze`` is reported then. The
first line says which implementation ran; ``PANTAU_PURE=1`` forces pure Python.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402
from pantau.config import load_config  # noqa: E402
from processing import native, pipeline  # noqa: E402
from processing.resources import Resources, build_resources  # noqa: E402

STAGES = {
    # ``analyze`` normalizes with each token's mark (``Resources.normalize_marked``).
    "normalize": (Resources, "normalize_marked"),
    # ``analyze`` stems in its shared token pass (stems and marks, remembered per token).
    "stem+scan": (pipeline, "scan_tokens"),
    "tag": (pipeline, "tag"),
    "places": (pipeline, "find_places"),
    "relevance": (pipeline, "judge"),
    "aspirasi": (pipeline, "classify"),
    "simhash": (pipeline, "simhash_marks"),
}


def _timed(spent: dict[str, float], name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    return wrapper


def run(posts: int, repeat: int, split: bool | None = None) -> dict[str, float]:
    """Return microseconds per post: ``analyze`` (best of ``repeat``) and each stage.

    ``split`` (default: unless the native build is active) adds the per-stage figures.
    """
    config = load_config(ROOT / "config.yaml")
    resources = build_resources(config)
    items = [(p.text, p.title, p.kind) for p in corpus.generate(config, posts, seed=3)]
    for text, title, kind in items:  # warm the stemmer and memos
        pipeline.analyze(resources, text, title, kind)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text, title, kind in items:
            pipeline.analyze(resources, text, title, kind)
        best = min(best, time.perf_counter() - start)
    result = {"analyze": best / len(items) * 1e6}
    if split is None:
        split = native.STATE.mode != "native"
    if not split:
        return result
    spent = dict.fromkeys(STAGES, 0.0)
    originals = {name: getattr(owner, attr) for name, (owner, attr) in STAGES.items()}
    try:
        for name, (owner, attr) in STAGES.items():
            setattr(owner, attr, _timed(spent, name, originals[name]))
        start = time.perf_counter()
        for text, title, kind in items:
            pipeline.analyze(resources, text, title, kind)
        total = time.perf_counter() - start
    finally:
        for name, (owner, attr) in STAGES.items():
            setattr(owner, attr, originals[name])
    for name, seconds in spent.items():
        result[name] = seconds / len(items) * 1e6
    result["other"] = (total - sum(spent.values())) / len(items) * 1e6
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"mode       {native.describe()}")
    for name, micros in run(args.posts, args.repeat).items():
        print(f"{name:10s} {micros:8.1f} us/post")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
