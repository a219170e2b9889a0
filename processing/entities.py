"""Entity passes of normalization: URLs, @mentions, #hashtags, emoji, dots, numbers.

Each entity kind is found and cut out of the text in one pass.

Shared by ``normalize``'s whole-text path and its memoized per-piece path
(``processing.normalize``), so both run exactly the same passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

URL_RE: Final = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
MENTION_RE: Final = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,30})")
HASHTAG_RE: Final = re.compile(r"(?<![\w#])#([^\W_][\w]{0,99})", re.UNICODE)
# Emoji and pictographs (broad ranges), variation selectors and ZWJ.
EMOJI_RE: Final = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\u2b00-\u2bff\u3030\u303d]"
)
# ``(?<![a-z0-9])\d+(?:[.,]\d+)*``, the first digit taken before the lookbehind
# (same matches; the engine skips ahead to digits: ~2x faster).
NUMBER_RE: Final = re.compile(r"\d(?<![a-z0-9]\d)\d*(?:[.,]\d+)*")
_CAMEL: Final = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# Abbreviations written with a trailing dot that must survive as words.
DOTTED_ABBREVIATIONS: Final = frozenset(
    {"kab", "kec", "kel", "ds", "jl", "jln", "gg", "rt", "rw", "no", "dr", "h", "hj", "kh", "r",
     "moh", "prof", "ir"}
)  # fmt: skip
# Unicode case-insensitive matching also takes ``İ``/``ı`` for ``i``: non-ASCII words
# are checked with the same rules as the list.
_ABBREVIATION: Final = re.compile("|".join(sorted(DOTTED_ABBREVIATIONS)), re.IGNORECASE)


def _cut(pattern: re.Pattern[str], text: str) -> tuple[str, tuple[str, ...]]:
    """Replace ``pattern``'s matches by spaces; return the text and what each captured."""
    found: list[str] = []

    def cut(match: re.Match[str]) -> str:
        found.append(match.group(1) if pattern.groups else match.group())
        return " "

    text = pattern.sub(cut, text)
    return text, tuple(found)


_WORD_BEFORE_DOT: Final = re.compile(r"\b([a-z]{1,4})\Z", re.IGNORECASE)


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


# The entity passes shared by the whole-text and the per-piece paths, in this order:
# URLs, (retweet prefix, whole text only), mentions, hashtags, emoji, abbreviation
# dots, case folding, numbers. Cheap substring checks skip passes that cannot match.


def cut_urls(text: str) -> tuple[str, tuple[str, ...]]:
    # Only ``w``/``W`` lower-case to ``w``: "w." or "W." is in any text whose
    # lower-case form has "www.".
    if "://" in text or (("w." in text or "W." in text) and "www." in text.lower()):
        return _cut(URL_RE, text)
    return text, ()


def cut_mentions(
    text: str, segment: Callable[[str], list[str]]
) -> tuple[str, tuple[str, ...], list[str]]:
    """Cut @handles out; return the text, the handles and their words."""
    if "@" not in text:
        return text, (), []
    text, handles = _cut(MENTION_RE, text)
    words: list[str] = []
    for handle in handles:
        words.extend(split_hashtag(handle, segment))
    return text, handles, words


def cut_hashtags(text: str, segment: Callable[[str], list[str]]) -> tuple[str, list[str]]:
    """Replace #hashtags by their words; return the text and the raw tags."""
    raw_tags: list[str] = []
    if "#" in text:

        def hashtag_words(match: re.Match[str]) -> str:
            raw_tags.append(match.group(1))
            return " " + " ".join(split_hashtag(match.group(1), segment)) + " "

        text = HASHTAG_RE.sub(hashtag_words, text)
    return text, raw_tags


def cut_rest(text: str, ascii_only: bool) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    """Emoji, abbreviation dots, case folding, numbers: (text, emoji, lowered, numbers)."""
    emoji: tuple[str, ...] = ()
    if not ascii_only:
        text, emoji = _cut(EMOJI_RE, text)
    if "." in text:
        text = split_abbreviations(text)
    # ASCII text stays ASCII through the cuts above: ``lower`` is ``casefold`` there.
    lowered = text.lower() if ascii_only else text.casefold()
    if ascii_only:
        numbers = tuple(NUMBER_RE.findall(lowered)) if _has_ascii_digit(lowered) else ()
    else:
        numbers = tuple(NUMBER_RE.findall(lowered))
    return text, emoji, lowered, numbers


def _has_ascii_digit(text: str) -> bool:
    r"""Whether ``text`` has a digit 0-9: ten C-level substring scans beat a ``\d`` search."""
    return (
        "0" in text or "1" in text or "2" in text or "3" in text or "4" in text
        or "5" in text or "6" in text or "7" in text or "8" in text or "9" in text
    )  # fmt: skip
