"""Near-duplicate detection: exact URL/title keys first, then 64-bit SimHash over shingles.

Syndicated copies, retweets and copy-pasted posts get ``dup_of`` = the first seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from processing.normalize import compact

BITS = 64
MAX_DISTANCE = 3
MIN_TITLE_KEY = 30
BANDS = 4  # 4 x 16-bit bands: two fingerprints within 3 bits share at least one band
_MASK = (1 << BITS) - 1


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _spread_table() -> tuple[int, ...]:
    # Byte value -> its 8 bits spread into 8 counter fields of 32 bits each.
    return tuple(
        sum(1 << (32 * bit) for bit in range(8) if value >> bit & 1) for value in range(256)
    )


_SPREAD = _spread_table()
_FIELD = (1 << 32) - 1


def simhash(tokens: Sequence[str], shingle: int = 3) -> int:
    """Return a 64-bit SimHash of word shingles (0 for an empty text)."""
    if not tokens:
        return 0
    if len(tokens) < shingle:
        grams: Iterable[str] = [" ".join(tokens)]
    else:
        grams = (" ".join(tokens[i : i + shingle]) for i in range(len(tokens) - shingle + 1))
    # Bit-sliced counting: one big-int addition per digest byte counts all 8 of its bits
    # at once (a Python loop over 64 bits per shingle was most of the analysis time).
    spread = _SPREAD
    blake2b = hashlib.blake2b
    c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = 0
    n = 0
    for gram in grams:
        d = blake2b(gram.encode("utf-8"), digest_size=8).digest()
        c0 += spread[d[0]]
        c1 += spread[d[1]]
        c2 += spread[d[2]]
        c3 += spread[d[3]]
        c4 += spread[d[4]]
        c5 += spread[d[5]]
        c6 += spread[d[6]]
        c7 += spread[d[7]]
        n += 1
    value = 0
    # Digest byte j holds bits 8*(7-j) .. 8*(7-j)+7 of the big-endian 64-bit hash; a bit is
    # set when more shingles have it set than not (weight > 0).
    for j, counts in enumerate((c0, c1, c2, c3, c4, c5, c6, c7)):
        base = 8 * (7 - j)
        for bit in range(8):
            if 2 * ((counts >> (32 * bit)) & _FIELD) > n:
                value |= 1 << (base + bit)
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


def dedup_keys(url: str | None, title: str | None) -> list[str]:
    """Exact keys: the canonical URL and the compacted title when it is long enough."""
    keys = []
    if url:
        keys.append("u:" + url)
    if title:
        key = compact(title)
        if len(key) >= MIN_TITLE_KEY:
            keys.append("t:" + key)
    return keys
