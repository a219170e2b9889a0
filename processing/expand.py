"""Token expansion: elongation, reduplication, ``-nya``, number units and slang, memoized.

``normalize`` hands over lower-cased text with the entities already cut out; this
module turns it into the final token list. Expansion is context-free (slang already
excludes place-name words), so each raw token's result is computed once and kept
in a bounded memo, and so is each space-separated chunk's (the common case is then
one ``str.split`` and C-level dict lookups, with no regex pass).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from itertools import chain
from typing import Any, Final

from processing.fingerprint import Row
from processing.terms import Head

# Words, punctuation runs and newlines: ``[a-z0-9]+(?:-[a-z0-9]+)*|(?<!\d)[.,;:!?]+|
# [.,;:!?]+(?!\d)|\n``, written to start with one character class so the regex
# engine skips ahead to candidate characters (the same matches, ~20% faster): the
# first character is taken, then a lookbehind tells which alternative it began.
TOKEN_RE: Final = re.compile(
    r"[a-z0-9.,;:!?\n](?:(?<=[a-z0-9])[a-z0-9]*(?:-[a-z0-9]+)*"
    r"|(?<=[.,;:!?])(?<!\d[.,;:!?])[.,;:!?]*|(?<=[.,;:!?])[.,;:!?]*(?!\d)|(?<=\n))"
)
# Clause punctuation becomes one boundary token: phrases, negation and place
# context never reach across it ("belum diperbaiki. mohon segera").
CLAUSE: Final = "."
# ``3kg``, ``300rb``, ``0606``: a number glued to a unit; ``jalan2`` is handled as reduplication.
_NUMBER_UNIT: Final = re.compile(r"^(\d+)([a-z]{1,4})$")
_ELONGATED: Final = re.compile(r"([a-z])\1{2,}")
_VOWEL: Final = re.compile(r"[aeiou]")

# One raw token's expansion: its tokens and flags, or ``None`` tokens for clause
# punctuation.
Expansion = tuple[tuple[str, ...] | None, frozenset[str]]
MEMO_SIZE = 200_000
CHUNK_MEMO_SIZE = 150_000
# Longer chunks (no space in them: pasted junk) are expanded but not remembered.
MAX_CHUNK: Final = 64
_NO_FLAGS: Final[frozenset[str]] = frozenset()
_NO_WORDS: Final[tuple[str, ...]] = ()


def elongated(token: str) -> bool:
    """Whether a letter a-z occurs three times in a row: ``_ELONGATED.search`` as a loop.

    Most tokens have none; the loop answers that without a regex search (~15x fewer
    instructions on a short token).
    """
    i = 2
    n = len(token)
    while i < n:
        c = token[i]
        if c != token[i - 1]:
            i += 2  # no run of three ends at i or at i + 1
            continue
        if c == token[i - 2] and "a" <= c <= "z":
            return True
        i += 1
    return False


def squeeze(token: str, known: Callable[[str], bool]) -> str:
    """Undo elongation (``parahhh`` -> ``parah``, ``bangeeet`` -> ``banget``)."""
    if not elongated(token) or known(token) or not _VOWEL.search(token):
        # Known words and vowel-less abbreviations (``pppk``) are not elongations.
        return token
    once = _ELONGATED.sub(r"\1", token)
    twice = _ELONGATED.sub(r"\1\1", token)
    if known(twice) and not known(once):
        return twice
    return once


def strip_nya(token: str, known: Callable[[str], bool]) -> str:
    """Drop the clitic ``-nya`` (``jalannya`` -> ``jalan``) when the base is a known word."""
    if len(token) > 5 and token.endswith("nya") and not known(token):
        base = token[:-3]
        if known(base):
            return base
    return token


def dereduplicate(token: str) -> tuple[str, bool]:
    """Return the base of a reduplicated token (``jalan2``, ``anak-anak``) and whether it was one."""
    if token.endswith("2") and len(token) > 3 and token[-2].isalpha():
        return token[:-1], True
    if "-" in token:
        head, _, tail = token.partition("-")
        if head == tail:
            return head, True
        # ``sayur-mayur``, ``bolak-balik``: keep the head; ``ramai-ramainya``.
        if tail.startswith(head):
            return head, True
    return token, False


def expand_token(
    raw: str, slang: Mapping[str, tuple[str, ...]], known: Callable[[str], bool]
) -> Expansion:
    """Elongation, reduplication, ``-nya``, numbers and slang for one raw token."""
    if not raw[0].isalnum():
        return None, _NO_FLAGS
    if raw.isdigit():
        return (), _NO_FLAGS
    if raw[0].isdigit():
        unit = _NUMBER_UNIT.match(raw)
        if unit is None:
            return (), _NO_FLAGS
        raw = unit.group(2)
    flags: set[str] = set()
    tokens: list[str] = []
    token = squeeze(raw, known)
    expansion = slang.get(token)
    if expansion is None:
        base, redup = dereduplicate(token)
        if redup:
            flags.add("reduplication")
            token = base
            expansion = slang.get(token)
    if expansion is None and token.endswith("nya"):
        stripped = strip_nya(token, known)
        if stripped != token:
            flags.add("nya")
            token = stripped
            expansion = slang.get(token)
    if expansion is not None:
        for word in expansion:
            if "-" in word:
                flags.add("reduplication")
                tokens.extend(p for p in dereduplicate(word)[0].split("-") if p)
            else:
                tokens.append(word)
    elif "-" in token:
        tokens.extend(p for p in token.split("-") if p and not p.isdigit())
    else:
        tokens.append(token)
    return tuple(tokens), frozenset(flags) if flags else _NO_FLAGS


class TokenMark:
    """A token's stem, the passes of ``analyze`` that look at it, and its stem's row.

    ``mark`` holds bits; ``row`` is the fingerprint row of the stem, ``None`` when
    the stem is not content (see ``processing.pipeline.scan_tokens``).
    """

    def __init__(
        self,
        stem: str,
        mark: int,
        row: Row | None,
        stem_head: Head | None,
        exact_head: Head | None,
        relevance_head: Head | None,
    ) -> None:
        self.stem = stem
        self.mark = mark
        self.row = row
        # The tagging and relevance index entries the stem/token begins (no lookup
        # per occurrence).
        self.stem_head = stem_head
        self.exact_head = exact_head
        self.relevance_head = relevance_head


class Marker:
    """Gives tokens their :class:`TokenMark` for one set of resources.

    ``mark_of`` returns a token's mark (remembered by its owner, bounded). A
    :class:`Plain` piece keeps the marks of its words with the marker that gave
    them, so a post's tokens come with their marks from one lookup per piece.
    """

    def __init__(self, mark_of: Callable[[str], TokenMark], marks: dict[str, TokenMark]) -> None:
        self.mark_of = mark_of
        # Where ``mark_of`` remembers marks: read directly (no call per known token).
        self.marks = marks

    def marks_of(self, words: tuple[str, ...]) -> tuple[TokenMark, ...]:
        marks = self.marks
        if len(words) == 1:
            known = marks.get(words[0])
            return (known if known is not None else self.mark_of(words[0]),)
        found: list[TokenMark] = []
        for word in words:
            known = marks.get(word)
            found.append(known if known is not None else self.mark_of(word))
        return tuple(found)


_NO_MARKS: Final[tuple[TokenMark, ...]] = ()


class Plain:
    """A plain piece's words (nothing else in it), and their marks once a reader asked.

    ``marks`` belong to ``marker`` (a memo may be shared by resources with other
    tables: another marker marks the words again).
    """

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = words
        self.marks = _NO_MARKS
        self.marker: Marker | None = None

    def marked(self, marker: Marker) -> tuple[TokenMark, ...]:
        """The words' marks by ``marker`` (kept for the next reader with it)."""
        if self.marker is not marker:
            self.marks = marker.marks_of(self.words)
            self.marker = marker
        return self.marks


