from __future__ import annotations

from datetime import timedelta

import pytest

from reports.baseline import Baseline, find_spikes
from reports.digest import build_digest
from reports.health import DEFAULT_SILENCE, MIN_SILENCE, silence_limit
from reports.render import render
from reports.scope import department_digest
from reports.service import department_names
from reports.stories import rank_score
from storage.db import open_db
from tests.reports.fixed import DAY, NOW, fixed_config, insert_items, insert_runs


def test_figures_of_the_fixed_day(fixed_db, config) -> None:
    d = build_digest(fixed_db, config, DAY, now=NOW)
    assert (d.total, d.relevant, d.duplicates, d.not_relevant) == (17, 14, 2, 1)
    assert d.aspirasi_counts == {"keluhan": 7, "permintaan": 4, "pertanyaan": 1,
                                 "apresiasi": 1, "informasi": 1}  # fmt: skip
    # history: 5.14 relevant originals per day over the previous 7 days
    assert d.mean_7d == pytest.approx(5.1)
    assert d.change_7d == pytest.approx((14 - 36 / 7) / (36 / 7), rel=1e-3)


def test_near_duplicates_fold_into_one_ranked_entry(fixed_db, config) -> None:
    d = build_digest(fixed_db, config, DAY, now=NOW)
    top = d.needs_answer[0]
    assert top.title.startswith("Jalan rusak parah di Parungpanjang")
    assert top.repeats == 3
    assert top.sources == ("tribun-bogor", "gnews-bogor", "x-bogor")
    assert top.reach == 57  # 40 likes + 12 retweets + 5 replies on the X copy
    assert sum(1 for p in d.needs_answer if "Parungpanjang" in p.title) == 1
    assert [p.score for p in d.needs_answer] == sorted((p.score for p in d.needs_answer),
                                                       reverse=True)  # fmt: skip
    assert all(p.aspirasi in ("keluhan", "permintaan", "pertanyaan") for p in d.needs_answer)


def test_rank_score_rewards_reach_repetition_and_recency() -> None:
    base = rank_score(0, 1, 12, "permintaan")
    assert rank_score(100, 1, 12, "permintaan") > base
    assert rank_score(0, 4, 12, "permintaan") > base
    assert rank_score(0, 1, 1, "permintaan") > base
    assert rank_score(0, 1, 12, "keluhan") > base
    assert rank_score(0, 1, 48, "permintaan") == rank_score(0, 1, 24, "permintaan")


def test_spike_and_department_sections(fixed_db, config) -> None:
    d = build_digest(fixed_db, config, DAY, now=NOW)
    assert [(s.kind, s.key, s.today) for s in d.spikes] == [("department", "dlh", 9),
                                                            ("topic", "sampah", 9)]  # fmt: skip
    dlh = d.departments[0]
    assert (dlh.code, dlh.spike, dlh.total, dlh.complaints) == ("dlh", True, 9, 9)
    assert dlh.trend == (2, 1, 2, 1, 2, 1, 2, 9)
    assert dlh.sentiment == (9, 0, 0)
    assert len(dlh.posts) == config.report.max_posts_per_department
    assert dict(d.kecamatan_complaints)["Cibinong"] == 4
    assert d.needs_by_department[0] == ("dlh", 9, "Cibinong")


def test_source_health_flags_failed_and_silent(fixed_db, config) -> None:
    d = build_digest(fixed_db, config, DAY, now=NOW)
    problems = {h.source: h for h in d.health.problems}
    assert d.health.checked == 4
    assert set(problems) == {"x-bogor", "reddit-bogor"}
    assert problems["x-bogor"].problem == "gagal"
    assert "HTTP 503" in problems["x-bogor"].error
    assert problems["reddit-bogor"].problem == "senyap"
    assert "3 hari" in problems["reddit-bogor"].note


def test_silence_limit() -> None:
    t = NOW
    assert silence_limit([]) == DEFAULT_SILENCE
    hourly = [t + timedelta(hours=i) for i in range(10)]
    assert silence_limit(hourly) == MIN_SILENCE
    daily = [t + timedelta(days=i) for i in range(5)]
    assert silence_limit(daily) == timedelta(days=3)


