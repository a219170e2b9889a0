"""``processing.window``: the per-post path of ``process_pending`` (compiled in the native pass).

``analyze_batch`` must give what the interpreted loop it replaced gave, ``iso_after`` what
storage's ISO helpers give, and the analysis memo must return exact, bounded results.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from pantau import pipeline
from processing import window
from processing.dedup import MIN_TOKENS, DedupIndex, band_keys, dedup_keys, word_size
from processing.pipeline import analyze
from processing.window import AnalysisCache, WindowedDedup, analyze_batch, iso_after
from storage.db import from_iso, to_iso

MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(MOMENTS, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_iso_after_equals_storage_helpers(moment: datetime, span: timedelta) -> None:
    at = to_iso(moment) or ""
    start = from_iso(at)
    assert start is not None
    assert iso_after(at, span) == to_iso(start + span)
    # Other offsets and naive times (taken as UTC), as from_iso reads them.
    shifted = moment.astimezone(timezone(timedelta(hours=7))).isoformat()
    assert iso_after(shifted, span) == to_iso((from_iso(shifted) or moment) + span)
    naive = moment.replace(tzinfo=None).isoformat()
    assert iso_after(naive, span) == to_iso((from_iso(naive) or moment) + span)


def test_iso_after_of_nothing_is_nothing() -> None:
    assert iso_after("", timedelta(days=7)) == ""


def test_pipeline_reexports_the_compiled_window() -> None:
    assert pipeline.WindowedDedup is window.WindowedDedup
    assert pipeline.AnalysisCache is window.AnalysisCache


def test_analysis_cache_is_exact_and_bounded(resources) -> None:  # type: ignore[no-untyped-def]
    cache = AnalysisCache(maxsize=2)
    first = cache.analyze(resources, "x", None, "Jalan rusak di Cibinong")
    assert cache.analyze(resources, "x", None, "Jalan rusak di Cibinong") is first
    assert cache.hits == 1
    assert first == analyze(resources, "Jalan rusak di Cibinong", None, "x")
    # Kind and title are part of the key.
    other = cache.analyze(resources, "rss", None, "Jalan rusak di Cibinong")
    assert other is not first and cache.hits == 1
    cache.analyze(resources, "x", "Judul", "Jalan rusak di Cibinong")
    # maxsize 2: the oldest entry went, so the first text is analysed again.
    again = cache.analyze(resources, "x", None, "Jalan rusak di Cibinong")
    assert again is not first and again == first and cache.hits == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["satu", "dua", "tiga", "empat", "lima"]), max_size=30),
    st.integers(1, 4),
)
def test_analysis_cache_evicts_in_insertion_order(
    resources, words: list[str], maxsize: int
) -> None:  # type: ignore[no-untyped-def]
    # The reference: a dict dropping its first (oldest inserted) key when full.
    cache, reference = AnalysisCache(maxsize=maxsize), {}
    expected_hits = 0
    for word in words:
        key = ("x", None, word)
        if key in reference:
            expected_hits += 1
        else:
            if len(reference) >= maxsize:
                del reference[next(iter(reference))]
            reference[key] = True
        got = cache.analyze(resources, "x", None, word)
        assert got == analyze(resources, word, None, "x")
        assert cache.hits == expected_hits


TEXTS = [
    "Jalan rusak parah di Cibinong sudah tiga bulan tidak diperbaiki mohon segera",
    "Jalan rusak parah di Cibinong sudah tiga bulan tidak diperbaiki mohon segera!!",
    "RT @warga: Jalan rusak parah di Cibinong sudah tiga bulan tidak diperbaiki",
    "Banjir di Bojonggede setinggi lutut warga minta pompa air dari BPBD",
    "mantap",
    "",
]
ROWS = st.tuples(
    st.sampled_from(["x", "rss", "reddit"]),
    st.none() | st.sampled_from(["https://a.id/1", "https://a.id/2"]),
    st.none() | st.sampled_from(["Jalan Rusak di Cibinong Dikeluhkan Warga - Kompas.com", "Judul"]),
    st.sampled_from(TEXTS),
    st.integers(0, 3000),  # minutes after the previous post
    st.booleans(),  # has a publication time
)


def _reference(resources, rows, seed: DedupIndex):  # type: ignore[no-untyped-def]
    """The loop ``pantau.pipeline._process`` ran before it moved into processing.window."""
    index = WindowedDedup(timedelta(days=1), seed, min_posts=3)
    results = []
    for post_id, kind, url, title, text, published_at in rows:
        analysis = analyze(resources, text, title, kind)
        size = len(text.split()) + len((title or "").split())
        index.advance(published_at)
        found = index.find(analysis.fingerprint, dedup_keys(url, title, text), size)
        index.add(post_id, analysis.fingerprint, dedup_keys(url, title, text), size)
        results.append((post_id, analysis, None if found == post_id else found))
    return results


@settings(max_examples=25, deadline=None)
@given(st.lists(ROWS, max_size=12))
def test_analyze_batch_equals_the_loop_it_replaced(resources, rows) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 11, 1, tzinfo=UTC)
    batch = []
    for number, (kind, url, title, text, minutes, timed) in enumerate(rows, start=10):
        at += timedelta(minutes=minutes)
        batch.append((number, kind, url, title, text, to_iso(at) if timed else None))
    seeds = []
    for _ in range(2):
        seed = DedupIndex()
        seed.add(10, 0, dedup_keys("https://a.id/1", None), MIN_TOKENS)  # the run's own first id
        seed.add(3, analyze(resources, TEXTS[3]).fingerprint, [], word_size(TEXTS[3], None, 99))
        seeds.append(seed)
    index = WindowedDedup(timedelta(days=1), seeds[0], min_posts=3)
    got = analyze_batch(resources, batch, AnalysisCache(), index)
    assert got == _reference(resources, batch, seeds[1])
    if batch and batch[0][2] == "https://a.id/1":
        assert got[0][2] is None  # a post never duplicates itself


def test_band_buckets_hold_one_entry_bare_then_a_list() -> None:
    index = DedupIndex()
    fingerprint = 0x1234_5678_9ABC_DEF0
    index.add(1, fingerprint, [], MIN_TOKENS)
    assert all(bucket == (1, fingerprint) for bucket in index.by_band if bucket is not None)
    index.add(2, fingerprint ^ 0b111, [], MIN_TOKENS)  # 3 bits off, low band differs
    shapes = sorted(type(bucket).__name__ for bucket in index.by_band if bucket is not None)
    assert shapes == ["list", "list", "list", "tuple", "tuple"]
    assert index.find(fingerprint ^ 0b1, [], MIN_TOKENS) == 1
    # The same through the window's combined lookup-and-insert.
    window = WindowedDedup(timedelta(days=7))
    assert window.check_in(5, fingerprint, [], MIN_TOKENS) is None
    assert window.check_in(6, fingerprint ^ 0b111, [], MIN_TOKENS) == 5
    assert window.check_in(7, fingerprint ^ (0b1 << 40), [], MIN_TOKENS) == 5
    # 4 bits from post 5, 1 from post 6: the earliest post within 3 bits wins.
    assert window.check_in(8, fingerprint ^ 0b1111, [], MIN_TOKENS) == 6
    buckets = window.current.by_band
    high = [buckets[band] for band in band_keys(fingerprint)[1:]]
    assert all(isinstance(bucket, list) and len(bucket) >= 3 for bucket in high)


def test_only_the_listed_characters_fold_to_ascii() -> None:
    # key_text skips casefold() unless one of these is present: casefold works per
    # character, so every other character outside ASCII drops out of the key either way.
    from processing.dedup import _FOLDS_TO_ASCII

    everything = "".join(map(chr, range(0x80, 0x110000)))
    folding = {
        c for c in everything if c != c.casefold() and c.casefold().encode("ascii", "ignore")
    }
    assert set(_FOLDS_TO_ASCII.findall(everything)) == folding
    assert len(folding) >= 19


def test_cached_post_holds_size_and_content_keys(resources) -> None:  # type: ignore[no-untyped-def]
    cache = AnalysisCache()
    title = "Jalan Rusak di Cibinong Dikeluhkan Warga - Kompas.com"
    for text in TEXTS:
        post = cache.post(resources, "rss", title, text)
        assert post.analysis == analyze(resources, text, title, "rss")
        assert post.size == word_size(text, title, MIN_TOKENS)
        assert post.keys == dedup_keys(None, title, text)
        assert ["https://a.id/1", *post.keys] == dedup_keys("https://a.id/1", title, text)
        # An identical post reuses everything (keys included) and counts a hit.
        hits = cache.hits
        assert cache.post(resources, "rss", title, text) is post and cache.hits == hits + 1
