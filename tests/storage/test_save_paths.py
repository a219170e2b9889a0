"""save_analyses fast paths: one foreign-key switch per run, fresh vs retag rows."""

from __future__ import annotations

import pytest

from pantau.models import Analysis, Post
from pantau.pipeline import process_pending
from storage import analysis as analysis_store
from storage import posts as post_store


def _posts(n: int) -> list[Post]:
    return [
        Post("x", "x", str(i), f"jalan rusak parah di Ciseeng nomor {i}, mohon diperbaiki pak")
        for i in range(n)
    ]


def test_a_run_switches_foreign_keys_once_not_per_batch(db, resources) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts(7))
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    assert process_pending(db, resources, batch_size=2) == 7
    db.conn.set_trace_callback(None)
    pragmas = [s for s in seen if s.startswith("PRAGMA foreign_keys =")]
    assert pragmas == ["PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON"]
    assert sum(s == "BEGIN IMMEDIATE" for s in seen) == 4
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM analysis").fetchone() == (7,)


def test_a_failing_run_restores_foreign_keys(db, resources, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pantau import pipeline

    post_store.save_batch(db, _posts(3))

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "analyze_batch", boom)
    with pytest.raises(RuntimeError):
        process_pending(db, resources)
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_numbers_are_stored_with_the_column_types(db) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(db, _posts(3))
    results = [
        (1, Analysis(relevant=True, relevance=1, sentiment=0, fingerprint=-(2**63)), None),  # type: ignore[arg-type]
        (2, Analysis(relevant=False, relevance=0.25, sentiment=-0.5, fingerprint=7), None),
        (3, Analysis(relevant=1, relevance=0.0, sentiment=1.0), None),  # type: ignore[arg-type]
    ]
    analysis_store.save_analyses(db, results, "v1")
    rows = db.execute(
        "SELECT relevant, typeof(relevant), relevance, typeof(relevance), sentiment,"
        " typeof(sentiment), fingerprint FROM analysis ORDER BY post_id"
    ).fetchall()
    assert rows == [
        (1, "integer", 1.0, "real", 0.0, "real", -(2**63)),
        (0, "integer", 0.25, "real", -0.5, "real", 7),
        (1, "integer", 0.0, "real", 1.0, "real", 0),
    ]
