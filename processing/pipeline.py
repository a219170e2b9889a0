"""Compose the pure steps into ``analyze``: text in, :class:`Analysis` out."""

from __future__ import annotations

from typing import Final

from pantau.models import Analysis
from processing.aspirasi import classify
from processing.fingerprint import Row, simhash_marks
from processing.places import find_places
from processing.relevance import judge
from processing.resources import BOGOR as BOGOR
from processing.resources import EXACT_HEAD as EXACT_HEAD
from processing.resources import NOT_CONTENT as NOT_CONTENT
from processing.resources import PLACE as PLACE
from processing.resources import RELEVANCE_HEAD as RELEVANCE_HEAD
from processing.resources import STEM_HEAD as STEM_HEAD
from processing.resources import WATCHED as WATCHED
from processing.resources import Resources, TokenMark
from processing.resources import token_mark as token_mark
from processing.tagging import tag
from processing.terms import Head

NEWS_KINDS: Final = frozenset({"rss", "gnews", "google_news", "news"})
# Separates title, body and @mention words so phrases never match across them.
BOUNDARY: Final = "|"
_BOUNDARY: Final = (BOUNDARY,)


# Bits of a token's mark (see ``processing.resources``).
MARKS_SIZE = 200_000


class TokenScan:
    """One post's token marks, and where the passes of ``analyze`` look: positions, in order.

    ``marks`` holds each token's :class:`TokenMark` (its stem, its fingerprint row and
    the index entries it begins, read by the passes at their positions); ``bogor``
    whether the word "bogor" occurs.
    """

    def __init__(
        self,
        marks: list[TokenMark],
        stem_heads: list[int],
        exact_heads: list[int],
        places: list[int],
        relevance: list[int],
        watched: list[int],
        bogor: bool,
    ) -> None:
        self.marks = marks
        self.stem_heads = stem_heads
        self.exact_heads = exact_heads
        self.places = places
        self.relevance = relevance
        self.watched = watched
        self.bogor = bogor

    @property
    def stems(self) -> tuple[str, ...]:
        """The tokens' stems (``analyze`` reads them off ``marks`` where it needs one)."""
        return tuple([known.stem for known in self.marks])

    @property
    def content(self) -> list[Row]:
        """The fingerprint rows of the stems that count for the fingerprint, in order."""
        rows: list[Row] = []
        for known in self.marks:
            row = known.row
            if row is not None:
                rows.append(row)
        return rows

    @property
    def stem_head_list(self) -> list[Head]:
        """The tagging index entry (``Head``) of each position in ``stem_heads``."""
        return [_head(self.marks[i].stem_head) for i in self.stem_heads]

    @property
    def exact_head_list(self) -> list[Head]:
        """The exact-term index entry of each position in ``exact_heads``."""
        return [_head(self.marks[i].exact_head) for i in self.exact_heads]

    @property
    def relevance_head_list(self) -> list[Head]:
        """The relevance index entry of each position in ``relevance``."""
        return [_head(self.marks[i].relevance_head) for i in self.relevance]


def scan_tokens(
    resources: Resources, tokens: tuple[str, ...], found: list[TokenMark] | None = None
) -> TokenScan:
    """One pass over a post's tokens: their marks, and positions for every later pass.

    Each distinct token is stemmed (through the stemmer and its cache) and marked
    once; ``stems`` equals ``resources.stemmer.stem_tokens(tokens)``. ``found``:
    the tokens' marks, in order, when the caller has them (``Resources.mark`` of
    each token; see ``Resources.normalize_marked``).
    """
    marks = resources.token_marks
    if len(marks) >= MARKS_SIZE:
        marks.clear()
    stem_heads: list[int] = []
    exact_heads: list[int] = []
    places: list[int] = []
    relevance: list[int] = []
    watched: list[int] = []
    bogor = False
    if found is None:
        found = [resources.mark(token) for token in tokens]
    for i, known in enumerate(found):
        mark = known.mark
        if not mark:
            continue  # most words: no pass looks at them
        if mark & STEM_HEAD:
            stem_heads.append(i)
        if mark & EXACT_HEAD:
            exact_heads.append(i)
        if mark & PLACE:
            places.append(i)
        if mark & RELEVANCE_HEAD:
            relevance.append(i)
        if mark & WATCHED:
            watched.append(i)
        if mark & BOGOR:
            bogor = True
    return TokenScan(found, stem_heads, exact_heads, places, relevance, watched, bogor)


def _head(head: Head | None) -> Head:
    """A marked token's index entry (a mark bit is set only when there is one)."""
    assert head is not None
    return head


