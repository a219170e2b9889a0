"""``analyze``'s shared token pass: the positions it hands each stage equal what the
stage finds on its own, so every stage gives the same result either way."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from processing import pipeline
from processing.aspirasi import classify
from processing.fingerprint import Row, simhash, simhash_marks, simhash_numpy, simhash_rows
from processing.pipeline import scan_tokens
from processing.places import find_places
from processing.relevance import judge, longest_spans
from processing.tagging import _hit_order, _merge, tag
from tests.processing.test_fast_paths import SETTINGS, Tables, _tokens
from tests.processing.test_fast_paths import tables as tables  # noqa: F401  # fixture

STAGES = ("tag", "places", "relevance", "aspirasi")
CONTEXT = frozenset({"requires", "exclude", "topic_exclude"})


def _mixed(tables: Tables, data: st.DataObject) -> tuple[str, ...]:
    """Words every stage reacts to, run together, with a few boundary marks."""
    parts: list[str] = []
    for stage in data.draw(st.lists(st.sampled_from(STAGES), min_size=1, max_size=4)):
        parts += _tokens(tables, stage, data, max_size=10)
    return tuple(parts)


@SETTINGS
@given(
    data=st.data(),
    title=st.integers(0, 10),
    words_end=st.integers(0, 40),
    question=st.booleans(),
    is_news=st.booleans(),
)
def test_scan_positions_give_what_each_stage_finds_alone(
    tables: Tables, data: st.DataObject, title: int, words_end: int, question: bool, is_news: bool
) -> None:
    resources = tables.resources
    tokens = _mixed(tables, data)
    stems = resources.stemmer.stem_tokens(tokens)
    for _ in range(2):  # the second scan reads the remembered marks
        scan = scan_tokens(resources, tokens)
        assert scan.stems == stems
        content = [s for s in stems if s not in resources.not_content]
        assert [row.token for row in scan.content] == content
        assert [(r.a, r.b, r.c) for r in scan.content] == [
            (r.a, r.b, r.c) for r in map(Row, content)
        ]
        assert simhash_rows(scan.content) == simhash(content) == simhash_numpy(content)
        assert simhash_marks(scan.marks) == simhash(content)
        assert scan.bogor == ("bogor" in tokens)
        terms = resources.terms
        alone = tag(stems, terms, tokens)
        assert tag(stems, terms, tokens, scan.stem_heads, scan.exact_heads) == alone
        assert scan.stem_head_list == [terms.heads[stems[i]] for i in scan.stem_heads]
        assert scan.exact_head_list == [terms.heads_exact[tokens[i]] for i in scan.exact_heads]
        assert (
            tag(
                stems,
                terms,
                tokens,
                scan.stem_heads,
                scan.exact_heads,
                scan.stem_head_list,
                scan.exact_head_list,
            )
            == alone
        )
        # ``analyze``'s call: the stems and index entries read off the marks, none passed.
        marked = tag((), terms, tokens, scan.stem_heads, scan.exact_heads, marks=scan.marks)
        assert marked == alone
        places = resources.places
        assert find_places(tokens, places, scan.places) == find_places(tokens, places)
        title_tokens = tokens[:title]
        title_spots = [i for i in scan.places if i < len(title_tokens)]
        assert find_places(title_tokens, places, title_spots) == find_places(title_tokens, places)
        index = resources.relevance
        assert longest_spans(tokens, index, scan.relevance) == longest_spans(tokens, index)
        assert scan.relevance_head_list == [index.heads[tokens[i]] for i in scan.relevance]
        assert longest_spans(
            tokens, index, scan.relevance, scan.relevance_head_list
        ) == longest_spans(tokens, index)
        assert longest_spans(tokens, index, scan.relevance, marks=scan.marks) == longest_spans(
            tokens, index
        )
        kwargs: dict[str, Any] = {"kecamatan_hits": 1, "kota_place_terms": (), "departments": 1}
        assert judge(
            tokens,
            title_tokens,
            index,
            spots=scan.relevance,
            bogor=scan.bogor,
            spot_heads=scan.relevance_head_list,
            **kwargs,
        ) == judge(tokens, title_tokens, index, **kwargs)
        assert judge(
            tokens,
            title_tokens,
            index,
            spots=scan.relevance,
            bogor=scan.bogor,
            marks=scan.marks,
            **kwargs,
        ) == judge(tokens, title_tokens, index, **kwargs)
        words = tokens[:words_end]
        watched = [i for i in scan.watched if i < len(words)]
        lex = resources.aspirasi
        assert classify(words, lex, question=question, is_news=is_news, spots=watched) == classify(
            words, lex, question=question, is_news=is_news
        )


def test_marks_are_bounded_and_not_shared_with_a_replaced_resources(
    resources: Any, monkeypatch: Any
) -> None:
    tokens = ("jalan", "rusak", "di", "cibinong", "kabupaten", "bogor", "tolong")
    scan = scan_tokens(resources, tokens)
    assert scan.bogor and scan.places and scan.stem_heads and scan.watched
    assert set(tokens) <= set(resources.token_marks)
    # ``replace`` (another taxonomy, another stemmer) starts with no marks.
    other = replace(resources, terms=resources.terms)
    assert other.token_marks == {} and other.token_marks is not resources.token_marks
    monkeypatch.setattr(pipeline, "MARKS_SIZE", 3)
    scan_tokens(resources, tokens)
    longer = ("lain", *tokens)
    assert scan_tokens(resources, longer).stems == resources.stemmer.stem_tokens(longer)
    # Full: emptied, then filled with this post's words alone.
    assert set(resources.token_marks) == set(longer)


@SETTINGS
@given(data=st.data())
def test_merging_ranked_hits_is_a_stable_sort(tables: Tables, data: st.DataObject) -> None:
    """``tag`` interleaves its stem and exact hits by a merge instead of a sort.

    The context hits (``requires``/``exclude``/``topic_exclude``) of the second list
    are not ordered: they follow the merged ones, in their own order.
    """
    terms = [t for ts in tables.resources.terms.by_first.values() for t in ts][:60]
    terms += [t for ts in tables.resources.terms.by_first_exact.values() for t in ts][:30]
    hit = st.tuples(st.integers(0, 6), st.sampled_from(terms))
    first = sorted(data.draw(st.lists(hit, max_size=12)), key=_hit_order)
    first = [h for h in first if h[1].kind not in CONTEXT]
    second = sorted(data.draw(st.lists(hit, max_size=12)), key=_hit_order)
    starts, found = [s for s, _ in first + second], [t for _, t in first + second]
    ordered = _merge(starts, found, len(first))
    merged = list(zip(starts, found, strict=True))
    ranked = [h for h in second if h[1].kind not in CONTEXT]
    assert ordered == len(first) + len(ranked)
    assert merged[:ordered] == sorted(first + ranked, key=_hit_order)
    assert merged[ordered:] == [h for h in second if h[1].kind in CONTEXT]
