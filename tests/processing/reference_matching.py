"""The matching stages as they were before the speed work, kept as slow references.

``test_fast_paths.py`` checks that the faster ``processing`` code gives exactly what
these simple versions give. Read from ``TermIndex.by_first``, ``PlaceIndex.names``
and the ``AspirasiLexicon`` cue tables only, so they share no fast-path tables.
"""
# ruff: noqa: SIM110, C901, PLR0912, PLR0915

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence

from processing.aspirasi import (
    ACTOR_CLAUSE,
    BOUNDARIES,
    NEGATION_SPAN,
    UNRESOLVED,
    AspirasiLexicon,
    Verdict,
)
from processing.dedup import BITS, MAX_SHINGLES
from processing.normalize import compact
from processing.places import (
    DESA_MARKERS,
    DIRECTION_BEFORE,
    FOREIGN_CONTEXT,
    KECAMATAN_MARKERS,
    KOTA,
    LANDMARK_BEFORE,
    NO_PLACES,
    NOT_A_PLACE_BEFORE,
    REGENCY,
    REGENCY_BEFORE,
    ROAD_BEFORE,
    SEAT_BEFORE,
    SEAT_LOOKBACK,
    VENUE_BEFORE,
    Place,
    PlaceHits,
    PlaceIndex,
    _next_word,
)
from processing.relevance import (
    BARE_BOGOR,
    DEPARTMENT_WEIGHT,
    DESA_WEIGHT,
    ELSEWHERE_WEIGHT,
    KECAMATAN_WEIGHT,
    KOTA_WEIGHT,
    NOTHING,
    REGENCY_WEIGHT,
    WEAK_REGENCY,
    Relevance,
    _logistic,
)
from processing.tagging import (
    ALIAS_WEIGHT,
    GENERAL_DEPARTMENTS,
    KEYWORD_WEIGHT,
    REQUIRES_WINDOW,
    SIMILE,
    SPEAKER_BEFORE,
    THRESHOLD,
    TOPIC_WEIGHT,
    Tags,
    Term,
    TermIndex,
)

# --- tagging ---------------------------------------------------------------------


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


_EMPTY = Tags((), (), {}, {}, {}, {})
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


# --- places ----------------------------------------------------------------------