def analyze(
    resources: Resources, text: str | None, title: str | None = None, kind: str | None = None
) -> Analysis:
    """Analyze one post's title and text; never raises on odd input."""
    if not isinstance(title, str):
        title = ""
    if not isinstance(text, str):
        text = ""
    # Each token's mark, in token order (read with the memoized pieces).
    found: list[TokenMark] = []
    title_norm = resources.normalize_marked(title, found) if title else None
    if found:  # the title has tokens: the boundary follows them
        found.append(resources.mark(BOUNDARY))
    body_norm = resources.normalize_marked(text, found)
    body_tokens = body_norm.tokens
    mention_tokens = body_norm.mention_tokens
    question = body_norm.question
    emoji = body_norm.emoji
    title_tokens: tuple[str, ...] = ()
    if title_norm is not None:
        title_tokens = title_norm.tokens
        if title_norm.mention_tokens:
            mention_tokens += title_norm.mention_tokens
        question = question or title_norm.question
        if title_norm.emoji:
            emoji += title_norm.emoji
    # A separator keeps phrases from matching across the title/body boundary.
    words = title_tokens + _BOUNDARY + body_tokens if title_tokens else body_tokens
    # @mentions (``@DPUPRKabBogor``) name the addressee: they count for tagging
    # and relevance, not for aspirasi.
    tokens = words + _BOUNDARY + mention_tokens if mention_tokens else words
    if mention_tokens:
        found.append(resources.mark(BOUNDARY))
        found += [resources.mark(token) for token in mention_tokens]
    scan = scan_tokens(resources, tokens, found)
    tags = tag(
        (),  # the stems and index entries are read off the marks
        resources.terms,
        tokens,
        scan.stem_heads,
        scan.exact_heads,
        marks=found,
    )
    places = find_places(tokens, resources.places, scan.places)
    # A kecamatan named in the headline weighs double, like regency terms there.
    # Only kecamatan the whole post names count: with none, the title is not read again.
    title_kecamatan_hits = 0
    if title_tokens and places.kecamatan:
        title_end = len(title_tokens)
        title_spots = [i for i in scan.places if i < title_end]
        title_places = find_places(
            title_tokens, resources.places, title_spots, terms=False
        ).kecamatan
        if title_places:
            title_kecamatan_hits = len([k for k in title_places if k in places.kecamatan])
    relevance = judge(
        tokens,
        title_tokens,
        resources.relevance,
        kecamatan_hits=len(places.direct),
        kota_place_terms=places.kota_terms,
        departments=len(tags.departments),
        threshold=resources.relevance_threshold,
        # A kecamatan inferred from a desa name weighs like a desa.
        desa_hits=places.unresolved_desa + len(places.kecamatan) - len(places.direct),
        foreign_place_terms=places.foreign_terms,
        title_kecamatan_hits=title_kecamatan_hits,
        spots=scan.relevance,
        marks=found,
        bogor=scan.bogor,
    )
    kecamatan = places.kecamatan
    if not relevance.relevant and relevance.elsewhere_terms:
        # Another region is named and wins: a same-named place there ("Kelurahan
        # Tegal, Jakarta Selatan"), not a Kabupaten Bogor kecamatan.
        kecamatan = ()
    if kind is None:
        # ``pantau tag`` input may not say: an item with a headline, or opening with
        # a newsroom dateline ("Bogor (ANTARA) -"), is news.
        markers = resources.aspirasi.news_markers
        is_news = bool(title_tokens) or not markers.isdisjoint(body_tokens[:6])
    else:
        is_news = kind in NEWS_KINDS
    watched = scan.watched
    if len(words) < len(tokens):  # aspirasi reads no @mention words
        words_end = len(words)
        watched = [i for i in watched if i < words_end]
    verdict = classify(
        words, resources.aspirasi, question=question, is_news=is_news, emoji=emoji, spots=watched
    )
    # The term tuples go in as they are: ``matched`` is read-only by convention and
    # serialised as JSON, where a tuple is an array like a list (no copy per post).
    matched: dict[str, object] = {}
    if tags.department_terms:
        matched["departments"] = tags.department_terms
    if tags.topic_terms:
        matched["topics"] = tags.topic_terms
    if kecamatan:
        matched["kecamatan"] = places.terms  # keyed by ``places.kecamatan``, in order
        if places.desa:
            matched["desa"] = places.desa
    if verdict.cues:
        matched["aspirasi"] = verdict.cues
    relevance_terms: dict[str, tuple[str, ...]] = {}
    if relevance.regency_terms:
        relevance_terms["regency"] = relevance.regency_terms
    if relevance.kota_terms:
        relevance_terms["kota"] = relevance.kota_terms
    if relevance.elsewhere_terms:
        relevance_terms["elsewhere"] = relevance.elsewhere_terms
    matched["relevance"] = relevance_terms
    # Positional, in field order (keywords cost a pure-Python ``__init__`` more).
    return Analysis(
        relevance.relevant,
        relevance.score,
        tags.departments,
        tags.topics,
        kecamatan,
        verdict.aspirasi,
        verdict.sentiment,
        matched,
        places.desa if kecamatan else (),
        tags.topic_departments,
        simhash_marks(found),
    )
