"""process_pending's per-post loop: heap freeze, identical copies, stored rows."""

from __future__ import annotations

import gc
import json
import logging
import weakref
from types import MappingProxyType
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau import pipeline
from pantau.models import Analysis, Post
from pantau.pipeline import process_pending
from storage import analysis as analysis_store
from storage import posts as post_store


def _posts() -> list[Post]:
    return [
        Post("x", "x", "1", "jalan rusak parah di Ciseeng, mohon diperbaiki segera pak"),
        Post("x", "x", "2", "jalan rusak parah di Ciseeng, mohon diperbaiki segera pak"),
        Post("x", "x", "3", "sumur warga kering di Cibinong, tolong bantu air bersih"),
    ]


def test_process_pending_freezes_the_heap_only_while_it_runs(db, resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts())
    seen: list[int] = []
    real = pipeline._process

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_process", spy)
    before = gc.get_freeze_count()
    assert process_pending(db, resources) == 3
    assert gc.get_freeze_count() == before == 0
    assert seen and seen[0] > 0


def test_a_callers_freeze_is_kept(db, resources) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts())
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert process_pending(db, resources) == 3
        assert gc.get_freeze_count() >= frozen > 0
    finally:
        gc.unfreeze()


def test_heap_is_unfrozen_when_processing_fails(db, resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts())

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline.analysis_store, "save_analyses", boom)
    with pytest.raises(RuntimeError):
        process_pending(db, resources)
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def _spy_saves(monkeypatch) -> list[tuple[bool, int]]:  # type: ignore[no-untyped-def]
    """Record (collector enabled, frozen objects) at each batch's save."""
    seen: list[tuple[bool, int]] = []
    real = pipeline.analysis_store.save_analyses

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.analysis_store, "save_analyses", spy)
    return seen


def test_collection_pauses_for_the_run_and_batches_settle(db, resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts())
    seen = _spy_saves(monkeypatch)
    assert gc.isenabled()
    assert process_pending(db, resources, batch_size=1) == 3
    assert [enabled for enabled, _ in seen] == [False, False, False]
    # What each batch left alive (memo entries, the dedup window) is frozen before the next.
    frozen = [count for _, count in seen]
    assert frozen[0] > 0 and frozen == sorted(frozen) and frozen[-1] > frozen[0]
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_callers_disabled_collector_stays_disabled(db, resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts())
    seen = _spy_saves(monkeypatch)
    gc.disable()
    try:
        assert process_pending(db, resources, batch_size=1) == 3
        assert not gc.isenabled()
    finally:
        gc.enable()
    # Nothing was frozen: the caller chose to run without the collector.
    assert seen == [(False, 0)] * 3
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_a_run_are_collected_afterwards(db, resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts())
    refs: list[weakref.ref[Any]] = []
    real = pipeline.analysis_store.save_analyses

    class Node:
        other: Any = None

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        a, b = Node(), Node()
        a.other, b.other = b, a  # garbage once dropped, but only the collector frees it
        refs.append(weakref.ref(a))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.analysis_store, "save_analyses", spy)
    assert process_pending(db, resources, batch_size=1) == 3
    assert len(refs) == 3
    gc.collect()
    assert all(ref() is None for ref in refs)


# --------------------------------------------------------------- row building
def _reference_rows(  # type: ignore[no-untyped-def]
    results, version: str, now: str
) -> tuple[list, list, list, list]:
    """The row building before the one-pass rewrite: each value encoded on its own."""

    def text(items: Any) -> str:
        if not items:
            return "[]"
        if isinstance(items, tuple):
            items = list(items)
        try:
            return orjson.dumps(items).decode("utf-8")
        except TypeError:
            return json.dumps(items, ensure_ascii=False, separators=(",", ":"))

    def whole(value: Any) -> str:
        try:
            return orjson.dumps(value).decode("utf-8")
        except TypeError:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    analysis, departments, topics, places = [], [], [], []
    for post_id, a, _dup in results:
        matched = dict(a.matched)
        analysis.append(
            (post_id, int(a.relevant), float(a.relevance), text(a.departments), text(a.topics),
             text(a.kecamatan), a.aspirasi, float(a.sentiment), whole(matched),
             int(a.fingerprint), version, now)
        )  # fmt: skip
        terms = matched.get("departments") or {}
        for rank, code in enumerate(a.departments):
            departments.append((post_id, code, rank, text(terms.get(code))))
        terms = matched.get("topics") or {}
        for topic in a.topics:
            topics.append((post_id, topic, a.topic_departments.get(topic), text(terms.get(topic))))
        terms = matched.get("kecamatan") or {}
        for kec in a.kecamatan:
            names = [d.partition("/")[2] for d in a.desa if d.partition("/")[0] == kec] or [""]
            for name in names:
                places.append((post_id, kec, name, text(terms.get(kec))))
    return analysis, departments, topics, places