class TokenMemo:
    """Expansions remembered across calls with the same lexicons (bounded).

    ``raw`` maps a raw token to its :data:`Expansion`. ``chunks`` maps a
    space-separated piece of lower-cased text to its words, each run of clause
    punctuation in it already one ``CLAUSE``; ``flagged`` maps each flag to the
    chunks that raise it. A chunk's tokens are the text's tokens in that stretch:
    no token spans a space and every lookaround of ``TOKEN_RE`` sees a space as
    it sees the text's start or end. ``plain`` and ``pieces`` belong to
    ``normalize``'s ASCII path: a space-separated piece of raw text -> its words
    (pieces with nothing else in them, as a :class:`Plain` record), or everything
    it contributes.
    """

    __slots__ = ("raw", "chunks", "flagged", "plain", "pieces")

    def __init__(self) -> None:
        self.raw: dict[str, Expansion] = {}
        self.chunks: dict[str, tuple[str, ...]] = {}
        self.flagged: dict[str, set[str]] = {}
        self.plain: dict[str, Plain] = {}
        self.pieces: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.raw)

    def clear(self) -> None:
        self.raw.clear()
        self.chunks.clear()
        self.flagged.clear()
        self.plain.clear()
        self.pieces.clear()

    def expansion(
        self, raw: str, slang: Mapping[str, tuple[str, ...]], known: Callable[[str], bool]
    ) -> Expansion:
        entry = self.raw.get(raw)
        if entry is None:
            entry = expand_token(raw, slang, known)
            if len(self.raw) >= MEMO_SIZE:
                self.raw.clear()
            self.raw[raw] = entry
        return entry

    def word(
        self,
        word: str,
        slang: Mapping[str, tuple[str, ...]],
        known: Callable[[str], bool],
        flags: set[str],
    ) -> tuple[str, ...] | None:
        """:meth:`words` for a piece that is one word of ASCII a-z and 0-9 (``TOKEN_RE`` finds it whole)."""
        expanded, token_flags = self.expansion(word, slang, known)
        if expanded is None:  # not reached: the word starts with a letter or digit
            return (CLAUSE,)
        if CLAUSE in expanded:
            return None
        if token_flags:
            flags |= token_flags
        return expanded

    def words(
        self,
        lowered: str,
        slang: Mapping[str, tuple[str, ...]],
        known: Callable[[str], bool],
        flags: set[str],
    ) -> tuple[str, ...] | None:
        """``lowered``'s words, each run of clause punctuation one ``CLAUSE`` (not dropped).

        Adds the tokens' flags to ``flags``. None when a word expansion is the
        clause token itself (only a custom slang lexicon gives one, and it must
        not collapse like punctuation): the caller goes token by token then.
        """
        # The usual piece is one word of a-z and 0-9: ``TOKEN_RE`` finds it whole.
        if lowered.isalnum() and lowered.isascii() and lowered.islower():
            return self.word(lowered, slang, known, flags)
        words: list[str] = []
        for raw in TOKEN_RE.findall(lowered):
            expanded, token_flags = self.expansion(raw, slang, known)
            if expanded is None:
                if not words or words[-1] != CLAUSE:
                    words.append(CLAUSE)
            elif CLAUSE in expanded:
                return None
            else:
                words += expanded
                if token_flags:
                    flags |= token_flags
        return tuple(words) if words else _NO_WORDS

    def learn(
        self, chunks: list[str], slang: Mapping[str, tuple[str, ...]], known: Callable[[str], bool]
    ) -> bool:
        """Remember every chunk not known yet; False if one cannot be remembered.

        A chunk longer than ``MAX_CHUNK``, or one :meth:`words` refuses, is left to
        the token-by-token path.
        """
        known_chunks = self.chunks
        if len(known_chunks) + len(chunks) > CHUNK_MEMO_SIZE:
            known_chunks.clear()
            self.flagged.clear()
        for chunk in chunks:
            if chunk in known_chunks:
                continue
            if len(chunk) > MAX_CHUNK:
                return False
            chunk_flags: set[str] = set()
            words = self.words(chunk, slang, known, chunk_flags)
            if words is None:
                return False
            known_chunks[chunk] = words
            for flag in chunk_flags:
                self.flagged.setdefault(flag, set()).add(chunk)
        return True


