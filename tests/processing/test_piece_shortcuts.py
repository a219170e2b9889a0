"""``normalize``'s per-piece shortcuts equal running every pass over the piece."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from processing.expand import TokenMemo
from processing.normalize import DOTTED_ABBREVIATIONS, _piece, _piece_passes

WORDS = st.sampled_from(
    sorted(DOTTED_ABBREVIATIONS)
    + ["KAB", "Kec", "Jl", "www", "awww", "WWW", "w", "W", "jalan", "rusak", "gw", "udh"]
    + ["bogor", "Cibinong", "parahhh", "rumahnya", "ini", "apa", "kamu", "x"]
) | st.text(alphabet=string.ascii_letters, min_size=1, max_size=8)
PUNCTUATION = st.text(alphabet=".,;:!?", max_size=4)
ODD = st.text(alphabet=string.ascii_letters + ".,;:!?-_@#/'()2w\n\u00e9", min_size=1, max_size=10)


def _same(resources: Any, chunk: str) -> None:
    args = (resources.slang, resources.known, resources.segment)
    assert _piece(chunk, *args, TokenMemo()) == _piece_passes(chunk, *args, TokenMemo())


@settings(max_examples=400, deadline=None)
@given(WORDS, PUNCTUATION)
def test_a_word_closing_a_clause_reads_as_the_passes_read_it(
    resources: Any, word: str, punctuation: str
) -> None:
    _same(resources, word + punctuation)


@settings(max_examples=300, deadline=None)
@given(ODD)
def test_any_piece_reads_as_the_passes_read_it(resources: Any, chunk: str) -> None:
    _same(resources, chunk)


def test_the_shortcut_keeps_abbreviations_and_urls(resources: Any) -> None:
    args = (resources.slang, resources.known, resources.segment, TokenMemo())
    rusak = _piece("rusak.", *args)
    assert rusak is not None and rusak.words == ("rusak", ".")
    kab, bare = _piece("Kab.", *args), _piece("Kab", *args)
    assert kab is not None and bare is not None and kab.words == bare.words  # no clause
    assert "." not in kab.words
    url = _piece("www..", *args)
    assert url is not None and url.urls == ("www..",)
