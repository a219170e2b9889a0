"""Near-duplicate detection: exact URL/title keys first, then 64-bit SimHash over shingles.

Syndicated copies, retweets and copy-pasted posts get ``dup_of`` = the first seen.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from processing.normalize import compact

BITS = 64
MAX_DISTANCE = 3
MIN_TITLE_KEY = 30
MIN_TEXT_KEY = 16  # shorter texts ("mantap", "setuju") are independent reactions
BANDS = 4  # 4 x 16-bit bands: two fingerprints within 3 bits share at least one band
_MASK = (1 << BITS) - 1


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


MAX_SHINGLES = 100_000
_BLAKE2B_64 = hashlib.blake2b(digest_size=8)


def simhash(tokens: Sequence[str], shingle: int = 3) -> int:
    """Return a 64-bit SimHash of word shingles (0 for an empty text).

    Each shingle's 8-byte BLAKE2b digest votes on the 64 bits; numpy counts the
    votes of all shingles at once (the digests unpacked into a shingles x 64 bit matrix).
    """
    if not tokens:
        return 0
    if len(tokens) < shingle:
        grams: Iterable[str] = [" ".join(tokens)]
    else:
        columns = [tokens[k:] for k in range(shingle)]
        grams = islice(map(" ".join, zip(*columns, strict=False)), MAX_SHINGLES)
    # Copying a fresh 8-byte BLAKE2b state is cheaper than constructing one per shingle.
    digests: list[bytes] = []
    append = digests.append
    fresh = _BLAKE2B_64.copy
    for gram in grams:
        state = fresh()
        state.update(gram.encode("utf-8"))
        append(state.digest())
    total = len(digests)
    votes = np.unpackbits(np.frombuffer(b"".join(digests), np.uint8)).reshape(total, BITS).sum(0)
    # Big-endian digests: bit i of the matrix row is bit BITS-1-i of the hash.
    value = int.from_bytes(np.packbits(2 * votes > total).tobytes(), "big")
    # SQLite integers are signed 64-bit.
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def distance(a: int, b: int) -> int:
    """Hamming distance between two fingerprints."""
    return ((a ^ b) & _MASK).bit_count()


def _bands(value: int) -> list[tuple[int, int]]:
    value &= _MASK
    return [(i, (value >> (16 * i)) & 0xFFFF) for i in range(BANDS)]


@dataclass
class DedupIndex:
    """Fingerprints and keys of posts already seen, in arrival order."""

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
        """Return the id of an earlier post this one duplicates, if any."""
        for key in keys:
            found = self.by_key.get(key)
            if found is not None:
                return found
        if not fingerprint or size < self.min_tokens:
            return None
        best: int | None = None
        for band in _bands(fingerprint):
            for post_id, other in self.by_band.get(band, ()):
                if distance(fingerprint, other) <= MAX_DISTANCE and (
                    best is None or post_id < best
                ):
                    best = post_id
        return best


_PUBLISHER_SEPARATORS = (" - ", " | ", " – ", " — ")
_RETWEET = re.compile(r"^\s*RT\s+@\w{1,30}:?\s*", re.IGNORECASE)
MAX_SUFFIX_WORDS = 5


def strip_publisher(title: str) -> str:
    """Drop a trailing publisher name: ``Judul berita - Kompas.com`` -> ``Judul berita``."""
    for sep in _PUBLISHER_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        # Only a short tail, shorter than what remains: a name, not half a headline.
        short = len(tail.split()) <= MAX_SUFFIX_WORDS and len(tail) < len(head)
        if found and head.strip() and short:
            return head.strip()
    return title


def dedup_keys(url: str | None, title: str | None, text: str | None = None) -> list[str]:
    """Exact keys: canonical URL, compacted title (no publisher suffix) and compacted text.

    The text key drops a retweet prefix; titles and texts must be long enough to tell.
    """
    keys = []
    if url:
        keys.append("u:" + url)
    if title:
        key = compact(strip_publisher(title))
        if len(key) >= MIN_TITLE_KEY:
            keys.append("t:" + key)
    if text:
        head = text[:5000]
        body = _RETWEET.sub("", head, count=1)
        key = compact(body)
        # A retweet repeats its original whatever the length; other texts need
        # enough characters to be telling.
        if key and (body != head or len(key) >= MIN_TEXT_KEY):
            keys.append("x:" + key)
    return keys
