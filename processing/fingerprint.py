"""The 64-bit SimHash fingerprint of a text's word 3-shingles (see :func:`simhash`).

Used by ``processing.dedup`` for near-duplicate lookup; stored fingerprints and the golden
file depend on its exact values, so both implementations here are tested equal.
"""

from __future__ import annotations

import hashlib
import struct
from operator import itemgetter
from types import FunctionType
from typing import TYPE_CHECKING, Final, final

import numpy as np
from mypy_extensions import i64

if TYPE_CHECKING:  # ``processing.expand`` imports this module
    from processing.expand import TokenMark

BITS: Final = 64
MAX_SHINGLES: Final = 100_000
SHINGLE: Final = 3  # words per shingle (the three columns of a token's row)
# Per-token hash rows kept between calls; cleared when full (bounded memory).
TOKEN_CACHE_SIZE = 1 << 17
_ROW: Final = SHINGLE * BITS // 8  # bytes per token: one 64-bit value per shingle position
_BLAKE2B_ROW = hashlib.blake2b(digest_size=_ROW, person=b"pantau-simhash")
_token_rows: Final[dict[str, bytes]] = {}
_U64 = np.dtype(np.uint64)
# Byte lanes of a uint64 sum without carries below 256 shingles.
_LANE_LIMIT: Final = 256
_ONES = np.ones(_LANE_LIMIT, _U64)
# simhash_ints: rows as signed 64-bit ints; eight byte lanes per accumulator.
_token_words: Final[dict[str, Row]] = {}
_UNPACK_ROW = struct.Struct("<3q").unpack
_LANES: Final = 0x0101_0101_0101_0101
_LANE_CHUNK: Final = 127  # votes per lane before it could reach the sign bit
_NIBBLES: Final = 0x1111_1111_1111_1111
_LOW_NIBBLES: Final = 0x0F0F_0F0F_0F0F_0F0F
_NIBBLE_CHUNK: Final = 7  # votes per nibble lane: the top one stays below the sign bit
# Nibble moves per byte-lane spill: 18 * 7 = 126 votes, and at most 125 when the loop
# ends (17 moves and 6 votes left in the nibbles): within ``_LANE_CHUNK``.
_BYTE_CHUNKS: Final = _LANE_CHUNK // _NIBBLE_CHUNK
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
    """:func:`simhash` with numpy: the token rows as a uint64 table, votes by byte lanes."""
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
class Row:
    """A token's row as three signed 64-bit ints (the bytes of :func:`token_row`).

    Compiled, the values sit unboxed in the object: reading one costs a load, not
    the conversion of a 64-bit Python int.
    """

    __slots__ = ("a", "b", "c", "token")

    def __init__(self, token: str) -> None:
        a, b, c = _UNPACK_ROW(token_row(token))
        self.a: i64 = a
        self.b: i64 = b
        self.c: i64 = c
        self.token = token


def row_of(token: str) -> Row:
    """The token's row, from the shared cache (hashed and kept on a miss).

    Callers that remember a row per token (``processing.pipeline.scan_tokens``)
    pass the rows to :func:`simhash_rows` and skip the lookup per token.
    """
    row = _token_words.get(token)
    if row is None:
        row = _cache_row(_token_words, token)
    return row


def simhash_rows(rows: list[Row]) -> int:
    """:func:`simhash` of the tokens whose rows (see :func:`row_of`) are ``rows``."""
    if COMPILED:
        return _simhash_of_rows(rows)
    return simhash_numpy([row.token for row in rows])


def simhash_marks(marks: list[TokenMark]) -> int:
    """:func:`simhash_rows` of the rows of ``marks``, those without one (``None``) left out.

    ``processing.pipeline.analyze`` hands its tokens' marks over as they are: no list
    of rows per post.
    """
    if COMPILED:
        return _simhash_of_marks(marks)
    return simhash_numpy([row.token for row in [m.row for m in marks] if row is not None])


def simhash_ints(tokens: list[str]) -> int:
    """:func:`simhash` with 64-bit integers only (no numpy call per text).

    Each shingle hash ``h`` is added into four accumulators of sixteen nibble lanes
    (``nib[k] += (h >> k) & 0x1111...11``), moved every 7 shingles into eight
    accumulators of eight byte lanes, so that lane ``j`` of ``lanes[k]`` counts the
    votes of bit ``8 * j + k``. A lane holds at most :data:`_LANE_CHUNK` (127) votes, so
    no lane carries and no value leaves the signed 64-bit range; longer texts move
    the counts into wide per-bit counters every 126 shingles. XOR and masks work on
    the same bits whatever the sign, so the result is that of :func:`simhash_numpy`.
    """
    return _simhash_of_rows([row_of(token) for token in tokens[: MAX_SHINGLES + SHINGLE - 1]])