def find_places(tokens: Sequence[str], index: PlaceIndex) -> PlaceHits:
    """Find Kabupaten Bogor kecamatan/desa and Kota Bogor place names in ``tokens``."""
    n = len(tokens)
    free = 0  # the first position not inside a matched name
    kecamatan: dict[str, list[str]] = {}
    desa: list[tuple[str, str, str]] = []
    kota: list[str] = []
    pending_desa: list[tuple[tuple[Place, ...], str, bool]] = []
    foreign: list[str] = []
    foreign_keys: set[str] = set()
    pinned: set[str] = set()
    venues: set[str] = set()
    strength: dict[str, int] = {}  # best mention: 0 seat, 1 direction, 2 road/venue, 3 place
    unresolved = 0
    names = index.names
    prefixes = index.prefixes
    # A name can only begin at a word that is a prefix of some name key.
    starts = [j for j, t in enumerate(tokens) if t in prefixes] if prefixes else range(n)
    if not starts:
        return NO_PLACES
    for i in starts:
        if i < free:
            continue  # inside a name already read
        # Grow the compact key word by word while it can still begin a name.
        sizes: list[int] = []
        key = ""
        for size in range(1, min(index.max_words, n - i) + 1):
            key += tokens[i + size - 1]
            if prefixes and key not in prefixes:
                break
            if key in names:
                sizes.append(size)
        for size in reversed(sizes):
            key = "".join(tokens[i : i + size])
            candidates = names[key]
            surface = " ".join(tokens[i : i + size])
            before = tokens[i - 1] if i else ""
            after = _next_word(tokens, i + size)
            if after in FOREIGN_CONTEXT:
                foreign.append(f"{surface} {after}")
                foreign_keys.add(key)
                break
            if before in NOT_A_PLACE_BEFORE:
                break
            kec = [p for p in candidates if p.level == "kecamatan"]
            regency_kec = [p for p in kec if p.kabkota == REGENCY]
            kota_kec = [p for p in kec if p.kabkota == KOTA]
            if before in DESA_MARKERS:
                desa_hits = [p for p in candidates if p.level == "desa"]
                if desa_hits:
                    pending_desa.append((tuple(desa_hits), surface, True))
            elif kota_kec and before not in REGENCY_BEFORE and not regency_kec:
                kota.append(surface)
            elif regency_kec:
                name = regency_kec[0].kecamatan
                kecamatan.setdefault(name, []).append(surface)
                strength[name] = max(strength.get(name, 0), _strength(tokens, i))
                if after == "bogor" or before == "kabupaten":
                    pinned.add(name)
            else:
                desa_hits = [p for p in candidates if p.level == "desa"]
                if desa_hits:
                    pending_desa.append((tuple(desa_hits), surface, False))
                    if before in VENUE_BEFORE:  # "Stadion Pakansari": a venue's name
                        venues.add(surface)
            free = i + size
            break
    for key in foreign_keys:
        # "Kemang, Jakarta Selatan" elsewhere in the post: its bare mentions go too,
        # unless one occurrence is pinned to the regency ("Kemang, Kab. Bogor").
        for name in [
            k for k, v in kecamatan.items() if compact(k) == key or key in map(compact, v)
        ]:
            if name not in pinned:
                del kecamatan[name]
    _drop_weak(kecamatan, strength, pinned)
    direct_names = tuple(kecamatan)
    for hits, surface, marked in pending_desa:
        regency = [p for p in hits if p.kabkota == REGENCY]
        kota_hits = [p for p in hits if p.kabkota == KOTA]
        in_named = [p for p in regency if p.kecamatan in kecamatan]
        if not marked and not in_named and compact(surface) in index.common:
            continue  # a bare common word ("tengah", "gudang") is no place
        chosen = in_named or (regency if len({p.kecamatan for p in regency}) == 1 else [])
        if chosen:
            place = chosen[0]
            desa.append((place.kecamatan, place.desa, surface))
            kecamatan.setdefault(place.kecamatan, []).append(surface)
            level = 2 if surface in venues else 3
            strength[place.kecamatan] = max(strength.get(place.kecamatan, 0), level)
        elif kota_hits and not regency and (marked or not direct_names):
            # An unmarked Kota kelurahan name in a post about a regency kecamatan is
            # more likely a kampung of the same name ("Kp. Cibuluh, Jonggol").
            kota.append(surface)
        elif regency and not kota_hits and marked:
            # A desa name found only in the regency, in several kecamatan: the post
            # is about the regency, but which kecamatan is left open.
            unresolved += 1
    _drop_weak(kecamatan, strength, pinned)
    terms = {k: tuple(dict.fromkeys(v)) for k, v in kecamatan.items()}
    return PlaceHits(
        kecamatan=tuple(kecamatan),
        desa=tuple(dict.fromkeys(f"{k}/{d}" for k, d, _ in desa)),
        terms=terms,
        kota_terms=tuple(dict.fromkeys(kota)),
        foreign_terms=tuple(dict.fromkeys(foreign)),
        unresolved_desa=unresolved,
        direct=direct_names,
    )


def _drop_weak(kecamatan: dict[str, list[str]], strength: dict[str, int], pinned: set[str]) -> None:
    """Drop seat mentions, and road/venue/direction ones beside a stronger place."""
    best = max((strength.get(k, 3) for k in kecamatan), default=3)
    for name in [k for k in kecamatan if strength.get(k, 3) < max(best, 1)]:
        if name not in pinned:
            del kecamatan[name]


def _strength(tokens: Sequence[str], i: int) -> int:
    """3 for a place, 2 for a road or venue, 1 for a direction, 0 for an organization's seat."""
    before = tokens[i - 1] if i else ""
    if before in KECAMATAN_MARKERS:
        return 3
    context = tokens[max(0, i - SEAT_LOOKBACK) : i]
    if any(t in SEAT_BEFORE for t in context):
        return 2 if any(t in LANDMARK_BEFORE for t in context) else 0
    if before in DIRECTION_BEFORE:
        return 1
    if before in ROAD_BEFORE or any(t in VENUE_BEFORE for t in context):
        return 2
    return 3


# --- relevance -------------------------------------------------------------------


