"""The dedup quality benchmark: its ground truth is the benchmark corpus itself."""

from __future__ import annotations

from benchmarks import corpus, dedup_quality


def test_tracing_generator_leaves_the_corpus_unchanged(default_config) -> None:  # type: ignore[no-untyped-def]
    traced, base_of = dedup_quality.corpus_with_truth(400, seed=3)
    plain = list(corpus.generate(default_config, 400, seed=3))
    assert [p.text for p in traced] == [p.text for p in plain]
    by_id = {int(p.raw["id"]): p for p in traced}
    assert set(base_of) == {i for i, p in by_id.items() if p.duplicate}
    for copy, base in base_of.items():
        assert base < copy and not by_id[base].duplicate
        assert by_id[copy].kind == by_id[base].kind
        assert dedup_quality.style(by_id[copy], by_id[base]) in {"syndicated", "retweet", "edit"}


def test_quality_scores_on_a_small_corpus() -> None:
    result = dedup_quality.evaluate(posts=300, pairs=500, seed=2)
    assert result["duplicates"] > 50
    for mode in ("fingerprint", "keys+fingerprint"):
        assert result[mode]["precision"] >= 0.95
    # Keys find at least what the fingerprint alone finds.
    assert result["keys+fingerprint"]["recall"] >= result["fingerprint"]["recall"] > 0.3
    assert result["copy_distance"]["syndicated"]["within_max_distance"] == 1.0
    assert 24 <= result["unrelated_distance"]["mean"] <= 40
