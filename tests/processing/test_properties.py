"""Property tests: processing never raises and its work grows linearly with input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processing.normalize import MAX_CHARS
from processing.pipeline import analyze
from processing.tagging import match_spans

WORDS = [
    "jalan", "rusak", "parahhh", "jalan2", "anak-anak", "#JalanRusakCibinong", "@pemkabbogor",
    "https://x.co/a", "😡", "gak", "diperbaiki", "Kab.", "Parung", "Panjang", "bogor", "kota",
    "desa", "sukamaju", "tolong", "?", "!", "3kg", "RT", "teh", "mah", "euy", "banjir", "pdam",
]  # fmt: skip
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(text=st.text(max_size=400), title=st.one_of(st.none(), st.text(max_size=80)))
def test_analyze_never_raises_on_arbitrary_text(resources, text: str, title: str | None) -> None:
    result = analyze(resources, text, title, "x")
    assert result.aspirasi in {"keluhan", "permintaan", "pertanyaan", "apresiasi", "informasi"}
    assert -1.0 <= result.sentiment <= 1.0
    assert 0.0 <= result.relevance <= 1.0
    assert set(result.departments) <= set(resources.terms.topic_department.values()) | {
        d for terms in resources.terms.by_first.values() for d in (t.department for t in terms)
    }


@SETTINGS
@given(words=st.lists(st.sampled_from(WORDS), max_size=60))
def test_analyze_never_raises_on_informal_posts(resources, words: list[str]) -> None:
    analyze(resources, " ".join(words), None, "x")
    analyze(resources, " ".join(words), " ".join(words[:8]), "news")


# "RT @x:" is a prefix: only the first copy's would be dropped.
LINEAR_WORDS = [w for w in WORDS if w != "RT"]


@SETTINGS
@given(
    words=st.lists(st.sampled_from(LINEAR_WORDS), min_size=1, max_size=30),
    copies=st.integers(2, 6),
)
def test_work_is_linear_in_input_size(resources, words: list[str], copies: int) -> None:
    text = " ".join(words) + " ."
    one = resources.normalize(text).tokens
    many = resources.normalize(" ".join([text] * copies)).tokens
    # Normalization is token-local: k copies give k times the tokens (give or take
    # the clause marks between copies).
    assert abs(len(many) - copies * len(one)) <= copies
    stems = resources.stemmer.stem_tokens(many)
    # Matching does a bounded number of lookups per token: no pairwise work.
    widest = max(len(v) for v in resources.terms.by_first.values())
    assert len(match_spans(stems, resources.terms, many)) <= 2 * widest * len(many)


def test_huge_input_is_capped(resources) -> None:
    text = "jalan rusak parah di cibinong " * 20_000
    tokens = resources.normalize(text).tokens
    assert len(tokens) <= MAX_CHARS // 2
    assert analyze(resources, text, None, "x").departments == ("pupr",)


def test_distinct_tokens_are_stemmed_once(resources) -> None:
    stemmer = resources.stemmer
    text = "pengaspalan pengaspalan pengaspalan diperbaikinya diperbaikinya"
    analyze(resources, text)
    misses = stemmer.misses
    analyze(resources, f" {text} " * 3)
    assert stemmer.misses == misses
