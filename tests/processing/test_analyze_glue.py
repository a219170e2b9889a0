"""The glue of ``analyze``: the Analysis it builds, its ``matched`` terms, the title pass."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from processing.pipeline import analyze
from processing.places import find_places

POSTS = [
    ("Jalan rusak di Cibinong belum diperbaiki, tolong Dinas PUPR", None, "x"),
    ("Banjir di Desa Cilebut Timur, Kecamatan Sukaraja", "Banjir Sukaraja - Kompas", "news"),
    ("Pemkab Bogor di Cibinong meresmikan RSUD", "Bupati Bogor resmikan RSUD Cibinong", None),
    ("mantap pemkab, jalannya kayak kubangan wkwk 🙄", None, "x"),
    ("Kemang, Jakarta Selatan macet; Bogor Timur juga", None, "x"),
    ("tidak rusak, sudah mulus. Terima kasih @DPUPRKabBogor", None, "x"),
]


def _as_lists(value: Any) -> Any:
    """``value`` with every tuple a list: what ``matched`` held before (copied lists)."""
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_as_lists(v) for v in value]
    return value


def test_matched_serialises_like_copied_lists(resources) -> None:  # type: ignore[no-untyped-def]
    seen = set()
    for text, title, kind in POSTS:
        result = analyze(resources, text, title, kind)
        matched = dict(result.matched)
        seen.update(matched)
        old = _as_lists(matched)
        assert orjson.dumps(matched) == orjson.dumps(old)
        assert json.dumps(matched, ensure_ascii=False) == json.dumps(old, ensure_ascii=False)
        assert json.dumps(result.to_dict()) == json.dumps(_as_lists(result.to_dict()))
        assert list(matched.get("kecamatan", {})) == list(result.kecamatan)
    assert {"departments", "kecamatan", "aspirasi", "relevance"} <= seen


PLACE_WORDS = st.sampled_from(
    ["cibinong", "parung", "panjang", "bojong", "gede", "desa", "kecamatan", "kabupaten",
     "bogor", "jalan", "raya", "cilebut", "timur", "jakarta", "selatan", "kemang", "pemkab",
     "di", ".", "|", "sukamaju", "jonggol", "stadion", "pakansari", "arah", "cariu", "kota"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PLACE_WORDS, max_size=16))
def test_places_without_terms_agree(resources, words: list[str]) -> None:  # type: ignore[no-untyped-def]
    full = find_places(words, resources.places)
    brief = find_places(words, resources.places, None, terms=False)
    assert brief.kecamatan == full.kecamatan
    assert brief.direct == full.direct
    assert brief.unresolved_desa == full.unresolved_desa
    assert list(full.terms) == list(full.kecamatan)
    assert all(len(set(v)) == len(v) for v in full.terms.values())


def test_title_kecamatan_weighs_only_when_the_post_names_one(resources) -> None:  # type: ignore[no-untyped-def]
    # The headline's kecamatan counts double: the same text scores higher with it there.
    body = "Warga mengeluhkan jalan rusak di Kecamatan Cibinong"
    with_title = analyze(resources, body, "Jalan rusak di Cibinong", "news")
    plain_title = analyze(resources, body, "Jalan rusak lagi", "news")
    assert with_title.kecamatan == plain_title.kecamatan == ("Cibinong",)
    assert with_title.relevance > plain_title.relevance
