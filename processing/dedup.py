"""Near-duplicate detection: exact URL/title keys first, then 64-bit SimHash over shingles.

Syndicated copies, retweets and copy-pasted posts get ``dup_of`` = the first seen.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from types import FunctionType
from typing import Final, TypeAlias, final

import numpy as np
from mypy_extensions import i64

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
# simhash_ints: rows as signed 64-bit ints; eight byte lanes per accumulator.
_token_words: dict[str, _Row] = {}
_UNPACK_ROW = struct.Struct("<3q").unpack
_LANES: Final = 0x0101_0101_0101_0101
_LANE_CHUNK: Final = 127  # votes per lane before it could reach the sign bit
_LOW_LANES: Final = 0x0001_0101_0101_0101  # the low seven byte lanes
_LOW_LANES_MASK: Final = 0x00FF_FFFF_FFFF_FFFF
_LANE_8: Final[i64] = 0x0100_0000_0000_0000  # bit 56: the first bit of the eighth lane
_SIGN: Final[i64] = -0x8000_0000_0000_0000  # bit 63 of a signed 64-bit value


def token_row(token: str) -> bytes:
    """The token's three stable 64-bit values (BLAKE2b, not ``hash()``), one per position."""
    state = _BLAKE2B_ROW.copy()
    state.update(token.encode("utf-8", "surrogatepass"))
    return state.digest()


# Whether this module runs mypyc-compiled (compiled functions are builtins).
COMPILED: Final = not isinstance(token_row, FunctionType)


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

    Two exact implementations give the same value: :func:`simhash_ints` (integer
    counters, fastest when compiled) and :func:`simhash_numpy` (fastest as pure Python).
    """
    if COMPILED:
        return simhash_ints(tokens)
    return simhash_numpy(tokens)


def simhash_numpy(tokens: list[str]) -> int:
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


@final
class _Row:
    """A token's row as three signed 64-bit ints (the bytes of :func:`token_row`).

    Compiled, the values sit unboxed in the object: reading one costs a load, not
    the conversion of a 64-bit Python int.
    """

    __slots__ = ("a", "b", "c")

    def __init__(self, token: str) -> None:
        a, b, c = _UNPACK_ROW(token_row(token))
        self.a: i64 = a
        self.b: i64 = b
        self.c: i64 = c


def simhash_ints(tokens: list[str]) -> int:
    """:func:`simhash` with 64-bit integers only (no numpy call per text).

    Each shingle hash ``h`` is added into eight accumulators of eight byte lanes:
    ``lanes[k] += (h >> k) & 0x0101...01``, so lane ``j`` of ``lanes[k]`` counts the
    votes of bit ``8 * j + k``. A lane holds at most :data:`_LANE_CHUNK` (127) votes, so
    no lane carries and no value leaves the signed 64-bit range; longer texts move
    the counts into wide per-bit counters every 127 shingles. XOR and masks work on
    the same bits whatever the sign, so the result is that of :func:`simhash_numpy`.
    """
    count = len(tokens)
    if count > MAX_SHINGLES + SHINGLE - 1:
        count = MAX_SHINGLES + SHINGLE - 1
    if not count:
        return 0
    cache = _token_words
    first = cache.get(tokens[0])
    if first is None:
        first = _cache_row(cache, tokens[0])
    if count == 1:
        return first.a
    second = cache.get(tokens[1])
    if second is None:
        second = _cache_row(cache, tokens[1])
    if count == 2:
        return first.a ^ second.b
    # Shingle i is A[i] ^ B[i + 1] ^ C[i + 2]: carry A of the last token and
    # A ^ B of the last two while walking the tokens once.
    pending_a: i64 = second.a
    pending_ab: i64 = first.a ^ second.b
    s0: i64 = 0
    s1: i64 = 0
    s2: i64 = 0
    s3: i64 = 0
    s4: i64 = 0
    s5: i64 = 0
    s6: i64 = 0
    s7: i64 = 0
    votes: i64 = 0
    wide: list[i64] = []
    i: i64 = 2
    while i < count:
        token = tokens[i]
        row = cache.get(token)
        if row is None:
            row = _cache_row(cache, token)
        h: i64 = pending_ab ^ row.c
        pending_ab = pending_a ^ row.b
        pending_a = row.a
        s0 += h & _LANES
        s1 += (h >> 1) & _LANES
        s2 += (h >> 2) & _LANES
        s3 += (h >> 3) & _LANES
        s4 += (h >> 4) & _LANES
        s5 += (h >> 5) & _LANES
        s6 += (h >> 6) & _LANES
        s7 += (h >> 7) & _LANES
        votes += 1
        if votes % _LANE_CHUNK == 0:
            if not wide:
                wide = [0] * BITS
            _spill(wide, (s0, s1, s2, s3, s4, s5, s6, s7))
            s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0
        i += 1
    half: i64 = votes >> 1
    if wide:
        _spill(wide, (s0, s1, s2, s3, s4, s5, s6, s7))
        value = 0  # a Python int: the sign comes last
        for bit in range(BITS):
            if wide[bit] > half:
                value |= 1 << bit
        return value - (1 << BITS) if value >> (BITS - 1) else value
    return (
        _lane_majority(s0, half, 0)
        | _lane_majority(s1, half, 1)
        | _lane_majority(s2, half, 2)
        | _lane_majority(s3, half, 3)
        | _lane_majority(s4, half, 4)
        | _lane_majority(s5, half, 5)
        | _lane_majority(s6, half, 6)
        | _lane_majority(s7, half, 7)
    )


def _cache_row(cache: dict[str, _Row], token: str) -> _Row:
    """Hash a token missing from ``cache`` and keep its row (cleared when full)."""
    if len(cache) >= TOKEN_CACHE_SIZE:
        cache.clear()
    row = cache[token] = _Row(token)
    return row


def _spill(wide: list[i64], lanes: tuple[i64, i64, i64, i64, i64, i64, i64, i64]) -> None:
    """Add the byte-lane counts to the per-bit counters ``wide``."""
    for k in range(8):
        lane = lanes[k]
        for j in range(8):
            wide[8 * j + k] += (lane >> (8 * j)) & 0xFF


def _lane_majority(lane: i64, half: i64, k: i64) -> i64:
    """Bits ``8 * j + k`` set where byte ``j`` of ``lane`` (a vote count) exceeds ``half``.

    Lanes hold at most 127 votes and ``half`` is at most 63: adding ``127 - half`` to
    each of the low seven lanes sets a lane's top bit exactly when its count exceeds
    ``half``, without a carry into the next lane. The eighth lane (bits 56-63: bit 63
    is the sign) is compared on its own, so no value leaves the signed 64-bit range.
    """
    low: i64 = (lane & _LOW_LANES_MASK) + (127 - half) * _LOW_LANES
    value: i64 = ((low >> 7) & _LOW_LANES) << k
    if lane >> 56 > half:
        # Shift a 64-bit constant: mypyc shifts a literal 1 as a 32-bit C int.
        value |= _SIGN if k == 7 else _LANE_8 << k
    return value


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
            bucket = by_band.get(band)
            if bucket is None:
                by_band[band] = entry
            elif isinstance(bucket, list):
                bucket.append(entry)
            else:
                by_band[band] = [bucket, entry]

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