def _simhash_of_rows(rows: list[Row]) -> int:
    """:func:`simhash_ints` of the tokens whose rows are ``rows``."""
    count = len(rows)
    if count > MAX_SHINGLES + SHINGLE - 1:
        count = MAX_SHINGLES + SHINGLE - 1
    if not count:
        return 0
    first = rows[0]
    if count == 1:
        return first.a
    second = rows[1]
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
    # Votes first go into nibble lanes: nibble j of n_k counts bit 4j + k (four
    # accumulators, not eight, per shingle); every _NIBBLE_CHUNK shingles (a nibble
    # holds 7 votes, so no value reaches the sign bit) they move into the byte lanes.
    n0: i64 = 0
    n1: i64 = 0
    n2: i64 = 0
    n3: i64 = 0
    left: i64 = _NIBBLE_CHUNK  # shingles until the nibbles move
    chunks: i64 = _BYTE_CHUNKS  # nibble moves until the bytes move into ``wide``
    wide: list[i64] = []
    i: i64 = 2
    while i < count:
        row = rows[i]
        h: i64 = pending_ab ^ row.c
        pending_ab = pending_a ^ row.b
        pending_a = row.a
        n0 += h & _NIBBLES
        n1 += (h >> 1) & _NIBBLES
        n2 += (h >> 2) & _NIBBLES
        n3 += (h >> 3) & _NIBBLES
        left -= 1
        if left == 0:
            # Nibble 2j of n_k is bit 8j + k, nibble 2j + 1 is bit 8j + k + 4.
            s0 += n0 & _LOW_NIBBLES
            s4 += (n0 >> 4) & _LOW_NIBBLES
            s1 += n1 & _LOW_NIBBLES
            s5 += (n1 >> 4) & _LOW_NIBBLES
            s2 += n2 & _LOW_NIBBLES
            s6 += (n2 >> 4) & _LOW_NIBBLES
            s3 += n3 & _LOW_NIBBLES
            s7 += (n3 >> 4) & _LOW_NIBBLES
            n0 = n1 = n2 = n3 = 0
            left = _NIBBLE_CHUNK
            chunks -= 1
            if chunks == 0:
                if not wide:
                    wide = [0] * BITS
                _spill(wide, (s0, s1, s2, s3, s4, s5, s6, s7))
                s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0
                chunks = _BYTE_CHUNKS
        i += 1
    return _majority(count - 2, n0, n1, n2, n3, s0, s1, s2, s3, s4, s5, s6, s7, wide)


def _simhash_of_marks(marks: list[TokenMark]) -> int:
    """:func:`_simhash_of_rows` of the rows of ``marks`` (``None`` rows skipped)."""
    n = len(marks)
    k = 0
    first: Row | None = None
    while first is None:
        if k == n:
            return 0
        first = marks[k].row
        k += 1
    second: Row | None = None
    while second is None:
        if k == n:
            return first.a
        second = marks[k].row
        k += 1
    if k == n:
        return first.a ^ second.b
    limit: i64 = MAX_SHINGLES + SHINGLE - 1
    count: i64 = 2
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
    n0: i64 = 0
    n1: i64 = 0
    n2: i64 = 0
    n3: i64 = 0
    left: i64 = _NIBBLE_CHUNK
    chunks: i64 = _BYTE_CHUNKS
    wide: list[i64] = []
    # The rest by a plain loop over the list (no bounds check per mark).
    for j, known in enumerate(marks):
        if j < k:
            continue
        row = known.row
        if row is None:
            continue
        if count == limit:
            break
        count += 1
        h: i64 = pending_ab ^ row.c
        pending_ab = pending_a ^ row.b
        pending_a = row.a
        n0 += h & _NIBBLES
        n1 += (h >> 1) & _NIBBLES
        n2 += (h >> 2) & _NIBBLES
        n3 += (h >> 3) & _NIBBLES
        left -= 1
        if left == 0:
            s0 += n0 & _LOW_NIBBLES
            s4 += (n0 >> 4) & _LOW_NIBBLES
            s1 += n1 & _LOW_NIBBLES
            s5 += (n1 >> 4) & _LOW_NIBBLES
            s2 += n2 & _LOW_NIBBLES
            s6 += (n2 >> 4) & _LOW_NIBBLES
            s3 += n3 & _LOW_NIBBLES
            s7 += (n3 >> 4) & _LOW_NIBBLES
            n0 = n1 = n2 = n3 = 0
            left = _NIBBLE_CHUNK
            chunks -= 1
            if chunks == 0:
                if not wide:
                    wide = [0] * BITS
                _spill(wide, (s0, s1, s2, s3, s4, s5, s6, s7))
                s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0
                chunks = _BYTE_CHUNKS
    if count == 2:
        return first.a ^ second.b
    return _majority(count - 2, n0, n1, n2, n3, s0, s1, s2, s3, s4, s5, s6, s7, wide)


def _majority(
    votes: i64,
    n0: i64,
    n1: i64,
    n2: i64,
    n3: i64,
    s0: i64,
    s1: i64,
    s2: i64,
    s3: i64,
    s4: i64,
    s5: i64,
    s6: i64,
    s7: i64,
    wide: list[i64],
) -> int:
    """The SimHash of ``votes`` shingles from the counts left in the lanes (see above)."""
    s0 += n0 & _LOW_NIBBLES
    s4 += (n0 >> 4) & _LOW_NIBBLES
    s1 += n1 & _LOW_NIBBLES
    s5 += (n1 >> 4) & _LOW_NIBBLES
    s2 += n2 & _LOW_NIBBLES
    s6 += (n2 >> 4) & _LOW_NIBBLES
    s3 += n3 & _LOW_NIBBLES
    s7 += (n3 >> 4) & _LOW_NIBBLES
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


def _cache_row(cache: dict[str, Row], token: str) -> Row:
    """Hash a token missing from ``cache`` and keep its row (cleared when full)."""
    if len(cache) >= TOKEN_CACHE_SIZE:
        cache.clear()
    row = cache[token] = Row(token)
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
