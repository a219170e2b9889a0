"""Speed work must not change behaviour: fast paths against reference versions, dedup window,
idempotent processing/retag, metrics refresh, and a smoke run of the benchmark."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.models import Post
from pantau.pipeline import WindowedDedup, process_pending, retag_all
from processing.dedup import DedupIndex, simhash
from storage import posts as post_store
from storage.db import to_iso
from tests.processing.reference_matching import reference_simhash

ROOT = Path(__file__).resolve().parent.parent
WORDS = st.sampled_from(["jalan", "rusak", "parah", "di", "cibinong", "é", "tolong", "x1", "-"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS | st.text(max_size=6), max_size=80))
def test_simhash_equals_reference(tokens: list[str]) -> None:
    assert simhash(tokens) == reference_simhash(tokens)


@settings(max_examples=10, deadline=None)
@given(st.lists(WORDS | st.text(max_size=6), min_size=255, max_size=400))
def test_long_simhash_equals_reference(tokens: list[str]) -> None:
    # 256 shingles and more take the wide counting path.
    assert simhash(tokens) == reference_simhash(tokens)


def _at(days: float) -> str:
    return to_iso(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=days)) or ""


def test_windowed_dedup_keeps_a_window_and_forgets_older_posts() -> None:
    window = WindowedDedup(timedelta(days=7))
    fp = 0x0F0F_0F0F_0F0F_0F0F
    window.advance(_at(0))
    window.add(1, fp, ["u:https://a"], 20)
    # Within the window: found by fingerprint (1 bit off) and by exact key.
    assert window.find(fp ^ 1, [], 20) == 1
    assert window.find(0, ["u:https://a"], 20) == 1
    window.advance(_at(5))
    window.add(2, 0x1111, [], 20)
    window.advance(_at(8))
    window.add(3, 0x1234, [], 20)  # rotates: posts 1, 2 now in the previous generation
    assert window.find(fp, [], 20) == 1
    window.advance(_at(13))
    window.add(4, 0x4321, [], 20)
    window.advance(_at(16))
    window.add(5, 0x5678, [], 20)  # rotates again: posts 1, 2 are dropped
    assert window.find(fp, [], 20) is None
    assert window.find(0, ["u:https://a"], 20) is None
    assert window.find(0x1234, [], 20) == 3
    window.advance(_at(40))
    window.add(6, 0x9999, [], 20)  # a long gap: everything before is out of window
    assert window.find(0x4321, [], 20) is None
    assert window.find(0x5678, [], 20) is None


def test_windowed_dedup_prefers_earliest_and_seeds_previous() -> None:
    seed = DedupIndex()
    seed.add(5, 0xFFFF_0000_FFFF_0000, ["t:samejudul"], 20)
    window = WindowedDedup(timedelta(days=7), seed)
    window.advance(_at(0))
    window.add(9, 0xFFFF_0000_FFFF_0001, ["t:samejudul"], 20)
    assert window.find(0xFFFF_0000_FFFF_0000, ["t:samejudul"], 20) == 5
    assert window.find(0xFFFF_0000_FFFF_0003, [], 20) == 5
    # Short texts never match by fingerprint.
    assert window.find(0xFFFF_0000_FFFF_0000, [], 3) is None


def _post(i: int, text: str, *, title: str | None = None, days: float = 0.0, **kw) -> Post:
    at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=days, minutes=i)
    return Post(source="bench", kind=kw.pop("kind", "x"), external_id=str(i), text=text,
                url=f"https://x.com/i/status/{i}", title=title, published_at=at, fetched_at=at,
                **kw)  # fmt: skip


def _snapshot(db) -> dict:  # type: ignore[no-untyped-def]
    return {
        "analysis": db.execute(
            "SELECT post_id, relevant, relevance, departments, topics, kecamatan, aspirasi,"
            " sentiment, matched, fingerprint, taxonomy_version FROM analysis ORDER BY post_id"
        ).fetchall(),
        "departments": db.execute("SELECT * FROM post_departments ORDER BY 1, 2").fetchall(),
        "topics": db.execute("SELECT * FROM post_topics ORDER BY 1, 2").fetchall(),
        "places": db.execute("SELECT * FROM post_places ORDER BY 1, 2, 3").fetchall(),
        "dups": db.execute("SELECT id, dup_of FROM posts ORDER BY id").fetchall(),
    }


TEXT = (
    "Tolong min jalan rusak parah di kecamatan Cibinong Kabupaten Bogor, sudah berbulan-bulan "
    "belum diperbaiki dinas PUPR #JalanRusak"
)


def test_process_then_retag_is_idempotent_and_marks_copies(db, resources, default_config) -> None:  # type: ignore[no-untyped-def]
    posts = [
        _post(1, TEXT),
        _post(2, TEXT),  # identical copy (analysis cache hit)
        _post(3, "RT @warga: " + TEXT),  # near-duplicate
        _post(4, "Sampah menumpuk di TPS liar desa Pabuaran, DLH kapan diangkut?"),
        _post(5, TEXT, days=30),  # a month later, but within the run's last DEDUP_RUN_POSTS
    ]
    assert post_store.save_batch(db, posts) == 5
    assert process_pending(db, resources) == 5
    first = _snapshot(db)
    dups = dict(first["dups"])
    assert dups[2] == 1 and dups[3] == 1
    assert dups[5] == 1
    assert dups[1] is None and dups[4] is None
    rows = {r[0]: r for r in first["analysis"]}
    assert rows[1][1:] == rows[2][1:]  # the cached analysis equals a fresh one
    assert ("pupr" in rows[1][3]) and any(
        r[0] == 1 and r[1] == "pupr" for r in first["departments"]
    )
    assert process_pending(db, resources) == 0
    # Stale analyses of posts 2 and 4 only (not an id range): just those are redone.
    db.execute("UPDATE analysis SET taxonomy_version = 'old' WHERE post_id IN (2, 4)")
    db.execute("INSERT INTO post_topics (post_id, topic, department) VALUES (2, 'stale', 'x')")
    assert process_pending(db, resources) == 2
    assert _snapshot(db) == first
    count, version = retag_all(db, default_config)
    assert count == 5 and version == resources.taxonomy_version
    assert _snapshot(db) == first


def test_retag_forgets_posts_older_than_the_window(db, default_config, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pantau.pipeline as pipeline

    monkeypatch.setattr(pipeline, "DEDUP_RUN_POSTS", 2)
    posts = [_post(1, TEXT), _post(2, "Info: pasar murah di Cibinong hari ini", days=3),
             _post(3, "Banjir lagi di Bojonggede, warga mengungsi", days=5),
             _post(4, TEXT, days=30), _post(5, "RT @warga: " + TEXT, days=31)]  # fmt: skip
    post_store.save_batch(db, posts)
    retag_all(db, default_config)
    dups = dict(db.execute("SELECT id, dup_of FROM posts").fetchall())
    assert dups == {1: None, 2: None, 3: None, 4: None, 5: 4}


def test_metrics_refresh_only_touches_known_posts(db) -> None:  # type: ignore[no-untyped-def]
    assert post_store.save_batch(db, [_post(1, "a", metrics={"like_count": 1})]) == 1
    batch = [_post(1, "a", metrics={"like_count": 7}), _post(2, "b", metrics={"like_count": 2})]
    assert post_store.save_batch(db, batch) == 1
    rows = dict(db.execute("SELECT external_id, metrics FROM posts ORDER BY id").fetchall())
    assert rows == {"1": '{"like_count":7}', "2": '{"like_count":2}'}


def test_benchmark_smoke_run_prints_the_summary_line(tmp_path: Path) -> None:
    cmd = [
        sys.executable, str(ROOT / "benchmarks" / "throughput.py"), "--posts", "150",
        "--naive-posts", "20", "--db-posts", "600", "--cache-dir", str(tmp_path / "cache"),
        "--work", str(tmp_path / "work"), "--repeat", "2",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert re.fullmatch(
        r"bench: pantau_posts_per_s=\d+ naive_posts_per_s=\d+ ratio=\d+\.\d "
        r"retag_1m_s=\d+\.\d digest_1m_s=\d+\.\d\d peak_rss_mb=\d+",
        lines[-1],
    ), lines[-1]
    assert any(line.startswith("retag    posts ") and line.endswith(" 600") for line in lines)
    assert list((tmp_path / "cache").glob("posts-600-*.db"))  # the big db is cached
    # Both repeated stages list each run's rate.
    runs = [line.split()[-1] for line in lines if "runs_posts_per_s" in line]
    assert len(runs) == 2 and all(len(r.split("/")) == 2 for r in runs), runs


def test_benchmark_reports_the_median_run() -> None:
    from benchmarks.throughput import _median_run, _rates

    runs = [{"posts": 100, "total_s": t} for t in (0.02, 0.01, 0.05)]
    assert _median_run(runs)["total_s"] == 0.02
    assert _median_run(runs[:2])["total_s"] == 0.01  # even count: the lower middle
    assert _median_run(runs[:1]) is runs[0]
    assert _rates(runs) == "5,000/10,000/2,000"


def test_daily_counts_use_the_time_index_not_dup_of(db) -> None:  # type: ignore[no-untyped-def]
    from storage import queries

    plans = []
    real_execute = db.execute

    def explain(sql, params=None):  # type: ignore[no-untyped-def]
        if sql.lstrip().upper().startswith("SELECT"):
            plans.append(str(real_execute("EXPLAIN QUERY PLAN " + sql, params or []).fetchall()))
        return real_execute(sql, params or [])

    db.execute = explain
    for by in (None, "department", "topic", "kecamatan"):
        queries.daily_counts(db, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 7.0, by)
    queries.department_daily_counts(db, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 7.0)
    assert len(plans) == 5
    assert all("posts_time" in plan and "posts_dup_of" not in plan for plan in plans), plans
