"""Near-duplicate detection: exact URL/title keys first, then 64-bit SimHash over shingles.

Syndicated copies, retweets and copy-pasted posts get ``dup_of`` = the first seen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias, cast

from mypy_extensions import i64

# The fingerprint itself lives in processing.fingerprint (re-exported here).
from processing.fingerprint import BITS as BITS
from processing.fingerprint import MAX_SHINGLES as MAX_SHINGLES
from processing.fingerprint import simhash as simhash

MAX_DISTANCE: Final = 3
MIN_TITLE_KEY: Final = 30
MIN_TEXT_KEY: Final = 16  # shorter texts ("mantap", "setuju") are independent reactions
MIN_TOKENS: Final = 8  # fewer words (text and title) never match by fingerprint
BANDS: Final = 4  # 4 x 16-bit bands: two fingerprints within 3 bits share at least one band
MASK: Final = (1 << BITS) - 1
BAND_BITS: Final = 16
BAND_MASK: Final = 0xFFFF
SLOTS: Final = 4 << 16  # band key k * 0x10000 + band value: one slot per (position, value)
_LOW_63: Final[i64] = 0x7FFF_FFFF_FFFF_FFFF


def distance(a: int, b: int) -> int:
    """Hamming distance between two fingerprints."""
    return ((a ^ b) & MASK).bit_count()


def signed_bits(fingerprint: int) -> i64:
    """The low 64 bits of ``fingerprint`` as a signed 64-bit int (stored fingerprints are)."""
    try:
        value: i64 = fingerprint  # compiled: a checked conversion, no comparison of ints
    except (OverflowError, ValueError):  # compiled, outside the signed range
        return _wrap(fingerprint)
    if (value >> 63) + 1 >> 1:  # interpreted: 0 or -1 within the signed range
        return _wrap(value)
    return value


def _wrap(fingerprint: int) -> i64:
    value = fingerprint & MASK
    return value - (1 << BITS) if value >> (BITS - 1) else value


def band_keys(fingerprint: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a fingerprint, each tagged with its position (slot numbers)."""
    value = signed_bits(fingerprint)
    return (
        value & BAND_MASK,
        0x10000 | (value >> 16) & BAND_MASK,
        0x20000 | (value >> 32) & BAND_MASK,
        0x30000 | (value >> 48) & BAND_MASK,
    )


# An exact key: a post's URL (str), or a content key (bytes: :func:`content_keys`).
Key: TypeAlias = str | bytes
# (post id, fingerprint as signed 64 bits); a band's entries: one entry, or a list of two
# or more. Compiled code passes entries as objects: a variable or parameter of the tuple
# type is a C struct, boxed into a new tuple (and int objects) wherever it is stored, so
# each band would hold its own copy.
Entry: TypeAlias = tuple[int, int]
Bucket: TypeAlias = Entry | list[Entry]


@dataclass
class DedupIndex:
    """Fingerprints and keys of posts already seen, in arrival order."""

    by_key: dict[Key, int] = field(default_factory=dict)
    # band slot (:func:`band_keys`) -> the (post id, signed fingerprint) entries with that
    # band: None, one entry itself, or a list from the second on (a tuple of ints leaves
    # the cyclic garbage collector's tracking, a list never does; most bands hold one
    # post). Empty until the first fingerprint, then ``SLOTS`` long: indexing a list by
    # slot number costs no hashing and no int object.
    by_band: list[Bucket | None] = field(default_factory=list)
    min_tokens: int = MIN_TOKENS

    def add(self, post_id: int, fingerprint: int, keys: Sequence[Key], size: int) -> None:
        by_key = self.by_key
        for key in keys:
            by_key.setdefault(key, post_id)
        if fingerprint and size >= self.min_tokens:
            self.add_bands(post_id, signed_bits(fingerprint))

    def slots(self) -> list[Bucket | None]:
        """``by_band``, allocated on first use."""
        by_band = self.by_band
        if not by_band:
            by_band = self.by_band = [None] * SLOTS
        return by_band

    def add_bands(self, post_id: int, value: i64) -> None:
        """Index a fingerprint (signed 64 bits ``value``) under its four bands."""
        by_band: list[Any] = self.slots()
        entry: object = (post_id, int(value))  # one tuple for the four bands
        shift: i64 = 0
        base: i64 = 0
        while shift < 64:
            slot = base | (value >> shift) & BAND_MASK
            put_entry(by_band, slot, by_band[slot], entry)
            shift += BAND_BITS
            base += 0x10000

    def find(self, fingerprint: int, keys: Sequence[Key], size: int) -> int | None:
        """Return the id of an earlier post this one duplicates, if any."""
        by_key = self.by_key
        for key in keys:
            found = by_key.get(key)
            if found is not None:
                return found
        if not fingerprint or size < self.min_tokens:
            return None
        return self.nearest(signed_bits(fingerprint))

    def nearest(self, value: i64) -> int | None:
        """The smallest id within ``MAX_DISTANCE`` bits of the fingerprint ``value``, if any."""
        by_band = self.by_band
        best: int | None = None
        if not by_band:
            return best
        shift: i64 = 0
        base: i64 = 0
        while shift < 64:
            bucket = by_band[base | (value >> shift) & BAND_MASK]
            if bucket is not None:
                best = nearest_in(bucket, value, best)
            shift += BAND_BITS
            base += 0x10000
        return best


