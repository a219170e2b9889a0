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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from processing.expand import TokenMark
from processing.terms import (
    ALIAS,
    EXCLUDE,
    FALLBACK,
    KEYWORD,
    REQUIRES,
    TOPIC,
    TOPIC_EXCLUDE,
    Head,
    Term,
    TermIndex,
    find_spans,
    match,
    match_spans,
    phrase_at,
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


def _hit_order(hit: tuple[int, Term]) -> tuple[int, int, int]:
    return (hit[0], *term_rank(hit[1]))


def _is_general(department: str) -> bool:
    """``department in GENERAL_DEPARTMENTS``, spelled out: literal comparisons are native."""
    return department == "setda_pimpinan" or department == "dprd"


def _merge(starts: list[int], terms: list[Term], n: int) -> int:
    """Merge the hits from ``n`` on into the first ``n``, in place; return how many are ordered.

    Both parts come in ``_hit_order``; the merged hits keep it, like a stable sort of
    both (ties: the first part first). Context hits (``requires``/``exclude``/
    ``topic_exclude``) of the second part stay after the ordered ones, in their
    order. The second part is short (a post's few exact hits): each is moved in place.
    """
    p = 0
    m = n  # the ordered hits: the first ``m``
    for j in range(n, len(terms)):
        term = terms[j]
        if EXCLUDE <= term.code <= REQUIRES:
            continue  # context: stays behind the ordered hits
        start = starts[j]
        while p < m and starts[p] < start:
            p += 1  # an earlier start: no need to compare the terms
        while p < m and not _precedes(start, term, starts[p], terms[p]):
            p += 1
        if p < j:
            starts.pop(j)
            terms.pop(j)
            starts.insert(p, start)
            terms.insert(p, term)
        p += 1
        m += 1
    return m


def _precedes(start: int, term: Term, other_start: int, other: Term) -> bool:
    """``_hit_order`` of the first hit below that of the second, without building the keys."""
    if start != other_start:
        return start < other_start
    if term.size != other.size:
        return term.size > other.size
    return term.rank < other.rank


def tag(
    stems: Sequence[str],
    index: TermIndex,
    tokens: Sequence[str] | None = None,
    spots: list[int] | None = None,
    exact_spots: list[int] | None = None,
    spot_heads: list[Head] | None = None,
    exact_spot_heads: list[Head] | None = None,
    marks: list[TokenMark] | None = None,
) -> Tags:
    """Tag one post's stems (and, for exact terms, its normalized tokens).

    Hits are read by start, longest first, so a phrase claims its words before its
    parts do; everything a hit's verdict depends on is known when it is read.
    ``spots``/``exact_spots``, when given, are the positions of the stems in
    ``index.firsts`` and of the tokens in ``index.firsts_exact`` (see ``find_spans``),
    ``spot_heads``/``exact_spot_heads`` their ``index.heads``/``index.heads_exact``
    entries. ``marks``, when given with ``spots``, are the tokens' marks (see
    ``processing.pipeline.scan_tokens``): the stems and the index entries are read off
    them (``marks[i].stem``, ``.stem_head``, ``.exact_head``); ``stems`` and the head
    lists are not read.
    """
    # The hits as two parallel lists (no tuple per hit): the first ``ordered`` in
    # ``_hit_order``, then the exact context hits (``requires``/``exclude``), unordered.
    starts: list[int] = []
    terms: list[Term] = []
    if marks is not None and spots is not None:
        _find_stem_spans(marks, starts, terms, spots)
    elif index.heads:
        find_spans(stems, index.heads, index.firsts, starts, terms, spots, spot_heads)
    ordered = len(starts)
    if index.heads_exact and tokens is not None and (exact_spots is None or exact_spots):
        if marks is not None and exact_spots is not None:
            _find_exact_spans(tuple(tokens), marks, starts, terms, exact_spots)
        else:
            heads, firsts = index.heads_exact, index.firsts_exact
            find_spans(tokens, heads, firsts, starts, terms, exact_spots, exact_spot_heads)
        if len(starts) > ordered:
            ordered = _merge(starts, terms, ordered)
    if not ordered:
        return _EMPTY
    # Typed copies (no copy for tuples): native indexing below.
    stem_seq = tuple(stems) if marks is None else ()
    token_seq = tuple(tokens) if tokens is not None else None
    excluded: dict[str, list[tuple[int, int]]] | None = None  # made on the first exclusion
    excluded_topics: set[str] | None = None  # made on the first topic exclusion (rare)
    for k in range(len(terms)):
        term = terms[k]
        code = term.code
        if code == EXCLUDE:
            if excluded is None:
                excluded = {}
            spans = excluded.get(term.department)
            if spans is None:
                spans = excluded[term.department] = []
            start = starts[k]
            spans.append((start, start + term.size))
        elif code == TOPIC_EXCLUDE and term.topic:
            if excluded_topics is None:
                excluded_topics = set()
            excluded_topics.add(term.topic)
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
    # Each topic's cues, in order of first hit (parallel lists: a topic or two).
    topics_seen: list[str] = []
    topic_cues: list[tuple[str, ...]] = []
    fallback: list[Term] | None = None
    # Whether the word before ``simile_at`` is a comparison ("seperti"): hits come by
    # start, several at one start, so it is looked up once per start.
    simile_at = 0
    simile = False
    for k in range(ordered):
        start = starts[k]
        term = terms[k]
        code = term.code
        if code == FALLBACK or (
            code == ALIAS and start and token_seq is not None
            and _is_general(term.department) and token_seq[start - 1] in SPEAKER_BEFORE
        ):  # fmt: skip
            if fallback is None:
                fallback = []
            fallback.append(term)
            continue
        if code > KEYWORD:
            continue  # context only: never scored
        end = start + term.size
        if reach > end or (reach == end and reach_start < start):
            continue  # inside a longer counted phrase: "lampu jalan" (dishub) leaves no "jalan" for pupr
        if start != simile_at:
            simile_at = start
            before = stem_seq[start - 1] if marks is None else marks[start - 1].stem
            simile = before in SIMILE
            if not simile and token_seq is not None and len(token_seq) > 0:
                word = token_seq[start - 1]
                simile = word != before and word in SIMILE
        if simile:
            continue  # "kayak kolam ikan", "seperti sawah": a comparison, not the topic
        topic = term.topic if code == TOPIC else None
        needed: frozenset[str] | None = None
        if topic:
            if excluded_topics is not None and topic in excluded_topics:
                continue
            needed = requires.get(topic)
            if needed and not _near(start, end, needed, starts, terms):
                continue
            weight = TOPIC_WEIGHT
        elif code == ALIAS:
            weight = ALIAS_WEIGHT
        elif code == KEYWORD:
            weight = KEYWORD_WEIGHT
        else:
            continue
        department = term.department
        if code != ALIAS and excluded is not None:
            spans = excluded.get(department)
            if spans is not None and _inside(start, end, spans):
                continue
        text = term.text
        cues: tuple[str, ...] = ()
        if topic:
            j = _cue_slot(topics_seen, topic_cues, topic)
            cues = topic_cues[j]
            if not cues:
                cues = (text,)
            elif not _among(cues, text):
                cues += (text,)
            if needed:
                # Show the context that let the topic fire ("jalan" + "rusak").
                for cue in _present(needed, terms):
                    if not _among(cues, cue):
                        cues += (cue,)
            topic_cues[j] = cues
        entry = _entry(tally, department)
        if entry is None:
            entry = _Tally(department)
            tally.append(entry)
        elif entry.counts(text) or entry.covered >= end:
            # Part of a longer phrase already counted, or the same term again.
            entry.name(text)
            continue
        entry.covered = end  # ends only grow: a later start, a later end
        entry.count(text)
        if end > reach:
            reach, reach_start = end, start
        entry.score += weight
        entry.name(text)
        for cue in cues:
            entry.name(cue)
    _rank(tally)
    chosen: list[str] = []
    department_terms: dict[str, tuple[str, ...]] = {}
    chosen_scores: dict[str, float] = {}
    _choose(tally, chosen, department_terms, chosen_scores)
    if not chosen and fallback is not None:
        for term in fallback:
            entry = _entry(tally, term.department)
            if entry is None:
                entry = _Tally(term.department)
                tally.append(entry)
            entry.score += ALIAS_WEIGHT
            entry.name(term.text)
        _rank(tally)
        _choose(tally, chosen, department_terms, chosen_scores)
    if not chosen:
        return _EMPTY
    if not topics_seen:
        return Tags(tuple(chosen), (), department_terms, {}, {}, chosen_scores)
    topic_department = index.topic_dept
    kept_topics: dict[str, tuple[str, ...]] = {}
    topics: list[str] = []
    # In the topics' order: filled as they are kept, refilled if the sort moved one.
    topic_departments: dict[str, str] = {}
    moved = False
    for j in range(len(topics_seen)):
        t = topics_seen[j]
        owner = topic_department[t]
        if _holds(chosen, owner):
            cues = topic_cues[j]
            kept_topics[t] = cues
            topic_departments[t] = owner
            # Most cues first, then by name: an insertion sort (a topic or two).
            k = len(topics)
            size = len(cues)
            while k > 0:
                other = topics[k - 1]
                cued = len(kept_topics[other])
                if cued > size or (cued == size and other < t):
                    break
                k -= 1
            if k < len(topics):
                moved = True
            topics.insert(k, t)
    if moved:
        topic_departments = {}
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


def _find_stem_spans(
    marks: list[TokenMark], starts: list[int], found: list[Term], spots: list[int]
) -> None:
    """``find_spans`` over the stems of ``marks``, at ``spots``: heads read off the marks.

    A stem is read only where a phrase could continue: no tuple of a post's stems, no
    list of heads.
    """
    last = len(marks) - 1
    for i in spots:
        head = marks[i].stem_head
        if head is None:
            continue  # not marked ``STEM_HEAD``: never a spot
        if i < last and head.follow:
            second = head.second
            following = marks[i + 1].stem
            if second:
                keys = head.second_keys if following == second else None
            else:
                keys = head.follow.get(following)
            if keys is not None:
                for key, terms in keys:
                    # Two words: the second matched (the usual phrase), no call.
                    if len(key) == 2 or _stems_at(marks, i, key):
                        for term in terms:
                            starts.append(i)
                            found.append(term)
        for term in head.single:
            starts.append(i)
            found.append(term)


def _find_exact_spans(
    tokens: tuple[str, ...],
    marks: list[TokenMark],
    starts: list[int],
    found: list[Term],
    spots: list[int],
) -> None:
    """``find_spans`` over ``tokens`` at ``spots``, each head read off the token's mark."""
    last = len(tokens) - 1
    for i in spots:
        head = marks[i].exact_head
        if head is None:
            continue  # not marked ``EXACT_HEAD``: never a spot
        if i < last and head.follow:
            second = head.second
            following = tokens[i + 1]
            if second:
                keys = head.second_keys if following == second else None
            else:
                keys = head.follow.get(following)
            if keys is not None:
                for key, terms in keys:
                    if len(key) == 2 or phrase_at(tokens, i, key):
                        for term in terms:
                            starts.append(i)
                            found.append(term)
        for term in head.single:
            starts.append(i)
            found.append(term)


def _stems_at(marks: list[TokenMark], i: int, key: tuple[str, ...]) -> bool:
    """``phrase_at`` over the stems of ``marks``."""
    size = len(key)
    if i + size > len(marks):
        return False
    for k in range(2, size):  # noqa: SIM110 (a native loop)
        if marks[i + k].stem != key[k]:
            return False
    return True


def _cue_slot(topics: list[str], cues: list[tuple[str, ...]], topic: str) -> int:
    """Where ``topic``'s cues are in ``cues``; a new, empty slot if it is unseen."""
    for j in range(len(topics)):
        if topics[j] == topic:
            return j
    topics.append(topic)
    cues.append(())
    return len(topics) - 1


def _among(values: tuple[str, ...], value: str) -> bool:
    """``value in values`` as a native loop."""
    for v in values:  # noqa: SIM110
        if v == value:
            return True
    return False


def _rank(tally: list[_Tally]) -> None:
    """Sort ``tally`` in place: specific departments first, then by score, then by name.

    An insertion sort (a post scores a few departments), the order of
    ``(general, -score, department)`` written out (no call, no key tuples).
    """
    for i in range(1, len(tally)):
        entry = tally[i]
        k = i
        while k > 0:
            other = tally[k - 1]
            if entry.general != other.general:
                if entry.general:
                    break
            elif entry.score != other.score:
                if entry.score < other.score:
                    break
            elif not entry.department < other.department:
                break
            tally[k] = other
            k -= 1
        if k != i:
            tally[k] = entry


def _choose(
    tally: list[_Tally],
    chosen: list[str],
    department_terms: dict[str, tuple[str, ...]],
    scores: dict[str, float],
) -> None:
    """Fill the chosen departments (scoring at least ``THRESHOLD``), in ``tally``'s order."""
    for entry in tally:
        if entry.score >= THRESHOLD:
            d = entry.department
            chosen.append(d)
            department_terms[d] = entry.names()
            scores[d] = entry.score


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


class _Tally:
    """One department's running score, its terms, and what of the post it counted.

    Most departments count one term and name one: the first of each is kept in
    a field, a list is made only for a second (fewer objects per post).
    """

    def __init__(self, department: str) -> None:
        self.department = department
        self.general = _is_general(department)
        self.score = 0.0
        self.first_name: str | None = None
        self.more_names: list[str] | None = None  # every name, once there are two
        self.first_counted: str | None = None  # terms already scored
        self.more_counted: list[str] | None = None
        self.covered = -1  # the furthest end of its counted spans

    def name(self, text: str) -> None:
        """Add ``text`` to the terms shown for this department (once)."""
        first = self.first_name
        if first is None:
            self.first_name = text
        elif self.more_names is None:
            if text != first:
                self.more_names = [first, text]
        elif not _holds(self.more_names, text):
            self.more_names.append(text)

    def names(self) -> tuple[str, ...]:
        if self.more_names is not None:
            return tuple(self.more_names)
        return () if self.first_name is None else (self.first_name,)

    def counts(self, text: str) -> bool:
        """Whether ``text`` was scored for this department already."""
        if self.first_counted is None:
            return False
        if self.first_counted == text:
            return True
        return self.more_counted is not None and _holds(self.more_counted, text)

    def count(self, text: str) -> None:
        if self.first_counted is None:
            self.first_counted = text
        elif self.more_counted is None:
            self.more_counted = [text]
        else:
            self.more_counted.append(text)


# Plain loops: about twice as fast as any() over a generator, on the hot path.
def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    for s, e in spans:  # noqa: SIM110
        if s <= start and end <= e:
            return True
    return False


def _near(
    start: int, end: int, needed: frozenset[str], starts: list[int], terms: list[Term]
) -> bool:
    """Whether a hit of one of the ``needed`` terms starts within the window around a keyword."""
    low, high = start - REQUIRES_WINDOW, end + REQUIRES_WINDOW
    for k in range(len(terms)):
        i = starts[k]
        if low <= i <= high and terms[k].text in needed:
            return True
    return False


def _present(needed: frozenset[str], terms: list[Term]) -> list[str]:
    """The ``needed`` terms that have a hit in the post, sorted.

    Plain loops, no call per hit: the work stays linear in the post.
    """
    found: list[str] = []
    for term in terms:
        text = term.text
        if text in needed:
            for seen in found:
                if seen == text:
                    break
            else:
                found.append(text)
    found.sort()
    return found


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
