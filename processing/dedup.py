"""Near-duplicate detection: exact URL/title keys first, then 64-bit SimHash over shingles.

Syndicated copies, retweets and copy-pasted posts get ``dup_of`` = the first seen.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np

BITS = 64
MAX_DISTANCE = 3
MIN_TITLE_KEY = 30
MIN_TEXT_KEY = 16  # shorter texts ("mantap", "setuju") are independent reactions
MIN_TOKENS = 8  # fewer words (text and title) never match by fingerprint
BANDS = 4  # 4 x 16-bit bands: two fingerprints within 3 bits share at least one band
MASK = (1 << BITS) - 1
MAX_SHINGLES = 100_000
SHINGLE = 3  # words per shingle (the three columns of a token's row)
# Per-token hash rows kept between calls; cleared when full (bounded memory).
TOKEN_CACHE_SIZE = 1 << 17
_ROW = SHINGLE * BITS // 8  # bytes per token: one 64-bit value per shingle position
_BLAKE2B_ROW = hashlib.blake2b(digest_size=_ROW, person=b"pantau-simhash")
_token_rows: dict[str, bytes] = {}
_U64 = np.dtype(np.uint64)
# Byte lanes of a uint64 sum without carries below 256 shingles.
_LANE_LIMIT = 256
_ONES = np.ones(_LANE_LIMIT, _U64)


def token_row(token: str) -> bytes:
    """The token's three stable 64-bit values (BLAKE2b, not ``hash()``), one per position."""
    state = _BLAKE2B_ROW.copy()
    state.update(token.encode("utf-8", "surrogatepass"))
    return state.digest()


def _joined_rows(tokens: list[str]) -> bytes:
    """The tokens' rows end to end; misses are hashed and cached (cleared when full)."""
    cache = _token_rows
    if len(tokens) == 1:
        row = cache.get(tokens[0])
        return row if row is not None else token_row(tokens[0])
    try:
        return b"".join(itemgetter(*tokens)(cache))
    except KeyError:
        pass
    if len(cache) + len(tokens) > TOKEN_CACHE_SIZE:
        cache.clear()
    rows = []
    for token in tokens:
        found = cache.get(token)
        if found is None:
            found = cache[token] = token_row(token)
        rows.append(found)
    return b"".join(rows)


def simhash(tokens: list[str]) -> int:
    """Return a 64-bit SimHash of word 3-shingles (0 for an empty text), as a signed int.

    A shingle ``(a, b, c)`` hashes to ``A[a] ^ B[b] ^ C[c]`` (simple tabulation
    hashing: each token's row holds three independent BLAKE2b-derived 64-bit values,
    computed once per distinct token and cached), so distinct shingles get
    pairwise-independent uniform hashes. Bit ``k`` of the result is set when more than
    half of the shingle hashes have bit ``k`` set. A text of one or two tokens is one
    shingle. Everything is bytewise, so the value is the same on every machine.
    """
    words = tokens if len(tokens) < MAX_SHINGLES else tokens[: MAX_SHINGLES + SHINGLE - 1]
    count = len(words)
    if not count:
        return 0
    table = np.frombuffer(_joined_rows(words), _U64).reshape(count, SHINGLE)
    if count >= SHINGLE:
        hashes = table[:-2, 0] ^ table[1:-1, 1]
        hashes ^= table[2:, 2]
    elif count == 2:
        hashes = table[:1, 0] ^ table[1:, 1]
    else:
        hashes = table[:, 0].copy()
    total = len(hashes)
    bits = np.unpackbits(hashes.view(np.uint8))
    if total < _LANE_LIMIT:
        # Add the 0/1 bytes eight at a time (a uint64 holds eight byte lanes; no lane
        # reaches 256, so none carries): lane j of the sums counts the votes of bit j.
        lanes = bits.view(_U64).reshape(total, BITS // 8)
        votes = np.dot(_ONES[:total], lanes).view(np.uint8)
    else:
        votes = bits.reshape(total, BITS).sum(0)
    # unpackbits/packbits use the same bit order, so packing restores the byte layout.
    majority = np.packbits(votes > (total >> 1)).tobytes()
    # SQLite integers are signed 64-bit.
    return int.from_bytes(majority, "little", signed=True)


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


@dataclass
class DedupIndex:
    """Fingerprints and keys of posts already seen, in arrival order."""

    by_key: dict[str, int] = field(default_factory=dict)
    # band key -> (post id, unsigned fingerprint) of the posts with that band
    by_band: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    min_tokens: int = MIN_TOKENS

    def add(self, post_id: int, fingerprint: int, keys: Sequence[str], size: int) -> None:
        by_key = self.by_key
        for key in keys:
            if key not in by_key:
                by_key[key] = post_id
        if fingerprint and size >= self.min_tokens:
            self.add_bands(post_id, fingerprint & MASK, band_keys(fingerprint))

    def add_bands(self, post_id: int, value: int, bands: tuple[int, int, int, int]) -> None:
        """Index an unsigned fingerprint ``value`` under its ``bands``."""
        by_band = self.by_band
        entry = (post_id, value)
        for band in bands:
            bucket = by_band.get(band)
            if bucket is None:
                by_band[band] = [entry]
            else:
                bucket.append(entry)

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
            if bucket is None:
                continue
            for post_id, other in bucket:
                if (value ^ other).bit_count() <= MAX_DISTANCE and (best is None or post_id < best):
                    best = post_id
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
_NOT_KEY = bytes(c for c in range(256) if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122))


def key_text(text: str) -> str:
    """:func:`processing.normalize.compact` in one C pass per step.

    ``compact`` keeps only a-z and 0-9 of the folded (NFKC, case-folded, invisibles
    dropped) text; every non-ASCII character goes, invisibles included, so dropping them
    all at encoding gives the same string.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
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
