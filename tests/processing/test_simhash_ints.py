"""``fingerprint.simhash_ints`` (integer byte-lane counters) equals ``simhash_numpy`` bit for bit.

Both run here: as pure Python under ``PANTAU_PURE=1`` and compiled in the native pass of
``make test``, so the mypyc build of the integer path is checked against the numpy one
(the implementation stored fingerprints and the golden file were made with).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processing import fingerprint, native
from processing.expand import TokenMark
from processing.fingerprint import (
    BITS,
    MAX_SHINGLES,
    simhash,
    simhash_ints,
    simhash_marks,
    simhash_numpy,
)
from tests.processing.reference_matching import reference_simhash

VOCAB = [f"kata{i}" for i in range(60)] + ["jalan", "rusak", "é", "😡", "", " ", "\x00"]
TOKEN = st.sampled_from(VOCAB) | st.text(max_size=8)


def _all_equal(tokens: list[str]) -> int:
    value = simhash_numpy(tokens)
    assert simhash_ints(tokens) == value
    assert simhash(tokens) == value
    return value


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKEN, max_size=60))
def test_integer_path_equals_numpy_and_thereference_simhash(tokens: list[str]) -> None:
    assert _all_equal(tokens) == reference_simhash(tokens)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(VOCAB[:6]), min_size=120, max_size=700))
def test_long_texts_cross_the_lane_chunks(tokens: list[str]) -> None:
    # A small vocabulary repeats shingles: lopsided counts, ties and near-ties.
    assert _all_equal(tokens) == reference_simhash(tokens)


@pytest.mark.parametrize(
    "count",
    [0, 1, 2, 3, 4, 8, 9, 10, 16, 127, 128, 129, 130, 131, 254, 256, 257, 258, 259, 385],
)
def test_boundary_lengths(count: int) -> None:
    # 7 shingles fill a nibble lane (9 tokens), 126 a byte lane's spill (128 tokens),
    # 252 two (254); 256 is numpy's wide path.
    rng = random.Random(count)
    mixed = [rng.choice(VOCAB) for _ in range(count)]
    assert _all_equal(mixed) == reference_simhash(mixed)
    same = ["ulang"] * count  # every shingle identical: every count is 0 or all of them
    assert _all_equal(same) == reference_simhash(same)
    pair = ["a", "b"] * (count // 2)  # two alternating shingles: exact ties
    assert _all_equal(pair) == reference_simhash(pair)


def test_shingle_cap() -> None:
    rng = random.Random(7)
    tokens = [rng.choice(VOCAB) for _ in range(MAX_SHINGLES + 40)]
    capped = tokens[: MAX_SHINGLES + 2]
    value = _all_equal(tokens)
    assert value == _all_equal(capped)
    assert value == _all_equal(tokens[: MAX_SHINGLES + 1])
    assert value != _all_equal(tokens[: MAX_SHINGLES + 1][::-1])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 127), min_size=8, max_size=8), st.integers(0, 63))
def test_lane_majority_compares_every_byte(counts: list[int], half: int) -> None:
    lane = sum(c << (8 * j) for j, c in enumerate(counts))
    for k in range(8):
        expected = sum(1 << (8 * j + k) for j, c in enumerate(counts) if c > half)
        if expected >> (BITS - 1):
            expected -= 1 << BITS  # bit 63 is the sign
        assert fingerprint._lane_majority(lane, half, k) == expected


def test_compiled_flag_follows_the_native_build() -> None:
    assert fingerprint.COMPILED == (native.STATE.mode == "native")


@settings(max_examples=60, deadline=None)
@given(st.lists(TOKEN, max_size=60))
def test_row_cache_bound_does_not_change_values(tokens: list[str]) -> None:
    expected = simhash_numpy(tokens)
    saved = dict(fingerprint._token_words)
    old_size = fingerprint.TOKEN_CACHE_SIZE
    try:
        fingerprint.TOKEN_CACHE_SIZE = 8
        fingerprint._token_words.clear()
        assert simhash_ints(tokens) == expected
        assert simhash_ints(tokens) == expected
        assert len(fingerprint._token_words) <= 8
    finally:
        fingerprint.TOKEN_CACHE_SIZE = old_size
        fingerprint._token_words.clear()
        fingerprint._token_words.update(saved)


def _marks(tokens: list[str], gaps: list[int]) -> list[TokenMark]:
    """Marks of ``tokens`` (rows from ``row_of``) with ``gaps[k]`` row-less marks before each."""
    marks: list[TokenMark] = []
    for k, token in enumerate(tokens):
        marks += [TokenMark("yang", 0, None, None, None, None)] * gaps[k % len(gaps)]
        marks.append(TokenMark(token, 0, fingerprint.row_of(token), None, None, None))
    return marks


@settings(max_examples=200, deadline=None)
@given(st.lists(TOKEN, max_size=60), st.lists(st.integers(0, 3), min_size=1, max_size=5))
def test_marks_path_equals_the_rows_path(tokens: list[str], gaps: list[int]) -> None:
    """``simhash_marks`` (the pipeline's marks, row-less ones skipped) is ``simhash``."""
    marks = _marks(tokens, gaps)
    assert simhash_marks(marks) == simhash_numpy(tokens) == simhash(tokens)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 9, 128, 129, 254, 259])
def test_marks_path_boundary_lengths(count: int) -> None:
    rng = random.Random(count)
    mixed = [rng.choice(VOCAB) for _ in range(count)]
    for gaps in ([0], [1], [2, 0, 1]):
        marks = _marks(mixed, gaps)
        tail = [TokenMark("dan", 0, None, None, None, None)] * 2  # row-less marks at the end
        assert simhash_marks(marks + tail) == reference_simhash(mixed)


def test_marks_path_shingle_cap() -> None:
    rng = random.Random(11)
    tokens = [rng.choice(VOCAB) for _ in range(MAX_SHINGLES + 40)]
    marks = _marks(tokens, [0, 1])
    assert simhash_marks(marks) == simhash_numpy(tokens[: MAX_SHINGLES + 2])
