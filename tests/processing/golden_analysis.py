"""Record ``analyze`` output for a fixed set of inputs (the equivalence golden file).

The golden file pins the analysis engine's behaviour: speed-ups must leave every
field identical. Regenerate it only for an intended behaviour change (and bump
``processing.resources.ENGINE_VERSION`` then)::

    .venv/bin/python -m tests.processing.golden_analysis
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pantau.config import load_config
from processing.evaluate import load_items
from processing.pipeline import analyze
from processing.resources import Resources, build_resources

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "analysis_equivalence.jsonl.gz"
SYNTHETIC_POSTS = 2000

# Odd inputs the corpora lack: entities, elongation, reduplication, -nya, units, empties.
EDGE_CASES: list[dict[str, Any]] = [
    {"text": "", "title": None, "kind": None},
    {"text": "", "title": "", "kind": "x"},
    {"text": "   \n\n  ", "title": None, "kind": "x"},
    {"text": "!!!??? ... ,,,", "title": None, "kind": "x"},
    {"text": "1234 5678 3kg 300rb 0606 jalan2 anak-anak sayur-mayur", "title": None, "kind": None},
    {"text": "parahhh bangeeet jalannya rusaaak di Cibinong!!! 😡😡", "title": None, "kind": "x"},
    {"text": "RT @DPUPRKabBogor: #JalanRusakCibinong #jalanrusak @pemkabbogor tolong", "kind": "x"},
    {"text": "Kec. Parung Panjang, Kab. Bogor; Ds. Jagabita — banjir?", "title": "", "kind": None},
    {"text": "www.example.com/a?b=1 https://t.co/xyz lihat di sini", "title": None, "kind": "x"},
    {"text": "Kemang, Jakarta Selatan bukan Kemang Kabupaten Bogor", "title": None, "kind": None},
    {"text": "gak diperbaiki2 udah lama bgt, kapan diperbaiki?", "title": None, "kind": "x"},
    {"text": "ramai-ramainya bolak-balik  kota-kota 2-3 x-2", "title": None, "kind": "x"},
    {
        "text": "Ｆｕｌｌｗｉｄｔｈ\u200btext\ufeff and soft\u00adhyphen café ÇA",
        "title": None,
        "kind": "x",
    },
    {"text": "Bogor (ANTARA) - Bupati Bogor meninjau jalan rusak", "title": None, "kind": None},
    {"text": "x" * 25_000, "title": None, "kind": "x"},
    {"text": "jalan rusak " * 3000, "title": "Jalan rusak", "kind": "news"},
    {"text": "a b", "title": None, "kind": "x"},
    {"text": "mantap pemkab, jalannya kayak kubangan wkwk 🙄", "title": None, "kind": "x"},
    {"text": "Bojong Gede dan Bojonggede; Gunung Putri, gn putri", "title": None, "kind": "x"},
]


def result(resources: Resources, text: str | None, title: str | None, kind: str | None) -> dict:
    """Everything ``analyze`` returns, as JSON-ready values."""
    analysis = analyze(resources, text, title, kind)
    out = analysis.to_dict()
    out["relevance_raw"] = analysis.relevance
    out["sentiment_raw"] = analysis.sentiment
    out["desa"] = list(analysis.desa)
    out["topic_departments"] = dict(analysis.topic_departments)
    out["fingerprint"] = analysis.fingerprint
    return out


def inputs() -> Iterator[dict[str, Any]]:
    """The eval sets (with their kind and with none), the edge cases, synthetic posts."""
    from benchmarks.corpus import generate

    for name in ("dev.jsonl", "heldout.jsonl"):
        for item in load_items(ROOT / "tests" / "eval" / name):
            kind = "news" if item.get("kind") == "news" else "x"
            for k in (kind, None):
                yield {"text": item["text"], "title": item.get("title"), "kind": k}
    for case in EDGE_CASES:
        yield {"text": case["text"], "title": case.get("title"), "kind": case.get("kind")}
    config = load_config(ROOT / "config.yaml")
    for post in generate(config, SYNTHETIC_POSTS, seed=11):
        yield {"text": post.text, "title": post.title, "kind": post.kind}


def main() -> None:
    resources = build_resources(load_config(ROOT / "config.yaml"))
    with gzip.open(GOLDEN, "wt", encoding="utf-8") as out:
        for item in inputs():
            record = {
                "in": item,
                "out": result(resources, item["text"], item["title"], item["kind"]),
            }
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