def put_entry(by_band: list[Any], slot: i64, bucket: object, entry: object) -> None:
    """Add ``entry`` (an :data:`Entry`) to band ``slot``, whose bucket is ``bucket``.

    ``bucket`` is the slot's :data:`Bucket`, None while empty.
    """
    if bucket is None:
        by_band[slot] = entry  # a band's first entry stands alone
    elif isinstance(bucket, list):
        bucket.append(entry)
    else:
        by_band[slot] = [bucket, entry]


def close(a: i64, b: i64) -> bool:
    """Whether two signed 64-bit fingerprints are within ``MAX_DISTANCE`` bits."""
    x = a ^ b
    if x < 0:
        return int(x & _LOW_63).bit_count() < MAX_DISTANCE  # the sign bit is the other one
    return int(x).bit_count() <= MAX_DISTANCE


def nearest_in(bucket: object, value: i64, best: int | None) -> int | None:
    """``best`` or a smaller id of ``bucket`` (a :data:`Bucket`) within ``MAX_DISTANCE`` bits."""
    if isinstance(bucket, list):
        entries: list[Entry] = bucket
        for post_id, other in entries:
            if close(value, other) and (best is None or post_id < best):
                best = post_id
        return best
    post_id, other = cast(Entry, bucket)
    if close(value, other) and (best is None or post_id < best):
        return post_id
    return best


_PUBLISHER_SEPARATORS: Final = (" - ", " | ", " – ", " — ")
_RETWEET: Final = re.compile(r"^\s*RT\s+@\w{1,30}:?\s*", re.IGNORECASE)
MAX_SUFFIX_WORDS: Final = 5


def strip_publisher(title: str) -> str:
    """Drop a trailing publisher name: ``Judul berita - Kompas.com`` -> ``Judul berita``.

    The separators are tried in the order of ``_PUBLISHER_SEPARATORS``; an ASCII title
    holds neither of the dashes outside ASCII.
    """
    if " - " in title:
        head = _publisher_head(title, " - ")
        if head:
            return head
    if " | " in title:
        head = _publisher_head(title, " | ")
        if head:
            return head
    if not title.isascii():
        for sep in (" – ", " — "):
            if sep in title:
                head = _publisher_head(title, sep)
                if head:
                    return head
    return title


def _publisher_head(title: str, sep: str) -> str:
    """The stripped head before the last ``sep`` if a publisher name follows, else ""."""
    head, _, tail = title.rpartition(sep)
    # Only a short tail, shorter than what remains: a name, not half a headline.
    if len(tail) < len(head) and words_upto(tail, MAX_SUFFIX_WORDS + 1) <= MAX_SUFFIX_WORDS:
        return head.strip()
    return ""


# Key characters are a-z and 0-9: translate() lower-cases A-Z and deletes every other byte.
_LOWER: Final = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
# The characters outside ASCII whose casefold() holds ASCII (ß -> ss, İ -> i + dot, ﬀ -> ff,
# the Kelvin sign -> k; Unicode 14): tests check this against every code point.
_FOLDS_TO_ASCII: Final = re.compile(
    "[\u00df\u0130\u0149\u017f\u01f0\u1e96-\u1e9a\u1e9e\u212a\ufb00-\ufb06]"
)
_NOT_KEY: Final = bytes(
    c for c in range(256) if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122)
)


_ASCII: Final = bytes(range(128))
# "\0", "\0\1", "\1\2", ..., "\x7f": joined by a character, each ASCII character on both of its sides.
_ASCII_DOUBLED: Final = ["\0", *(chr(c) + chr(c + 1) for c in range(127)), "\x7f"]
# Characters outside ASCII seen so far -> whether they drop out of a key whatever
# surrounds them (:func:`_inert`); cleared when full.
_inert_chars: Final[dict[str, bool]] = {}
INERT_MEMO_SIZE: Final = 1 << 16


def _inert(char: str) -> bool:
    """Whether ``char`` (outside ASCII) leaves the key of any text holding it unchanged.

    It must be a starter that NFKC keeps as it is, fold to nothing in ASCII, and
    neither compose nor reorder with any ASCII neighbour. Starters never reorder, and
    composition joins a starter only with the starter right before it, so a text whose
    characters outside ASCII are all inert keeps its ASCII characters through NFKC and
    case folding (compositions of inert characters among themselves stay outside ASCII).
    """
    if unicodedata.combining(char) or unicodedata.normalize("NFKC", char) != char:
        return False
    if char.casefold().encode("ascii", "ignore"):
        return False
    # Every ASCII neighbour on both sides, in one string: ASCII characters are starters
    # that compose with nothing, so each ``n + char + n`` normalizes on its own.
    around = char.join(_ASCII_DOUBLED)
    return unicodedata.normalize("NFKC", around) == around


