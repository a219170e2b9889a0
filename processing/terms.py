"""Terms and their index: find every configured phrase in a post in one pass.

A :class:`Term` is one phrase of the taxonomy (or of the relevance lists), already
stemmed, or normalized when it must match a word exactly. :class:`TermIndex`
groups terms by their first word; for matching it arranges each group as a
:class:`Head`: the one-word terms, and the longer ones looked up by their whole
word tuple, tried only when the next word can continue one. ``match_spans`` finds
the words that begin a term in one C-level pass over the post, so a post costs a
pass plus a few lookups per such word (scoring lives in ``processing.tagging``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Final

# On the same span, the stronger kind counts.
KIND_PRIORITY: Final = {"alias": 0, "topic": 1, "keyword": 2}
# ``Term.code`` of each kind: the scored kinds first, in ``KIND_PRIORITY`` order.
ALIAS: Final = 0
TOPIC: Final = 1
KEYWORD: Final = 2
FALLBACK: Final = 3
EXCLUDE: Final = 4
TOPIC_EXCLUDE: Final = 5
REQUIRES: Final = 6
OTHER: Final = 7
KIND_CODES: Final = {
    "alias": ALIAS,
    "topic": TOPIC,
    "keyword": KEYWORD,
    "fallback": FALLBACK,
    "exclude": EXCLUDE,
    "topic_exclude": TOPIC_EXCLUDE,
    "requires": REQUIRES,
}


@dataclass(frozen=True, slots=True)
class Term:
    """One matchable phrase, already stemmed (or normalized, when ``exact``).

    ``size``, ``code`` and ``rank`` are derived: the number of words, the kind as a
    number (``KIND_CODES``) and its ``KIND_PRIORITY`` (native reads on the hot path).
    """

    stems: tuple[str, ...]
    text: str
    department: str
    kind: str  # alias | keyword | topic | exclude | topic_exclude | requires | fallback
    topic: str | None = None
    exact: bool = False
    size: int = field(init=False, repr=False, compare=False)
    code: int = field(init=False, repr=False, compare=False)
    rank: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        code = KIND_CODES.get(self.kind, OTHER)
        object.__setattr__(self, "size", len(self.stems))
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "rank", min(code, FALLBACK))


def term_rank(term: Term) -> tuple[int, int]:
    """Order of terms at one start: longest first, then alias, topic, keyword, the rest."""
    return -len(term.stems), KIND_PRIORITY.get(term.kind, 3)


@dataclass(frozen=True, slots=True)
class Head:
    """The terms that begin with one word, arranged for matching.

    ``single`` are the one-word terms; the longer ones are looked up by their whole
    word tuple in ``longer``, trying each length in ``sizes`` (longest first), but
    only when the next word is one of ``seconds`` (most starts are one-word hits).
    ``follow`` holds the same longer terms by their second word: each phrase that
    begins with this word and that one, longest first, with its terms (one dict
    lookup, then word comparisons, instead of a tuple slice, its hash and a lookup
    per length).
    """

    single: tuple[Term, ...]
    seconds: frozenset[str]
    sizes: tuple[int, ...]
    longer: dict[tuple[str, ...], tuple[Term, ...]]
    follow: dict[str, tuple[tuple[tuple[str, ...], tuple[Term, ...]], ...]]
    # When ``follow`` has one second word (most heads with phrases): that word and
    # its entry, compared instead of looked up; ``""`` and ``()`` otherwise.
    second: str = ""
    second_keys: tuple[tuple[tuple[str, ...], tuple[Term, ...]], ...] = ()


def _heads(table: Mapping[str, tuple[Term, ...]]) -> dict[str, Head]:
    heads: dict[str, Head] = {}
    for first, terms in table.items():
        ranked = sorted(terms, key=term_rank)  # stable: config order among equals
        longer: dict[tuple[str, ...], list[Term]] = {}
        for term in ranked:
            if len(term.stems) > 1:
                longer.setdefault(term.stems, []).append(term)
        follow: dict[str, list[tuple[str, ...]]] = {}
        for key in sorted(longer, key=len, reverse=True):  # stable: longest first
            follow.setdefault(key[1], []).append(key)
        ways = {w: tuple((k, tuple(longer[k])) for k in ks) for w, ks in follow.items()}
        only = next(iter(ways)) if len(ways) == 1 else ""
        heads[first] = Head(
            single=tuple(t for t in ranked if len(t.stems) == 1),
            seconds=frozenset(k[1] for k in longer),
            sizes=tuple(sorted({len(k) for k in longer}, reverse=True)),
            longer={k: tuple(v) for k, v in longer.items()},
            follow=ways,
            second=only,
            second_keys=ways[only] if only else (),
        )
    return heads


def phrase_at(words: tuple[str, ...], i: int, key: tuple[str, ...]) -> bool:
    """Whether ``key`` (whose first two words are ``words[i : i + 2]``) occurs at ``i``."""
    size = len(key)
    if i + size > len(words):
        return False
    for k in range(2, size):  # noqa: SIM110 (a native loop)
        if words[i + k] != key[k]:
            return False
    return True


@dataclass(frozen=True)
class TermIndex:
    """Terms grouped by their first stem (or first word, for exact terms), longest first.

    ``heads``/``heads_exact`` hold the same terms arranged for :func:`match_spans`
    (derived from ``by_first``/``by_first_exact``).
    """

    by_first: Mapping[str, tuple[Term, ...]]
    topic_department: Mapping[str, str] = field(default_factory=dict)
    topic_requires: Mapping[str, frozenset[str]] = field(default_factory=dict)
    by_first_exact: Mapping[str, tuple[Term, ...]] = field(default_factory=dict)
    heads: dict[str, Head] = field(init=False, repr=False, compare=False)
    heads_exact: dict[str, Head] = field(init=False, repr=False, compare=False)
    firsts: frozenset[str] = field(init=False, repr=False, compare=False)
    firsts_exact: frozenset[str] = field(init=False, repr=False, compare=False)
    # ``topic_department``/``topic_requires`` as dicts: native lookups from compiled code.
    topic_dept: dict[str, str] = field(init=False, repr=False, compare=False)
    requires: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "topic_dept", dict(self.topic_department))
        object.__setattr__(self, "requires", dict(self.topic_requires))
        heads, exact = _heads(self.by_first), _heads(self.by_first_exact)
        object.__setattr__(self, "heads", heads)
        object.__setattr__(self, "heads_exact", exact)
        object.__setattr__(self, "firsts", frozenset(heads))
        object.__setattr__(self, "firsts_exact", frozenset(exact))

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


def find_spans(
    seq: Sequence[str],
    heads: dict[str, Head],
    firsts: frozenset[str],
    starts: list[int],
    found: list[Term],
    spots: list[int] | None = None,
    spot_heads: list[Head] | None = None,
) -> None:
    """Append every term of ``heads`` in ``seq`` to ``found`` (its start to ``starts``).

    By start, then rank (:func:`term_rank`). ``spots``, when given, are the positions
    of ``seq`` whose word is in ``firsts``, in order (``analyze`` finds them for every
    pass at once); ``spot_heads``, when given with them, the ``heads`` entry of each
    spot's word (no lookup per spot). Two parallel lists: no tuple per hit.
    """
    if spots is None:
        if firsts.isdisjoint(seq):
            return  # one C-level pass: many posts have no exact term at all
        # Only the words that begin some term are visited (most posts have few), found
        # in one C-level pass.
        spots = list(compress(range(len(seq)), map(firsts.__contains__, seq)))
    words = tuple(seq)  # typed: native indexing and slicing
    last = len(words) - 1
    for k in range(len(spots)):
        i = spots[k]
        head = heads[words[i]] if spot_heads is None else spot_heads[k]
        if i < last:
            second = head.second
            if second:
                keys = head.second_keys if words[i + 1] == second else None
            else:
                keys = head.follow.get(words[i + 1]) if head.follow else None
            if keys is not None:
                for key, terms in keys:
                    # Two words: the second matched (the usual phrase), no call.
                    if len(key) == 2 or phrase_at(words, i, key):
                        for term in terms:
                            starts.append(i)
                            found.append(term)
        for term in head.single:
            starts.append(i)
            found.append(term)


def match_spans(
    stems: Sequence[str], index: TermIndex, tokens: Sequence[str] | None = None
) -> list[tuple[int, Term]]:
    """Return (start, term) for every term occurring contiguously in the post.

    Stem terms come first, then exact ones (matched on ``tokens``); each in order of
    start, then longest first, then alias, topic, keyword and the other kinds.
    """
    starts: list[int] = []
    found: list[Term] = []
    if index.heads:
        find_spans(stems, index.heads, index.firsts, starts, found)
    if index.heads_exact and tokens is not None:
        find_spans(tokens, index.heads_exact, index.firsts_exact, starts, found)
    return list(zip(starts, found, strict=True))


def match(
    stems: Sequence[str], index: TermIndex, tokens: Sequence[str] | None = None
) -> list[Term]:
    """Return every term whose stems occur contiguously in ``stems``."""
    return [term for _, term in match_spans(stems, index, tokens)]


def unique(values: list[str]) -> tuple[str, ...]:
    """``values`` without repeats, in first-seen order."""
    if len(values) < 2:
        return tuple(values)
    # A plain loop: ``dict.fromkeys`` is a generic call from compiled code.
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        if value not in seen:
            seen.add(value)
            kept.append(value)
    return tuple(kept)
