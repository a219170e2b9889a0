"""The lookup tables derived for speed answer exactly what the plain checks answer.

``PlaceIndex.grows`` stands for ``key + word in prefixes``; ``Head.follow`` for the
tuple lookups in ``Head.longer``; ``AspirasiLexicon.roles`` for the word sets; the
tag ranking and hit merge for sorts by their keys.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processing.aspirasi import classify
from processing.places import _grows_by
from processing.tagging import GENERAL_DEPARTMENTS, THRESHOLD, _choose, _is_general, _rank, _Tally
from processing.terms import KIND_CODES, OTHER, Term, phrase_at, term_rank

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=st.data())
def test_grows_by_is_the_joined_prefix_test(resources: Any, data: st.DataObject) -> None:
    index = resources.places
    prefixes = sorted(index.prefixes)
    piece = st.sampled_from(prefixes) | st.text(alphabet="abcgijnrsu", max_size=6)
    key = data.draw(st.sampled_from(prefixes))
    word = data.draw(piece)
    start = index.starts[key]
    assert _grows_by(key, word, start.ways, index.prefixes) == (key + word in index.prefixes)
    assert start.ways is index.grows.get(key) and start.reading is index.readings.get(key)


def test_starts_cover_every_prefix_and_name(resources: Any) -> None:
    index = resources.places
    words = index.prefixes | index.grows.keys() | index.readings.keys()
    assert index.starts.keys() == words
    for word in ("cibinong", "parung", "xyz"):
        start = index.starts.get(word)
        assert (start.reading if start else None) is index.readings.get(word)


def test_follow_holds_every_longer_term_longest_first(resources: Any) -> None:
    for heads in (resources.terms.heads, resources.terms.heads_exact, resources.relevance.heads):
        for first, head in heads.items():
            listed = {key: terms for ways in head.follow.values() for key, terms in ways}
            assert listed == head.longer
            for second, ways in head.follow.items():
                sizes = [len(key) for key, _ in ways]
                assert sizes == sorted(sizes, reverse=True)
                assert all(key[:2] == (first, second) for key, _ in ways)
            # ``second``/``second_keys`` stand for ``follow`` when it has one word.
            if len(head.follow) == 1:
                assert head.follow == {head.second: head.second_keys}
            else:
                assert (head.second, head.second_keys) == ("", ())


def test_terms_know_their_size_kind_code_and_rank(resources: Any) -> None:
    terms = [t for ts in resources.terms.by_first.values() for t in ts]
    terms += [t for ts in resources.terms.by_first_exact.values() for t in ts]
    assert {t.kind for t in terms} <= set(KIND_CODES)
    for term in terms:
        assert term.size == len(term.stems)
        assert term.code == KIND_CODES[term.kind]
        assert (-term.size, term.rank) == term_rank(term)
    assert Term(("a",), "a", "x", "odd").code == OTHER


@given(
    words=st.lists(st.sampled_from(["a", "b", "c"]), max_size=8),
    key=st.lists(st.sampled_from(["a", "b", "c"]), min_size=2, max_size=4),
    i=st.integers(min_value=0, max_value=8),
)
def test_phrase_at_is_a_slice_comparison(words: list[str], key: list[str], i: int) -> None:
    seq = tuple(words)
    if i + 2 > len(seq) or seq[i : i + 2] != tuple(key[:2]):
        return  # phrase_at is only asked once the first two words match
    assert phrase_at(seq, i, tuple(key)) == (seq[i : i + len(key)] == tuple(key))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["pupr", "dinkes", "dishub", *GENERAL_DEPARTMENTS]),
            st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0]),
        ),
        max_size=8,
        unique_by=lambda pair: pair[0],
    )
)
def test_rank_sorts_by_generality_score_and_name(pairs: list[tuple[str, float]]) -> None:
    tally = []
    for department, score in pairs:
        entry = _Tally(department)
        entry.score = score
        tally.append(entry)
    expected = sorted((d in GENERAL_DEPARTMENTS, -s, d) for d, s in pairs)
    _rank(tally)
    assert [e.department for e in tally] == [d for _, _, d in expected]
    assert all(e.general == (e.department in GENERAL_DEPARTMENTS) for e in tally)
    chosen: list[str] = []
    terms: dict[str, tuple[str, ...]] = {}
    scores: dict[str, float] = {}
    _choose(tally, chosen, terms, scores)
    assert chosen == [d for _, s, d in expected if -s >= THRESHOLD]
    assert scores == {d: -s for _, s, d in expected if -s >= THRESHOLD}


def test_general_departments_are_the_listed_ones(resources: Any) -> None:
    """``_is_general`` spells ``GENERAL_DEPARTMENTS`` out (native comparisons)."""
    codes = {t.department for ts in resources.terms.by_first.values() for t in ts}
    assert set(GENERAL_DEPARTMENTS) <= codes
    assert {d for d in codes if _is_general(d)} == set(GENERAL_DEPARTMENTS)


def test_overlapping_negations_list_each_unmet_action_once(resources: Any) -> None:
    lexicon = resources.aspirasi
    words = "sampah tidak belum diangkut . jalan tidak diperbaiki".split()
    spots = [i for i, w in enumerate(words) if w in lexicon.watched]
    verdict = classify(words, lexicon, question=False, spots=spots)
    assert verdict == classify(words, lexicon, question=False)
    assert verdict.aspirasi == "keluhan"
    assert verdict.cues["keluhan"] == ("sampah", "belum diangkut", "tidak diperbaiki")
