"""The fast paths of ``normalize`` against the plain definitions they replace.

``reference_normalize`` is the straightforward version: every pass on the whole
text, the original regexes, one token at a time. The real one must agree on
every field for any text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import corpus
from processing import expand
from processing.evaluate import DEFAULT_DIR, PARTS, load_items
from processing.expand import (
    CLAUSE,
    TokenMemo,
    expand_text,
    expand_token,
    expand_tokens,
)
from processing.normalize import (
    EMOJI_RE,
    HASHTAG_RE,
    MAX_CHARS,
    MENTION_RE,
    RETWEET_RE,
    URL_RE,
    Normalized,
    split_abbreviations,
    split_hashtag,
)

ORIGINAL_TOKEN_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|(?<!\d)[.,;:!?]+|[.,;:!?]+(?!\d)|\n")
ORIGINAL_NUMBER_RE = re.compile(r"(?<![a-z0-9])\d+(?:[.,]\d+)*")
EVAL_DIR = Path(__file__).resolve().parents[2] / DEFAULT_DIR
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe0e\ufe0f\u00ad]")


def _cut(pattern: re.Pattern[str], text: str) -> tuple[str, tuple[str, ...]]:
    found: list[str] = []

    def cut(match: re.Match[str]) -> str:
        found.append(match.group(1) if pattern.groups else match.group())
        return " "

    return pattern.sub(cut, text), tuple(found)


def reference_normalize(text: str, resources) -> Normalized:  # type: ignore[no-untyped-def]
    """Every pass over the whole text, token by token, no memo."""
    if not text:
        return Normalized(tokens=())
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS])
    text = INVISIBLE.sub("", text)
    text, urls = _cut(URL_RE, text)
    text = RETWEET_RE.sub(" ", text, count=1)
    text, handles = _cut(MENTION_RE, text)
    mention_words = [w for h in handles for w in split_hashtag(h, resources.segment)]
    raw_tags: list[str] = []

    def hashtag_words(match: re.Match[str]) -> str:
        raw_tags.append(match.group(1))
        return " " + " ".join(split_hashtag(match.group(1), resources.segment)) + " "

    text = HASHTAG_RE.sub(hashtag_words, text)
    text, emoji = _cut(EMOJI_RE, text)
    question, exclamations = "?" in text, text.count("!")
    lowered = split_abbreviations(text).casefold()
    flags: set[str] = set()
    body = _reference_expand(ORIGINAL_TOKEN_RE.findall(lowered), resources, flags)
    mention_tokens = _reference_expand(mention_words, resources, flags)
    return Normalized(
        tokens=tuple(body),
        urls=urls,
        mentions=tuple(h.casefold() for h in handles),
        hashtags=tuple(t.casefold() for t in raw_tags),
        emoji=emoji,
        numbers=tuple(ORIGINAL_NUMBER_RE.findall(lowered)),
        mention_tokens=tuple(mention_tokens),
        question=question,
        exclamations=exclamations,
        flags=frozenset(flags),
    )


def _reference_expand(raw_tokens: list[str], resources, flags: set[str]) -> list[str]:  # type: ignore[no-untyped-def]
    tokens: list[str] = []
    for raw in raw_tokens:
        words, token_flags = expand_token(raw, resources.slang, resources.known)
        if words is None:
            if tokens and tokens[-1] != CLAUSE:
                tokens.append(CLAUSE)
            continue
        tokens.extend(words)
        flags |= token_flags
    if tokens and tokens[-1] == CLAUSE:
        tokens.pop()
    return tokens


PIECES = [
    "jalan2", "anak-anak", "rumahnya", "gw", "udh", "Kab.", "kab.Bogor", "Jl.", "jl.raya", "kec.",
    "İ", "KAB.", "Kİ.", "@DPUPRKabBogor", "@x", "#JalanRusak", "#sampahmenumpuk", "#_a", "RT",
    "rt", "@a:", "https://t.co/x", "www.A.com", "WwW.b.id", "😡", "👍🏽", "\u200b", "\ufe0f",
    "ＪＡＬＡＮ", "ﬁ", "3kg", "300rb", "05.00", "1.234,5", "2-3", "x-2", "-nya", "liatnya", "!",
    "?", "...", ",", ";", ":", "\n", " ", "  ", "\t", "-", "parahhh", "bangeeet", "pppk", "é",
    "200.000", "5.", ".5", "a.b", "no.", "h.", "ss.", "abcde.", "\u00ad", "#Ünï", "@ü", "ke2",
    "2", "x2", "bolak-balik", "ramai-ramainya", "#123", "##a", "a#b", "a@b", "e@mail.com", "<",
    '"', "http://", "www.", "&", "|", ".", "551pm", "5:51", "٣", "²", "Ⅻ", "w.", "W.",
]  # fmt: skip
SEPARATORS = st.sampled_from([" ", "", "\n", " . ", "  "])


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=25))
    return draw(SEPARATORS).join(parts)


RETWEET_STARTS = st.sampled_from(
    ["RT @a: ", "rt @Bupati_Bogor:", " RT  @x ", "RT @http://t.co/x ", "RT @www", "RT @a:http://x ",
     "RT @" + "a" * 31 + ": ", "RT @a: RT @b: ", "Rt @a:\n", "RT @aﬁ: ", "http://x RT @a: ",
     "RT @" + "a" * 29 + "https://x.co ", "RT @ahttps://x.co ", "RT @a www.x.id "]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(RETWEET_STARTS, texts())
def test_retweets_normalize_as_the_reference(resources, start: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """A retweet's prefix is cut before the memoized piece path runs: same result."""
    got = resources.normalize(start + text)
    assert got == reference_normalize(start + text, resources)


