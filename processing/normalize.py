"""Normalize informal Indonesian text into tokens, extracting entities first.

Sastrawi lower-cases and blanks everything outside ``[a-z0-9 -]``, so URLs,
@mentions, #hashtags, emoji and numbers are pulled out before anything else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
RETWEET_RE = re.compile(r"^\s*RT\s+@[A-Za-z0-9_]{1,30}:?\s*", re.IGNORECASE)
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,30})")
HASHTAG_RE = re.compile(r"(?<![\w#])#([^\W_][\w]{0,99})", re.UNICODE)
# Emoji and pictographs (broad ranges), variation selectors and ZWJ.
EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\u2b00-\u2bff\u3030\u303d]"
)
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe0e\ufe0f\u00ad]")
TOKEN_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|(?<!\d)[.,;:!?]+|[.,;:!?]+(?!\d)|\n")
# Clause punctuation becomes one boundary token: phrases, negation and place
# context never reach across it ("belum diperbaiki. mohon segera").
CLAUSE = "."
NUMBER_RE = re.compile(r"(?<![a-z0-9])\d+(?:[.,]\d+)*")
# ``3kg``, ``300rb``, ``0606``: a number glued to a unit; ``jalan2`` is handled as reduplication.
_NUMBER_UNIT = re.compile(r"^(\d+)([a-z]{1,4})$")
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_VOWEL = re.compile(r"[aeiou]")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# Abbreviations written with a trailing dot that must survive as words.
DOTTED_ABBREVIATIONS = frozenset(
    {"kab", "kec", "kel", "ds", "jl", "jln", "gg", "rt", "rw", "no", "dr", "h", "hj", "kh", "r",
     "moh", "prof", "ir"}
)  # fmt: skip
# Unicode case-insensitive matching also takes ``İ``/``ı`` for ``i``: non-ASCII words
# are checked with the same rules as the list.
_ABBREVIATION = re.compile("|".join(sorted(DOTTED_ABBREVIATIONS)), re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_NOT_ALNUM_BYTES = bytes(c for c in range(256) if not (c in range(48, 58) or c in range(97, 123)))

MAX_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Normalized:
    """A post's text after normalization: tokens plus the entities taken out."""

    tokens: tuple[str, ...]
    urls: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    emoji: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    mention_tokens: tuple[str, ...] = ()
    question: bool = False
    exclamations: int = 0
    flags: frozenset[str] = field(default_factory=frozenset)


def _cut(pattern: re.Pattern[str], text: str) -> tuple[str, tuple[str, ...]]:
    """Replace ``pattern``'s matches by spaces; return the text and what each captured."""
    found: list[str] = []

    def cut(match: re.Match[str]) -> str:
        found.append(match.group(1) if pattern.groups else match.group())
        return " "

    text = pattern.sub(cut, text)
    return text, tuple(found)


_WORD_BEFORE_DOT = re.compile(r"\b([a-z]{1,4})\Z", re.IGNORECASE)


def split_abbreviations(text: str) -> str:
    r"""``Kab.Bogor`` -> ``Kab Bogor``: a known abbreviation's dot becomes a space.

    The same as ``re.sub(r"\b(kab|kec|...)\.", r"\1 ", text, flags=re.I)``, but dots
    are few, so only the word before each dot is checked instead of running a regex
    at every position; five characters hold the word and what precedes it.
    """
    parts = text.split(".")
    out = []
    for part in parts[:-1]:
        found = _WORD_BEFORE_DOT.search(part[-5:])
        kept = found is not None and _is_abbreviation(found.group(1))
        out.append(part + (" " if kept else "."))
    out.append(parts[-1])
    return "".join(out)


def _is_abbreviation(word: str) -> bool:
    return word.lower() in DOTTED_ABBREVIATIONS or (
        not word.isascii() and _ABBREVIATION.fullmatch(word) is not None
    )


def fold(text: str) -> str:
    """NFKC-normalize, drop invisible characters, case-fold."""
    if text.isascii():
        return text.lower()  # already NFKC, nothing invisible; ASCII case-folds to lower
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return text.casefold()


def squeeze(token: str, known: Callable[[str], bool]) -> str:
    """Undo elongation (``parahhh`` -> ``parah``, ``bangeeet`` -> ``banget``)."""
    if not _ELONGATED.search(token) or known(token) or not _VOWEL.search(token):
        # Known words and vowel-less abbreviations (``pppk``) are not elongations.
        return token
    once = _ELONGATED.sub(r"\1", token)
    twice = _ELONGATED.sub(r"\1\1", token)
    if known(twice) and not known(once):
        return twice
    return once


