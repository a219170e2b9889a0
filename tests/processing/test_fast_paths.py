"""The fast matching code gives exactly what the simple reference versions give.

``reference_matching.py`` keeps the matching stages as they were before the speed
work (per-word loops over every candidate term). Here both run on random token
lists drawn from the lexicons' own words (so phrases, markers, negations and
place names meet in every combination) mixed with random words.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processing import lexicon as bundled
from processing.aspirasi import classify
from processing.normalize import compact
from processing.places import (
    DESA_MARKERS,
    DIRECTION_BEFORE,
    FOREIGN_CONTEXT,
    KECAMATAN_MARKERS,
    LANDMARK_BEFORE,
    NOT_A_PLACE_BEFORE,
    REGENCY_BEFORE,
    ROAD_BEFORE,
    SEAT_BEFORE,
    VENUE_BEFORE,
    PlaceIndex,
    find_places,
)
from processing.relevance import judge, longest_spans
from processing.tagging import SIMILE, SPEAKER_BEFORE, TermIndex, match_spans, tag
from tests.processing import reference_matching as ref

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MARKS = ["|", ".", "bogor", "kabupaten", "kota", "kab", "kec", "ke", "di", "yang", "dulu"]
RANDOM_WORD = st.text(alphabet="abcdegiklmnprstuy", min_size=1, max_size=6)


class Tables:
    """The built resources and the words each stage reacts to (with a short repr, as
    hypothesis prints the arguments of a failing example)."""

    def __init__(self, resources: Any) -> None:
        self.resources = resources
        self.words = _vocabulary(resources)

    def __repr__(self) -> str:
        return "Tables(resources)"


@pytest.fixture(scope="module")
def tables(resources: Any) -> Tables:
    return Tables(resources)


def _vocabulary(resources: Any) -> dict[str, list[list[tuple[str, ...]]]]:
    """Pieces each stage reacts to, from its own tables, in groups drawn alike: whole
    phrases, single words, and context words joined to what they qualify."""
    terms = resources.terms
    tag_pieces = sorted({t.stems for table in (terms.by_first, terms.by_first_exact)
                         for ts in table.values() for t in ts})  # fmt: skip
    rel_pieces = sorted({t.stems for ts in resources.relevance.by_first.values() for t in ts})
    areas = bundled.gazetteer()
    names = sorted({tuple(a.nama.casefold().split()) for a in areas})
    kecamatan = sorted({tuple(a.nama.casefold().split()) for a in areas if a.level == "kecamatan"})
    split = sorted({(k[:3], k[3:]) for k in (compact(a.nama) for a in areas)})
    context = set(DESA_MARKERS | KECAMATAN_MARKERS | REGENCY_BEFORE | NOT_A_PLACE_BEFORE)
    context |= ROAD_BEFORE | DIRECTION_BEFORE | LANDMARK_BEFORE | VENUE_BEFORE | SEAT_BEFORE
    context |= set(sorted(FOREIGN_CONTEXT)[:8])
    marked = [(w, *name) for w in sorted(context) for name in kecamatan[::3]]
    lex = resources.aspirasi
    cues = sorted(lex.social_cues)
    cue_context = sorted(lex.negations | lex.past_markers | lex.done_markers | {"kapan"})
    cue_words = set(lex.polarity) | lex.government_actors | lex.news_response | lex.sarcasm
    cue_words |= lex.unmet | lex.question_words | lex.question_news
    marks = [(w,) for w in MARKS]
    return {
        "tag": [tag_pieces, _words(tag_pieces) + [(w,) for w in SIMILE | SPEAKER_BEFORE], marks],
        "places": [names, kecamatan, split, [(w,) for w in sorted(context)], marked, marks],
        "relevance": [rel_pieces, _words(rel_pieces), marks],
        "aspirasi": [
            cues,
            [(w, *cue) for w in cue_context for cue in cues[::7]],
            [(w,) for w in sorted(cue_words)] + _words(cues),
            marks,
        ],
    }


def _words(pieces: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return sorted({(w,) for piece in pieces for w in piece})


def _tokens(tables: Tables, stage: str, data: st.DataObject, max_size: int = 30) -> list[str]:
    """Pieces of every group and random words, run together."""
    groups = [st.sampled_from(group) for group in tables.words[stage]]
    random = RANDOM_WORD.map(lambda w: (w,))
    drawn = data.draw(st.lists(st.one_of(*groups, random), max_size=max_size))
    return [word for piece in drawn for word in piece]


def _ranked(spans: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    order = {"alias": 0, "topic": 1, "keyword": 2}
    return sorted(spans, key=lambda h: (h[0], -len(h[1].stems), order.get(h[1].kind, 3)))


@SETTINGS
@given(data=st.data())
def test_match_spans_finds_what_the_reference_finds(tables: Tables, data: st.DataObject) -> None:
    resources = tables.resources
    tokens = _tokens(tables, "tag", data)
    stems = data.draw(st.permutations(tokens))
    found = match_spans(stems, resources.terms, tokens)
    expected = ref.match_spans(stems, resources.terms, tokens)
    assert _ranked(found) == _ranked(expected)
    # Stem hits come first, in reading order, then exact ones: no sort needed for tag.
    stem_hits = [h for h in found if not h[1].exact]
    assert found[: len(stem_hits)] == _ranked(stem_hits)


@SETTINGS
@given(data=st.data(), with_tokens=st.booleans())
def test_tag_equals_reference(tables: Tables, data: st.DataObject, with_tokens: bool) -> None:
    resources = tables.resources
    tokens = _tokens(tables, "tag", data)
    # Stems drawn apart from the tokens: the fast path must not assume they agree.
    stems = _tokens(tables, "tag", data)[: len(tokens)]
    stems += tokens[len(stems) :]
    words = tokens if with_tokens else None
    assert tag(stems, resources.terms, words) == ref.tag(stems, resources.terms, words)
    real = resources.stemmer.stem_tokens(tokens)
    assert tag(real, resources.terms, tokens) == ref.tag(real, resources.terms, tokens)


@SETTINGS
@given(data=st.data())
def test_find_places_equals_reference(tables: Tables, data: st.DataObject) -> None:
    resources = tables.resources
    tokens = _tokens(tables, "places", data)
    got = find_places(tokens, resources.places)
    want = ref.find_places(tokens, resources.places)
    # ``terms`` holds lists (the surfaces, kept without repeats as they are found).
    assert {k: tuple(v) for k, v in got.terms.items()} == want.terms
    assert list(got.terms) == list(want.terms)
    fields = ("kecamatan", "desa", "kota_terms", "foreign_terms", "unresolved_desa", "direct")
    assert [getattr(got, f) for f in fields] == [getattr(want, f) for f in fields]


@SETTINGS
@given(
    data=st.data(),
    title=st.integers(0, 12),
    counts=st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 3), st.integers(0, 2)),
    kota=st.lists(st.sampled_from(["tanah sareal", "bogor barat"]), max_size=2),
    foreign=st.lists(st.sampled_from(["kemang jakarta"]), max_size=1),
)
def test_judge_equals_reference(
    tables: Tables, data: st.DataObject, title: int, counts: tuple[int, int, int, int],
    kota: list[str], foreign: list[str],
) -> None:  # fmt: skip
    resources = tables.resources
    tokens = _tokens(tables, "relevance", data)
    index = resources.relevance
    assert longest_spans(tokens, index) == ref._longest(ref.match_spans(tokens, index))
    kecamatan, desa, departments, title_kecamatan = counts
    kwargs: dict[str, Any] = {
        "kecamatan_hits": kecamatan,
        "kota_place_terms": tuple(kota),
        "departments": departments,
        "desa_hits": desa,
        "foreign_place_terms": tuple(foreign),
        "title_kecamatan_hits": title_kecamatan,
    }
    title_tokens = tokens[:title]
    assert judge(tokens, title_tokens, index, **kwargs) == ref.judge(
        tokens, title_tokens, index, **kwargs
    )


@SETTINGS
@given(
    data=st.data(),
    question=st.booleans(),
    is_news=st.booleans(),
    emoji=st.lists(st.sampled_from(["😡", "🙏", "👍", "🙄", "x"]), max_size=2),
)
def test_classify_equals_reference(
    tables: Tables, data: st.DataObject, question: bool, is_news: bool, emoji: list[str]
) -> None:
    resources = tables.resources
    tokens = _tokens(tables, "aspirasi", data)
    lex = resources.aspirasi
    got = classify(tokens, lex, question=question, is_news=is_news, emoji=emoji)
    assert got == ref.classify(tokens, lex, question=question, is_news=is_news, emoji=emoji)
    # A lexicon without cue tables still reads negations and polarity alike.
    bare = replace(lex, news_cues={}, social_cues={}, first_words=frozenset(), cue_sizes={})
    got = classify(tokens, bare, question=question, is_news=is_news, emoji=emoji)
    assert got == ref.classify(tokens, bare, question=question, is_news=is_news, emoji=emoji)


def test_indexes_built_directly_derive_their_fast_tables(resources) -> None:
    """An index made from its plain tables alone matches like the built one."""
    terms = resources.terms
    plain = TermIndex(
        by_first=terms.by_first,
        topic_department=terms.topic_department,
        topic_requires=terms.topic_requires,
        by_first_exact=terms.by_first_exact,
    )
    stems = resources.stemmer.stem_tokens(("jalan", "rusak", "parah", "di", "cibinong"))
    assert tag(stems, plain, stems) == tag(stems, terms, stems)
    assert tag(stems, plain, stems).departments == ("pupr",)
    places = PlaceIndex(resources.places.names, common=resources.places.common)
    tokens = ("warga", "desa", "cibuluh", "kecamatan", "parung", "panjang")
    assert find_places(tokens, places) == find_places(tokens, resources.places)
    assert find_places(tokens, places).kecamatan == ("Parungpanjang",)
