"""Speed-ups must not change any output: ``analyze`` against the recorded golden file."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from processing.normalize import compact, normalize, split_abbreviations
from tests.processing.golden_analysis import GOLDEN, result


def test_analysis_matches_golden_file(resources) -> None:  # type: ignore[no-untyped-def]
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    assert len(records) > 2500
    mismatches = []
    for number, record in enumerate(records):
        item = record["in"]
        got = json.loads(json.dumps(result(resources, item["text"], item["title"], item["kind"])))
        if got != record["out"]:
            mismatches.append((number, item, got, record["out"]))
    assert not mismatches[:3], f"{len(mismatches)} analyses differ from the golden file"
    # The file is not degenerate: it covers every stage.
    outs = [r["out"] for r in records]
    assert sum(bool(o["departments"]) for o in outs) > 1000
    assert sum(bool(o["kecamatan"]) for o in outs) > 500
    assert len({o["aspirasi"] for o in outs}) == 5
    assert len({o["fingerprint"] for o in outs}) > 2000


WORDS = st.sampled_from(
    ["jalan2", "rusaaak", "bgt", "gak", "jalannya", "anak-anak", "3kg", "Cibinong", "Bojong",
     "Gede", "#JalanRusak", "@DPUPRKabBogor", "RT", "kec.", "?", "!", ".", "😡", "2-3", "mantul",
     "sayur-mayur", "bangeeet", "pemkab", "kebersihannya", "yg", "x-2", "ok-ok-ok"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=30))
def test_memoized_normalize_equals_uncached(resources, words: list[str]) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(words)
    fresh = normalize(text, slang=resources.slang, known=resources.known, segment=resources.segment)
    assert resources.normalize(text) == fresh
    assert resources.normalize(text) == fresh  # twice: the second run reads the memo


ORIGINAL_DOTTED = re.compile(
    r"\b(kab|kec|kel|ds|jl|jln|gg|rt|rw|no|dr|h|hj|kh|r|moh|prof|ir)\.", re.IGNORECASE
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Kab.", "kec.", "JL.", "İr.", "ır.", "dſ.", "xkab.", "rt.rw.", "abc.",
                         "h.", "Moh.", "prof.", ".", " ", "jln", "kab..", "a"]) | st.text(max_size=4),
        max_size=12,
    )
)  # fmt: skip
def test_abbreviation_pass_equals_the_alternation(parts: list[str]) -> None:
    text = "".join(parts)
    assert split_abbreviations(text) == ORIGINAL_DOTTED.sub(r"\1 ", text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.text(alphabet="Kab. Bogor-_09İıß\u200bＫ!é", max_size=40))
def test_compact_equals_the_regex_definition(text: str) -> None:
    reference = re.sub(r"[^a-z0-9]", "", fold_reference(text))
    assert compact(text) == reference


def fold_reference(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe0e\ufe0f\u00ad]", "", text)
    return text.casefold()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Kab.", "kec.", "JL.", "İr.", "ır.", "xkab.", "rt.rw.", "abcd.", "h.",
                         "..", ".", " ", "_kab.", "9kab.", "é.kab.", "sudah.", "ab"])
        | st.text(max_size=5),
        max_size=12,
    )
)  # fmt: skip
def test_split_abbreviations_equals_the_regex_pass(parts: list[str]) -> None:
    text = "".join(parts)
    assert split_abbreviations(text) == ORIGINAL_DOTTED.sub(r"\1 ", text)


def test_segment_memo_is_exact_and_bounded(resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from processing import resources as resources_module

    monkeypatch.setattr(resources_module, "SEGMENT_MEMO_SIZE", 2)
    own = replace(resources, segment_memo={})
    words = ["jalanrusak", "banjirbogor", "pemkabbogor", "jalanrusak", "xyzqwv"]
    for word in words * 2:
        expected = resources_module.segment_word(word, resources.vocabulary)
        got = own.segment(word)
        assert got == expected
        got.append("mutated")  # callers get a copy: the memo stays intact
        assert len(own.segment_memo) <= 2
    assert own.segment("jalanrusak") == ["jalan", "rusak"]
