"""PySastrawi stemming with our own bounded cache and protected words.

Sastrawi mangles names (``bali`` -> ``bal``, ``pemadam`` -> ``madam``), so
protected words (places, agencies, abbreviations, people) are returned as is.
Each distinct token is stemmed once per process.

A cache miss is the expensive part of a cold run (~65 us a word through
``stem()``). Exact shortcuts cut it: a word of lower-case ASCII letters skips
Sastrawi's text normalization, split/join and its own cache and goes to
:class:`processing.sastrawi_ecs.EcsStemmer`, a regex-free port of Sastrawi's
single-word stemmer over Sastrawi's own dictionary (~1 us a miss compiled,
~3.5 us pure, instead of ~23 us). Where the port cannot be used (a stemmer not
built the standard way), such a word goes straight to Sastrawi's single-word
stemmer, and Sastrawi's modules get :class:`_PrecompiledRe` for ``re``, which
keeps their patterns compiled (Sastrawi compiles each stem it finds as a
pattern, and those flush its static patterns out of ``re``'s cache).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from typing import Any

from processing.sastrawi_ecs import EcsStemmer

SASTRAWI_DISTRIBUTION = "PySastrawi"
# The Sastrawi release the shortcuts were checked against (tests compare every
# token of the corpora with the plain ``stem()``); any other uses the plain calls.
CHECKED_SASTRAWI = "1.2.1"
_PATTERN_CACHE = 4096


class _PrecompiledRe:
    """Stands in for the ``re`` module inside Sastrawi: the same results, faster.

    ``match``/``sub`` with a pattern string look it up in a dict of compiled
    patterns instead of ``re``'s small cache. ``sub(word, "", text, count=1)``
    with a plain ASCII-letter pattern (Sastrawi removing a found stem) is
    ``text.replace(word, "", 1)``: letters match only themselves.
    """

    IGNORECASE = re.IGNORECASE
    MULTILINE = re.MULTILINE

    def __init__(self) -> None:
        self._compiled: dict[str, re.Pattern[str]] = {}

    def _pattern(self, pattern: str, flags: int) -> re.Pattern[str]:
        if flags:
            return re.compile(pattern, flags)
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = re.compile(pattern)
            if len(self._compiled) < _PATTERN_CACHE:
                self._compiled[pattern] = compiled
        return compiled

    def match(self, pattern: str, string: str, flags: int = 0) -> re.Match[str] | None:
        compiled = None if flags else self._compiled.get(pattern)
        if compiled is None:
            compiled = self._pattern(pattern, flags)
        return compiled.match(string)

    def sub(self, pattern: str, repl: str, string: str, count: int = 0, flags: int = 0) -> str:
        if not repl and not flags and pattern.isascii() and pattern.isalpha():
            return string.replace(pattern, "", count if count > 0 else -1)
        return self._pattern(pattern, flags).sub(repl, string, count)


_FAST_RE = _PrecompiledRe()


def sastrawi_version() -> str:
    try:
        return metadata.version(SASTRAWI_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def _install_precompiled_re() -> bool:
    """Give every loaded Sastrawi module :data:`_FAST_RE` for ``re``; False if not done."""
    if sastrawi_version() != CHECKED_SASTRAWI:
        return False
    for name, module in list(sys.modules.items()):
        if name.startswith("Sastrawi.") and getattr(module, "re", None) is re:
            module.re = _FAST_RE  # type: ignore[attr-defined]
    return True


def _single_word_stemmer(stemmer: Any) -> Callable[[str], str] | None:
    """Sastrawi's one-word stemmer behind a ``create_stemmer()`` result, if it has one.

    For a word of lower-case ASCII letters, ``stem(word)`` normalizes it to itself,
    splits it into that one word, finds no ``-`` (so not a plural) and returns
    ``stem_singular_word(word)`` (through a cache that does not change results).
    """
    if sastrawi_version() != CHECKED_SASTRAWI:
        return None
    inner = getattr(stemmer, "delegatedStemmer", None)
    single = getattr(inner, "stem_singular_word", None)
    return single if callable(single) else None


def _ecs_stemmer(stemmer: Any) -> EcsStemmer | None:
    """The regex-free port over ``stemmer``'s dictionary, when it stems as the port does.

    Only for the checked release, and only when the single-word stemmer behind
    ``stemmer`` is Sastrawi's own ``Stemmer`` with its standard visitors and an
    ``ArrayDictionary`` (whose word dict the port reads live, never copies).
    """
    if _single_word_stemmer(stemmer) is None:
        return None
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Context.Visitor.VisitorProvider import VisitorProvider
    from Sastrawi.Stemmer.Stemmer import Stemmer

    inner = stemmer.delegatedStemmer
    if type(inner) is not Stemmer or type(inner.visitor_provider) is not VisitorProvider:
        return None
    dictionary = inner.dictionary
    if type(dictionary) is not ArrayDictionary or type(dictionary.words) is not dict:
        return None
    return EcsStemmer(dictionary.words)


def create_sastrawi_stemmer() -> Any:
    """``StemmerFactory().create_stemmer()``, with Sastrawi's patterns kept compiled."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    stemmer = StemmerFactory().create_stemmer()
    _install_precompiled_re()
    return stemmer


