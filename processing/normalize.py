"""Normalize informal Indonesian text into tokens, extracting entities first.

Sastrawi lower-cases and blanks everything outside ``[a-z0-9 -]``, so URLs,
@mentions, #hashtags, emoji and numbers are pulled out before anything else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from processing.entities import (
    DOTTED_ABBREVIATIONS as DOTTED_ABBREVIATIONS,
)
from processing.entities import EMOJI_RE as EMOJI_RE
from processing.entities import HASHTAG_RE as HASHTAG_RE
from processing.entities import MENTION_RE as MENTION_RE
from processing.entities import NUMBER_RE as NUMBER_RE
from processing.entities import URL_RE as URL_RE
from processing.entities import (
    cut_hashtags,
    cut_mentions,
    cut_rest,
    cut_urls,
)
from processing.entities import split_abbreviations as split_abbreviations
from processing.entities import split_hashtag as split_hashtag
from processing.expand import (
    CHUNK_MEMO_SIZE,
    MAX_CHUNK,
    expand_text,
    expand_tokens,
)
from processing.expand import CLAUSE as CLAUSE
from processing.expand import TOKEN_RE as TOKEN_RE
from processing.expand import Expansion as Expansion
from processing.expand import Marker as Marker
from processing.expand import Plain as Plain
from processing.expand import TokenMark as TokenMark
from processing.expand import TokenMemo as TokenMemo
from processing.expand import dereduplicate as dereduplicate
from processing.expand import expand_token as expand_token
from processing.expand import squeeze as squeeze
from processing.expand import strip_nya as strip_nya

RETWEET_RE: Final = re.compile(r"^\s*RT\s+@[A-Za-z0-9_]{1,30}:?\s*", re.IGNORECASE)
_INVISIBLE: Final = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe0e\ufe0f\u00ad]")
_NOT_ALNUM: Final = re.compile(r"[^a-z0-9]+")
_NOT_ALNUM_BYTES: Final = bytes(
    c for c in range(256) if not (c in range(48, 58) or c in range(97, 123))
)

MAX_CHARS: Final = 20_000
_NO_FLAGS: Final[frozenset[str]] = frozenset()
_NO_MARKS: Final[tuple[TokenMark, ...]] = ()
# Clause punctuation (``TOKEN_RE``'s runs of it expand to one ``CLAUSE``).
_CLAUSE_MARKS: Final = ".,;:!?"
_CLAUSE_WORD: Final[tuple[str, ...]] = (CLAUSE,)
_NO_WORDS: Final[tuple[str, ...]] = ()


# The per-post result classes (this one, ``_Piece``, ``Tags``, ``PlaceHits``,
# ``Relevance``, ``Verdict``) are neither ``frozen`` nor given a generated
# ``__init__``: compiled with mypyc, a frozen dataclass's generated ``__init__``
# (``object.__setattr__`` per field, interpreted) costs ~1.1 us, a plain generated
# one ~0.2 us, a written one ~0.04 us, and a post builds several. Keep each
# ``__init__`` in step with the fields. They are read-only by convention (some
# instances are shared: memoized pieces, empty results); ``unsafe_hash`` keeps
# them hashable as before, and eq/repr still come from ``dataclass``.
@dataclass(slots=True, unsafe_hash=True, init=False)
class Normalized:
    """A post's text after normalization: tokens plus the entities taken out.

    ``normalize`` builds it with positional arguments: keep the field order.
    """

    tokens: tuple[str, ...]
    urls: tuple[str, ...]
    mentions: tuple[str, ...]
    hashtags: tuple[str, ...]
    emoji: tuple[str, ...]
    numbers: tuple[str, ...]
    mention_tokens: tuple[str, ...]
    question: bool
    exclamations: int
    flags: frozenset[str]

    def __init__(
        self,
        tokens: tuple[str, ...],
        urls: tuple[str, ...] = (),
        mentions: tuple[str, ...] = (),
        hashtags: tuple[str, ...] = (),
        emoji: tuple[str, ...] = (),
        numbers: tuple[str, ...] = (),
        mention_tokens: tuple[str, ...] = (),
        question: bool = False,
        exclamations: int = 0,
        flags: frozenset[str] = frozenset(),
    ) -> None:
        self.tokens = tokens
        self.urls = urls
        self.mentions = mentions
        self.hashtags = hashtags
        self.emoji = emoji
        self.numbers = numbers
        self.mention_tokens = mention_tokens
        self.question = question
        self.exclamations = exclamations
        self.flags = flags


def fold(text: str) -> str:
    """NFKC-normalize, drop invisible characters, case-fold."""
    if text.isascii():
        return text.lower()  # already NFKC, nothing invisible; ASCII case-folds to lower
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return text.casefold()


def normalize(
    text: str,
    *,
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    segment: Callable[[str], list[str]],
    memo: TokenMemo | None = None,
    marker: Marker | None = None,
    marks: list[TokenMark] | None = None,
) -> Normalized:
    """Turn raw post text into normalized tokens and extracted entities.

    Args:
        text: untrusted post text (any length; only the first ``MAX_CHARS`` are read).
        slang: informal token -> formal tokens.
        known: whether a word is in the vocabulary (for elongation repair).
        segment: splits an unspaced hashtag into words.
        memo: expansions of raw tokens and text pieces, shared across calls with the
            same lexicons and segmenter (a fresh one when omitted).
        marker: gives tokens their marks (memoized pieces keep their words' marks).
        marks: with ``marker``, each token's mark is appended here, in token order.
    """
    if not text:
        return Normalized(tokens=())
    text = text[:MAX_CHARS]
    if memo is None:
        memo = TokenMemo()
    # ASCII text is already NFKC, with no invisible characters and no emoji.
    ascii_only = text.isascii()
    text, visible = _prepared(text, ascii_only)
    if marker is None or marks is None:
        marker = None
        marks = None
    if "@" not in text or not _may_be_retweet(text):
        by_piece = _normalize_pieces(text, slang, known, segment, memo, visible, marker, marks)
        if by_piece is not None:
            return by_piece
    else:
        rest = _after_retweet_prefix(text)
        if rest is not None:
            by_piece = _normalize_pieces(rest, slang, known, segment, memo, True, marker, marks)
            if by_piece is not None:
                return by_piece
    if not visible:
        text = _INVISIBLE.sub("", text)
    # Each entity kind is found and cut out in one pass (helpers below).
    text, urls = cut_urls(text)
    mentions: tuple[str, ...] = ()
    mention_words: list[str] = []
    if "@" in text:
        # A retweet's "RT @user:" prefix names the quoted author, not the subject
        # (anchored at the start: ``match`` finds exactly what ``sub`` would cut).
        if RETWEET_RE.match(text) is not None:
            text = RETWEET_RE.sub(" ", text, count=1)
        text, handles, mention_words = cut_mentions(text, segment)
        mentions = tuple([m.casefold() for m in handles])
    text, raw_tags = cut_hashtags(text, segment)
    hashtags = tuple([t.casefold() for t in raw_tags])
    text, emoji, lowered, numbers = cut_rest(text, ascii_only)
    flags: set[str] = set()
    tokens = expand_text(lowered, slang, known, flags, memo)
    mention_tokens = (
        expand_tokens(mention_words, slang, known, flags, memo) if mention_words else []
    )
    if marker is not None and marks is not None:
        mark_of = marker.mark_of
        for token in tokens:
            marks.append(mark_of(token))
    # Positional, in field order (keywords cost a third of the construction).
    return Normalized(
        tuple(tokens),
        urls,
        mentions,
        hashtags,
        emoji,
        numbers,
        tuple(mention_tokens),
        "?" in text,
        text.count("!"),
        frozenset(flags) if flags else _NO_FLAGS,
    )


@dataclass(slots=True, unsafe_hash=True, init=False)  # read-only by convention (see Normalized)
class _Piece:
    """What one space-separated piece of ASCII text contributes to its :class:`Normalized`.

    ``words`` keeps clause tokens (runs merged); the text's runs collapse later.
    """

    words: tuple[str, ...]
    urls: tuple[str, ...]
    mentions: tuple[str, ...]
    mention_words: tuple[str, ...]
    hashtags: tuple[str, ...]
    emoji: tuple[str, ...]
    numbers: tuple[str, ...]
    flags: frozenset[str]
    # Anything besides words and flags.
    entities: bool

    def __init__(
        self,
        words: tuple[str, ...],
        urls: tuple[str, ...],
        mentions: tuple[str, ...],
        mention_words: tuple[str, ...],
        hashtags: tuple[str, ...],
        emoji: tuple[str, ...],
        numbers: tuple[str, ...],
        flags: frozenset[str],
        entities: bool,
    ) -> None:
        self.words = words
        self.urls = urls
        self.mentions = mentions
        self.mention_words = mention_words
        self.hashtags = hashtags
        self.emoji = emoji
        self.numbers = numbers
        self.flags = flags
        self.entities = entities


def _piece(
    chunk: str,
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    segment: Callable[[str], list[str]],
    memo: TokenMemo,
) -> _Piece | None:
    """``normalize``'s passes over one space-free piece of text (None: not memoizable).

    Every pattern stops at a space and sees one as it sees the text's edge, and
    the cuts only replace what they match, so the passes give, piece by piece,
    what they give over the whole text (the retweet prefix, which spans a space,
    is ruled out by the caller).
    """
    if chunk.isascii():
        if chunk.isalpha():
            # Most new pieces are a word of ASCII letters: none of the cuts finds
            # anything in one (no URL, handle, tag, emoji, dot or digit).
            return _word_piece(chunk.lower(), slang, known, memo, _NO_WORDS)
        # The next most: a word of ASCII letters closing a clause ("rusak.", "ini?").
        core = chunk.rstrip(_CLAUSE_MARKS)
        if core and core.isalpha() and "w." not in chunk and "W." not in chunk:
            lowered = core.lower()
            if chunk[len(core)] != "." or lowered not in DOTTED_ABBREVIATIONS:
                return _word_and_clause(lowered, slang, known, memo)
    return _piece_passes(chunk, slang, known, segment, memo)


def _word_piece(
    lowered: str,
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    memo: TokenMemo,
    after: tuple[str, ...],
) -> _Piece | None:
    """The piece of one ASCII word (``lowered``: a-z), its words followed by ``after``.

    ``TokenMemo.word``, with the expansion's flags (a frozenset, empty as
    ``_NO_FLAGS``) kept as they are: no set is built per new word.
    """
    expanded, flags = memo.expansion(lowered, slang, known)
    if expanded is None:  # not reached: the word starts with a letter
        expanded = (CLAUSE,)
    elif CLAUSE in expanded:
        return None
    return _Piece(expanded + after if after else expanded, (), (), (), (), (), (), flags, False)


def _word_and_clause(
    lowered: str,
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    memo: TokenMemo,
) -> _Piece | None:
    """The piece of an ASCII word (``lowered``) and a run of clause punctuation after it.

    What the passes give (:func:`_piece_passes`): no URL (no ``www.`` in it), handle,
    tag, emoji or digit; the run's first dot ends no abbreviation (the caller checks:
    the only word before a dot is ``lowered``); ``TOKEN_RE`` finds the word and the
    run, whose expansion is one ``CLAUSE``.
    """
    return _word_piece(lowered, slang, known, memo, _CLAUSE_WORD)


def _piece_passes(
    chunk: str,
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    segment: Callable[[str], list[str]],
    memo: TokenMemo,
) -> _Piece | None:
    """:func:`_piece` by running every pass (what its shortcuts must equal)."""
    text, urls = cut_urls(chunk)
    text, handles, mention_words = cut_mentions(text, segment)
    text, raw_tags = cut_hashtags(text, segment)
    text, emoji, lowered, numbers = cut_rest(text, chunk.isascii())
    flags: set[str] = set()
    words = memo.words(lowered, slang, known, flags)
    if words is None:
        return None
    return _Piece(
        words=words,
        urls=urls,
        mentions=tuple([h.casefold() for h in handles]),
        mention_words=tuple(mention_words),
        hashtags=tuple([t.casefold() for t in raw_tags]),
        emoji=emoji,
        numbers=numbers,
        flags=frozenset(flags) if flags else _NO_FLAGS,
        entities=bool(urls or handles or raw_tags or emoji or numbers),
    )


def _normalize_pieces(
    text: str,
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    segment: Callable[[str], list[str]],
    memo: TokenMemo,
    visible: bool,
    marker: Marker | None = None,
    marks: list[TokenMark] | None = None,
) -> Normalized | None:
    """``normalize`` for text without a retweet prefix, a memoized piece at a time.

    ``text`` is already NFKC-normalized; ``visible``: without invisible characters.
    Otherwise a piece is looked up as it is and read without them (dropping them
    changes no space, and a piece of visible text reads the same).

    Most pieces are plain words: one dict lookup each (with ``marker``, their
    marks come from the same record). The others (entities, numbers, flags) are
    looked up and merged as they come. None when a piece cannot be memoized; the
    caller runs the passes over the whole text then (nothing was added to
    ``marks``).
    """
    chunks = text.split(" ")
    plain = memo.plain
    pieces = memo.pieces
    urls: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    mention_words: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    emoji: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    flags: frozenset[str] = _NO_FLAGS
    checked = False  # whether the memo's size was checked (at the first miss)
    # One pass: look each piece up and append its words, collapsing clause tokens
    # on the way. A piece's words hold no two clause tokens in a row, so runs of
    # them (and leading ones) form only where pieces meet; a trailing one goes last.
    tokens: list[str] = []
    # With a marker, each token's mark goes to ``found`` (``marks``) as the token
    # goes to ``tokens``; on a piece that cannot be memoized they are taken back.
    found: list[TokenMark] = marks if marks is not None and marker is not None else []
    start = len(found)
    word_marks = _NO_MARKS
    for chunk in chunks:
        record = plain.get(chunk)
        if record is not None:
            words = record.words
            if marker is not None:
                word_marks = record.marks if record.marker is marker else record.marked(marker)
        else:
            if not checked:
                checked = True
                if len(pieces) + len(plain) + len(chunks) > CHUNK_MEMO_SIZE:
                    pieces.clear()
                    plain.clear()
            piece: _Piece | None = pieces.get(chunk)  # typed: native attribute reads
            if piece is None:
                if visible or chunk.isascii():
                    piece = _piece(chunk, slang, known, segment, memo)
                else:
                    piece = _piece(_INVISIBLE.sub("", chunk), slang, known, segment, memo)
                if piece is None:
                    if marker is not None:
                        del found[start:]
                    return None
                if len(chunk) <= MAX_CHUNK:
                    if piece.entities or piece.flags:
                        pieces[chunk] = piece
                    else:
                        record = Plain(piece.words)
                        plain[chunk] = record
            words = piece.words
            if marker is not None:
                word_marks = record.marked(marker) if record is not None else marker.marks_of(words)
            if piece.flags:
                flags |= piece.flags
            if piece.entities:
                if piece.urls:
                    urls += piece.urls
                if piece.mentions:
                    mentions += piece.mentions
                    mention_words += piece.mention_words
                if piece.hashtags:
                    hashtags += piece.hashtags
                if piece.emoji:
                    emoji += piece.emoji
                if piece.numbers:
                    numbers += piece.numbers
        if len(words) == 1:  # the usual piece: one word
            word = words[0]
            if word != CLAUSE or (tokens and tokens[-1] != CLAUSE):
                tokens.append(word)
                if marker is not None:
                    found.append(word_marks[0])
        elif words:
            if words[0] == CLAUSE and (not tokens or tokens[-1] == CLAUSE):
                tokens.extend(words[1:])
                if marker is not None:
                    found.extend(word_marks[1:])
            else:
                tokens.extend(words)
                if marker is not None:
                    found.extend(word_marks)
    if tokens and tokens[-1] == CLAUSE:
        tokens.pop()
        if marker is not None:
            found.pop()
    mention_tokens: list[str] = []
    if mention_words:
        word_flags: set[str] = set()
        mention_tokens = expand_tokens(list(mention_words), slang, known, word_flags, memo)
        if word_flags:
            flags |= word_flags
    # The URL cut is the only pass that removes "?" or "!" (emoji, hashtags and
    # mentions hold none).
    # (``in`` is a fast scan; most texts hold neither.)
    questions = text.count("?") if "?" in text else 0
    exclamations = text.count("!") if "!" in text else 0
    for url in urls:
        questions -= url.count("?")
        exclamations -= url.count("!")
    return Normalized(
        tuple(tokens),
        urls,
        mentions,
        hashtags,
        emoji,
        numbers,
        tuple(mention_tokens),
        questions > 0,
        exclamations,
        flags,
    )


def _prepared(text: str, ascii_only: bool) -> tuple[str, bool]:
    """The text as ``normalize``'s passes read it, and whether its invisible characters are out.

    Non-ASCII text is NFKC-normalized. Dropping invisible characters changes no space, so
    the piece path drops them per piece, on a memo miss (a regex pass over the whole text
    costs ~16k instructions). Only a possible retweet prefix needs them out of the whole
    text first: it is ruled out when the head (up to 4 characters after leading
    whitespace, which holds no invisible character) has none and reads no prefix.
    """
    if ascii_only:
        return text, True
    text = unicodedata.normalize("NFKC", text)
    if "@" in text and (_may_be_retweet(text) or _INVISIBLE.search(text.lstrip()[:4]) is not None):
        return _INVISIBLE.sub("", text), True
    return text, False


def _may_be_retweet(text: str) -> bool:
    r"""Whether the retweet prefix can match once URLs are cut (they become spaces).

    Only whitespace and URLs can come before its ``RT``: the text (stripped of
    whitespace) starts with ``rt`` or with a URL, in any case. (Case-insensitive
    ``r``, ``t``, ``h``, ``p`` and ``w`` match only their ASCII letters, and
    ``str.isspace`` is ``\s``: checked over every code point by a test.)
    """
    return text.lstrip()[:4].lower().startswith(("rt", "http", "www."))


def _after_retweet_prefix(text: str) -> str | None:
    """The text with its retweet prefix cut, as the whole-text passes would cut it.

    Those cut URLs first, then the prefix. When no URL begins inside the prefix,
    the URL cut leaves the prefix as it is, so cutting the prefix first gives the
    same text up to spaces (which no pass counts); the rest holds no prefix those
    passes would cut. None when the text does not start with the prefix or a URL
    begins inside it (``RT @http://x``): the whole-text passes decide then.
    """
    found = RETWEET_RE.match(text)
    if found is None:
        return None
    end = found.end()
    # A URL beginning inside the prefix shows within 9 characters of its start
    # ("https://" and one more): the text's head is enough to find it.
    url = URL_RE.search(text[: end + 16])
    if url is not None and url.start() < end:
        return None
    return " " + text[end:]


def retweet_body(text: str) -> str | None:
    """The text ``normalize`` reads after cutting ``text``'s retweet prefix, on its own.

    ``normalize(retweet_body(text)) == normalize(text)`` field by field (and the
    tokens' marks alike), so ``analyze`` gives the same for both whatever the title
    and kind: a retweet can share its original's analysis. None when ``text`` is no
    retweet, or in any case where that is not certain. ``normalize`` reads a retweet
    as ``" " + body`` (see :func:`_after_retweet_prefix`), where ``body`` starts with
    no whitespace: the leading empty piece adds nothing, and on the whole-text path
    the texts differ only in whitespace before the first word. The body must also
    read as it is: no prefix of its own (a nested retweet is None), already NFKC
    (dropping invisible characters can expose a composition), and an ASCII head, so
    that both texts are ASCII alike.
    """
    if not text:
        return None
    # Most texts: the first character rules a prefix out (a non-ASCII one may fold
    # to ASCII or be invisible; "R" then an invisible character may read "RT").
    # (Code points: no method call. ASCII whitespace, ``str.isspace``: 9-13, 28-32.)
    first = ord(text[0])
    if first < 128:
        if first == 82 or first == 114:  # R, r
            if len(text) == 1:
                return None
            second = ord(text[1])
            if second < 128 and second != 84 and second != 116:  # T, t
                return None
        elif not (9 <= first <= 13 or 28 <= first <= 32):
            return None
    text = text[:MAX_CHARS]
    if "@" not in text:
        return None
    if text.isascii():
        return _ascii_retweet_body(text)
    if _INVISIBLE.search(text) is None and unicodedata.is_normalized("NFKC", text):
        # ``normalize`` reads the text as it is: no NFKC pass, nothing to drop.
        body = _ascii_retweet_body(text)
        if (
            body is None
            or not text[: len(text) - len(body)].isascii()
            or not unicodedata.is_normalized("NFKC", body)
        ):
            return None
        return body
    return _folded_retweet_body(text)


# What ``RETWEET_RE``'s handle takes in ASCII text.
_HANDLE_CHARS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"


def _ascii_retweet_body(text: str) -> str | None:
    r"""``_folded_retweet_body`` of text ``normalize`` reads as it is, without a regex.

    ``RETWEET_RE`` is ``\s*RT\s+@handle:?\s*`` (``lstrip`` strips ``\s``; ``RT``
    matches only its ASCII letters in either case, and the handle only
    ``_HANDLE_CHARS`` when an ASCII character ends it: None when another one does).
    A URL beginning inside the prefix ends the handle with ``http``/``https`` before
    ``://`` or with ``www`` before ``.``: None then, and for a handle longer than 30
    characters (a URL may begin where the prefix ends). Otherwise the same body or
    None as the regex path (a test compares them).
    """
    head = text.lstrip()
    if head[:2].lower() != "rt":
        return None
    after = head[2:]
    at = after.lstrip()
    if len(at) == len(after) or at[:1] != "@":
        return None
    name = at[1:32]
    size = len(name) - len(name.lstrip(_HANDLE_CHARS))
    if size == 0 or size == 31:
        return None
    rest = at[1 + size :]
    if not rest[:1].isascii():
        return None
    if rest[:3] == "://":
        handle = name[:size].lower()
        if handle.endswith("http") or handle.endswith("https"):
            return None
    elif rest[:1] == "." and name[:size].lower().endswith("www"):
        return None
    if rest[:1] == ":":
        rest = rest[1:]
    body = rest.lstrip()
    if "@" in body and _may_be_retweet(body):
        return None
    return body


def _folded_retweet_body(text: str) -> str | None:
    """:func:`retweet_body` of any text (up to ``MAX_CHARS``), step by step as ``normalize``."""
    text, _visible = _prepared(text, text.isascii())
    if "@" not in text or not _may_be_retweet(text):
        return None
    rest = _after_retweet_prefix(text)
    if rest is None:
        return None
    body = rest[1:]
    if not text[: len(text) - len(body)].isascii():
        return None
    if "@" in body and _may_be_retweet(body):
        return None
    if not body.isascii() and not unicodedata.is_normalized("NFKC", body):
        return None
    return body


def compact(name: str) -> str:
    """Spacing/case-insensitive key for names: ``Parung Panjang`` -> ``parungpanjang``."""
    folded = fold(name)
    if folded.isascii():
        # bytes.translate deletes in one C pass: ~6x faster than the regex on post texts.
        return folded.encode("ascii").translate(None, _NOT_ALNUM_BYTES).decode("ascii")
    return _NOT_ALNUM.sub("", folded)
