"""Fast paths of the exact dedup keys and word counts against the general versions.

``key_bytes`` (ASCII, inert non-ASCII and folded texts), ``content_keys`` (publisher
suffixes, retweet prefixes, texts over 5000 characters), the key kinds of ``dedup_keys``
(URL str, title and text bytes) and ``words_upto`` (ASCII bytes loop, str loop) must
decide exactly what ``compact`` and ``str.split`` decide.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from processing.dedup import (
    MIN_TOKENS,
    DedupIndex,
    _inert,
    band_keys,
    content_keys,
    dedup_keys,
    key_bytes,
    strip_publisher,
    word_size,
    words_upto,
)
from processing.normalize import compact
from processing.window import WindowedDedup

SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
ASCII_TEXT = st.text(alphabet=st.characters(max_codepoint=127), max_size=80)
SPACED = st.text(alphabet="ab1.-" + SPACES + "\x1b\x7f\u200b😡é", max_size=60)
# Inert (emoji, punctuation NFKC keeps) and folding/composing (ﬁ, Ｋ, ß, İ, é as e + U+0301).
MIXED = st.text(alphabet="aZ09 -_.😡🚧“”\ufe0f\u200bﬁＫßİe\u0301①", max_size=80)
SUFFIXES = st.sampled_from(
    ["", " - Kompas.com", " | detikJabar", " – Radar Bogor", " - a b c d e f"]
)
RETWEETS = st.sampled_from(["", "RT @pemkab: ", "rt @x ", "  RT @bpbd_kab_bogor:", "RT@x: "])
HEADLINE = "Jalan Rusak di Parungpanjang Dikeluhkan Warga Sejak Awal Tahun"


def reference_content_keys(title: str | None, text: str | None) -> list[str]:
    """The original keys (``t:``/``x:`` strings of ``compact``), URL aside."""
    keys = []
    if title:
        key = compact(strip_publisher(title))
        if len(key) >= 30:
            keys.append("t:" + key)
    if text:
        head = text[:5000]
        body = re.sub(r"^\s*RT\s+@\w{1,30}:?\s*", "", head, count=1, flags=re.IGNORECASE)
        key = compact(body)
        if key and (body != head or len(key) >= 16):
            keys.append("x:" + key)
    return keys


def as_strings(keys: list[str | bytes]) -> list[str]:
    out = []
    for key in keys:
        if isinstance(key, str):
            out.append("u:" + key)
        elif key.startswith(b"t:"):
            out.append(key.decode("ascii"))
        else:
            out.append("x:" + key.decode("ascii"))
    return out


@settings(max_examples=300, deadline=None)
@given(ASCII_TEXT | MIXED | st.text(max_size=80))
def test_key_bytes_is_compact_on_every_path(text: str) -> None:
    assert key_bytes(text) == compact(text).encode("ascii")


@settings(max_examples=200, deadline=None)
@given(st.none() | MIXED | SUFFIXES.map(lambda s: HEADLINE + s), st.none() | MIXED, RETWEETS)
def test_content_keys_with_suffixes_and_retweets(
    title: str | None, text: str | None, retweet: str
) -> None:
    body = None if text is None else retweet + text
    keys = content_keys(title, body)
    assert as_strings(keys) == reference_content_keys(title, body)
    assert all(isinstance(key, bytes) for key in keys)


@settings(max_examples=30, deadline=None)
@given(st.integers(4990, 5010), MIXED, st.sampled_from(["a", "é", "😡", " "]))
def test_texts_over_5000_characters_keep_the_first_5000(size: int, tail: str, fill: str) -> None:
    text = (HEADLINE + " " + fill * size)[:size] + tail
    assert as_strings(content_keys(None, text)) == reference_content_keys(None, text)
    # Only the first 5000 characters count: a different ending is the same key.
    head = (text + fill * 5000)[:5000]
    assert content_keys(None, head + "lain") == content_keys(None, head)


def test_key_kinds_never_collide() -> None:
    # A URL, a title and a text with the same letters: three different keys.
    url = "beritajalanrusakdiparungpanjangdikeluhkanwarga"
    keys = dedup_keys(url, url, url)
    assert len(keys) == 3 and len(set(keys)) == 3
    assert as_strings(keys) == ["u:" + url, "t:" + url, "x:" + url]
    assert dedup_keys(None, None, "t:" + url) == [b"t" + url.encode()]  # ":" is no key char


@settings(max_examples=400, deadline=None)
@given(ASCII_TEXT | SPACED | st.text(max_size=60), st.integers(1, 12))
def test_words_upto_counts_like_split(text: str, cap: int) -> None:
    assert words_upto(text, cap) == min(len(text.split()), cap)


def test_words_upto_splits_at_exactly_the_whitespace_of_split() -> None:
    for code in [*range(0x3001), 0x85, 0x2028, 0x2029, 0x202F, 0x205F, 0xFEFF, 0x1F621]:
        char = chr(code)
        text = f"a{char}b{char}"
        assert words_upto(text, 8) == len(text.split()), hex(code)
        assert words_upto(char * 3, 8) == len((char * 3).split()), hex(code)


@settings(max_examples=200, deadline=None)
@given(ASCII_TEXT | SPACED, st.none() | ASCII_TEXT | SPACED)
def test_word_size_equals_the_split_counts(text: str, title: str | None) -> None:
    expected = len(text.split(None, MIN_TOKENS - 1))
    if title and expected < MIN_TOKENS:
        expected += len(title.split(None, MIN_TOKENS - 1))
    assert word_size(text, title, MIN_TOKENS) == expected


def _reference_inert(char: str) -> bool:
    """``processing.dedup._inert`` as first written: one NFKC call per ASCII neighbour."""
    if unicodedata.combining(char) or unicodedata.normalize("NFKC", char) != char:
        return False
    if char.casefold().encode("ascii", "ignore"):
        return False
    for code in range(128):
        around = chr(code) + char + chr(code)
        if unicodedata.normalize("NFKC", around) != around:
            return False
    return True


def test_inert_checks_every_ascii_neighbour_in_one_call() -> None:
    blocks = [
        (0x80, 0x1200),  # Latin, combining marks, Greek, Cyrillic, Hebrew, Arabic, Indic
        (0x1100, 0x1200),  # Hangul jamo (compose with each other, ccc 0)
        (0x2000, 0x2200),  # punctuation, letterlike (Kelvin sign), number forms
        (0x3000, 0x3100),
        (0xAC00, 0xAC40),
        (0xFB00, 0xFB50),
        (0xFE00, 0xFE10),
        (0xFF00, 0xFF70),
        (0x1D400, 0x1D440),
        (0x1F600, 0x1F650),
    ]
    for start, end in blocks:
        for code in range(start, end):
            char = chr(code)
            assert _inert(char) == _reference_inert(char), hex(code)


def test_a_post_is_one_entry_object_in_all_four_bands() -> None:
    # Compiled, a tuple-typed variable is a C struct boxed anew wherever it is stored:
    # entries travel as objects so that the four bands share one tuple (memory, allocs).
    fingerprint = 0x1234_5678_9ABC_DEF0
    index = DedupIndex()
    index.add(1, fingerprint, [], MIN_TOKENS)
    index.add(2, fingerprint, [], MIN_TOKENS)  # every band a list now
    window = WindowedDedup(timedelta(days=1))
    window.check_in(1, fingerprint, [], MIN_TOKENS)
    assert window.check_in(2, fingerprint ^ 1, [], MIN_TOKENS) == 1
    for by_band in (index.by_band, window.current.by_band):
        buckets = [by_band[slot] for slot in band_keys(fingerprint)[1:]]
        assert all(isinstance(bucket, list) and len(bucket) == 2 for bucket in buckets)
        for position in (0, 1):
            first = buckets[0][position]  # type: ignore[index]
            assert all(bucket[position] is first for bucket in buckets)  # type: ignore[index]
    assert window.current.by_band[band_keys(fingerprint)[0]] == (1, fingerprint)  # alone
