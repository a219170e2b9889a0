"""Near-duplicate detection: exact URL/title keys first, then 64-bit SimHash over shingles.

Syndicated copies, retweets and copy-pasted posts get ``dup_of`` = the first seen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

# The fingerprint itself lives in processing.fingerprint (re-exported here).
from processing.fingerprint import BITS as BITS
from processing.fingerprint import MAX_SHINGLES as MAX_SHINGLES
from processing.fingerprint import simhash as simhash

MAX_DISTANCE = 3
MIN_TITLE_KEY = 30
MIN_TEXT_KEY = 16  # shorter texts ("mantap", "setuju") are independent reactions
MIN_TOKENS = 8  # fewer words (text and title) never match by fingerprint
BANDS = 4  # 4 x 16-bit bands: two fingerprints within 3 bits share at least one band
MASK = (1 << BITS) - 1


def distance(a: int, b: int) -> int:
    """Hamming distance between two fingerprints."""
    return ((a ^ b) & MASK).bit_count()


def band_keys(fingerprint: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a fingerprint, each tagged with its position (dict keys)."""
    value = fingerprint & MASK
    return (
        value & 0xFFFF,
        0x10000 | (value >> 16) & 0xFFFF,
        0x20000 | (value >> 32) & 0xFFFF,
        0x30000 | value >> 48,
    )


# (post id, unsigned fingerprint); a band's entries: one entry, or a list of two or more.
Entry: TypeAlias = tuple[int, int]
Bucket: TypeAlias = Entry | list[Entry]


@dataclass
class DedupIndex:
    """Fingerprints and keys of posts already seen, in arrival order."""

    by_key: dict[str, int] = field(default_factory=dict)
    # band key -> the (post id, unsigned fingerprint) entries with that band: one entry
    # itself, a list from the second on (a tuple of ints leaves the cyclic garbage
    # collector's tracking, a list never does; most bands hold one post)
    by_band: dict[int, Bucket] = field(default_factory=dict)
    min_tokens: int = MIN_TOKENS

    def add(self, post_id: int, fingerprint: int, keys: Sequence[str], size: int) -> None:
        by_key = self.by_key
        for key in keys:
            by_key.setdefault(key, post_id)
        if fingerprint and size >= self.min_tokens:
            self.add_bands(post_id, fingerprint & MASK, band_keys(fingerprint))

    def add_bands(self, post_id: int, value: int, bands: tuple[int, int, int, int]) -> None:
        """Index an unsigned fingerprint ``value`` under its ``bands``."""
        by_band = self.by_band
        entry = (post_id, value)
        for band in bands:
            put_entry(by_band, band, by_band.get(band), entry)

    def find(self, fingerprint: int, keys: Sequence[str], size: int) -> int | None:
        """Return the id of an earlier post this one duplicates, if any."""
        by_key = self.by_key
        for key in keys:
            found = by_key.get(key)
            if found is not None:
                return found
        if not fingerprint or size < self.min_tokens:
            return None
        return self.nearest(fingerprint & MASK, band_keys(fingerprint))

    def nearest(self, value: int, bands: tuple[int, int, int, int]) -> int | None:
        """The smallest id within ``MAX_DISTANCE`` bits of the unsigned ``value``, if any."""
        by_band = self.by_band
        best: int | None = None
        for band in bands:
            bucket = by_band.get(band)
            if bucket is not None:
                best = nearest_in(bucket, value, best)
        return best


def put_entry(by_band: dict[int, Bucket], band: int, bucket: Bucket | None, entry: Entry) -> None:
    """Add ``entry`` to ``band``, whose bucket is ``bucket`` (None: empty so far)."""
    if bucket is None:
        by_band[band] = entry  # a band's first entry stands alone
    elif isinstance(bucket, list):
        bucket.append(entry)
    else:
        by_band[band] = [bucket, entry]