def expand_text(
    lowered: str,
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    flags: set[str],
    memo: TokenMemo,
) -> list[str]:
    """``expand_tokens(TOKEN_RE.findall(lowered), ...)``, a space-separated chunk at a time."""
    chunks = lowered.split(" ")
    lookup = memo.chunks.__getitem__
    try:
        tokens = list(chain.from_iterable(map(lookup, chunks)))
    except KeyError:
        if not memo.learn(chunks, slang, known):
            return expand_tokens(TOKEN_RE.findall(lowered), slang, known, flags, memo)
        tokens = list(chain.from_iterable(map(lookup, chunks)))
    for flag, flagged in memo.flagged.items():
        if not flagged.isdisjoint(chunks):
            flags.add(flag)
    if CLAUSE in tokens:
        return collapse(tokens)
    return tokens


def collapse(tokens: list[str]) -> list[str]:
    """Join the runs of words between clause tokens with one clause token each.

    Empty runs vanish, so leading, trailing and repeated boundaries go: the same
    as appending a boundary only after a word and dropping a trailing one.
    """
    out: list[str] = []
    start = 0
    for _ in range(tokens.count(CLAUSE)):
        stop = tokens.index(CLAUSE, start)
        if stop > start:
            if out:
                out.append(CLAUSE)
            out += tokens[start:stop]
        start = stop + 1
    if len(tokens) > start:
        if out:
            out.append(CLAUSE)
        out += tokens[start:]
    return out


def expand_tokens(
    raw_tokens: list[str],
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    flags: set[str],
    memo: TokenMemo | None = None,
) -> list[str]:
    """Expand token by token (through ``memo`` when given); clause punctuation collapses."""
    if memo is None:
        memo = TokenMemo()
    tokens: list[str] = []
    for raw in raw_tokens:
        words, token_flags = memo.expansion(raw, slang, known)
        if words is None:
            if tokens and tokens[-1] != CLAUSE:
                tokens.append(CLAUSE)
            continue
        tokens.extend(words)
        if token_flags:
            flags |= token_flags
    if tokens and tokens[-1] == CLAUSE:
        tokens.pop()
    return tokens
