"""Relevance: is a post about Kabupaten Bogor (the regency), Kota Bogor, or elsewhere.

Signals are counted on the normalized token stream: regency phrases and
kecamatan names for; Kota Bogor phrases and place names, and other regions,
against. Title mentions weigh double. A bare "Bogor" leans to the regency (the
larger, surrounding area) but only weakly, as do local-government words
("bupati", "desa") when nothing names another region. A post naming both
sides is judged on which side has more weight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Final

from processing.expand import TokenMark
from processing.terms import Head, Term, TermIndex, phrase_at, unique

REGENCY_WEIGHT: Final = 2.0
KECAMATAN_WEIGHT: Final = 2.0
KOTA_WEIGHT: Final = 2.0
ELSEWHERE_WEIGHT: Final = 1.5
BARE_BOGOR: Final = 0.8
WEAK_REGENCY: Final = 1.0
DESA_WEIGHT: Final = 1.0
DEPARTMENT_WEIGHT: Final = 0.25
NOTHING: Final = -1.5


@dataclass(slots=True, unsafe_hash=True, init=False)  # read-only by convention (see Normalized)
class Relevance:
    """The verdict and the terms behind it."""

    relevant: bool
    score: float
    regency_terms: tuple[str, ...]
    kota_terms: tuple[str, ...]
    elsewhere_terms: tuple[str, ...]

    def __init__(
        self,
        relevant: bool,
        score: float,
        regency_terms: tuple[str, ...],
        kota_terms: tuple[str, ...],
        elsewhere_terms: tuple[str, ...],
    ) -> None:
        self.relevant = relevant
        self.score = score
        self.regency_terms = regency_terms
        self.kota_terms = kota_terms
        self.elsewhere_terms = elsewhere_terms


Phrases = list[tuple[tuple[str, ...], str]]


def build_index(
    regency: Phrases, kota: Phrases, elsewhere: Phrases, weak: Phrases | None = None
) -> TermIndex:
    """Index relevance phrases (already analyzed into token tuples) by kind."""
    terms = [Term(t, s, "regency", "keyword") for t, s in regency]
    terms += [Term(t, s, "kota", "keyword") for t, s in kota]
    terms += [Term(t, s, "elsewhere", "keyword") for t, s in elsewhere]
    terms += [Term(t, s, "weak", "keyword") for t, s in weak or ()]
    return TermIndex.build(terms)


def longest_spans(
    tokens: Sequence[str],
    index: TermIndex,
    spots: list[int] | None = None,
    spot_heads: list[Head] | None = None,
    marks: list[TokenMark] | None = None,
) -> list[tuple[int, Term]]:
    """Every match not inside a longer one ("kota bogor" inside "wali kota bogor").

    One pass over ``match_spans`` order (a relevance index has no exact terms): at
    each start only the first term, the longest, can be kept. ``spots``, when
    given, are the positions of the tokens in ``index.firsts``, in order;
    ``spot_heads``, when given with them, each spot's ``index.heads`` entry;
    ``marks``, when given instead, the tokens' marks (each entry read off its mark).
    """
    heads = index.heads
    kept: list[tuple[int, Term]] = []
    toks = tuple(tokens)  # typed: native indexing and slicing
    n = len(toks)
    last = n - 1
    end = -1
    if spots is None:
        spots = list(compress(range(n), map(index.firsts.__contains__, toks)))
    for k in range(len(spots)):
        i = spots[k]
        if spot_heads is not None:
            head = spot_heads[k]
        elif marks is not None:
            entry = marks[i].relevance_head
            if entry is None:
                continue  # not marked ``RELEVANCE_HEAD``: never a spot
            head = entry
        else:
            head = heads[toks[i]]
        term: Term | None = None
        if i < last and head.follow:
            second = head.second
            if second:
                keys = head.second_keys if toks[i + 1] == second else None
            else:
                keys = head.follow.get(toks[i + 1])
            if keys is not None:
                for key, terms in keys:  # longest first
                    # Two words: the second matched (``i < last``), no call.
                    if len(key) == 2 or phrase_at(toks, i, key):
                        term = terms[0]
                        break
        if term is None:
            if not head.single:
                continue
            term = head.single[0]
        stop = i + len(term.stems)
        if stop > end:
            kept.append((i, term))
            end = stop
    return kept


def _logistic(x: float) -> float:
    # Clamped: a post repeating "kota bogor" a thousand times overflowed math.exp.
    return 1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, x))))


def judge(
    tokens: Sequence[str],
    title_tokens: Sequence[str],
    index: TermIndex,
    *,
    kecamatan_hits: int,
    kota_place_terms: Sequence[str],
    departments: int,
    threshold: float = 0.5,
    desa_hits: int = 0,
    foreign_place_terms: Sequence[str] = (),
    title_kecamatan_hits: int = 0,
    spots: list[int] | None = None,
    bogor: bool | None = None,
    spot_heads: list[Head] | None = None,
    marks: list[TokenMark] | None = None,
) -> Relevance:
    """Score how much a post is about the regency (0..1) and decide ``relevant``.

    ``spots`` (see ``longest_spans``) and ``bogor`` (whether ``tokens`` holds the
    word "bogor"), when given, were found by ``analyze`` in its shared pass, as
    were ``spot_heads`` (or the ``marks`` they are read off).
    """
    found = longest_spans(tokens, index, spots, spot_heads, marks)
    # ``tokens`` starts with the title's tokens (the pipeline puts them first).
    title_end = len(title_tokens)
    regency: list[str] = []
    # Copies only when there is something to copy (most posts: nothing).
    kota: list[str] = list(kota_place_terms) if kota_place_terms else []
    elsewhere: list[str] = list(foreign_place_terms) if foreign_place_terms else []
    weak: list[str] = []
    score = 0.0
    for start, term in found:
        bonus = 2.0 if start < title_end else 1.0
        if term.department == "regency":
            score += REGENCY_WEIGHT * bonus
            regency.append(term.text)
        elif term.department == "kota":
            score -= KOTA_WEIGHT * bonus
            kota.append(term.text)
        elif term.department == "elsewhere":
            score -= ELSEWHERE_WEIGHT * bonus
            elsewhere.append(term.text)
        else:
            weak.append(term.text)
    score -= KOTA_WEIGHT * len(kota_place_terms)
    score -= ELSEWHERE_WEIGHT * len(foreign_place_terms)
    score += KECAMATAN_WEIGHT * (min(kecamatan_hits, 3) + min(title_kecamatan_hits, 2))
    score += DESA_WEIGHT * min(desa_hits, 2)
    has_bogor = "bogor" in tokens if bogor is None else bogor
    placed = bool(regency or kota or kecamatan_hits or desa_hits or has_bogor)
    if has_bogor and not regency and not kota:
        score += BARE_BOGOR
    if weak and not kota and not elsewhere:
        score += WEAK_REGENCY
    elif not placed:
        # Nothing places the post in Bogor at all.
        score += NOTHING
    if departments and placed:
        score += DEPARTMENT_WEIGHT
    probability = _logistic(score * 1.2)
    return Relevance(
        probability >= threshold,
        probability,
        _distinct(regency) if regency else (),
        _distinct(kota) if kota else (),
        _distinct(elsewhere) if elsewhere else (),
    )


def _distinct(values: list[str]) -> tuple[str, ...]:
    """``unique(values)``; a few values (most posts) are compared in a list, with no set."""
    if len(values) == 1:
        return (values[0],)
    if len(values) > 8:
        return unique(values)
    kept: list[str] = []
    for value in values:
        if value not in kept:
            kept.append(value)
    return tuple(kept)
