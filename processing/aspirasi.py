"""Aspirasi (keluhan / permintaan / pertanyaan / apresiasi / informasi) and sentiment.

Rules over normalized (unstemmed) tokens with our own lexicons in
``data/aspirasi.yaml``:

- cue phrases are matched longest first; ``neutral`` phrases consume their
  words (``air bersih`` is not praise, ``berapa lama`` not a complaint);
- negation flips the next few words: "tidak rusak" is not a complaint, "belum
  diperbaiki" and "gak ngalir" are, "tidak bagus" is;
- social posts also count imperatives ("perbaiki", "segera") as requests and
  problem nouns ("sampah", "liar") as complaints; in news these report action;
- a request in news after a government actor in the same clause is an
  instruction ("Wabup ... meminta BPBD"), not the public asking; a request inside "kapan ...?" is a complaint;
- news reporting a response or a disaster ("Damkar padamkan kebakaran") is
  information unless people voice a complaint ("dikeluhkan", "warga protes") or
  the problem is left open ("belum diperbaiki", "dibiarkan");
- a complaint ending in a plea ("..., tolong segera") is a complaint: a request
  wins only with more request cues than complaint cues; "mohon info ...?" asks,
  and mild complaint words ("lama", "hilang") do not outweigh a question;
- praise outweighing complaint words is appreciation ("yang dulu rusak sekarang
  mulus", "udah dibersihkan"), unless a sarcasm marker
  ("kayak", "wkwk", 🙄) shows the praise is ironic;
- emoji add polarity in social posts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress
from math import tanh
from typing import Final

NEGATION_SPAN: Final = 3
ACTOR_CLAUSE: Final = 25  # tokens looked back, within the clause
BOUNDARIES: Final = frozenset({".", "|"})
# Negations that leave a problem open in news ("hingga kini belum diperbaiki"), unlike
# the aim of an action ("mengurangi sampah yang tidak terangkut").
UNRESOLVED: Final = frozenset({"belum", "blm", "pernah", "kunjung"})
_KAPAN: Final = frozenset({"kapan"})


@dataclass(frozen=True)
class AspirasiLexicon:
    """Cue phrases and polarity words (token tuples)."""

    request: frozenset[tuple[str, ...]]
    question_words: frozenset[str]
    complaint: frozenset[tuple[str, ...]]
    praise: frozenset[tuple[str, ...]]
    negations: frozenset[str]
    unmet: frozenset[str]  # action words that, negated, are a complaint: "belum diperbaiki"
    polarity: dict[str, float]
    news_markers: frozenset[str]
    max_len: int = 3
    request_social: frozenset[tuple[str, ...]] = frozenset()
    complaint_social: frozenset[tuple[str, ...]] = frozenset()
    praise_social: frozenset[tuple[str, ...]] = frozenset()
    neutral: frozenset[tuple[str, ...]] = frozenset()
    question_news: frozenset[str] = frozenset()
    government_actors: frozenset[str] = frozenset()
    emoji_negative: frozenset[str] = frozenset()
    emoji_positive: frozenset[str] = frozenset()
    sarcasm: frozenset[str] = frozenset()
    # News: complaint cues that voice a grievance or an unresolved problem ("dikeluhkan",
    # "dibiarkan"); without one, a news item reporting a response is information.
    complaint_voice: frozenset[str] = frozenset()
    news_response: frozenset[str] = frozenset()
    past_markers: frozenset[str] = frozenset()  # "jalan yang dulu rusak": a past problem
    done_markers: frozenset[str] = frozenset()  # "udah dibersihkan": done, not asked
    request_info: frozenset[str] = frozenset()  # "mohon info": asks, with a question
    complaint_weak: frozenset[str] = frozenset()  # too mild to outweigh a question
    # Built by ``with_tables`` from the lists above: one lookup per n-gram.
    news_cues: dict[tuple[str, ...], str] = field(default_factory=dict)
    social_cues: dict[tuple[str, ...], str] = field(default_factory=dict)
    first_words: frozenset[str] = frozenset()
    # First word -> the lengths of the cues it begins, longest first.
    cue_sizes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # Derived: the cue tables arranged by first word (see ``CueHead``), per post kind,
    # and every word ``classify`` looks at a position for (negations, cue starts,
    # polarity, past markers, and the words some rule asks the post to hold).
    news_heads: dict[str, CueHead] = field(init=False, repr=False, compare=False)
    social_heads: dict[str, CueHead] = field(init=False, repr=False, compare=False)
    watched: frozenset[str] = field(init=False, repr=False, compare=False)
    # Each watched word's roles, read with one lookup per position (see ``WordRole``).
    roles: dict[str, WordRole] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        news_heads, social_heads = _heads(self.news_cues), _heads(self.social_cues)
        object.__setattr__(self, "news_heads", news_heads)
        object.__setattr__(self, "social_heads", social_heads)
        watched = self.negations | self.first_words | frozenset(self.polarity) | self.past_markers
        watched |= self.question_news | self.news_response | self.sarcasm
        object.__setattr__(self, "watched", watched)
        roles = {
            word: WordRole(
                word in self.negations,
                self.polarity.get(word, 0.0),
                word in self.past_markers,
                word in self.question_news,
                word in self.news_response,
                word in self.sarcasm,
                news_heads.get(word),
                social_heads.get(word),
            )
            for word in watched
        }
        object.__setattr__(self, "roles", roles)

    def with_tables(self) -> AspirasiLexicon:
        news, social, firsts = build_cue_tables(self)
        sizes: dict[str, set[int]] = {}
        for gram in social:  # the social table holds every news cue too
            sizes.setdefault(gram[0], set()).add(len(gram))
        cue_sizes = {first: tuple(sorted(v, reverse=True)) for first, v in sizes.items()}
        return replace(
            self,
            news_cues=news,
            social_cues=social,
            first_words=firsts,
            cue_sizes=cue_sizes,
        )


@dataclass(frozen=True, slots=True)
class CueHead:
    """The cues beginning with one word.

    ``single`` is its own kind, if it is a cue alone; the longer cues are tried
    only when the next word is one of ``seconds``.
    """

    single: str | None
    seconds: frozenset[str]
    sizes: tuple[int, ...]  # lengths of the longer cues, longest first


@dataclass(frozen=True, slots=True)
class WordRole:
    """What ``classify`` reads off one watched word: its sets, polarity and cue heads."""

    negation: bool
    polarity: float
    past: bool
    question_news: bool
    response: bool
    sarcasm: bool
    news_head: CueHead | None
    social_head: CueHead | None


def _heads(table: Mapping[tuple[str, ...], str]) -> dict[str, CueHead]:
    longer: dict[str, list[tuple[str, ...]]] = {}
    for gram in table:
        longer.setdefault(gram[0], [])
        if len(gram) > 1:
            longer[gram[0]].append(gram)
    return {
        first: CueHead(
            single=table.get((first,)),
            seconds=frozenset(g[1] for g in grams),
            sizes=tuple(sorted({len(g) for g in grams}, reverse=True)),
        )
        for first, grams in longer.items()
    }


@dataclass(slots=True, unsafe_hash=True, init=False)  # read-only by convention (see Normalized)
class Verdict:
    """The aspirasi class, the sentiment and the cues behind them."""

    aspirasi: str
    sentiment: float
    cues: dict[str, tuple[str, ...]]

    def __init__(self, aspirasi: str, sentiment: float, cues: dict[str, tuple[str, ...]]) -> None:
        self.aspirasi = aspirasi
        self.sentiment = sentiment
        self.cues = cues


_NEWS_TABLES: Final = ("neutral", "complaint", "praise", "request")
_SOCIAL_TABLES: Final = (*_NEWS_TABLES, "complaint_social", "praise_social", "request_social")
_KIND: Final = {"complaint_social": "complaint", "praise_social": "praise"}


def build_cue_tables(
    lexicon: AspirasiLexicon,
) -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str], frozenset[str]]:
    """Merge the cue lists into one gram -> kind dict per post kind (earlier lists win)."""
    merged: list[dict[tuple[str, ...], str]] = []
    for names in (_NEWS_TABLES, _SOCIAL_TABLES):
        table: dict[tuple[str, ...], str] = {}
        for name in names:
            for gram in getattr(lexicon, name):
                table.setdefault(gram, _KIND.get(name, name))
        merged.append(table)
    firsts = frozenset(gram[0] for gram in merged[1])
    return merged[0], merged[1], firsts


def classify(
    tokens: Sequence[str],
    lexicon: AspirasiLexicon,
    *,
    question: bool,
    is_news: bool = False,
    emoji: Sequence[str] = (),
    spots: list[int] | None = None,
) -> Verdict:
    """Classify one post from its normalized tokens.

    ``spots``, when given, are the positions of the tokens in ``lexicon.watched``,
    in order (``analyze`` finds them for every pass at once).
    """
    toks = tuple(tokens)  # typed: native indexing and slicing
    social = not is_news
    # Whether each position is negated, made at the first negation: indexing a list
    # costs no int object and no hashing, unlike a set of positions.
    negated: list[bool] | None = None
    # The negated positions in ascending order, kept as they are added (each negation adds a
    # run after itself, and negations come in order); ``sorted`` only if one was not.
    negated_order: list[int] = _NO_POSITIONS  # a list of its own with ``negated``
    unordered = False
    n = len(toks)
    if spots is None:
        # One pass finds every position a rule below looks at.
        watched = lexicon.watched
        spots = list(compress(range(n), map(watched.__contains__, toks)))
    past_markers = lexicon.past_markers
    roles = lexicon.roles
    table = lexicon.social_cues if social else lexicon.news_cues
    polar = 0.0  # the polarity words' sum, negated ones flipped
    any_past = False
    # Whether the post holds a news question word, a response word, a sarcasm marker.
    any_question_news = any_response = any_sarcasm = False
    # Longest-first cue matching, in the same pass: (position, kind, phrase), and the
    # positions that ``neutral`` cues consume. Cues start only at watched words.
    found: list[tuple[int, str, str]] = []
    neutral: set[int] | None = None
    last = n - 1
    free = 0  # the first position not consumed by a cue
    for i in spots:
        token = toks[i]
        role = roles.get(token)
        if role is None:
            continue
        if role.negation:
            if negated is None:
                negated = [False] * n
                negated_order = []
            for j in range(i + 1, min(n, i + 1 + NEGATION_SPAN)):
                if _boundary(toks[j]):
                    break  # negation ends with the clause
                if not negated[j]:
                    negated[j] = True
                    if negated_order and j < negated_order[-1]:
                        unordered = True
                    negated_order.append(j)
        # Negation reaches forward only: whether ``i`` is negated is known here.
        value = role.polarity
        if value:
            polar += -value if negated is not None and negated[i] else value
        if role.past:
            any_past = True
        if role.question_news:
            any_question_news = True
        if role.response:
            any_response = True
        if role.sarcasm:
            any_sarcasm = True
        if i < free:
            continue
        head = role.social_head if social else role.news_head
        if head is None:
            continue
        size = 0
        kind: str | None = None
        if i < last and toks[i + 1] in head.seconds:
            for width in head.sizes:
                if i + width <= n:
                    kind = table.get(toks[i : i + width])
                    if kind is not None:
                        size = width
                        break
        if not size:
            kind = head.single
            if kind is None:
                continue
            size = 1
        if kind == "neutral":
            if neutral is None:
                neutral = set()
            neutral.update(range(i, i + size))
        else:
            phrase = token if size == 1 else " ".join(toks[i : i + size])
            found.append((i, kind, phrase))  # type: ignore[arg-type]
        free = i + size
    complaints: list[str] = []
    praises: list[str] = []
    requests: list[str] = []
    voiced = False  # a news complaint voiced by people or left unresolved
    past: list[str] | None = None  # complaints about how things were ("yang dulu rusak")
    done: list[str] | None = None  # actions reported done ("udah dibersihkan")
    for i, kind, phrase in found:
        is_negated = negated is not None and negated[i]
        if kind == "complaint":
            if not is_negated:  # "tidak rusak" is no complaint (nor praise)
                complaints.append(phrase)
                voiced = voiced or phrase in lexicon.complaint_voice
                if any_past and _preceded(toks, i, past_markers, NEGATION_SPAN):
                    if past is None:
                        past = []
                    past.append(phrase)
        elif kind == "praise":
            if is_negated:
                complaints.append("tidak " + phrase)
            else:
                praises.append(phrase)
        elif is_negated:
            # "gak diangkut", "gak pernah ditindaklanjuti": an unmet action.
            complaints.append(f"{toks[i - 1]} {phrase}")
            voiced = voiced or _preceded(toks, i, UNRESOLVED, NEGATION_SPAN)
        elif kind == "request_social" and _preceded(toks, i, _KAPAN, 6):
            complaints.append(f"kapan {phrase}")  # "kapan jalan ini diperbaiki??"
        elif kind == "request_social" and (
            _preceded(toks, i, lexicon.done_markers, 2) or toks[i] in lexicon.done_markers
        ):  # "udah dibersihkan", "cepat ditangani": reported done
            if done is None:
                done = []
            done.append(phrase)
        elif is_news and _after_actor(toks, i, lexicon.government_actors):
            continue
        else:
            requests.append(phrase)
    for i in sorted(negated_order) if unordered else negated_order:
        token = toks[i]
        if token in lexicon.unmet and (neutral is None or i not in neutral):
            cue = f"{toks[i - 1] if i else ''} {token}".strip()
            voiced = voiced or _preceded(toks, i, UNRESOLVED, NEGATION_SPAN)
            if cue not in complaints:
                complaints.append(cue)
    if is_news and not voiced and any_response:
        complaints = []  # "Damkar padamkan kebakaran": a response reported, not a complaint
    if praises or done is not None:
        # "yang dulu rusak sekarang mulus", "udah dibersihkan": praise for a fix.
        if past is not None:
            complaints = [c for c in complaints if c not in past]
        if done is not None:
            praises += done
        if not _any_request(requests, lexicon.request):
            requests = []  # "cepat ditangani" next to thanks is no request
    if social and emoji:
        complaints += [e for e in emoji if e in lexicon.emoji_negative]
        praises += [e for e in emoji if e in lexicon.emoji_positive and not complaints]
    asked = question or (bool(toks) and toks[0] in lexicon.question_words)
    if is_news:
        asked = any_question_news
    # tanh(0.0) is 0.0: no call for the many posts without polarity.
    x = (polar + 0.8 * (len(praises) - len(complaints))) / 3.0
    sentiment = tanh(x) if x else 0.0
    cues: dict[str, tuple[str, ...]] = {}
    if complaints:
        cues["keluhan"] = tuple(complaints)
    if praises:
        cues["apresiasi"] = tuple(praises)
    if requests:
        cues["permintaan"] = tuple(requests)
    if asked and complaints and all(c in lexicon.complaint_weak for c in complaints):
        complaints = []  # "syaratnya apa? ktp saya hilang" asks
    info_only = asked and requests and all(r in lexicon.request_info for r in requests)
    if (
        requests
        and not info_only
        and (complaints or not praises)
        and len(requests) > len(complaints)
    ):
        label = "permintaan"  # mainly a request; a complaint ending in "tolong" is keluhan
    elif complaints and len(complaints) >= len(praises):
        label = "keluhan"
    elif complaints and social and any_sarcasm:
        label = "keluhan"  # "mantap, jalannya kayak kubangan": praise as sarcasm
    elif asked:
        label = "pertanyaan"
    elif praises:
        label = "apresiasi"
    else:
        label = "informasi"
    return Verdict(label, sentiment, cues)


def _any_request(requests: list[str], table: frozenset[tuple[str, ...]]) -> bool:
    """Whether one of ``requests`` is a plain request cue (not a social imperative)."""
    for phrase in requests:  # noqa: SIM110 (a native loop)
        if tuple(phrase.split()) in table:
            return True
    return False


# Loops over it stand for a list never made (never filled).
_NO_POSITIONS: Final[list[int]] = []


def _boundary(token: str) -> bool:
    """``token in BOUNDARIES``, as literal comparisons (native, no set lookup)."""
    return token == "." or token == "|"


def _preceded(tokens: tuple[str, ...], i: int, words: frozenset[str], span: int) -> bool:
    """Whether one of ``words`` occurs up to ``span`` tokens before ``i``, in the clause."""
    for j in range(i - 1, max(-1, i - span - 1), -1):
        if _boundary(tokens[j]):
            return False
        if tokens[j] in words:
            return True
    return False


def _after_actor(tokens: tuple[str, ...], i: int, actors: frozenset[str]) -> bool:
    """Whether a government actor precedes position ``i`` in the same clause."""
    for j in range(i - 1, max(-1, i - ACTOR_CLAUSE - 1), -1):
        token = tokens[j]
        if _boundary(token):
            return False
        if token in actors:
            return True
    return False
