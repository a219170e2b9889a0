"""Build the expensive, immutable things once: stemmer, lexicons, compiled rules."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import Any, Final

import yaml

from processing import lexicon
from processing.aspirasi import AspirasiLexicon
from processing.expand import Marker, TokenMark
from processing.fingerprint import row_of
from processing.normalize import Normalized, TokenMemo, compact, normalize
from processing.places import PlaceIndex
from processing.relevance import build_index
from processing.stem import CachedStemmer
from processing.tagging import TermIndex, compile_terms

# Bumped when the code's behaviour changes in a way that should trigger a retag.
ENGINE_VERSION = "4"
SEGMENT_MEMO_SIZE = 50_000

__all__ = ["TokenMark"]  # re-exported: it lives with the memo records that keep it

# Bits of a token's mark: which passes of ``analyze`` look at it. One mark per
# token (remembered per token in ``Resources.token_marks``, and with the words of
# memoized pieces) stands for a membership test per pass.
STEM_HEAD: Final = 1  # its stem begins a tagging term
EXACT_HEAD: Final = 2  # it begins an exact tagging term
PLACE: Final = 4  # it can begin a place name
RELEVANCE_HEAD: Final = 8  # it begins a relevance phrase
WATCHED: Final = 16  # aspirasi looks at it
NOT_CONTENT: Final = 32  # its stem is left out of the fingerprint
BOGOR: Final = 64  # it is "bogor"


@dataclass(frozen=True)
class Resources:
    """Everything ``analyze`` needs, built once at start-up."""

    slang: dict[str, tuple[str, ...]]
    vocabulary: frozenset[str]
    stopwords: frozenset[str]
    stemmer: CachedStemmer
    terms: TermIndex
    places: PlaceIndex
    relevance: TermIndex
    relevance_threshold: float
    aspirasi: AspirasiLexicon
    taxonomy_version: str
    # Raw token -> normalized tokens and flags, filled as posts are read (bounded).
    token_memo: TokenMemo = field(default_factory=TokenMemo, compare=False, repr=False)
    # Hashtag/handle part -> its vocabulary words (hashtags repeat a lot; bounded).
    segment_memo: dict[str, tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    # Stopwords and the title/clause boundary tokens: left out of the fingerprint.
    # Set once in ``__post_init__`` (compiled with mypyc, a ``cached_property``
    # would be computed again at every access).
    not_content: frozenset[str] = field(init=False, compare=False, repr=False)
    # Token -> its stem and which passes of ``analyze`` look at it (see
    # ``processing.pipeline.scan_tokens``), filled as posts are read (bounded). A
    # fresh one for every instance, ``replace`` included: both depend on the tables
    # and the stemmer.
    token_marks: dict[str, TokenMark] = field(init=False, compare=False, repr=False)
    # Marks tokens with ``mark`` as ``normalize_marked`` reads them (memoized
    # pieces keep their words' marks with it; a fresh one for every instance).
    marker: Marker = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "not_content", self.stopwords | {"|", "."})
        object.__setattr__(self, "token_marks", {})
        object.__setattr__(self, "marker", Marker(self.mark, self.token_marks))

    def known(self, word: str) -> bool:
        return word in self.vocabulary

    def normalize(self, text: str) -> Normalized:
        return normalize(
            text, slang=self.slang, known=self.known, segment=self.segment, memo=self.token_memo
        )

    def normalize_marked(self, text: str, marks: list[TokenMark]) -> Normalized:
        """:meth:`normalize`, appending each token's :meth:`mark` to ``marks`` in order."""
        return normalize(
            text,
            slang=self.slang,
            known=self.known,
            segment=self.segment,
            memo=self.token_memo,
            marker=self.marker,
            marks=marks,
        )

    def mark(self, token: str) -> TokenMark:
        """``token``'s stem, mark bits, row and index entries.

        Remembered in ``token_marks`` (bounded by ``processing.pipeline.scan_tokens``).
        """
        marks = self.token_marks
        known = marks.get(token)
        if known is None:
            stem = self.stemmer.stem(token)
            mark = token_mark(self, token, stem)
            known = TokenMark(
                stem,
                mark,
                None if mark & NOT_CONTENT else row_of(stem),
                self.terms.heads.get(stem),
                self.terms.heads_exact.get(token),
                self.relevance.heads.get(token),
            )
            marks[token] = known
        return known

    def segment(self, word: str) -> list[str]:
        memo = self.segment_memo
        parts = memo.get(word)
        if parts is None:
            if len(memo) >= SEGMENT_MEMO_SIZE:
                memo.clear()
            parts = memo[word] = tuple(segment_word(word, self.vocabulary))
        return list(parts)

    def analyze_phrase(self, phrase: str) -> tuple[str, ...]:
        """Normalize and stem a taxonomy phrase exactly as post text is."""
        return self.stemmer.stem_tokens(self.normalize(phrase).tokens)


