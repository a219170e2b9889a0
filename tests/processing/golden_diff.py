"""Which fields differ between two equivalence golden files (same inputs, record by record).

Proves that a regenerated golden changed only the fields an intended change may touch::

    .venv/bin/python -m tests.processing.golden_diff --against main --allow fingerprint

compares the committed golden of git revision ``main`` with the working copy's file and
exits non-zero when an input differs or a field outside ``--allow`` changed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tests.processing.golden_analysis import GOLDEN, ROOT


def read_golden(data: bytes) -> list[dict[str, Any]]:
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def field_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[Counter[str], int]:
    """Count, per output field, the records whose value changed; also mismatched inputs."""
    changed: Counter[str] = Counter()
    inputs = abs(len(old) - len(new))
    for before, after in zip(old, new, strict=False):
        if before["in"] != after["in"]:
            inputs += 1
            continue
        for name in sorted(set(before["out"]) | set(after["out"])):
            if before["out"].get(name, ...) != after["out"].get(name, ...):
                changed[name] += 1
    return changed, inputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="git revision of the old golden")
    parser.add_argument("--old", type=Path, help="an old golden file (instead of --against)")
    parser.add_argument("--allow", action="append", default=[], help="a field that may change")
    args = parser.parse_args(argv)
    if args.old:
        old_bytes = args.old.read_bytes()
    else:
        path = GOLDEN.relative_to(ROOT).as_posix()
        old_bytes = subprocess.run(
            ["git", "show", f"{args.against}:{path}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    old, new = read_golden(old_bytes), read_golden(GOLDEN.read_bytes())
    changed, inputs = field_changes(old, new)
    print(f"records: old={len(old)} new={len(new)} mismatched_inputs={inputs}")
    fields = sorted(set().union(*(r["out"] for r in new))) if new else []
    for name in fields:
        print(f"  {name}: {changed.get(name, 0)} records changed")
    unexpected = sorted(set(changed) - set(args.allow))
    if inputs or unexpected:
        print(f"FAIL: inputs differ ({inputs}) or unexpected fields changed: {unexpected}")
        return 1
    print(f"OK: only {sorted(changed) or 'nothing'} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