def key_text(text: str) -> str:
    """:func:`processing.normalize.compact` in one C pass per step (see :func:`key_bytes`)."""
    return key_bytes(text).decode("ascii")


def key_bytes(text: str) -> bytes:
    """:func:`processing.normalize.compact` of ``text``, ASCII-encoded.

    ``compact`` keeps only a-z and 0-9 of the folded (NFKC, case-folded, invisibles
    dropped) text; every non-ASCII character goes, invisibles included, so dropping them
    all at encoding gives the same string.
    """
    if text.isascii():
        return text.encode("ascii").translate(_LOWER, _NOT_KEY)
    raw = text.encode("utf-8", "surrogatepass")
    # Most texts outside ASCII only add emoji and punctuation that NFKC and case
    # folding leave alone: then the key is the ASCII bytes', with no pass over the text.
    memo = _inert_chars
    for char in raw.translate(None, _ASCII).decode("utf-8", "surrogatepass"):
        inert = memo.get(char)
        if inert is None:
            if len(memo) >= INERT_MEMO_SIZE:
                memo.clear()
            inert = memo[char] = _inert(char)
        if not inert:
            return _folded_key_bytes(text)
    return raw.translate(_LOWER, _NOT_KEY)


def _folded_key_bytes(text: str) -> bytes:
    """:func:`key_bytes` of a text outside ASCII, through NFKC (and case folding if needed)."""
    text = unicodedata.normalize("NFKC", text)
    # Case folding works character by character; translate() lower-cases ASCII, so
    # it only matters where a character outside ASCII folds to ASCII letters.
    if _FOLDS_TO_ASCII.search(text) is not None:
        text = text.casefold()
    return text.encode("ascii", "ignore").translate(_LOWER, _NOT_KEY)


def dedup_keys(url: str | None, title: str | None, text: str | None = None) -> list[Key]:
    """Exact keys: canonical URL, compacted title (no publisher suffix) and compacted text.

    The text key drops a retweet prefix; titles and texts must be long enough to tell.
    The URL key is the URL itself (a str), the others bytes (:func:`content_keys`): no
    key of one kind can equal a key of another.
    """
    if not url:
        return content_keys(title, text)
    return [url, *content_keys(title, text)]


def content_keys(title: str | None, text: str | None) -> list[Key]:
    """The keys of :func:`dedup_keys` but the URL's: a function of title and text only.

    The title key is ``b"t:"`` and the title's :func:`key_bytes`; the text key is the
    text's :func:`key_bytes` itself (only a-z and 0-9: never equal to a title key).
    """
    keys: list[Key] = []
    if title:
        key = key_bytes(strip_publisher(title))
        if len(key) >= MIN_TITLE_KEY:
            keys.append(b"t:" + key)
    if text:
        head = text[:5000]
        # The prefix starts with "RT" (either case: no other character matches) or
        # with whitespace: most texts need no regex.
        first = head[0]
        retweet = _RETWEET.match(head) if first in "Rr" or first.isspace() else None
        body = head[retweet.end() :] if retweet else head
        key = key_bytes(body)
        # A retweet repeats its original whatever the length; other texts need
        # enough characters to be telling.
        if key and (retweet or len(key) >= MIN_TEXT_KEY):
            keys.append(key)
    return keys


def word_size(text: str, title: str | None, cap: int) -> int:
    """Words of ``text`` plus words of ``title``, counted up to ``cap``.

    Exact below ``cap`` words, and at least ``cap`` otherwise: all a comparison with a
    threshold of at most ``cap`` needs, without splitting a long text into all its words
    (nor the title when the text alone has ``cap``). Each count is
    ``len(s.split(None, cap - 1))``, without building the pieces.
    """
    if cap <= 0:
        return 0
    size = words_upto(text, cap)
    if title and size < cap:
        size += words_upto(title, cap)
    return size


def words_upto(text: str, cap: i64) -> i64:
    """``min(len(text.split()), cap)`` for ``cap >= 1``: words counted until ``cap``."""
    if text.isascii():
        return _ascii_words_upto(text.encode("ascii"), cap)
    # str.split() splits at the characters str.isspace() holds: below 128 those of
    # _ascii_words_upto, above it a few (U+0085, U+00A0, U+2000..., U+3000) asked one by one.
    words: i64 = 0
    gap = True
    n: i64 = len(text)
    i: i64 = 0
    while i < n:
        c: i64 = ord(text[i])
        if c <= 32 and (c == 32 or 9 <= c <= 13 or 28 <= c) or c >= 128 and text[i].isspace():
            gap = True
        elif gap:
            words += 1
            if words >= cap:
                return words
            gap = False
        i += 1
    return words


def _ascii_words_upto(raw: bytes, cap: i64) -> i64:
    """:func:`words_upto` of an ASCII text's bytes (whitespace: 9-13, 28-32)."""
    words: i64 = 0
    gap = True
    n: i64 = len(raw)
    i: i64 = 0
    while i < n:
        c: i64 = raw[i]
        if c <= 32 and (c == 32 or 9 <= c <= 13 or 28 <= c):
            gap = True
        elif gap:
            words += 1
            if words >= cap:
                return words
            gap = False
        i += 1
    return words