def token_mark(resources: Resources, token: str, stem: str) -> int:
    """The passes that look at ``token`` (whose stem is ``stem``), as bits."""
    mark = 0
    if stem in resources.terms.firsts:
        mark |= STEM_HEAD
    if token in resources.terms.firsts_exact:
        mark |= EXACT_HEAD
    if token in resources.places.prefixes:
        mark |= PLACE
    if token in resources.relevance.firsts:
        mark |= RELEVANCE_HEAD
    if token in resources.aspirasi.watched:
        mark |= WATCHED
    if stem in resources.not_content:
        mark |= NOT_CONTENT
    if token == "bogor":
        mark |= BOGOR
    return mark


def segment_word(word: str, vocabulary: frozenset[str], max_len: int = 20) -> list[str]:
    """Split an unspaced word (a hashtag) into vocabulary words; unchanged if it cannot."""
    n = len(word)
    if n <= 3 or n > 60 or word in vocabulary:
        return [word]
    # best[i] = (words used, unknown chars) for word[:i]
    best: list[tuple[int, int, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, 0, [])
    for i in range(n):
        current = best[i]
        if current is None:
            continue
        count, unknown, parts = current
        for j in range(i + 2, min(n, i + max_len) + 1):
            piece = word[i:j]
            if piece in vocabulary:
                candidate = (count + 1, unknown, parts + [piece])
            elif j == n:
                candidate = (count + 1, unknown + len(piece), parts + [piece])
            else:
                continue
            old = best[j]
            if old is None or (candidate[1], candidate[0]) < (old[1], old[0]):
                best[j] = candidate
    final = best[n]
    if final is None or final[1] > 0:
        return [word]
    return final[2]


@lru_cache(maxsize=1)
def _aspirasi_data() -> dict[str, Any]:
    text = (
        importlib_resources.files("processing").joinpath("data", "aspirasi.yaml").read_text("utf-8")
    )
    return yaml.safe_load(text)


def _aspirasi_lexicon(split: Any) -> AspirasiLexicon:
    data = _aspirasi_data()

    def phrases(key: str) -> frozenset[tuple[str, ...]]:
        return frozenset(tuple(split(p)) for p in data.get(key, []) or [] if split(p))

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w) for w in data.get(key, []) or [])

    tables = {
        key: phrases(key)
        for key in ("complaint", "praise", "request", "request_social", "complaint_social",
                    "praise_social", "neutral")
    }  # fmt: skip
    longest = max((len(p) for table in tables.values() for p in table), default=1)
    return AspirasiLexicon(
        request=tables["request"],
        question_words=words("question_words"),
        complaint=tables["complaint"],
        praise=tables["praise"],
        negations=words("negations"),
        unmet=words("unmet"),
        polarity={str(k): float(v) for k, v in (data.get("polarity") or {}).items()},
        news_markers=words("news_markers"),
        max_len=longest,
        request_social=tables["request_social"],
        complaint_social=tables["complaint_social"],
        praise_social=tables["praise_social"],
        neutral=tables["neutral"],
        question_news=words("question_news"),
        government_actors=words("government_actors"),
        emoji_negative=words("emoji_negative"),
        emoji_positive=words("emoji_positive"),
        sarcasm=words("sarcasm"),
        complaint_voice=frozenset(" ".join(split(p)) for p in data.get("complaint_voice") or []),
        news_response=words("news_response"),
        past_markers=words("past_markers"),
        complaint_weak=words("complaint_weak"),
        done_markers=words("done_markers"),
        request_info=frozenset(" ".join(split(p)) for p in data.get("request_info") or []),
    ).with_tables()


