"""Department and topic tagging from config-driven term lists.

Every term (alias, keyword, topic keyword, exclusion) is normalized and stemmed
with the same function as posts, at load time, then indexed by its first stem so
a post is matched in one pass over its stems. Each tag keeps the terms that
produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

ALIAS_WEIGHT = 3.0
KEYWORD_WEIGHT = 1.0
TOPIC_WEIGHT = 1.5
GENERAL_DEPARTMENTS = ("setda_pimpinan", "dprd")


@dataclass(frozen=True, slots=True)
class Term:
    """One matchable phrase, already stemmed."""

    stems: tuple[str, ...]
    text: str
    department: str
    kind: str  # alias | keyword | topic | exclude | topic_exclude | requires
    topic: str | None = None


@dataclass(frozen=True)
class TermIndex:
    """Terms grouped by their first stem, longest first."""

    by_first: Mapping[str, tuple[Term, ...]]
    topic_department: Mapping[str, str] = field(default_factory=dict)
    topic_requires: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, terms: Iterable[Term]) -> TermIndex:
        grouped: dict[str, list[Term]] = {}
        topic_department: dict[str, str] = {}
        requires: dict[str, set[str]] = {}
        for term in terms:
            if not term.stems:
                continue
            grouped.setdefault(term.stems[0], []).append(term)
            if term.topic:
                topic_department.setdefault(term.topic, term.department)
                if term.kind == "requires":
                    requires.setdefault(term.topic, set()).add(" ".join(term.stems))
        ordered = {k: tuple(sorted(v, key=lambda t: -len(t.stems))) for k, v in grouped.items()}
        return cls(
            by_first=ordered,
            topic_department=topic_department,
            topic_requires={k: frozenset(v) for k, v in requires.items()},
        )


def match(stems: Sequence[str], index: TermIndex) -> list[Term]:
    """Return every term whose stems occur contiguously in ``stems``."""
    found: list[Term] = []
    by_first = index.by_first
    n = len(stems)
    for i, stem in enumerate(stems):
        candidates = by_first.get(stem)
        if not candidates:
            continue
        for term in candidates:
            size = len(term.stems)
            if size == 1 or (i + size <= n and tuple(stems[i : i + size]) == term.stems):
                found.append(term)
    return found


@dataclass(frozen=True, slots=True)
class Tags:
    """Departments and topics of one post, with the terms behind each."""

    departments: tuple[str, ...]
    topics: tuple[str, ...]
    department_terms: Mapping[str, tuple[str, ...]]
    topic_terms: Mapping[str, tuple[str, ...]]
    topic_departments: Mapping[str, str]
    scores: Mapping[str, float]


def tag(stems: Sequence[str], index: TermIndex) -> Tags:
    """Tag one post's stems with departments and topics."""
    hits = match(stems, index)
    if not hits:
        return Tags((), (), {}, {}, {}, {})
    excluded_departments: set[str] = set()
    excluded_topics: set[str] = set()
    present: set[str] = set()
    for term in hits:
        present.add(" ".join(term.stems))
        if term.kind == "exclude":
            excluded_departments.add(term.department)
        elif term.kind == "topic_exclude" and term.topic:
            excluded_topics.add(term.topic)
    scores: dict[str, float] = {}
    dep_terms: dict[str, list[str]] = {}
    topic_terms: dict[str, list[str]] = {}
    for term in hits:
        if term.kind == "topic" and term.topic:
            if term.topic in excluded_topics:
                continue
            needed = index.topic_requires.get(term.topic)
            if needed and not needed & present:
                continue
            _add(topic_terms, term.topic, term.text)
            weight = TOPIC_WEIGHT
        elif term.kind == "alias":
            weight = ALIAS_WEIGHT
        elif term.kind == "keyword":
            if term.department in excluded_departments:
                continue
            weight = KEYWORD_WEIGHT
        else:
            continue
        scores[term.department] = scores.get(term.department, 0.0) + weight * len(term.stems)
        _add(dep_terms, term.department, term.text)
    departments = sorted(scores, key=lambda d: (d in GENERAL_DEPARTMENTS, -scores[d], d))
    topics = tuple(sorted(topic_terms, key=lambda t: (-len(topic_terms[t]), t)))
    return Tags(
        departments=tuple(departments),
        topics=topics,
        department_terms={d: tuple(dep_terms[d]) for d in departments},
        topic_terms={t: tuple(v) for t, v in topic_terms.items()},
        topic_departments={t: index.topic_department[t] for t in topics},
        scores=scores,
    )


def _add(bucket: dict[str, list[str]], key: str, text: str) -> None:
    values = bucket.setdefault(key, [])
    if text not in values:
        values.append(text)


def compile_terms(
    departments: Mapping[str, object], analyze: Callable[[str], tuple[str, ...]]
) -> TermIndex:
    """Build the index from ``config.departments`` using ``analyze`` (the post pipeline)."""
    terms: list[Term] = []
    for code, dept in departments.items():
        for alias in getattr(dept, "aliases", ()):
            terms.append(Term(analyze(alias), alias, code, "alias"))
        for keyword in getattr(dept, "keywords", ()):
            terms.append(Term(analyze(keyword), keyword, code, "keyword"))
        for phrase in getattr(dept, "exclude", ()):
            terms.append(Term(analyze(phrase), phrase, code, "exclude"))
        for topic, rule in getattr(dept, "topics", {}).items():
            for keyword in rule.keywords:
                terms.append(Term(analyze(keyword), keyword, code, "topic", topic))
            for phrase in rule.exclude:
                terms.append(Term(analyze(phrase), phrase, code, "topic_exclude", topic))
            for phrase in rule.requires:
                terms.append(Term(analyze(phrase), phrase, code, "requires", topic))
    return TermIndex.build(terms)
