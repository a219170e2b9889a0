"""Dedup quality on the benchmark corpus: precision/recall of ``dup_of`` against the generator.

``benchmarks/corpus.py`` marks near-duplicates (``duplicate=True``) but not which post
they copy; this script records it by watching the generator draw the base post (the
random stream is untouched, so the corpus is the same one the benchmark uses)::

    .venv/bin/python benchmarks/dedup_quality.py [--posts N] [--pairs P] [--seed S]

A duplicate is found correctly when ``dup_of`` points into its own cluster (its base
or another copy of that base). Two modes: ``fingerprint`` (SimHash only: no URL,
title or text keys, the harder test of the fingerprint) and ``keys+fingerprint`` (what
``process_pending`` does, with canonical URLs as storage keeps them). Also the Hamming
distance between each copy and its base, per copy style, and between random pairs of
unrelated originals.

``--score-db big.db`` instead scores the ``dup_of`` that a run (``throughput.py``'s
retag stage) left in a benchmark database, against the generator's truth for that
database (same seed, span and busy share as ``throughput.py`` builds it with)::

    .venv/bin/python benchmarks/dedup_quality.py --score-db WORK/big.db --db-posts 1000000

The corpus also depends on ``config.yaml`` and the bundled lexicons, which the cache
key (``GENERATOR_VERSION``) does not cover: a database cached by older code is scored
with that code's tree first on the path (``git archive REV | tar -x -C OLD``, then
``cd OLD && PYTHONPATH=OLD python .../dedup_quality.py --score-db ... --db-config
config.yaml``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from benchmarks import corpus  # noqa: E402
from collectors.urls import canonical_url  # noqa: E402
from pantau.config import load_config  # noqa: E402
from processing.dedup import MAX_DISTANCE, DedupIndex, dedup_keys, distance  # noqa: E402
from processing.pipeline import analyze  # noqa: E402
from processing.resources import build_resources  # noqa: E402


class TracingGenerator(corpus.Generator):
    """The benchmark generator, also recording which original each duplicate copies."""

    def __init__(self, vocab: corpus.Vocabulary, seed: int = 1) -> None:
        super().__init__(vocab, seed)
        self.base_of: dict[int, int] = {}  # counter of a duplicate -> counter of its base

    def _duplicate(self, at: datetime) -> corpus.SyntheticPost:
        drawn: list[corpus.SyntheticPost] = []
        choice: Callable[[Sequence[Any]], Any] = self.rng.choice

        def watch(seq: Sequence[Any]) -> Any:
            picked = choice(seq)
            if seq is self.recent:
                drawn.append(picked)
            return picked

        self.rng.choice = watch  # type: ignore[method-assign]
        try:
            post = super()._duplicate(at)
        finally:
            del self.rng.choice
        self.base_of[int(post.raw["id"])] = int(drawn[0].raw["id"])
        return post


def corpus_with_truth(posts: int, seed: int) -> tuple[list[corpus.SyntheticPost], dict[int, int]]:
    config = load_config(ROOT / "config.yaml")
    gen = TracingGenerator(corpus.build_vocabulary(config), seed=seed)
    times = corpus.timeline(posts, span_days=1, end=date(2026, 11, 27), busy_share=0.0,
                            seed=seed + 1)  # fmt: skip
    items = [gen.next(at) for at in times]
    return items, gen.base_of


def style(post: corpus.SyntheticPost, base: corpus.SyntheticPost) -> str:
    if post.text == base.text:
        return "syndicated"
    if post.text.startswith("RT @") and not base.text.startswith("RT @"):
        return "retweet"
    return "edit"


def evaluate(posts: int, pairs: int, seed: int) -> dict[str, Any]:
    config = load_config(ROOT / "config.yaml")
    resources = build_resources(config)
    items, base_of = corpus_with_truth(posts, seed)
    ids = [int(p.raw["id"]) for p in items]
    by_id = dict(zip(ids, items, strict=True))
    cluster = {i: base_of.get(i, i) for i in ids}
    started = time.process_time()
    fingerprints = {
        i: analyze(resources, p.text, p.title, p.kind).fingerprint for i, p in by_id.items()
    }
    analyze_s = time.process_time() - started
    sizes = {i: len(p.text.split()) + len((p.title or "").split()) for i, p in by_id.items()}
    out: dict[str, Any] = {"posts": posts, "duplicates": len(base_of), "analyze_cpu_s": analyze_s}
    for mode in ("fingerprint", "keys+fingerprint"):
        index = DedupIndex()
        found = correct = 0
        missed: Counter[str] = Counter()
        for i in ids:
            p = by_id[i]
            keys = (
                dedup_keys(canonical_url(p.url), p.title, p.text) if mode != "fingerprint" else []
            )
            dup = index.find(fingerprints[i], keys, sizes[i])
            index.add(i, fingerprints[i], keys, sizes[i])
            if dup is not None:
                found += 1
                correct += cluster[dup] == cluster[i]
            elif i in base_of:
                missed[style(p, by_id[base_of[i]])] += 1
        out[mode] = {
            "found": found,
            "correct": correct,
            "precision": round(correct / found, 5) if found else None,
            "recall": round(correct / len(base_of), 5) if base_of else None,
            "missed_by_style": dict(missed),
        }
    per_style: dict[str, list[int]] = defaultdict(list)
    for i, b in base_of.items():
        per_style[style(by_id[i], by_id[b])].append(distance(fingerprints[i], fingerprints[b]))
    out["copy_distance"] = {
        name: {
            "pairs": len(d),
            "mean": round(statistics.fmean(d), 3),
            "within_max_distance": round(sum(x <= MAX_DISTANCE for x in d) / len(d), 5),
        }
        for name, d in sorted(per_style.items())
    }
    rng = random.Random(seed)
    originals = [i for i in ids if i not in base_of and sizes[i] >= DedupIndex().min_tokens]
    sample = [distance(fingerprints[a], fingerprints[b])
              for a, b in (rng.sample(originals, 2) for _ in range(pairs))]  # fmt: skip
    out["unrelated_distance"] = {
        "pairs": pairs,
        "mean": round(statistics.fmean(sample), 3),
        "stdev": round(statistics.pstdev(sample), 3),
        "min": min(sample),
        "within_max_distance": sum(x <= MAX_DISTANCE for x in sample),
    }
    return out


def duplicate_truth(
    posts: int, seed: int, span_days: int, busy_share: float, config_path: Path
) -> dict[int, int]:
    """Generator counter of each duplicate -> counter of its base, streaming (flat memory)."""
    from benchmarks.throughput import END

    config = load_config(config_path)
    gen = TracingGenerator(corpus.build_vocabulary(config), seed=seed)
    times = corpus.timeline(posts, span_days=span_days, end=END, busy_share=busy_share,
                            seed=seed + 1)  # fmt: skip
    for at in times:
        gen.next(at)
    return gen.base_of


def score_db(path: Path, posts: int, seed: int, config_path: Path) -> dict[str, Any]:
    """Precision/recall of the ``dup_of`` column of a benchmark database.

    The corpus depends on ``config.yaml`` (department phrases) and the bundled lexicons
    (slang): run with the code and config the database was built with (``PYTHONPATH``
    of that commit's tree, ``--db-config``). Its first stored texts are checked against
    the regenerated ones, so a mismatch is an error, not a silently meaningless score.
    """
    import sqlite3

    from benchmarks.throughput import BUSY_SHARE, END, SPAN_DAYS

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = db.execute("SELECT id, external_id, dup_of FROM posts").fetchall()
    stored = db.execute("SELECT text FROM posts ORDER BY id LIMIT 200").fetchall()
    db.close()
    sample = corpus.generate(load_config(config_path), posts, seed=seed, span_days=SPAN_DAYS,
                             end=END, busy_share=BUSY_SHARE)  # fmt: skip
    if [p.text for p, _ in zip(sample, stored, strict=False)] != [t for (t,) in stored]:
        raise SystemExit(
            f"{path}: not the corpus of this code and {config_path} (seed {seed}); see --help"
        )
    base_of = duplicate_truth(posts, seed, SPAN_DAYS, BUSY_SHARE, config_path)
    counter = {post_id: int(external.rsplit("-", 1)[1]) for post_id, external, _ in rows}
    found = correct = 0
    for post_id, _, dup in rows:
        if dup is None:
            continue
        n, m = counter[post_id], counter[dup]
        found += 1
        correct += base_of.get(n, n) == base_of.get(m, m)
    return {
        "posts": len(rows),
        "duplicates": len(base_of),
        "found": found,
        "correct": correct,
        "precision": round(correct / found, 5) if found else None,
        "recall": round(correct / len(base_of), 5) if base_of else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--score-db", type=Path, help="score the dup_of of this benchmark db")
    parser.add_argument("--db-posts", type=int, default=1_000_000, help="its size")
    parser.add_argument("--db-seed", type=int, default=101, help="its generator seed")
    parser.add_argument("--db-config", type=Path, default=ROOT / "config.yaml",
                        help="the config.yaml it was built with")  # fmt: skip
    args = parser.parse_args(argv)
    if args.score_db:
        result = score_db(args.score_db, args.db_posts, args.db_seed, args.db_config)
    else:
        result = evaluate(args.posts, args.pairs, args.seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