class CachedStemmer:
    """Stem single tokens through PySastrawi, caching up to ``maxsize`` distinct tokens."""

    def __init__(
        self,
        protected: Iterable[str] = (),
        maxsize: int = 300_000,
        stemmer: Any = None,
        overrides: Mapping[str, str] | None = None,
    ):
        if stemmer is None:
            stemmer = create_sastrawi_stemmer()
        self._stemmer = stemmer
        self._single = _single_word_stemmer(stemmer)
        self._ecs = _ecs_stemmer(stemmer)
        self._cache: dict[str, str] = {}
        self._maxsize = maxsize
        self.protected = frozenset(protected)
        self.overrides = dict(overrides or {})
        self.misses = 0

    def _sastrawi(self, token: str) -> str:
        if token.isascii() and token.islower():
            ecs = self._ecs
            if ecs is not None and token.isalpha():  # ``[a-z]+``, what the port is exact for
                return ecs.stem(token)
            single = self._single
            if single is not None:
                return single(token) or token
        return self._stemmer.stem(token) or token

    def _sastrawi_alpha(self, token: str) -> str:
        """:meth:`_sastrawi` for a token known to be letters (one ``str`` call fewer)."""
        if token.isascii() and token.islower():
            ecs = self._ecs
            if ecs is not None:
                return ecs.stem(token)
            single = self._single
            if single is not None:
                return single(token) or token
        return self._stemmer.stem(token) or token

    def stem(self, token: str) -> str:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        self.misses += 1
        override = self.overrides.get(token)
        if override is not None:
            result = override
        elif token in self.protected or len(token) <= 3 or not token.isalpha():
            result = token
        else:
            result = self._sastrawi_alpha(token)
        self._remember(token, result)
        return result

    def _remember(self, token: str, result: str) -> None:
        if len(self._cache) >= self._maxsize:
            # Drop the oldest tenth: dicts keep insertion order.
            for key in list(self._cache)[: self._maxsize // 10 or 1]:
                del self._cache[key]
        self._cache[token] = result

    def stem_tokens(self, tokens: Iterable[str]) -> tuple[str, ...]:
        tokens = tuple(tokens)
        cached = tuple(map(self._cache.get, tokens))
        if None not in cached:
            return cached  # type: ignore[return-value]  # no None, as just checked
        # Some token not stemmed yet (or evicted).
        return tuple(
            s if s is not None else self.stem(t) for s, t in zip(cached, tokens, strict=True)
        )

    def __len__(self) -> int:
        return len(self._cache)
