"""process_pending's per-post loop: heap freeze, identical copies, stored rows."""

from __future__ import annotations

import gc

import pytest

from pantau import pipeline
from pantau.models import Post
from pantau.pipeline import process_pending
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
