"""Aspirasi (keluhan / permintaan / pertanyaan / apresiasi / informasi) and sentiment.

Rules over normalized (unstemmed) tokens with our own lexicons in
``data/aspirasi.yaml``. Negation flips the polarity of the next few words
("tidak rusak", "belum diperbaiki"); praise next to complaint words is read as
sarcasm ("mantap, jalannya kayak kubangan").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

NEGATION_SPAN = 3


@dataclass(frozen=True)
class AspirasiLexicon:
    """Cue phrases and polarity words (token tuples)."""

    request: frozenset[tuple[str, ...]]
    question_words: frozenset[str]
    complaint: frozenset[tuple[str, ...]]
    praise: frozenset[tuple[str, ...]]
    negations: frozenset[str]
    unmet: frozenset[str]  # action words that, negated, are a complaint: "belum diperbaiki"
    polarity: Mapping[str, float]
    news_markers: frozenset[str]
    max_len: int = 3


@dataclass(frozen=True, slots=True)
class Verdict:
    """The aspirasi class, the sentiment and the cues behind them."""

    aspirasi: str
    sentiment: float
    cues: Mapping[str, tuple[str, ...]]


@lru_cache(maxsize=32)
def _first_words(lexicon: frozenset[tuple[str, ...]]) -> frozenset[str]:
    # A phrase can only start at a token that starts some phrase (perf: skips most tokens).
    return frozenset(p[0] for p in lexicon if p)


def _phrases(
    tokens: Sequence[str], lexicon: frozenset[tuple[str, ...]], max_len: int
) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    n = len(tokens)
    firsts = _first_words(lexicon)
    for i in range(n):
        if tokens[i] not in firsts:
            continue
        for size in range(min(max_len, n - i), 0, -1):
            gram = tuple(tokens[i : i + size])
            if gram in lexicon:
                found.append((i, " ".join(gram)))
                break
    return found


def classify(
    tokens: Sequence[str], lexicon: AspirasiLexicon, *, question: bool, is_news: bool = False
) -> Verdict:
    """Classify one post from its normalized tokens."""
    negated: set[int] = set()
    for i, token in enumerate(tokens):
        if token in lexicon.negations:
            negated.update(range(i + 1, i + 1 + NEGATION_SPAN))
    complaints: list[str] = []
    praises: list[str] = []
    for i, phrase in _phrases(tokens, lexicon.complaint, lexicon.max_len):
        if i in negated:
            praises.append("tidak " + phrase)
        else:
            complaints.append(phrase)
    for i, phrase in _phrases(tokens, lexicon.praise, lexicon.max_len):
        if i in negated:
            complaints.append("tidak " + phrase)
        else:
            praises.append(phrase)
    for i, token in enumerate(tokens):
        if i in negated and token in lexicon.unmet:
            complaints.append(f"{tokens[i - 1] if i else ''} {token}".strip())
    requests = [p for _, p in _phrases(tokens, lexicon.request, lexicon.max_len)]
    asked = question or (bool(tokens) and tokens[0] in lexicon.question_words)
    sentiment = _sentiment(tokens, negated, lexicon.polarity, len(complaints), len(praises))
    cues = {
        "keluhan": tuple(complaints),
        "apresiasi": tuple(praises),
        "permintaan": tuple(requests),
    }
    if requests and (complaints or not praises):
        label = "permintaan"
    elif complaints and len(complaints) >= len(praises):
        label = "keluhan"
    elif complaints and praises and not is_news:
        label = "keluhan"  # praise wrapped around a complaint is sarcasm
    elif asked and not is_news:
        label = "pertanyaan"
    elif praises:
        label = "apresiasi"
    else:
        label = "informasi"
    return Verdict(label, sentiment, {k: v for k, v in cues.items() if v})


def _sentiment(tokens: Sequence[str], negated: set[int], polarity: Mapping[str, float],
               complaints: int, praises: int) -> float:  # fmt: skip
    total = 0.0
    for i, token in enumerate(tokens):
        value = polarity.get(token)
        if value:
            total += -value if i in negated else value
    total += 0.8 * (praises - complaints)
    return math.tanh(total / 3.0)
