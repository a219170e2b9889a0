"""Relevance: is a post about Kabupaten Bogor (the regency), Kota Bogor, or elsewhere.

Signals are counted on the normalized token stream: regency phrases and
kecamatan names for; Kota Bogor phrases and place names, and other regions,
against. Title mentions weigh double. A bare "Bogor" leans to the regency (the
larger, surrounding area) but only weakly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from processing.tagging import Term, TermIndex, match

REGENCY_WEIGHT = 2.0
KECAMATAN_WEIGHT = 1.5
KOTA_WEIGHT = 2.0
ELSEWHERE_WEIGHT = 1.0
BARE_BOGOR = 0.4
DEPARTMENT_WEIGHT = 0.25


@dataclass(frozen=True, slots=True)
class Relevance:
    """The verdict and the terms behind it."""

    relevant: bool
    score: float
    regency_terms: tuple[str, ...]
    kota_terms: tuple[str, ...]
    elsewhere_terms: tuple[str, ...]


def build_index(regency: list[tuple[tuple[str, ...], str]], kota: list[tuple[tuple[str, ...], str]],
                elsewhere: list[tuple[tuple[str, ...], str]]) -> TermIndex:  # fmt: skip
    """Index relevance phrases (already analyzed into token tuples) by kind."""
    terms = [Term(t, s, "regency", "keyword") for t, s in regency]
    terms += [Term(t, s, "kota", "keyword") for t, s in kota]
    terms += [Term(t, s, "elsewhere", "keyword") for t, s in elsewhere]
    return TermIndex.build(terms)


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
) -> Relevance:
    """Score how much a post is about the regency (0..1) and decide ``relevant``."""
    found = match(tokens, index)
    title_found = {id(t) for t in match(title_tokens, index)} if title_tokens else set()
    regency: list[str] = []
    kota: list[str] = list(kota_place_terms)
    elsewhere: list[str] = []
    score = 0.0
    for term in found:
        bonus = 2.0 if id(term) in title_found else 1.0
        if term.department == "regency":
            score += REGENCY_WEIGHT * bonus
            regency.append(term.text)
        elif term.department == "kota":
            score -= KOTA_WEIGHT * bonus
            kota.append(term.text)
        else:
            score -= ELSEWHERE_WEIGHT * bonus
            elsewhere.append(term.text)
    score -= KOTA_WEIGHT * len(kota_place_terms)
    score += KECAMATAN_WEIGHT * min(kecamatan_hits, 3)
    has_bogor = "bogor" in tokens
    if has_bogor and not regency and not kota:
        score += BARE_BOGOR
    if not regency and not kota and not kecamatan_hits and not has_bogor:
        # Nothing places the post in Bogor at all.
        score -= 1.5
    if departments and (regency or kecamatan_hits or has_bogor):
        score += DEPARTMENT_WEIGHT
    probability = _logistic(score * 1.2)
    return Relevance(
        relevant=probability >= threshold,
        score=probability,
        regency_terms=tuple(dict.fromkeys(regency)),
        kota_terms=tuple(dict.fromkeys(kota)),
        elsewhere_terms=tuple(dict.fromkeys(elsewhere)),
    )
