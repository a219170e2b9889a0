"""The per-post dedup path of ``process_pending`` against the straightforward versions it replaced.

``dedup_keys`` (one-pass key text), ``word_size`` (capped word counts) and
``WindowedDedup.check_in`` (find + add in one pass, integer band keys) must give the
same ``dup_of`` as the original ``compact``/``split``/``find``-then-``add`` code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.pipeline import WindowedDedup
from processing.dedup import (
    MAX_DISTANCE,
    MIN_TOKENS,
    DedupIndex,
    band_keys,
    dedup_keys,
    key_text,
    signed_bits,
    strip_publisher,
    word_size,
)
from processing.normalize import compact
from storage.db import from_iso, to_iso

# ----------------------------------------------------------------- the originals


def reference_strip_publisher(title: str) -> str:
    for sep in (" - ", " | ", " – ", " — "):
        head, found, tail = title.rpartition(sep)
        short = len(tail.split()) <= 5 and len(tail) < len(head)
        if found and head.strip() and short:
            return head.strip()
    return title


def reference_dedup_keys(url: str | None, title: str | None, text: str | None) -> list[str]:
    keys = []
    if url:
        keys.append("u:" + url)
    if title:
        key = compact(reference_strip_publisher(title))
        if len(key) >= 30:
            keys.append("t:" + key)
    if text:
        head = text[:5000]
        body = re.sub(r"^\s*RT\s+@\w{1,30}:?\s*", "", head, count=1, flags=re.IGNORECASE)
        key = compact(body)
        if key and (body != head or len(key) >= 16):
            keys.append("x:" + key)
    return keys


def legacy_key(key: str | bytes) -> str:
    """The key as the original code wrote it: ``u:`` URL, ``t:`` title, ``x:`` text."""
    if isinstance(key, str):
        return "u:" + key
    if key.startswith(b"t:"):
        return key.decode("ascii")
    assert key.isalnum() and key == key.lower()  # a text key: never a title key
    return "x:" + key.decode("ascii")


def _bands(value: int) -> list[tuple[int, int]]:
    value &= (1 << 64) - 1
    return [(i, (value >> (16 * i)) & 0xFFFF) for i in range(4)]


@dataclass
class ReferenceIndex:
    by_key: dict[str, int] = field(default_factory=dict)
    by_band: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)
    min_tokens: int = 8

    def add(self, post_id: int, fingerprint: int, keys: Sequence[str], size: int) -> None:
        for key in keys:
            self.by_key.setdefault(key, post_id)
        if fingerprint and size >= self.min_tokens:
            for band in _bands(fingerprint):
                self.by_band.setdefault(band, []).append((post_id, fingerprint))

    def find(self, fingerprint: int, keys: Sequence[str], size: int) -> int | None:
        for key in keys:
            found = self.by_key.get(key)
            if found is not None:
                return found
        if not fingerprint or size < self.min_tokens:
            return None
        best: int | None = None
        for band in _bands(fingerprint):
            for post_id, other in self.by_band.get(band, ()):
                close = ((fingerprint ^ other) & ((1 << 64) - 1)).bit_count() <= MAX_DISTANCE
                if close and (best is None or post_id < best):
                    best = post_id
        return best


class ReferenceWindow:
    def __init__(self, window: timedelta, previous: ReferenceIndex, *, min_posts: int) -> None:
        self.window, self.min_posts = window, min_posts
        self.previous, self.current = previous, ReferenceIndex()
        self._size = 0
        self._rotate_after: str | None = None
        self._latest: str | None = None

    def find(self, fingerprint: int, keys: Sequence[str], size: int) -> int | None:
        for index in (self.previous, self.current):
            found = index.find(0, keys, 0)
            if found is not None:
                return found
        hits = [
            found
            for index in (self.previous, self.current)
            if (found := index.find(fingerprint, (), size)) is not None
        ]
        return min(hits) if hits else None

    def advance(self, at: str | None) -> None:
        if not at:
            return
        late = self._rotate_after is not None and at > self._rotate_after
        if late and self._size >= self.min_posts:
            recent = self._latest and self._after(self._latest) >= at
            self.previous = self.current if recent else ReferenceIndex()
            self.current = ReferenceIndex()
            self._size = 0
            self._rotate_after = None
        if self._rotate_after is None:
            self._rotate_after = self._after(at)
        if self._latest is None or at > self._latest:
            self._latest = at

    def add(self, post_id: int, fingerprint: int, keys: Sequence[str], size: int) -> None:
        self.current.add(post_id, fingerprint, keys, size)
        self._size += 1

    def _after(self, at: str) -> str:
        start = from_iso(at)
        return (to_iso(start + self.window) if start else None) or at


# ----------------------------------------------------------------- properties

TRICKY = "Kab. Bogor-_09İıßẞŉǰﬀＫＫａ!é\u200b\u00ad\ufeff😡 \t\nRTrt@:"
TEXT = st.text(max_size=120) | st.text(alphabet=TRICKY, max_size=120)
TITLE_PARTS = st.sampled_from(
    ["Jalan Rusak di Parungpanjang Dikeluhkan Warga", " - ", " | ", " – ", " — ", "Kompas.com",
     "Radar Bogor Online Hari Ini Juga", "  ", "a", "RT @x: "]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_key_text_equals_compact(text: str) -> None:
    assert key_text(text) == compact(text)


@settings(max_examples=300, deadline=None)
@given(
    st.none() | st.sampled_from(["https://x.com/i/status/1", "https://a.example/b?c=1"]),
    st.none() | TEXT | st.lists(TITLE_PARTS | st.text(max_size=6), max_size=8).map("".join),
    st.none() | TEXT | st.lists(TITLE_PARTS | TEXT, max_size=4).map("".join),
)
def test_dedup_keys_equal_the_original(
    url: str | None, title: str | None, text: str | None
) -> None:
    keys = dedup_keys(url, title, text)
    assert [legacy_key(key) for key in keys] == reference_dedup_keys(url, title, text)
    if title is not None:
        assert strip_publisher(title) == reference_strip_publisher(title)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.none() | TEXT, st.integers(0, 12))
def test_word_size_is_exact_below_the_cap(text: str, title: str | None, cap: int) -> None:
    exact = len(text.split()) + len((title or "").split())
    size = word_size(text, title, cap)
    assert size <= exact
    for threshold in range(cap + 1):
        assert (size >= threshold) == (exact >= threshold)


BASE_PRINTS = [0x0F0F_0F0F_0F0F_0F0F, -0x0123_4567_89AB_CDEF, 0x7FFF_0000_FFFF_0000, 1, -1]
STEP = st.tuples(
    st.integers(0, 50),  # minutes since the previous post (large jumps: window rotation)
    st.sampled_from(BASE_PRINTS + [0]),
    st.sets(st.integers(0, 63), max_size=5),  # bits flipped: 0-3 within distance, 4-5 not
    st.lists(st.sampled_from(["u:a", "u:b", "t:judul", "x:teks", "x:lain"]), max_size=3),
    st.none() | st.sampled_from(["u:a", "u:c", ""]),  # the URL, passed apart to check_in
    st.integers(0, 12),  # size
    st.booleans(),  # has a publication time
)


@settings(max_examples=200, deadline=None)
@given(st.lists(STEP, max_size=60), st.integers(0, 6), st.lists(STEP, max_size=5))
def test_check_in_gives_the_same_dup_of_as_find_then_add(
    steps: list[tuple[int, int, set[int], list[str], str | None, int, bool]],
    min_posts: int,
    seeded: list[tuple[int, int, set[int], list[str], str | None, int, bool]],
) -> None:
    window = timedelta(minutes=120)
    seed_new, seed_old = DedupIndex(), ReferenceIndex()
    for number, (_, base, flips, keys, _, size, _) in enumerate(seeded, start=1):
        fingerprint = base ^ sum(1 << bit for bit in flips)
        seed_new.add(number, fingerprint, keys, size)
        seed_old.add(number, fingerprint, keys, size)
    fast = WindowedDedup(window, seed_new, min_posts=min_posts)
    plain = WindowedDedup(window, _copy(seed_new), min_posts=min_posts)
    reference = ReferenceWindow(window, seed_old, min_posts=min_posts)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for number, (minutes, base, flips, content, url, size, timed) in enumerate(steps, start=100):
        keys = [url, *content] if url else content
        at += timedelta(minutes=minutes * minutes)
        stamp = to_iso(at) if timed else None
        fingerprint = base ^ sum(1 << bit for bit in flips) if base else 0
        for index in (fast, plain, reference):
            index.advance(stamp)
        expected = reference.find(fingerprint, keys, size)
        reference.add(number, fingerprint, keys, size)
        assert plain.find(fingerprint, keys, size) == expected
        plain.add(number, fingerprint, keys, size)
        assert fast.check_in(number, fingerprint, list(content), size, url) == expected


def _copy(index: DedupIndex) -> DedupIndex:
    return DedupIndex(
        dict(index.by_key),
        [list(v) if isinstance(v, list) else v for v in index.by_band],
        index.min_tokens,
    )


def test_word_size_cap_matches_the_index_threshold() -> None:
    assert DedupIndex().min_tokens == MIN_TOKENS
    assert word_size("satu dua tiga", None, MIN_TOKENS) == 3
    assert word_size(" ".join(["kata"] * 50), "judul dua", MIN_TOKENS) >= MIN_TOKENS


# Characters outside ASCII that NFKC or case folding could tie to ASCII neighbours:
# combining marks (after a letter, after "<"), Hangul jamo that compose, compatibility
# forms (fullwidth, ligatures, math letters, circled digits), folding letters, emoji.
MIXED = (
    "aeAE<=1 \u0301\u0308\u0338\u0327\u1100\u1161\u11a8\uac00ＡＫ１ﬁ𝐀①ßİſK"
    "😡🚧\ufe0f\u200b“”—…éÉ\u00a0"
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=MIXED, max_size=40))
def test_key_text_outside_ascii_equals_compact(text: str) -> None:
    assert key_text(text) == compact(text)


def test_key_text_equals_compact_next_to_every_character_of_these_blocks() -> None:
    blocks = [
        (0x80, 0x370),  # Latin-1, Latin extended, combining diacritics
        (0x900, 0x980),  # Devanagari (vowel signs, nukta)
        (0x1100, 0x1200),  # Hangul jamo
        (0x1E00, 0x1F00),  # Latin extended additional
        (0x2000, 0x2200),  # punctuation, super/subscripts, letterlike (Kelvin), arrows
        (0x2460, 0x2500),  # enclosed alphanumerics
        (0xFB00, 0xFB10),  # ligatures
        (0xFE00, 0xFF70),  # variation selectors, small and fullwidth forms
        (0x1D400, 0x1D440),  # mathematical letters
        (0x1F300, 0x1F700),  # emoji
    ]
    for start, end in blocks:
        for code in range(start, end):
            char = chr(code)
            for text in (f"Ab{char}e1{char}", f"{char}<{char}{char}Z"):
                assert key_text(text) == compact(text), hex(code)


@given(st.integers(-(2**70), 2**70))
def test_signed_bits_are_the_low_64_bits(value: int) -> None:
    low = value & ((1 << 64) - 1)
    assert signed_bits(value) == (low - (1 << 64) if low >> 63 else low)
    assert band_keys(value) == band_keys(low)
