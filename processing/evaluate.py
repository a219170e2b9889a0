"""Evaluate the analysis against the labelled sets in ``tests/eval`` (``make eval``).

Three parts are scored separately: ``dev.jsonl`` (rules may be tuned on it),
``heldout.jsonl`` (never tuned on) and ``blind.jsonl`` (160 items written and
labelled by an engineer who never saw the code, the taxonomy or the other sets;
its items were never shown to whoever tunes the rules — only category-level
feedback once). Conventions:

- departments and kecamatan are scored on items labelled relevant (a Kota Bogor
  road is not a PUPR Kabupaten item, whatever the tagger says about it);
- macro-F1 averages the per-department F1 over departments present in the part
  (gold or predicted); kecamatan F1 is micro over (item, kecamatan) pairs;
- relevance and aspirasi accuracy are over every item; "complaint" is
  keluhan + permintaan taken as one positive class.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processing.pipeline import analyze
from processing.resources import Resources

COMPLAINT = frozenset({"keluhan", "permintaan"})
DEFAULT_DIR = Path("tests") / "eval"
PARTS = ("dev", "heldout", "blind")


@dataclass
class Counts:
    """True positives, false positives and false negatives of one label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: bool, predicted: bool) -> None:
        if gold and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif gold:
            self.fn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Scores of one part."""

    name: str
    items: int = 0
    departments: dict[str, Counts] = field(default_factory=dict)
    kecamatan: Counts = field(default_factory=Counts)
    complaint: Counts = field(default_factory=Counts)
    relevance_correct: int = 0
    aspirasi_correct: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        scores = [c.f1 for c in self.departments.values()]
        return sum(scores) / len(scores) if scores else 1.0

    @property
    def relevance_accuracy(self) -> float:
        return self.relevance_correct / self.items if self.items else 1.0

    @property
    def aspirasi_accuracy(self) -> float:
        return self.aspirasi_correct / self.items if self.items else 1.0

    def summary(self) -> dict[str, float]:
        return {
            "department_macro_f1": round(self.macro_f1, 3),
            "relevance_accuracy": round(self.relevance_accuracy, 3),
            "kecamatan_f1": round(self.kecamatan.f1, 3),
            "aspirasi_accuracy": round(self.aspirasi_accuracy, 3),
            "complaint_f1": round(self.complaint.f1, 3),
        }


def load_items(path: Path) -> list[dict[str, Any]]:
    """Read one JSONL part; each line needs id, text, kind, relevant, departments, ..."""
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            missing = {"id", "text", "kind", "relevant", "departments", "kecamatan", "aspirasi"}
            missing -= item.keys()
            if missing:
                raise ValueError(f"{path}:{number}: missing {', '.join(sorted(missing))}")
            items.append(item)
    return items


def score(name: str, items: Iterable[dict[str, Any]], resources: Resources) -> Report:
    """Analyze every item and compare with its labels."""
    report = Report(name)
    for item in items:
        kind = "news" if item["kind"] == "news" else "x"
        result = analyze(resources, item["text"], item.get("title"), kind)
        report.items += 1
        gold_relevant = bool(item["relevant"])
        report.relevance_correct += result.relevant == gold_relevant
        report.aspirasi_correct += result.aspirasi == item["aspirasi"]
        report.complaint.add(item["aspirasi"] in COMPLAINT, result.aspirasi in COMPLAINT)
        problems = []
        if result.relevant != gold_relevant:
            problems.append(f"relevant={result.relevant}")
        if result.aspirasi != item["aspirasi"]:
            problems.append(f"aspirasi={result.aspirasi} (gold {item['aspirasi']})")
        if gold_relevant:
            gold_deps, got_deps = set(item["departments"]), set(result.departments)
            for code in gold_deps | got_deps:
                report.departments.setdefault(code, Counts()).add(
                    code in gold_deps, code in got_deps
                )
            gold_kec, got_kec = set(item["kecamatan"]), set(result.kecamatan)
            for kec in gold_kec | got_kec:
                report.kecamatan.add(kec in gold_kec, kec in got_kec)
            if gold_deps != got_deps:
                problems.append(f"departments={sorted(got_deps)} (gold {sorted(gold_deps)})")
            if gold_kec != got_kec:
                problems.append(f"kecamatan={sorted(got_kec)} (gold {sorted(gold_kec)})")
        if problems:
            report.errors.append(f"{item['id']}: {'; '.join(problems)}")
    return report


def format_report(report: Report) -> str:
    """Render one part's scores as a plain-text table."""
    lines = [f"== {report.name} ({report.items} items)", "department        P      R      F1   n"]
    for code in sorted(report.departments):
        c = report.departments[code]
        lines.append(
            f"{code:<16} {c.precision:5.2f}  {c.recall:5.2f}  {c.f1:5.2f}  {c.tp + c.fn:3d}"
        )
    for key, value in report.summary().items():
        lines.append(f"{key:<22} {value:.3f}")
    return "\n".join(lines)


def evaluate(directory: Path, resources: Resources, parts: Sequence[str] = PARTS) -> list[Report]:
    """Score each part found in ``directory``."""
    return [
        score(part, load_items(directory / f"{part}.jsonl"), resources)
        for part in parts
        if (directory / f"{part}.jsonl").exists()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the evaluation of every part (``python -m processing.evaluate``)."""
    from pantau.config import load_config
    from processing.resources import build_resources

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--dir", default=str(DEFAULT_DIR))
    parser.add_argument("--errors", action="store_true", help="list every misjudged item")
    parser.add_argument("--part", choices=PARTS, action="append")
    args = parser.parse_args(argv)
    resources = build_resources(load_config(args.config))
    reports = evaluate(Path(args.dir), resources, args.part or PARTS)
    out = sys.stdout
    for report in reports:
        out.write(format_report(report) + "\n")
        if args.errors:
            out.write("\n".join(report.errors) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