def taxonomy_version(config: Any) -> str:
    """A short hash of everything that changes tagging: taxonomy config, data, engine."""
    if getattr(config, "taxonomy_version", None):
        return str(config.taxonomy_version)
    payload = {
        "engine": ENGINE_VERSION,
        "departments": {k: v.model_dump() for k, v in config.departments.items()},
        "places": config.places.model_dump(),
        "relevance": config.relevance.model_dump(),
        "aspirasi": _aspirasi_data(),
        "lexicons": lexicon.data_digest(),
    }
    digest = hashlib.sha1(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return digest[:12]


def _taxonomy_phrases(config: Any) -> list[str]:
    """Every phrase the taxonomy names: aliases, keywords, topics, relevance terms."""
    phrases: list[str] = []
    for dept in config.departments.values():
        phrases += dept.aliases + dept.keywords + dept.exclude + dept.fallback
        for rule in dept.topics.values():
            phrases += rule.keywords + rule.exclude + rule.requires
    rel = config.relevance
    phrases += rel.regency_terms + rel.kota_terms + rel.elsewhere_terms + rel.weak_regency_terms
    return [p.lstrip("=") for p in phrases]


PROTECTED: Final = frozenset({
    "bogor", "pemkab", "pemkot", "bupati", "wabup", "camat", "kecamatan", "pemadam", "puskesmas",
    "damkar", "satpol", "pdam", "rsud", "dprd", "pju", "bpbd", "kades", "lurah", "kelurahan",
    "perumda", "sekda", "setda", "perbup", "perda", "raperda",
})  # fmt: skip


def build_resources(config: Any) -> Resources:
    """Compile ``config``'s taxonomy and the bundled lexicons into Resources."""
    areas = lexicon.gazetteer()
    roots = lexicon.root_words()
    place_words = {compact(a.nama) for a in areas}
    name_words = {w for a in areas for w in a.nama.casefold().split()}
    place_words |= name_words
    # Slang must not rewrite words of place names (``Bojong Gede`` is no ``bojong besar``).
    slang = {k: v for k, v in lexicon.slang_lexicon().items() if k not in name_words}
    taxonomy_words = {
        w for phrase in _taxonomy_phrases(config) for w in phrase.casefold().split() if w.isalpha()
    }
    protected: set[str] = set(place_words) | PROTECTED
    for dept in config.departments.values():
        for alias in dept.aliases:
            words = alias.casefold().split()
            if len(words) == 1:
                protected.add(words[0])
            else:
                # Names inside multi-word aliases (``Idham Chalid``, ``Tirta Kahuripan``).
                protected |= {w for w in words if w.isalpha() and w not in roots}
    vocabulary = frozenset(roots | set(slang) | place_words | protected | taxonomy_words)
    stemmer = CachedStemmer(protected=protected, overrides=lexicon.stem_overrides())
    base = Resources(
        slang=slang,
        vocabulary=vocabulary,
        stopwords=lexicon.stopwords(),
        stemmer=stemmer,
        terms=TermIndex.build(()),
        places=PlaceIndex.build(areas, config.places.aliases, common_words=roots),
        relevance=TermIndex.build(()),
        relevance_threshold=config.relevance.threshold,
        aspirasi=_aspirasi_lexicon(lambda p: []),
        taxonomy_version=taxonomy_version(config),
    )

    def tokens(phrase: str) -> tuple[str, ...]:
        return base.normalize(phrase).tokens

    terms = compile_terms(config.departments, base.analyze_phrase, tokens)
    rel = config.relevance
    relevance = build_index(
        [(tokens(p), p) for p in rel.regency_terms],
        [(tokens(p), p) for p in rel.kota_terms],
        [(tokens(p), p) for p in rel.elsewhere_terms],
        [(tokens(p), p) for p in rel.weak_regency_terms],
    )
    return Resources(
        slang=slang,
        vocabulary=vocabulary,
        stopwords=base.stopwords,
        stemmer=stemmer,
        terms=terms,
        places=base.places,
        relevance=relevance,
        relevance_threshold=rel.threshold,
        aspirasi=_aspirasi_lexicon(tokens),
        taxonomy_version=base.taxonomy_version,
    )