_CODES = st.sampled_from(["bpbd", "dpupr", "dinkes", "disdik", "😭", 'a"b'])
_TERMS = st.one_of(
    st.none(),
    st.lists(st.sampled_from(["banjir", "jalan rusak", "sumur", "é", "\\"]), max_size=3),
    st.tuples(st.sampled_from(["x", "y"])),
    st.just([["nested"]]),
    st.just("plain"),
    st.just({1: "int key"}),  # orjson refuses: the json fallback
)


@st.composite
def _analyses(draw: st.DrawFn) -> Analysis:
    departments = tuple(draw(st.lists(_CODES, unique=True, max_size=3)))
    topics = tuple(
        draw(st.lists(st.sampled_from(["banjir", "jalan", "sampah"]), unique=True, max_size=2))
    )
    kecamatan = tuple(
        draw(
            st.lists(
                st.sampled_from(["Cibinong", "Ciseeng", "Bojonggede"]), unique=True, max_size=2
            )
        )
    )
    desa = tuple(
        draw(st.lists(st.sampled_from(["Cibinong/Pakansari", "Cibinong/Tengah", "Ciseeng/Putat", "Babakan/X"]), unique=True, max_size=3))
    )  # fmt: skip
    matched: dict[str, Any] = {}
    for name, keys in (("departments", departments), ("topics", topics), ("kecamatan", kecamatan)):
        if draw(st.booleans()):
            matched[name] = {k: draw(_TERMS) for k in keys if draw(st.booleans())}
    if draw(st.booleans()):
        matched["relevance"] = draw(st.lists(st.text(max_size=5), max_size=2))
    return Analysis(
        relevant=draw(st.booleans()),
        relevance=draw(st.floats(0, 1)),
        departments=departments,
        topics=topics,
        kecamatan=kecamatan,
        aspirasi=draw(st.sampled_from(["keluhan", "informasi"])),
        sentiment=draw(st.floats(-1, 1)),
        matched=matched if draw(st.booleans()) else MappingProxyType(matched),
        desa=desa,
        topic_departments={t: "dpupr" for t in topics if draw(st.booleans())},
        fingerprint=draw(st.integers(-(2**63), 2**63 - 1)),
    )


@given(st.lists(_analyses(), min_size=1, max_size=6), st.lists(st.integers(0, 5), max_size=8))
@settings(max_examples=150, deadline=None)
def test_build_rows_equals_the_reference(analyses: list[Analysis], repeats: list[int]) -> None:
    # Identical copies share one Analysis object, as the pipeline's cache returns them.
    chosen = analyses + [analyses[i % len(analyses)] for i in repeats]
    results = [(i + 1, a, None) for i, a in enumerate(chosen)]
    rows = analysis_store._build_rows(results, "v1", "now")
    tags = [
        list(zip(*[iter(flat)] * 4, strict=True))
        for flat in (rows.departments, rows.topics, rows.places)
    ]
    analysis = [(*row, "v1", "now") for row in zip(*[iter(rows.analysis)] * 10, strict=True)]
    assert (analysis, *tags) == _reference_rows(results, "v1", "now")


def test_pending_posts_are_tuples_with_named_fields(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, [Post("x", "x", "1", "teks", url="https://a.id/1", title="Judul")])
    (batch,) = list(analysis_store.pending_posts(db, "v1"))
    (post,) = batch
    assert (post.kind, post.url, post.title, post.text) == ("x", "https://a.id/1", "Judul", "teks")
    assert tuple(post) == (post.id, "x", "https://a.id/1", "Judul", "teks", post.published_at)
    with pytest.raises(AttributeError):
        post.text = "changed"  # type: ignore[misc]


def test_identical_copies_are_analysed_once_and_marked_duplicates(db, resources, caplog) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts())
    # The per-post path is compiled (its call to analyze binds early): count memo hits.
    with caplog.at_level(logging.INFO, logger="pantau.pipeline"):
        assert process_pending(db, resources) == 3
    assert "processed=3 " in caplog.text and "identical_copies=1" in caplog.text
    rows = db.execute("SELECT post_id, departments, matched FROM analysis ORDER BY 1").fetchall()
    assert rows[0][1:] == rows[1][1:]
    dups = dict(db.execute("SELECT id, dup_of FROM posts").fetchall())
    assert dups == {1: None, 2: 1, 3: None}
