"""Row building of ``save_analyses``: the cached JSON texts of tag and term lists."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.models import Analysis, Post
from storage import analysis as analysis_store
from storage import posts as post_store


def _json(value: Any) -> str:
    """The stored text of a term list: orjson's compact UTF-8 text, else the json module's."""
    if not value:
        return "[]"
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _analysis(**fields: Any) -> Analysis:
    base: dict[str, Any] = {"relevant": True, "relevance": 0.5}
    base.update(fields)
    return Analysis(**base)


def _tag_rows(a: Analysis, post_id: int = 1) -> tuple[list[tuple[Any, ...]], ...]:
    rows = analysis_store._build_rows([(post_id, a, None)], "v", "now")
    return tuple(
        list(zip(*[iter(flat)] * 4, strict=True))
        for flat in (rows.departments, rows.topics, rows.places)
    )


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    analysis_store._TEXTS.clear()
    analysis_store._TEXTS.update(analysis_store._TEXTS_SEED)


def test_tuples_and_lists_of_terms_give_the_same_text() -> None:
    a = _analysis(
        departments=("pupr", "bpbd"),
        topics=("jalan",),
        kecamatan=("Cibinong",),
        matched={
            "departments": {"pupr": ("jalan", "rusak"), "bpbd": ["jalan", "rusak"]},
            "topics": {"jalan": ["jalan", "rusak"]},
            "kecamatan": {"Cibinong": ("jalan", "rusak")},
        },
    )
    departments, topics, places = _tag_rows(a)
    text = '["jalan","rusak"]'
    assert departments == [(1, "pupr", 0, text), (1, "bpbd", 1, text)]
    assert topics == [(1, "jalan", None, text)]
    assert places == [(1, "Cibinong", "", text)]
    # One cached text, shared by value (a list is looked up as its tuple).
    assert analysis_store._TEXTS[("jalan", "rusak")] == text


def test_unhashable_and_odd_terms_are_encoded_each_time() -> None:
    terms: dict[str, Any] = {
        "a": [["nested"]],  # a list of lists: unhashable as a tuple
        "b": ({"k": 1},),  # a tuple holding a dict: unhashable
        "c": "plain",
        "d": {1: "int key"},  # orjson refuses: the json module's text
        "e": [],
        "f": None,
    }
    a = _analysis(departments=tuple(terms), matched={"departments": terms})
    (departments, _, _) = _tag_rows(a)
    assert [row[3] for row in departments] == [_json(v) for v in terms.values()]
    assert [row[3] for row in departments][:4] == [
        '[["nested"]]', '[{"k":1}]', '"plain"', '{"1":"int key"}',
    ]  # fmt: skip
    # Only the departments tuple (all strings) was cached.
    assert set(analysis_store._TEXTS) == {(), None, tuple(terms)}


def test_equal_tuples_of_numbers_keep_their_own_text() -> None:
    # (1,) == (True,) == (1.0,): only tuples of strings are cached, so none takes another's.
    terms = {"a": (1,), "b": (True,), "c": (1.0,), "d": (1,)}
    a = _analysis(departments=tuple(terms), matched={"departments": terms})
    (departments, _, _) = _tag_rows(a)
    assert [row[3] for row in departments] == ["[1]", "[true]", "[1.0]", "[1]"]
    b = _analysis(departments=("x",), matched={"departments": {"x": [True]}})
    assert _tag_rows(b)[0] == [(1, "x", 0, "[true]")]


def test_missing_terms_and_tag_lists_as_lists() -> None:
    a = _analysis(
        departments=["pupr"],  # type: ignore[arg-type]
        topics=["jalan"],  # type: ignore[arg-type]
        kecamatan=["Ciseeng"],  # type: ignore[arg-type]
        matched={"topics": {}},
    )
    rows = analysis_store._build_rows([(7, a, None)], "v", "now")
    assert rows.analysis[3:6] == ['["pupr"]', '["jalan"]', '["Ciseeng"]']
    assert rows.departments == [7, "pupr", 0, "[]"]
    assert rows.topics == [7, "jalan", None, "[]"]
    assert rows.places == [7, "Ciseeng", "", "[]"]


def test_desa_rows_per_kecamatan_in_order() -> None:
    a = _analysis(
        kecamatan=("Cibinong", "Ciseeng", "Babakan Madang"),
        desa=("Cibinong/Pakansari", "Ciseeng/Putat Nutug", "Cibinong/Tengah", "Sukaraja/X"),
        matched={"kecamatan": {"Cibinong": ["cibinong"], "Ciseeng": ["ciseeng"]}},
    )
    (_, _, places) = _tag_rows(a, post_id=3)
    assert places == [
        (3, "Cibinong", "Pakansari", '["cibinong"]'),
        (3, "Cibinong", "Tengah", '["cibinong"]'),
        (3, "Ciseeng", "Putat Nutug", '["ciseeng"]'),
        (3, "Babakan Madang", "", "[]"),
    ]


def test_cache_starts_over_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis_store, "_TEXTS_MAX", 4)
    for i in range(10):
        a = _analysis(departments=(f"d{i}",), matched={"departments": {f"d{i}": (f"t{i}",)}})
        assert _tag_rows(a)[0] == [(1, f"d{i}", 0, f'["t{i}"]')]
        assert len(analysis_store._TEXTS) <= 4
    assert analysis_store._TEXTS[()] == "[]" and analysis_store._TEXTS[None] == "[]"


_TERM = st.one_of(
    st.none(),
    st.tuples(st.text(max_size=4)),
    st.lists(st.text(max_size=4), max_size=3),
    st.lists(st.sampled_from([1, True, 1.0, 0, "1", "\ud800"]), max_size=2),
    st.tuples(st.sampled_from([1, True, 1.0, "1"])),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), _TERM), min_size=1, max_size=5))
def test_texts_are_the_values_encoded_on_their_own(term_maps: list[dict[str, Any]]) -> None:
    # The cache persists between examples and batches: every text must still be its value's.
    results = [
        (i + 1, _analysis(departments=("a", "b", "c"), matched={"departments": m}), None)
        for i, m in enumerate(term_maps)
    ]
    rows = analysis_store._build_rows(results, "v", "now")
    expected = [
        x
        for i, m in enumerate(term_maps)
        for rank, code in enumerate("abc")
        for x in (i + 1, code, rank, _json(m.get(code)))
    ]
    assert rows.departments == expected


def test_stored_terms_are_byte_identical_after_a_cached_batch(db) -> None:  # type: ignore[no-untyped-def]
    posts = [Post("s", "x", f"e{i}", f"teks {i}") for i in range(3)]
    post_store.save_batch(db, posts)
    terms = {"pupr": ("jalan", "é 😭"), "bpbd": ["banjir"]}
    a = _analysis(departments=("pupr", "bpbd"), matched={"departments": terms})
    for version in ("v1", "v2"):  # the second batch reads every text from the cache
        analysis_store.save_analyses(db, [(1, a, None), (2, a, None), (3, a, None)], version)
        stored = db.execute(
            "SELECT post_id, department, rank, CAST(terms AS BLOB) FROM post_departments"
            " ORDER BY 1, 3"
        ).fetchall()
        assert [row[3] for row in stored] == [
            '["jalan","é 😭"]'.encode(), b'["banjir"]'
        ] * 3  # fmt: skip
        assert db.execute("SELECT DISTINCT departments FROM analysis").fetchall() == [
            ('["pupr","bpbd"]',)
        ]