def split_hashtag(tag: str, segment: Callable[[str], list[str]]) -> list[str]:
    """Split ``JalanRusakCibinong`` by case, else by the vocabulary (``jalanrusak``).

    Each camel-case part is segmented again, so ``DPUPRKabBogor`` and
    ``Jalanrusakcibinong`` both come apart.
    """
    parts = _CAMEL.findall(tag.replace("_", " "))
    if not parts:
        return []
    words: list[str] = []
    for part in parts:
        words.extend(segment(part.casefold()))
    return words


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


def normalize(
    text: str,
    *,
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    segment: Callable[[str], list[str]],
    memo: dict[str, Expansion] | None = None,
) -> Normalized:
    """Turn raw post text into normalized tokens and extracted entities.

    Args:
        text: untrusted post text (any length; only the first ``MAX_CHARS`` are read).
        slang: informal token -> formal tokens.
        known: whether a word is in the vocabulary (for elongation repair).
        segment: splits an unspaced hashtag into words.
        memo: raw token -> expansion, shared across calls with the same lexicons.
    """
    if not text:
        return Normalized(tokens=())
    text = text[:MAX_CHARS]
    # ASCII text is already NFKC, with no invisible characters and no emoji.
    ascii_only = text.isascii()
    if not ascii_only:
        text = unicodedata.normalize("NFKC", text)
        text = _INVISIBLE.sub("", text)
    # Cheap substring checks skip the passes that cannot match; each entity kind
    # is found and cut out in one pass.
    urls: tuple[str, ...] = ()
    if "://" in text or "www." in text.lower():
        text, urls = _cut(URL_RE, text)
    # A retweet's "RT @user:" prefix names the quoted author, not the subject.
    text = RETWEET_RE.sub(" ", text, count=1)
    handles: tuple[str, ...] = ()
    if "@" in text:
        text, handles = _cut(MENTION_RE, text)
    mentions = tuple(m.casefold() for m in handles)
    mention_words: list[str] = []
    for handle in handles:
        mention_words.extend(split_hashtag(handle, segment))
    raw_tags: list[str] = []
    if "#" in text:

        def hashtag_words(match: re.Match[str]) -> str:
            raw_tags.append(match.group(1))
            return " " + " ".join(split_hashtag(match.group(1), segment)) + " "

        text = HASHTAG_RE.sub(hashtag_words, text)
    emoji: tuple[str, ...] = ()
    if not ascii_only:
        text, emoji = _cut(EMOJI_RE, text)
    question = "?" in text
    exclamations = text.count("!")
    if "." in text:
        text = split_abbreviations(text)
    lowered = text.casefold()
    numbers = tuple(NUMBER_RE.findall(lowered)) if _DIGIT.search(lowered) else ()
    flags: set[str] = set()
    tokens = _expand(TOKEN_RE.findall(lowered), slang, known, flags, memo)
    mention_tokens = _expand(mention_words, slang, known, flags, memo) if mention_words else []
    return Normalized(
        tokens=tuple(tokens),
        urls=urls,
        mentions=mentions,
        hashtags=tuple(t.casefold() for t in raw_tags),
        emoji=emoji,
        numbers=numbers,
        mention_tokens=tuple(mention_tokens),
        question=question,
        exclamations=exclamations,
        flags=frozenset(flags),
    )


# Memo of one raw token's expansion: its tokens and flags, or ``None`` tokens for
# clause punctuation. Expansion is context-free (slang already excludes place-name
# words), so a token's result never depends on its neighbours.
Expansion = tuple[tuple[str, ...] | None, frozenset[str]]
MEMO_SIZE = 200_000
_NO_FLAGS: frozenset[str] = frozenset()


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


def _expand(
    raw_tokens: list[str],
    slang: Mapping[str, tuple[str, ...]],
    known: Callable[[str], bool],
    flags: set[str],
    memo: dict[str, Expansion] | None = None,
) -> list[str]:
    """Expand token by token (through ``memo`` when given); clause punctuation collapses."""
    if memo is None:
        memo = {}
    tokens: list[str] = []
    extend = tokens.extend
    for raw in raw_tokens:
        entry = memo.get(raw)
        if entry is None:
            entry = expand_token(raw, slang, known)
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[raw] = entry
        words, token_flags = entry
        if words is None:
            if tokens and tokens[-1] != CLAUSE:
                tokens.append(CLAUSE)
            continue
        extend(words)
        if token_flags:
            flags |= token_flags
    if tokens and tokens[-1] == CLAUSE:
        tokens.pop()
    return tokens


def compact(name: str) -> str:
    """Spacing/case-insensitive key for names: ``Parung Panjang`` -> ``parungpanjang``."""
    folded = fold(name)
    if folded.isascii():
        # bytes.translate deletes in one C pass: ~6x faster than the regex on post texts.
        return folded.encode("ascii").translate(None, _NOT_ALNUM_BYTES).decode("ascii")
    return _NOT_ALNUM.sub("", folded)
