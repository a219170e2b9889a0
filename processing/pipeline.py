"""Compose the pure steps into ``analyze``: text in, :class:`Analysis` out."""

from __future__ import annotations

from typing import Final

from pantau.models import Analysis
from processing.aspirasi import classify
from processing.dedup import simhash
from processing.places import find_places
from processing.relevance import judge
from processing.resources import Resources
from processing.tagging import tag

NEWS_KINDS: Final = frozenset({"rss", "gnews", "google_news", "news"})
# Separates title, body and @mention words so phrases never match across them.
BOUNDARY: Final = "|"
_BOUNDARY: Final = (BOUNDARY,)


def analyze(
    resources: Resources, text: str | None, title: str | None = None, kind: str | None = None
) -> Analysis:
    """Analyze one post's title and text; never raises on odd input."""
    if not isinstance(title, str):
        title = ""
    if not isinstance(text, str):
        text = ""
    title_norm = resources.normalize(title) if title else None
    body_norm = resources.normalize(text)
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
    stems = resources.stemmer.stem_tokens(tokens)
    tags = tag(stems, resources.terms, tokens)
    places = find_places(tokens, resources.places)
    # A kecamatan named in the headline weighs double, like regency terms there.
    title_kecamatan_hits = 0
    if title_tokens:
        title_places = find_places(title_tokens, resources.places).kecamatan
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
    verdict = classify(words, resources.aspirasi, question=question, is_news=is_news, emoji=emoji)
    matched: dict[str, object] = {}
    if tags.department_terms:
        matched["departments"] = {k: list(v) for k, v in tags.department_terms.items()}
    if tags.topic_terms:
        matched["topics"] = {k: list(v) for k, v in tags.topic_terms.items()}
    if kecamatan:
        matched["kecamatan"] = {k: list(v) for k, v in places.terms.items()}
        if places.desa:
            matched["desa"] = list(places.desa)
    if verdict.cues:
        matched["aspirasi"] = {k: list(v) for k, v in verdict.cues.items()}
    relevance_terms: dict[str, list[str]] = {}
    if relevance.regency_terms:
        relevance_terms["regency"] = list(relevance.regency_terms)
    if relevance.kota_terms:
        relevance_terms["kota"] = list(relevance.kota_terms)
    if relevance.elsewhere_terms:
        relevance_terms["elsewhere"] = list(relevance.elsewhere_terms)
    matched["relevance"] = relevance_terms
    skip = resources.not_content
    content = [s for s in stems if s not in skip]
    return Analysis(
        relevant=relevance.relevant,
        relevance=relevance.score,
        departments=tags.departments,
        topics=tags.topics,
        kecamatan=kecamatan,
        aspirasi=verdict.aspirasi,
        sentiment=verdict.sentiment,
        matched=matched,
        desa=places.desa if kecamatan else (),
        topic_departments=tags.topic_departments,
        fingerprint=simhash(content),
    )
