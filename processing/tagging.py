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
from dataclasses import dataclass, field

ALIAS_WEIGHT = 3.0
KEYWORD_WEIGHT = 1.0
TOPIC_WEIGHT = 2.0
THRESHOLD = 2.0
GENERAL_DEPARTMENTS = ("setda_pimpinan", "dprd")
EXACT = "="
SIMILE = frozenset({"seperti", "bagai", "bagaikan", "laksana", "mirip"})
# A topic's ``requires`` context must occur this close to its keyword: "jalan" and a
# "perbaikan" of data three sentences later are not a road repair.
REQUIRES_WINDOW = 8
# Words before a general department's alias that make its official a speaker or the
# one addressed ("kata Bupati", "pak bupati"), not the subject: fallback only.
SPEAKER_BEFORE = frozenset(
    {"kata", "ujar", "ucap", "tutur", "ungkap", "jelas", "menurut", "pak", "bapak", "yth", "kepada"}
)


@dataclass(frozen=True, slots=True)
class Term:
    """One matchable phrase, already stemmed (or normalized, when ``exact``)."""

    stems: tuple[str, ...]
    text: str
    department: str
    kind: str  # alias | keyword | topic | exclude | topic_exclude | requires | fallback
    topic: str | None = None
    exact: bool = False


@dataclass(frozen=True)
class TermIndex:
    """Terms grouped by their first stem (or first word, for exact terms), longest first."""

    by_first: Mapping[str, tuple[Term, ...]]
    topic_department: Mapping[str, str] = field(default_factory=dict)
    topic_requires: Mapping[str, frozenset[str]] = field(default_factory=dict)
    by_first_exact: Mapping[str, tuple[Term, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, terms: Iterable[Term]) -> TermIndex:
        grouped: dict[str, list[Term]] = {}
        exact: dict[str, list[Term]] = {}
        topic_department: dict[str, str] = {}
        requires: dict[str, set[str]] = {}
        for term in terms:
            if not term.stems:
                continue
            (exact if term.exact else grouped).setdefault(term.stems[0], []).append(term)
            if term.topic:
                topic_department.setdefault(term.topic, term.department)
                if term.kind == "requires":
                    requires.setdefault(term.topic, set()).add(term.text)

        return cls(
            by_first=_longest_first(grouped),
            topic_department=topic_department,
            topic_requires={k: frozenset(v) for k, v in requires.items()},
            by_first_exact=_longest_first(exact),
        )


def _term_length_desc(term: Term) -> int:
    return -len(term.stems)


def _longest_first(table: dict[str, list[Term]]) -> dict[str, tuple[Term, ...]]:
    # A module-level key: mypyc cannot compile a lambda inside a comprehension.
    return {k: tuple(sorted(v, key=_term_length_desc)) for k, v in table.items()}


def match_spans(
    stems: Sequence[str], index: TermIndex, tokens: Sequence[str] | None = None
) -> list[tuple[int, Term]]:
    """Return (start, term) for every term occurring contiguously in the post."""
    found: list[tuple[int, Term]] = []
    n = len(stems)
    for table, seq in ((index.by_first, stems), (index.by_first_exact, tokens)):
        if not table or seq is None:
            continue
        # Only the words that begin some term are visited (most posts have few).
        for i in [i for i, first in enumerate(seq) if first in table]:
            for term in table[seq[i]]:
                size = len(term.stems)
                if size == 1 or (i + size <= n and tuple(seq[i : i + size]) == term.stems):
                    found.append((i, term))
    return found


def match(
    stems: Sequence[str], index: TermIndex, tokens: Sequence[str] | None = None
) -> list[Term]:
    """Return every term whose stems occur contiguously in ``stems``."""
    return [term for _, term in match_spans(stems, index, tokens)]


@dataclass(frozen=True, slots=True)
class Tags:
    """Departments and topics of one post, with the terms behind each."""

    departments: tuple[str, ...]
    topics: tuple[str, ...]
    department_terms: Mapping[str, tuple[str, ...]]
    topic_terms: Mapping[str, tuple[str, ...]]
    topic_departments: Mapping[str, str]
    scores: Mapping[str, float]


_EMPTY = Tags((), (), {}, {}, {}, {})
# On the same span, the stronger kind counts.
_PRIORITY = {"alias": 0, "topic": 1, "keyword": 2}


def tag(stems: Sequence[str], index: TermIndex, tokens: Sequence[str] | None = None) -> Tags:
    """Tag one post's stems (and, for exact terms, its normalized tokens)."""
    hits = match_spans(stems, index, tokens)
    if not hits:
        return _EMPTY
    excluded: dict[str, list[tuple[int, int]]] = {}
    excluded_topics: set[str] = set()
    present: set[str] = set()
    where: dict[str, list[int]] = {}
    for start, term in hits:
        present.add(term.text)
        where.setdefault(term.text, []).append(start)
        if term.kind == "exclude":
            excluded.setdefault(term.department, []).append((start, start + len(term.stems)))
        elif term.kind == "topic_exclude" and term.topic:
            excluded_topics.add(term.topic)
    # Longest first, so a phrase claims its words before its parts do.
    hits.sort(key=lambda h: (h[0], -len(h[1].stems), _PRIORITY.get(h[1].kind, 3)))
    covered: dict[str, list[tuple[int, int]]] = {}
    scores: dict[str, float] = {}
    dep_terms: dict[str, list[str]] = {}
    topic_terms: dict[str, list[str]] = {}
    fallback: list[Term] = []
    claimed: list[tuple[int, int]] = []  # spans of counted phrases, any department
    counted: dict[str, set[str]] = {}  # terms already scored, per department
    for start, term in hits:
        end = start + len(term.stems)
        if term.kind == "fallback" or (
            term.kind == "alias" and term.department in GENERAL_DEPARTMENTS and start
            and tokens is not None and tokens[start - 1] in SPEAKER_BEFORE
        ):  # fmt: skip
            fallback.append(term)
            continue
        if start and (stems[start - 1] in SIMILE or (tokens and tokens[start - 1] in SIMILE)):
            continue  # "kayak kolam ikan", "seperti sawah": a comparison, not the topic
        if claimed and _inside_longer(start, end, claimed):
            continue  # "lampu jalan" (dishub) leaves no "jalan" for pupr
        if term.kind == "topic" and term.topic:
            if term.topic in excluded_topics:
                continue
            needed = index.topic_requires.get(term.topic)
            if needed and not _near(start, end, needed, where):
                continue
            weight = TOPIC_WEIGHT
        elif term.kind == "alias":
            weight = ALIAS_WEIGHT
        elif term.kind == "keyword":
            weight = KEYWORD_WEIGHT
        else:
            continue
        if term.kind != "alias" and excluded and _inside(start, end, excluded.get(term.department)):
            continue
        if term.topic and term.kind == "topic":
            _add(topic_terms, term.topic, term.text)
            # Show the context that let the topic fire ("jalan" + "rusak").
            for cue in sorted(index.topic_requires.get(term.topic, frozenset()) & present):
                _add(topic_terms, term.topic, cue)
        spans = covered.setdefault(term.department, [])
        known = counted.setdefault(term.department, set())
        if term.text in known or _inside(start, end, spans):
            # Part of a longer phrase already counted, or the same term again.
            _add(dep_terms, term.department, term.text)
            continue
        spans.append((start, end))
        known.add(term.text)
        claimed.append((start, end))
        scores[term.department] = scores.get(term.department, 0.0) + weight
        _add(dep_terms, term.department, term.text)
        if term.topic and term.kind == "topic":
            for cue in topic_terms.get(term.topic, ()):
                _add(dep_terms, term.department, cue)
    chosen = [d for d, s in scores.items() if s >= THRESHOLD]
    if not chosen and fallback:
        for term in fallback:
            scores[term.department] = scores.get(term.department, 0.0) + ALIAS_WEIGHT
            _add(dep_terms, term.department, term.text)
        chosen = [d for d, s in scores.items() if s >= THRESHOLD]
    departments = sorted(chosen, key=lambda d: (d in GENERAL_DEPARTMENTS, -scores[d], d))
    kept_topics = {t: v for t, v in topic_terms.items() if index.topic_department[t] in chosen}
    topics = tuple(sorted(kept_topics, key=lambda t: (-len(kept_topics[t]), t)))
    return Tags(
        departments=tuple(departments),
        topics=topics,
        department_terms={d: tuple(dep_terms[d]) for d in departments},
        topic_terms={t: tuple(v) for t, v in kept_topics.items()},
        topic_departments={t: index.topic_department[t] for t in topics},
        scores={d: scores[d] for d in departments},
    )


# Plain loops: about twice as fast as any() over a generator, on the hot path.
def _inside(start: int, end: int, spans: Iterable[tuple[int, int]] | None) -> bool:
    for s, e in spans or ():  # noqa: SIM110
        if s <= start and end <= e:
            return True
    return False


def _inside_longer(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether [start, end) lies inside one of ``spans`` that is strictly longer."""
    for s, e in spans:  # noqa: SIM110
        if s <= start and end <= e and e - s > end - start:
            return True
    return False


def _near(start: int, end: int, needed: Iterable[str], where: Mapping[str, list[int]]) -> bool:
    """Whether one of the ``needed`` terms starts within the window around a keyword."""
    low, high = start - REQUIRES_WINDOW, end + REQUIRES_WINDOW
    return any(low <= i <= high for text in needed for i in where.get(text, ()))


def _add(bucket: dict[str, list[str]], key: str, text: str) -> None:
    values = bucket.setdefault(key, [])
    if text not in values:
        values.append(text)


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
