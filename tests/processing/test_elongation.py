"""``expand.elongated`` answers exactly what the elongation regex's search answers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processing.expand import elongated, squeeze

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