def test_never_run_source_is_reported(tmp_path) -> None:
    db = open_db(tmp_path / "p.db")
    d = build_digest(db, fixed_config(), DAY, now=NOW)
    assert {h.problem for h in d.health.problems} == {"belum_jalan"}
    db.close()


def test_quiet_day_says_so_in_every_format(tmp_path) -> None:
    db = open_db(tmp_path / "quiet.db")
    insert_runs(db)
    config = fixed_config()
    d = build_digest(db, config, DAY, now=NOW)
    assert d.quiet and not d.needs_answer and not d.spikes
    for fmt in ("html", "md", "txt"):
        text = render(d, fmt, department_names(config))
        assert "Hari yang tenang" in text
        assert "Tidak ada keluhan, permintaan, atau pertanyaan hari ini." in text
    db.close()


def test_no_spikes_without_enough_history(tmp_path) -> None:
    from tests.reports.fixed import day_items

    db = open_db(tmp_path / "new.db")
    insert_items(db, day_items())
    d = build_digest(db, fixed_config(), DAY, now=NOW)
    assert d.relevant == 14 and d.spikes == () and d.change_7d is None
    assert d.spikes_checked is False
    html = render(d, "html")
    assert "Belum ada riwayat 7 hari" in html and "riwayat data belum cukup" in html
    db.close()


def test_department_digest_keeps_only_that_department(fixed_db, config) -> None:
    full = build_digest(fixed_db, config, DAY, now=NOW)
    part = department_digest(full, "pupr")
    assert part.scope == "pupr"
    assert [s.code for s in part.departments] == ["pupr"]
    assert [p.title[:10] for p in part.needs_answer] == ["Jalan rusa"]
    assert part.spikes == () and part.health.problems == ()
    text = render(part, "txt", department_names(config))
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in text
    assert "Sampah" not in text and "KESEHATAN SUMBER" not in text
    empty = department_digest(full, "tirta_kahuripan")
    assert empty.relevant == 1
    none = department_digest(full, "disdik")
    assert none.quiet and "Hari yang tenang" in render(none, "md")


def test_baseline_statistics() -> None:
    b = Baseline("department", "x", 10, (1, 2, 3, 2))
    assert b.mean == 2 and b.std == pytest.approx(0.7071, rel=1e-3)
    assert b.is_spike(3.0, 5)
    assert not b.is_spike(3.0, 11)
    assert not Baseline("department", "y", 3, (1, 2, 3, 2)).is_spike(3.0, 1)
    assert find_spikes([b, Baseline("topic", "z", 50, (0,) * 4)], 3.0, 5)[0].key == "z"
    assert Baseline("total", None, 4, (0, 0)).change() is None


def test_odd_stored_json_does_not_break_the_digest(fixed_db, config) -> None:
    # Rows written by older versions or by hand: metrics a list, matched terms not lists.
    fixed_db.execute("UPDATE posts SET metrics = '[1, 2]' WHERE external_id = 'road-3'")
    fixed_db.execute(
        """UPDATE analysis SET matched = '{"departments": {"pupr": "jalan"}, "topics": 3}'
           WHERE post_id = (SELECT id FROM posts WHERE external_id = 'road-1')"""
    )
    d = build_digest(fixed_db, config, DAY, now=NOW)
    top = next(p for p in d.needs_answer if p.repeats == 3)
    assert top.reach == 0 and top.terms == ()


def test_times_follow_the_configured_zone(fixed_db) -> None:
    from pantau.config import parse_config
    from tests.reports.fixed import CONFIG

    config = parse_config({**CONFIG, "timezone": "Asia/Makassar"})
    d = build_digest(fixed_db, config, DAY, now=NOW)
    text = render(d, "txt", department_names(config))
    assert "WITA" in text and "WIB" not in text
    pdam = next(p for p in d.needs_answer if "PDAM" in p.title)
    assert pdam.time_local == "20:30"  # 19:30 WIB