def nearest_in(bucket: Bucket, value: int, best: int | None) -> int | None:
    """``best`` or a smaller id of ``bucket`` within ``MAX_DISTANCE`` bits of ``value``."""
    if isinstance(bucket, list):
        for post_id, other in bucket:
            if (value ^ other).bit_count() <= MAX_DISTANCE and (best is None or post_id < best):
                best = post_id
        return best
    post_id, other = bucket
    if (value ^ other).bit_count() <= MAX_DISTANCE and (best is None or post_id < best):
        return post_id
    return best


_PUBLISHER_SEPARATORS = (" - ", " | ", " – ", " — ")
_RETWEET = re.compile(r"^\s*RT\s+@\w{1,30}:?\s*", re.IGNORECASE)
MAX_SUFFIX_WORDS = 5


def strip_publisher(title: str) -> str:
    """Drop a trailing publisher name: ``Judul berita - Kompas.com`` -> ``Judul berita``."""
    for sep in _PUBLISHER_SEPARATORS:
        if sep not in title:
            continue
        head, _, tail = title.rpartition(sep)
        # Only a short tail, shorter than what remains: a name, not half a headline.
        short = len(tail.split(None, MAX_SUFFIX_WORDS)) <= MAX_SUFFIX_WORDS and len(tail) < len(
            head
        )
        if short and head.strip():
            return head.strip()
    return title


# Key characters are a-z and 0-9: translate() lower-cases A-Z and deletes every other byte.
_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
# The characters outside ASCII whose casefold() holds ASCII (ß -> ss, İ -> i + dot, ﬀ -> ff,
# the Kelvin sign -> k; Unicode 14): tests check this against every code point.
_FOLDS_TO_ASCII = re.compile(
    "[\u00df\u0130\u0149\u017f\u01f0\u1e96-\u1e9a\u1e9e\u212a\ufb00-\ufb06]"
)
_NOT_KEY = bytes(c for c in range(256) if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122))


def key_text(text: str) -> str:
    """:func:`processing.normalize.compact` in one C pass per step.

    ``compact`` keeps only a-z and 0-9 of the folded (NFKC, case-folded, invisibles
    dropped) text; every non-ASCII character goes, invisibles included, so dropping them
    all at encoding gives the same string.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        # Case folding works character by character; translate() lower-cases ASCII, so
        # it only matters where a character outside ASCII folds to ASCII letters.
        if _FOLDS_TO_ASCII.search(text) is not None:
            text = text.casefold()
        return text.encode("ascii", "ignore").translate(_LOWER, _NOT_KEY).decode("ascii")
    return text.encode("ascii").translate(_LOWER, _NOT_KEY).decode("ascii")


def dedup_keys(url: str | None, title: str | None, text: str | None = None) -> list[str]:
    """Exact keys: canonical URL, compacted title (no publisher suffix) and compacted text.

    The text key drops a retweet prefix; titles and texts must be long enough to tell.
    """
    keys = []
    if url:
        keys.append("u:" + url)
    if title:
        key = key_text(strip_publisher(title))
        if len(key) >= MIN_TITLE_KEY:
            keys.append("t:" + key)
    if text:
        head = text[:5000]
        retweet = _RETWEET.match(head)
        body = head[retweet.end() :] if retweet else head
        key = key_text(body)
        # A retweet repeats its original whatever the length; other texts need
        # enough characters to be telling.
        if key and (retweet or len(key) >= MIN_TEXT_KEY):
            keys.append("x:" + key)
    return keys


def word_size(text: str, title: str | None, cap: int) -> int:
    """Words of ``text`` plus words of ``title``, each counted up to ``cap + 1``.

    Exact below ``cap`` words, and at least ``cap`` otherwise: all a comparison with a
    threshold of at most ``cap`` needs, without splitting a long text into all its words.
    """
    size = len(text.split(None, cap))
    if title:
        size += len(title.split(None, cap))
    return size
