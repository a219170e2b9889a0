"""``expand.elongated`` answers exactly what the elongation regex's search answers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processing.expand import CLAUSE, TOKEN_RE, TokenMemo, elongated, squeeze

ELONGATED = re.compile(r"([a-z])\1{2,}")  # the rule squeeze applies (expand._ELONGATED)

# Few letters, so runs of two, three and more are common; also look-alikes of a-z.
ALPHABET = st.sampled_from(list("aabeoz") + ["A", "Z", "`", "{", "1", "-", "é", "ａ", "ɑ", " "])


@given(st.lists(ALPHABET, max_size=14).map("".join))
def test_elongated_is_the_regex_search(token: str) -> None:
    assert elongated(token) == (ELONGATED.search(token) is not None)


@given(st.text(max_size=20))
def test_elongated_on_any_text(token: str) -> None:
    assert elongated(token) == (ELONGATED.search(token) is not None)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("", False),
        ("aa", False),
        ("aaa", True),
        ("parahhh", True),
        ("aabaa", False),
        ("xaaab", True),
        ("abbb", True),
        ("AAA", False),
        ("111", False),
        ("ééé", False),
        ("zzz", True),
        ("{{{", False),
        ("baaab", True),
        ("abab", False),
    ],
)
def test_elongated_examples(token: str, expected: bool) -> None:
    assert elongated(token) is expected


def test_squeeze_still_squeezes() -> None:
    vocabulary = {"parah", "banget", "sangat"}
    assert squeeze("parahhh", vocabulary.__contains__) == "parah"
    assert squeeze("bangeeet", vocabulary.__contains__) == "banget"
    assert squeeze("pppk", vocabulary.__contains__) == "pppk"
    assert squeeze("sangat", vocabulary.__contains__) == "sangat"


WORDISH = st.sampled_from(list("abz09") + ["A", "-", ".", ",", "!", "\n", "é", "²", "ａ", "_", " "])


@given(st.one_of(st.lists(WORDISH, max_size=12).map("".join), st.text(max_size=12)))
def test_a_plain_word_is_its_only_token(lowered: str) -> None:
    # TokenMemo.words skips TOKEN_RE for such a piece: the regex finds it whole.
    if lowered.isascii() and lowered.isalnum() and lowered.islower():
        assert TOKEN_RE.findall(lowered) == [lowered]


SLANG = {"ab": ("a", "b"), "z0": ("zero",), "bz": ("b", ".")}


def _reference_words(lowered: str, flags: set[str]) -> tuple[str, ...] | None:
    """TokenMemo.words as it was: every piece through TOKEN_RE."""
    memo = TokenMemo()
    words: list[str] = []
    for raw in TOKEN_RE.findall(lowered):
        expanded, token_flags = memo.expansion(raw, SLANG, {"ab", "ba"}.__contains__)
        if expanded is None:
            if not words or words[-1] != CLAUSE:
                words.append(CLAUSE)
        elif CLAUSE in expanded:
            return None
        else:
            words += expanded
            flags |= token_flags
    return tuple(words)


@given(st.one_of(st.lists(WORDISH, max_size=12).map("".join), st.text(max_size=12)))
def test_words_equal_the_regex_path(lowered: str) -> None:
    flags: set[str] = set()
    want_flags: set[str] = set()
    got = TokenMemo().words(lowered, SLANG, {"ab", "ba"}.__contains__, flags)
    assert got == _reference_words(lowered, want_flags)
    assert flags == want_flags
