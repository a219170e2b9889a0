"""PySastrawi stemming with our own bounded cache and protected words.

Sastrawi mangles names (``bali`` -> ``bal``, ``pemadam`` -> ``madam``), so
protected words (places, agencies, abbreviations, people) are returned as is.
Each distinct token is stemmed once per process.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


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
            from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

            stemmer = StemmerFactory().create_stemmer()
        self._stemmer = stemmer
        self._cache: dict[str, str] = {}
        self._maxsize = maxsize
        self.protected = frozenset(protected)
        self.overrides = dict(overrides or {})
        self.misses = 0

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
            result = self._stemmer.stem(token) or token
        if len(self._cache) >= self._maxsize:
            # Drop the oldest tenth: dicts keep insertion order.
            for key in list(self._cache)[: self._maxsize // 10 or 1]:
                del self._cache[key]
        self._cache[token] = result
        return result

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