@settings(max_examples=400, deadline=None)
@given(texts())
def test_normalize_equals_the_reference(resources, text: str) -> None:  # type: ignore[no-untyped-def]
    expected = reference_normalize(text, resources)
    assert resources.normalize(text) == expected
    assert resources.normalize(text) == expected  # from the piece memos


def test_normalize_equals_the_reference_on_the_corpora(resources, default_config) -> None:  # type: ignore[no-untyped-def]
    own = replace(resources, token_memo=TokenMemo(), segment_memo={})
    items = [(p.text, p.title or "") for p in corpus.generate(default_config, 1500, seed=11)]
    for part in PARTS:
        items += [
            (i["text"] or "", i.get("title") or "") for i in load_items(EVAL_DIR / f"{part}.jsonl")
        ]
    checked = 0
    for text, title in items:
        for value in (text, title):
            assert own.normalize(value) == reference_normalize(value, resources), value
            checked += 1
    assert checked > 3000


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab09.,;:!?\n -x٣", max_size=30))
def test_token_and_number_regexes_equal_the_originals(text: str) -> None:
    assert expand.TOKEN_RE.findall(text) == ORIGINAL_TOKEN_RE.findall(text)
    from processing.normalize import NUMBER_RE

    assert NUMBER_RE.findall(text) == ORIGINAL_NUMBER_RE.findall(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab2.,!?\n -ü", max_size=40))
def test_chunked_expansion_equals_token_by_token(resources, text: str) -> None:  # type: ignore[no-untyped-def]
    memo = TokenMemo()
    for _ in range(2):  # cold, then from the chunk memo
        flags: set[str] = set()
        got = expand_text(text, resources.slang, resources.known, flags, memo)
        want_flags: set[str] = set()
        want = expand_tokens(
            ORIGINAL_TOKEN_RE.findall(text), resources.slang, resources.known, want_flags
        )
        assert (got, flags) == (want, want_flags)


def test_slang_expanding_to_the_clause_token_is_not_collapsed(resources) -> None:  # type: ignore[no-untyped-def]
    slang = {**resources.slang, "titik": (".",), "dua": ("a", ".")}
    text = "titik titik . dua jalan."
    for _ in range(2):
        got = expand_text(text, slang, resources.known, set(), TokenMemo())
        assert got == expand_tokens(ORIGINAL_TOKEN_RE.findall(text), slang, resources.known, set())
    assert got[:2] == [".", "."]


def test_chunk_memo_is_bounded_and_skips_long_chunks(resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(expand, "CHUNK_MEMO_SIZE", 8)
    monkeypatch.setattr(expand, "MEMO_SIZE", 8)
    memo = TokenMemo()
    words = [f"kata{chr(97 + i)}" for i in range(20)]
    long_chunk = "x" * (expand.MAX_CHUNK + 1)
    for start in range(0, 20, 3):
        text = " ".join(words[start : start + 5] + [long_chunk if start % 2 else "jalan2."])
        flags: set[str] = set()
        got = expand_text(text, resources.slang, resources.known, flags, memo)
        assert got == expand_tokens(
            ORIGINAL_TOKEN_RE.findall(text), resources.slang, resources.known, set()
        )
        assert len(memo.chunks) <= 8 and len(memo.raw) <= 8
        assert long_chunk not in memo.chunks
        assert ("reduplication" in flags) == (start % 2 == 0)


@pytest.mark.parametrize(
    "text", ["", ".", ". . .", "a", "a.", ".a", "a . . b", "a . 5 . b", "5 . a", "a .\n. b"]
)
def test_clause_runs_collapse(resources, text: str) -> None:  # type: ignore[no-untyped-def]
    got = expand_text(text, resources.slang, resources.known, set(), TokenMemo())
    assert got == expand_tokens(
        ORIGINAL_TOKEN_RE.findall(text), resources.slang, resources.known, set()
    )
    assert not got or (got[0] != CLAUSE and got[-1] != CLAUSE)
    assert all(not (a == b == CLAUSE) for a, b in zip(got, got[1:], strict=False))


@pytest.mark.parametrize(
    "text",
    [
        "RT @a: jalan rusak",
        "  RTWwW.b.id  @a: banjir",
        "http://x.co RT @a: banjir",
        "rT\t@a jalan",
        "RThttp://x.co @a: jalan",
        "www.x.id\nRT @a",
        "\u3000RT @a: 😡 jalan",
        "ＲＴ @a: jalan",
        "RT@a: jalan",
        "halo RT @a: jalan",
        "#RT @a: jalan",
        "\u200bRT @a: jalan",
        " \u200b RT @a: 😡 jalan",
        "R\u200bT @a: 😡 jalan",
        "\ufeffhttp://x.co RT @a: é",
        "RT\u00ad @a: é",
        "😡 @a ja\u200blan rusak\u200b",
        "\u200b😡 @a: RT @b: jalan",
    ],
)
def test_retweet_prefix_edge_cases(resources, text: str) -> None:  # type: ignore[no-untyped-def]
    assert resources.normalize(text) == reference_normalize(text, resources)


def test_retweet_gate_assumptions_hold_for_every_code_point() -> None:
    import sys

    letters = re.compile("[rthpw]", re.IGNORECASE)
    space = re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if letters.fullmatch(char):
            assert char.isascii(), hex(code)
        assert char.isspace() == bool(space.fullmatch(char)), hex(code)
        if code > 127 and not char.isascii():
            lowered = char.lower()
            assert "w" not in lowered and "." not in lowered, hex(code)


INVISIBLE_CHARS = "\u200b\u200d\u200f\u202a\u202e\u2060\u2064\ufeff\ufe0e\ufe0f\u00ad"


@st.composite
def with_invisible(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(INVISIBLE_CHARS)) + text[at:]
    return text


@settings(max_examples=300, deadline=None)
@given(st.tuples(st.sampled_from(["", " ", "😡 "]), RETWEET_STARTS, texts()).flatmap(
    lambda parts: with_invisible("".join(parts))
))  # fmt: skip
def test_invisible_characters_are_dropped_per_piece_as_in_the_whole_text(
    resources, text: str
) -> None:  # type: ignore[no-untyped-def]
    """Non-ASCII text keeps its invisible characters until a piece misses the memo."""
    expected = reference_normalize(text, resources)
    assert resources.normalize(text) == expected
    assert resources.normalize(text) == expected  # from the piece memos
    assert resources.normalize(INVISIBLE.sub("", text)) == expected


def test_no_invisible_character_is_a_space_or_starts_an_entity() -> None:
    import sys

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if INVISIBLE.fullmatch(char):
            assert not char.isspace() and char not in "@#", hex(code)
            assert unicodedata.normalize("NFKC", char) == char, hex(code)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abehjkmnrsuy0129", min_size=1, max_size=12))
def test_one_word_memo_path_equals_the_token_path(resources, word: str) -> None:  # type: ignore[no-untyped-def]
    flags: set[str] = set()
    got = TokenMemo().word(word, resources.slang, resources.known, flags)
    expected_flags: set[str] = set()
    expected = _reference_expand(ORIGINAL_TOKEN_RE.findall(word), resources, expected_flags)
    assert got == tuple(expected) and flags == expected_flags
