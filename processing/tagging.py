"""Department and topic tagging from config-driven term lists.

Every term (alias, keyword, topic keyword, exclusion) is normalized and stemmed
with the same function as posts, at load time, then indexed by its first stem so
a post is matched in one pass over its stems. A term written ``=word`` matches
the normalized word exactly instead of its stem (``=perumahan`` must not match
every ``rumah``); a single derived word (``perizinan``, ``pemasaran``) is
matched exactly by default, since its stem (``izin``, ``pasar``) means more.
Each tag keeps the terms that produced it.

Scoring: an alias (a department's name, abbreviation or official) or a topic
keyword decides on its own; plain department keywords are context and need a
second one. Overlapping hits of one department count once (``kolam ikan`` is
not also ``ikan``). ``fallback`` terms (``Pemkab Bogor``) tag their department
only when nothing more specific did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from processing.terms import (
    KIND_PRIORITY,
    Head,
    Term,
    TermIndex,
    find_spans,
    match,
    match_spans,
    term_rank,
)

__all__ = ["Tags", "Term", "TermIndex", "compile_terms", "match", "match_spans", "tag"]

ALIAS_WEIGHT: Final = 3.0
KEYWORD_WEIGHT: Final = 1.0
TOPIC_WEIGHT: Final = 2.0
THRESHOLD: Final = 2.0
GENERAL_DEPARTMENTS: Final = ("setda_pimpinan", "dprd")
EXACT: Final = "="
SIMILE: Final = frozenset({"seperti", "bagai", "bagaikan", "laksana", "mirip"})
# A topic's ``requires`` context must occur this close to its keyword: "jalan" and a
# "perbaikan" of data three sentences later are not a road repair.
REQUIRES_WINDOW: Final = 8
# Words before a general department's alias that make its official a speaker or the
# one addressed ("kata Bupati", "pak bupati"), not the subject: fallback only.
SPEAKER_BEFORE: Final = frozenset(
    {"kata", "ujar", "ucap", "tutur", "ungkap", "jelas", "menurut", "pak", "bapak", "yth", "kepada"}
)


@dataclass(slots=True, unsafe_hash=True, init=False)  # read-only by convention (see Normalized)
class Tags:
    """Departments and topics of one post, with the terms behind each."""

    departments: tuple[str, ...]
    topics: tuple[str, ...]
    department_terms: dict[str, tuple[str, ...]]
    topic_terms: dict[str, tuple[str, ...]]
    topic_departments: dict[str, str]
    scores: dict[str, float]

    def __init__(
        self,
        departments: tuple[str, ...],
        topics: tuple[str, ...],
        department_terms: dict[str, tuple[str, ...]],
        topic_terms: dict[str, tuple[str, ...]],
        topic_departments: dict[str, str],
        scores: dict[str, float],
    ) -> None:
        self.departments = departments
        self.topics = topics
        self.department_terms = department_terms
        self.topic_terms = topic_terms
        self.topic_departments = topic_departments
        self.scores = scores


_EMPTY: Final = Tags((), (), {}, {}, {}, {})


# Kinds that only give context to other hits (never scored): their order does not matter.
_CONTEXT: Final = frozenset({"requires", "exclude", "topic_exclude"})


def _hit_order(hit: tuple[int, Term]) -> tuple[int, int, int]:
    return (hit[0], *term_rank(hit[1]))


def _tag_hits(
    stems: Sequence[str],
    index: TermIndex,
    tokens: Sequence[str] | None,
    spots: list[int] | None = None,
    exact_spots: list[int] | None = None,
    spot_heads: list[Head] | None = None,
    exact_spot_heads: list[Head] | None = None,
) -> tuple[list[tuple[int, Term]], list[tuple[int, Term]]]:
    """``match_spans`` as ``tag`` reads them: (ordered hits, context hits).

    Every hit comes in the order of :func:`_hit_order`, except exact context hits
    (``requires``/``exclude``), which come apart, unordered.
    """
    hits: list[tuple[int, Term]] = []
    if index.heads:
        find_spans(stems, index.heads, index.firsts, hits, spots, spot_heads)
    context: list[tuple[int, Term]] = []
    if not index.heads_exact or tokens is None:
        return hits, context
    exact: list[tuple[int, Term]] = []
    find_spans(tokens, index.heads_exact, index.firsts_exact, exact, exact_spots, exact_spot_heads)
    if not exact:
        return hits, context
    ranked = [hit for hit in exact if hit[1].kind not in _CONTEXT]
    if len(ranked) < len(exact):
        context = [hit for hit in exact if hit[1].kind in _CONTEXT]
    if ranked:
        # Both lists are in ``_hit_order`` already: interleave them (stable, so a
        # stem hit comes before an exact one of the same rank).
        hits = _merge(hits, ranked) if hits else ranked
    return hits, context


def _merge(first: list[tuple[int, Term]], second: list[tuple[int, Term]]) -> list[tuple[int, Term]]:
    """Merge two lists, each in ``_hit_order``, into one (ties: ``first`` first).

    The same as a stable sort of ``first + second`` by ``_hit_order``. ``second`` is
    short (a post's few exact hits): each is inserted into a copy of ``first``.
    """
    merged = first[:]
    p = 0
    for hit in second:
        n = len(merged)
        while p < n and not _precedes(hit, merged[p]):
            p += 1
        merged.insert(p, hit)
        p += 1
    return merged


def _precedes(a: tuple[int, Term], b: tuple[int, Term]) -> bool:
    """``_hit_order(a) < _hit_order(b)``, without building the keys."""
    if a[0] != b[0]:
        return a[0] < b[0]
    size, other = len(a[1].stems), len(b[1].stems)
    if size != other:
        return size > other
    return KIND_PRIORITY.get(a[1].kind, 3) < KIND_PRIORITY.get(b[1].kind, 3)


def tag(
    stems: Sequence[str],
    index: TermIndex,
    tokens: Sequence[str] | None = None,
    spots: list[int] | None = None,
    exact_spots: list[int] | None = None,
    spot_heads: list[Head] | None = None,
    exact_spot_heads: list[Head] | None = None,
) -> Tags:
    """Tag one post's stems (and, for exact terms, its normalized tokens).

    Hits are read by start, longest first, so a phrase claims its words before its
    parts do; everything a hit's verdict depends on is known when it is read.
    ``spots``/``exact_spots``, when given, are the positions of the stems in
    ``index.firsts`` and of the tokens in ``index.firsts_exact`` (see ``find_spans``),
    ``spot_heads``/``exact_spot_heads`` their ``index.heads``/``index.heads_exact``
    entries.
    """
    hits, context = _tag_hits(
        stems, index, tokens, spots, exact_spots, spot_heads, exact_spot_heads
    )
    if not hits:
        return _EMPTY
    # Typed copies (no copy for tuples): native indexing below.
    stem_seq = tuple(stems)
    token_seq = tuple(tokens) if tokens is not None else None
    excluded: dict[str, list[tuple[int, int]]] = {}
    excluded_topics: set[str] | None = None  # made on the first topic exclusion (rare)
    for start, term in [*hits, *context] if context else hits:
        kind = term.kind
        if kind == "exclude":
            spans = excluded.get(term.department)
            if spans is None:
                spans = excluded[term.department] = []
            spans.append((start, start + len(term.stems)))
        elif kind == "topic_exclude" and term.topic:
            if excluded_topics is None:
                excluded_topics = set()
            excluded_topics.add(term.topic)
    # Where each term's text starts: only needed for topics with ``requires`` (rare).
    where: dict[str, list[int]] | None = None
    requires = index.requires
    # Hits come by start, so every counted span starts at or before the current hit,
    # which lies inside one exactly when the span reaches its end. So two numbers
    # stand for all counted spans: the furthest end (any department, and where the
    # first span reaching it starts) and, per department, its furthest end.
    reach = -1  # furthest end of a counted phrase, any department
    reach_start = -1  # the start of the first counted span ending at ``reach``
    # Each department's score, terms and furthest counted end, in order of first score
    # (a list: a post scores a few departments, found by a native scan).
    tally: list[_Tally] = []
    topic_terms: dict[str, list[str]] = {}
    fallback: list[Term] = []
    # Whether the word before ``simile_at`` is a comparison ("seperti"): hits come by
    # start, several at one start, so it is looked up once per start.
    simile_at = 0
    simile = False
    for start, term in hits:
        kind = term.kind
        department = term.department
        if kind == "fallback" or (
            kind == "alias" and department in GENERAL_DEPARTMENTS and start
            and token_seq is not None and token_seq[start - 1] in SPEAKER_BEFORE
        ):  # fmt: skip
            fallback.append(term)
            continue
        if start != simile_at:
            simile_at = start
            simile = stem_seq[start - 1] in SIMILE or (
                token_seq is not None and len(token_seq) > 0 and token_seq[start - 1] in SIMILE
            )
        if simile:
            continue  # "kayak kolam ikan", "seperti sawah": a comparison, not the topic
        size = len(term.stems)
        end = start + size
        if reach > end or (reach == end and reach_start < start):
            continue  # inside a longer counted phrase: "lampu jalan" (dishub) leaves no "jalan" for pupr
        topic = term.topic if kind == "topic" else None
        needed: frozenset[str] | None = None
        if topic:
            if excluded_topics is not None and topic in excluded_topics:
                continue
            needed = requires.get(topic)
            if needed:
                if where is None:
                    where = _starts(hits, context)
                if not _near(start, end, needed, where):
                    continue
            weight = TOPIC_WEIGHT
        elif kind == "alias":
            weight = ALIAS_WEIGHT
        elif kind == "keyword":
            weight = KEYWORD_WEIGHT
        else:
            continue
        if kind != "alias" and excluded and _inside(start, end, excluded.get(department)):
            continue
        text = term.text
        cues: list[str] | None = None
        if topic:
            cues = topic_terms.get(topic)
            if cues is None:
                cues = topic_terms[topic] = [text]
            elif text not in cues:
                cues.append(text)
            if needed:
                # Show the context that let the topic fire ("jalan" + "rusak").
                for cue in sorted(needed.intersection(where or ())):
                    if cue not in cues:
                        cues.append(cue)
        entry = _entry(tally, department)
        if entry is None:
            entry = _Tally(department)
            tally.append(entry)
        elif text in entry.counted or entry.covered >= end:
            # Part of a longer phrase already counted, or the same term again.
            if text not in entry.names:
                entry.names.append(text)
            continue
        entry.covered = end  # ends only grow: a later start, a later end
        entry.counted.append(text)
        if end > reach:
            reach, reach_start = end, start
        entry.score += weight
        names = entry.names
        if text not in names:
            names.append(text)
        if cues:
            for cue in cues:
                if cue not in names:
                    names.append(cue)
    ranked = _ranked(tally)
    if not ranked and fallback:
        for term in fallback:
            entry = _entry(tally, term.department)
            if entry is None:
                entry = _Tally(term.department)
                tally.append(entry)
            entry.score += ALIAS_WEIGHT
            if term.text not in entry.names:
                entry.names.append(term.text)
        ranked = _ranked(tally)
    if not ranked:
        return _EMPTY
    chosen: list[str] = []
    department_terms: dict[str, tuple[str, ...]] = {}
    chosen_scores: dict[str, float] = {}
    for entry in ranked:
        d = entry.department
        chosen.append(d)
        department_terms[d] = tuple(entry.names)
        chosen_scores[d] = entry.score
    if not topic_terms:
        return Tags(tuple(chosen), (), department_terms, {}, {}, chosen_scores)
    topic_department = index.topic_dept
    kept_topics: dict[str, tuple[str, ...]] = {}
    topics: list[str] = []
    sizes: list[int] = []
    for t, cues in topic_terms.items():
        if _holds(chosen, topic_department[t]):
            kept_topics[t] = tuple(cues)
            # Most cues first, then by name: an insertion sort (a topic or two).
            k = len(topics)
            size = len(cues)
            while k > 0 and (sizes[k - 1] < size or (sizes[k - 1] == size and t < topics[k - 1])):
                k -= 1
            topics.insert(k, t)
            sizes.insert(k, size)
    topic_departments: dict[str, str] = {}
    for t in topics:
        topic_departments[t] = topic_department[t]
    return Tags(
        tuple(chosen),
        tuple(topics),
        department_terms,
        kept_topics,
        topic_departments,
        chosen_scores,
    )


def _ranked(tally: list[_Tally]) -> list[_Tally]:
    """The departments scoring at least ``THRESHOLD``, in order.

    Specific departments first, then by score, then by name: an insertion sort (a
    post scores a few departments).
    """
    chosen: list[_Tally] = []
    for entry in tally:
        if entry.score < THRESHOLD:
            continue
        chosen.append(entry)
        k = len(chosen) - 1
        while k > 0 and _before(entry, chosen[k - 1]):
            chosen[k] = chosen[k - 1]
            k -= 1
        chosen[k] = entry
    return chosen


def _before(a: _Tally, b: _Tally) -> bool:
    """``(a.general, -a.score, a.department) < (b.general, -b.score, b.department)``."""
    if a.general != b.general:
        return b.general
    if a.score != b.score:
        return a.score > b.score
    return a.department < b.department


def _entry(tally: list[_Tally], department: str) -> _Tally | None:
    for entry in tally:
        if entry.department == department:
            return entry
    return None


def _holds(values: list[str], value: str) -> bool:
    """``value in values`` as a native loop (a generic call otherwise)."""
    for v in values:  # noqa: SIM110
        if v == value:
            return True
    return False


def _starts(hits: list[tuple[int, Term]], context: list[tuple[int, Term]]) -> dict[str, list[int]]:
    """Where each hit's term text starts, in hit order."""
    where: dict[str, list[int]] = {}
    for hit_list in (hits, context):
        for i, term in hit_list:
            starts = where.get(term.text)
            if starts is None:
                where[term.text] = [i]
            else:
                starts.append(i)
    return where


class _Tally:
    """One department's running score, its terms, and what of the post it counted."""

    def __init__(self, department: str) -> None:
        self.department = department
        self.general = department in GENERAL_DEPARTMENTS
        self.score = 0.0
        self.names: list[str] = []
        # Terms already scored: a handful at most, so a list (cheaper to make than a set).
        self.counted: list[str] = []
        self.covered = -1  # the furthest end of its counted spans


# Plain loops: about twice as fast as any() over a generator, on the hot path.
def _inside(start: int, end: int, spans: Iterable[tuple[int, int]] | None) -> bool:
    for s, e in spans or ():  # noqa: SIM110
        if s <= start and end <= e:
            return True
    return False


def _near(start: int, end: int, needed: Iterable[str], where: dict[str, list[int]]) -> bool:
    """Whether one of the ``needed`` terms starts within the window around a keyword."""
    low, high = start - REQUIRES_WINDOW, end + REQUIRES_WINDOW
    for text in needed:
        starts = where.get(text)
        if starts is not None:
            for i in starts:
                if low <= i <= high:
                    return True
    return False


def compile_terms(
    departments: Mapping[str, object],
    analyze: Callable[[str], tuple[str, ...]],
    normalize: Callable[[str], tuple[str, ...]] | None = None,
) -> TermIndex:
    """Build the index from ``config.departments`` using ``analyze`` (the post pipeline).

    ``normalize`` (normalized, unstemmed tokens) is used for ``=exact`` terms.
    """
    terms: list[Term] = []

    def add(phrase: str, code: str, kind: str, topic: str | None = None) -> None:
        text = phrase.lstrip(EXACT).strip()
        if normalize is None:
            terms.append(Term(analyze(text), text, code, kind, topic))
            return
        words = normalize(text)
        stems = analyze(text)
        # A derived single word (``perizinan``, ``pemasaran``) matches only itself:
        # its stem (``izin``, ``pasar``) would match far more than it means.
        derived = kind != "alias" and len(words) == 1 and stems != words
        if phrase.startswith(EXACT) or derived:
            terms.append(Term(words, text, code, kind, topic, exact=True))
        else:
            terms.append(Term(stems, text, code, kind, topic))

    for code, dept in departments.items():
        for alias in getattr(dept, "aliases", ()):
            add(alias, code, "alias")
        for keyword in getattr(dept, "keywords", ()):
            add(keyword, code, "keyword")
        for phrase in getattr(dept, "exclude", ()):
            add(phrase, code, "exclude")
        for phrase in getattr(dept, "fallback", ()):
            add(phrase, code, "fallback")
        for topic, rule in getattr(dept, "topics", {}).items():
            for keyword in rule.keywords:
                add(keyword, code, "topic", topic)
            for phrase in rule.exclude:
                add(phrase, code, "topic_exclude", topic)
            for phrase in rule.requires:
                add(phrase, code, "requires", topic)
    return TermIndex.build(terms)