def _longest(spans: list[tuple[int, Term]]) -> list[tuple[int, Term]]:
    """Drop matches inside a longer one ("kota bogor" inside "wali kota bogor")."""
    spans.sort(key=lambda h: (h[0], -len(h[1].stems)))
    kept: list[tuple[int, Term]] = []
    end = -1
    for start, term in spans:
        stop = start + len(term.stems)
        if stop <= end:
            continue
        kept.append((start, term))
        end = max(end, stop)
    return kept


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
) -> Relevance:
    """Score how much a post is about the regency (0..1) and decide ``relevant``."""
    found = _longest(match_spans(tokens, index))
    # ``tokens`` starts with the title's tokens (the pipeline puts them first).
    title_end = len(title_tokens)
    regency: list[str] = []
    kota: list[str] = list(kota_place_terms)
    elsewhere: list[str] = list(foreign_place_terms)
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
    has_bogor = "bogor" in tokens
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
        relevant=probability >= threshold,
        score=probability,
        regency_terms=tuple(dict.fromkeys(regency)),
        kota_terms=tuple(dict.fromkeys(kota)),
        elsewhere_terms=tuple(dict.fromkeys(elsewhere)),
    )


# --- aspirasi --------------------------------------------------------------------


def _scan(
    tokens: Sequence[str], lexicon: AspirasiLexicon, social: bool
) -> tuple[list[tuple[int, str, str]], set[int]]:
    """Longest-first cue matching: (position, kind, phrase) and the neutral positions."""
    table = lexicon.social_cues if social else lexicon.news_cues
    firsts = lexicon.first_words
    sizes = lexicon.cue_sizes
    found: list[tuple[int, str, str]] = []
    neutral: set[int] = set()
    n = len(tokens)
    free = 0  # the first position not consumed by a cue
    # Only words that begin some cue are visited.
    for i in [i for i, token in enumerate(tokens) if token in firsts]:
        if i < free:
            continue
        hit: tuple[int, str, str] | None = None
        for size in sizes.get(tokens[i]) or range(lexicon.max_len, 0, -1):
            if i + size > n:
                continue
            gram = tuple(tokens[i : i + size])
            kind = table.get(gram)
            if kind is not None:
                hit = (size, kind, " ".join(gram))
                break
        if hit is None:
            continue
        size, kind, phrase = hit
        if kind == "neutral":
            neutral.update(range(i, i + size))
        else:
            found.append((i, kind, phrase))
        free = i + size
    return found, neutral


def classify(
    tokens: Sequence[str],
    lexicon: AspirasiLexicon,
    *,
    question: bool,
    is_news: bool = False,
    emoji: Sequence[str] = (),
) -> Verdict:
    """Classify one post from its normalized tokens."""
    social = not is_news
    negated: set[int] = set()
    n = len(tokens)
    negations = lexicon.negations
    for i in [i for i, token in enumerate(tokens) if token in negations]:
        for j in range(i + 1, min(n, i + 1 + NEGATION_SPAN)):
            if tokens[j] in BOUNDARIES:
                break  # negation ends with the clause
            negated.add(j)
    complaints: list[str] = []
    praises: list[str] = []
    requests: list[str] = []
    voiced = False  # a news complaint voiced by people or left unresolved
    past: list[str] = []  # complaints about how things were ("yang dulu rusak")
    done: list[str] = []  # actions reported done ("udah dibersihkan")
    found, neutral = _scan(tokens, lexicon, social)
    for i, kind, phrase in found:
        if kind == "complaint":
            if i not in negated:  # "tidak rusak" is no complaint (nor praise)
                complaints.append(phrase)
                voiced = voiced or phrase in lexicon.complaint_voice
                if _preceded(tokens, i, lexicon.past_markers, NEGATION_SPAN):
                    past.append(phrase)
        elif kind == "praise":
            if i in negated:
                complaints.append("tidak " + phrase)
            else:
                praises.append(phrase)
        elif i in negated:
            # "gak diangkut", "gak pernah ditindaklanjuti": an unmet action.
            complaints.append(f"{tokens[i - 1]} {phrase}")
            voiced = voiced or _preceded(tokens, i, UNRESOLVED, NEGATION_SPAN)
        elif kind == "request_social" and _preceded(tokens, i, frozenset({"kapan"}), 6):
            complaints.append(f"kapan {phrase}")  # "kapan jalan ini diperbaiki??"
        elif kind == "request_social" and (
            _preceded(tokens, i, lexicon.done_markers, 2) or tokens[i] in lexicon.done_markers
        ):  # "udah dibersihkan", "cepat ditangani": reported done
            done.append(phrase)
        elif is_news and _after_actor(tokens, i, lexicon.government_actors):
            continue
        else:
            requests.append(phrase)
    for i in sorted(negated):
        token = tokens[i]
        if token in lexicon.unmet and i not in neutral:
            cue = f"{tokens[i - 1] if i else ''} {token}".strip()
            voiced = voiced or _preceded(tokens, i, UNRESOLVED, NEGATION_SPAN)
            if cue not in complaints:
                complaints.append(cue)
    if is_news and not voiced and any(t in lexicon.news_response for t in tokens):
        complaints = []  # "Damkar padamkan kebakaran": a response reported, not a complaint
    if praises or done:
        # "yang dulu rusak sekarang mulus", "udah dibersihkan": praise for a fix.
        complaints = [c for c in complaints if c not in past]
        praises += done
        if not any(r in lexicon.request for r in map(lambda r: tuple(r.split()), requests)):
            requests = []  # "cepat ditangani" next to thanks is no request
    if social:
        complaints += [e for e in emoji if e in lexicon.emoji_negative]
        praises += [e for e in emoji if e in lexicon.emoji_positive and not complaints]
    asked = question or (bool(tokens) and tokens[0] in lexicon.question_words)
    if is_news:
        asked = not lexicon.question_news.isdisjoint(tokens)
    sentiment = _sentiment(tokens, negated, lexicon.polarity, len(complaints), len(praises))
    cues = {
        "keluhan": tuple(complaints),
        "apresiasi": tuple(praises),
        "permintaan": tuple(requests),
    }
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
    elif complaints and social and any(t in lexicon.sarcasm for t in tokens):
        label = "keluhan"  # "mantap, jalannya kayak kubangan": praise as sarcasm
    elif asked:
        label = "pertanyaan"
    elif praises:
        label = "apresiasi"
    else:
        label = "informasi"
    return Verdict(label, sentiment, {k: v for k, v in cues.items() if v})


def _preceded(tokens: Sequence[str], i: int, words: frozenset[str], span: int) -> bool:
    """Whether one of ``words`` occurs up to ``span`` tokens before ``i``, in the clause."""
    for j in range(i - 1, max(-1, i - span - 1), -1):
        if tokens[j] in BOUNDARIES:
            return False
        if tokens[j] in words:
            return True
    return False


def _after_actor(tokens: Sequence[str], i: int, actors: frozenset[str]) -> bool:
    """Whether a government actor precedes position ``i`` in the same clause."""
    for j in range(i - 1, max(-1, i - ACTOR_CLAUSE - 1), -1):
        token = tokens[j]
        if token in BOUNDARIES:
            return False
        if token in actors:
            return True
    return False


def _sentiment(tokens: Sequence[str], negated: set[int], polarity: Mapping[str, float],
               complaints: int, praises: int) -> float:  # fmt: skip
    total = 0.0
    for i in [i for i, token in enumerate(tokens) if token in polarity]:
        value = polarity[tokens[i]]
        if value:
            total += -value if i in negated else value
    total += 0.8 * (praises - complaints)
    return math.tanh(total / 3.0)


def reference_simhash(tokens: list[str]) -> int:
    """The fingerprint one bit at a time: tabulation-hashed 3-shingles, majority vote."""
    tokens = tokens[: MAX_SHINGLES + 2]
    if not tokens:
        return 0
    rows = []
    for token in tokens:
        digest = hashlib.blake2b(
            token.encode("utf-8", "surrogatepass"), digest_size=24, person=b"pantau-simhash"
        ).digest()
        rows.append([int.from_bytes(digest[8 * k : 8 * k + 8], "little") for k in range(3)])
    if len(rows) >= 3:
        hashes = [rows[i][0] ^ rows[i + 1][1] ^ rows[i + 2][2] for i in range(len(rows) - 2)]
    elif len(rows) == 2:
        hashes = [rows[0][0] ^ rows[1][1]]
    else:
        hashes = [rows[0][0]]
    weights = [0] * BITS
    for h in hashes:
        for bit in range(BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit, w in enumerate(weights) if w > 0)
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value
