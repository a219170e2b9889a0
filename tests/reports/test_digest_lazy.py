"""The digest builds full posts only for the stories it shows: same digest as building all.

The reference below is the digest code from before that change (every story turned into
a full ``DigestPost``, then counted, ordered and cut), kept verbatim where it matters.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from collectors.urls import safe_link
from reports import digest as dg
from reports import stories as st_
from reports.digest import DigestPost, build_digest
from reports.render import render
from reports.service import department_names
from storage import queries
from storage.db import from_iso, open_db, to_iso
from tests.reports.fixed import DAY, NOW, Item, fixed_config, history_items, insert_items, local

DEPTS = ("pupr", "dlh", "bpbd", "dishub", "tirta_kahuripan")
TOPICS = ("jalan_rusak", "sampah", "banjir", "macet")
PLACES = ("Ciampea", "Cibinong", "Parungpanjang", "Bojonggede", "Ciawi")
ASPIRASI = ("keluhan", "permintaan", "pertanyaan", "apresiasi", "informasi")


def _old_to_post(group: list[dict[str, Any]], tz: ZoneInfo, ref: datetime) -> DigestPost:
    row = group[0]
    at = from_iso(row["at"])
    title = " ".join((row.get("title") or "").split())
    text = row.get("text") or ""
    if not title:
        title = st_.excerpt(text, 120) or "(tanpa judul)"
        excerpt = ""
    else:
        excerpt = st_.excerpt(text)
    reach = sum(st_.reach_of(r["metrics"]) for r in group)
    latest = max((from_iso(r["at"]) for r in group), default=at, key=lambda v: v or ref)
    age = (ref - latest).total_seconds() / 3600 if latest else 24.0
    sources = tuple(dict.fromkeys(r["source"] for r in group))
    return DigestPost(
        id=row["id"], title=title[:300], excerpt=excerpt, source=row["source"], kind=row["kind"],
        author=row.get("author"), time_local=at.astimezone(tz).strftime("%H:%M") if at else "",
        url=safe_link(row.get("url")), departments=tuple(row["departments"]),
        kecamatan=tuple(row["kecamatan"]), aspirasi=row["aspirasi"],
        sentiment=float(row["sentiment"]),
        terms=st_.terms_of(queries.decode_json(row["matched"], {})), repeats=len(group),
        reach=reach, sources=sources,
        score=round(st_.rank_score(reach, len(group), age, row["aspirasi"]), 6),
        topics=tuple(row["topics"]),
    )  # fmt: skip


def _random_day(seed: int) -> list[Item]:
    rng = random.Random(seed)
    items: list[Item] = []
    for n in range(160):
        roots = [i.external_id for i in items if i.dup_of is None]
        dup = rng.choice(roots) if roots and rng.random() < 0.3 else None
        metrics = rng.choice([None, {"like_count": rng.randrange(50)}, {"score": rng.randrange(9),
                              "num_comments": rng.randrange(5)}])  # fmt: skip
        items.append(
            Item(
                f"p{seed}-{n}", local(DAY, rng.randrange(24), rng.randrange(60)),
                rng.choice(["", "Judul  berita", f"Jalan rusak {n}"]),
                " ".join(rng.choice(["jalan", "sampah", "banjir", "warga"]) for _ in range(rng.randrange(80))),
                departments=tuple(rng.sample(DEPTS, rng.randrange(3))),
                topics=tuple(rng.sample(TOPICS, rng.randrange(3))),
                kecamatan=tuple(rng.sample(PLACES, rng.randrange(3))),
                aspirasi=rng.choice(ASPIRASI), sentiment=round(rng.uniform(-1, 1), 2),
                relevant=rng.random() < 0.85, source=rng.choice(["tribun-bogor", "x-bogor"]),
                url=rng.choice([None, f"https://bogor.example.com/{n}", "javascript:alert(1)"]),
                metrics=metrics, dup_of=dup,
            )
        )  # fmt: skip
    return items


def test_lazy_posts_give_the_same_digest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = fixed_config(max_posts_per_department=2)
    tz = ZoneInfo(config.timezone)
    for seed in (1, 2, 3):
        db = open_db(tmp_path / f"d{seed}.db")
        insert_items(db, history_items() + _random_day(seed))
        d = build_digest(db, config, DAY, now=NOW)

        start, end = dg.day_bounds(DAY, tz)
        ref = min(NOW, from_iso(end) or NOW)
        rows = queries.day_posts(db, start, min(end, to_iso(ref) or end), decode_matched=False)
        relevant = [r for r in rows if r["relevant"]]
        posts = [_old_to_post(g, tz, ref) for g in st_.group_stories(relevant)]
        needs = sorted((p for p in posts if p.aspirasi in dg.NEEDS_ANSWER), key=st_.story_order)
        limit = config.report.max_posts_per_department

        assert d.relevant == len(posts) and d.duplicates == len(relevant) - len(posts)
        assert d.duplicates > 0 and len(needs) > dg.MAX_NEEDS_ANSWER // 2
        assert d.aspirasi_counts == {
            k: Counter(p.aspirasi for p in posts).get(k, 0) for k in dg.ASPIRASI_ORDER
        }
        assert d.needs_answer == tuple(needs[: dg.MAX_NEEDS_ANSWER])
        assert d.needs_answer_more == max(0, len(needs) - dg.MAX_NEEDS_ANSWER)
        assert d.needs_by_department == dg._needs_by_department(needs)  # type: ignore[arg-type]
        assert d.kecamatan == dg.by_count(Counter(k for p in posts for k in p.kecamatan))
        untagged = sorted((p for p in posts if not p.departments), key=st_.story_order)
        assert d.untagged == tuple(untagged[:limit])
        assert d.departments, "random day has department sections"
        for section in d.departments:
            mine = [p for p in posts if section.code in p.departments]
            assert section.total == len(mine) > 0
            assert section.posts == tuple(sorted(mine, key=st_.story_order)[:limit])
            assert section.sentiment == dg._sentiment(mine)  # type: ignore[arg-type]
            assert section.topics == dg.by_count(Counter(t for p in mine for t in p.topics))[:5]
        for fmt in ("html", "md", "txt"):
            assert render(d, fmt, department_names(config))
        db.close()


def test_to_post_matches_the_old_full_post(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = open_db(tmp_path / "p.db")
    insert_items(db, _random_day(7))
    tz = ZoneInfo("Asia/Jakarta")
    ref = NOW - timedelta(hours=3)
    start, end = dg.day_bounds(DAY, tz)
    rows = queries.day_posts(db, start, end, decode_matched=False)
    groups = st_.group_stories([r for r in rows if r["relevant"]])
    assert any(len(g) > 1 for g in groups)
    for group in groups:
        assert st_.to_post(group, tz, ref) == _old_to_post(group, tz, ref)
    db.close()


def test_one_query_counts_match_the_separate_ones(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from reports.baseline import volume_series, volume_series_many

    db = open_db(tmp_path / "c.db")
    insert_items(db, history_items() + _random_day(5))
    tz = ZoneInfo("Asia/Jakarta")
    bys: tuple[str | None, ...] = (None, "department", "topic", "kecamatan")
    for until in (None, NOW - timedelta(hours=20)):
        many = volume_series_many(db, tz, DAY, 14, bys, until=until)
        for by in bys:
            assert many[by] == volume_series(db, tz, DAY, 14, by, until=until)
            assert list(many[by]) == list(volume_series(db, tz, DAY, 14, by, until=until))
        assert many["department"] and many["topic"] and many["kecamatan"]
        assert many[None][None].today > 0 and sum(many[None][None].history) > 0
    start, end = dg.day_bounds(DAY, tz)
    rows = queries.daily_counts_many(db, start, end, 7.0, bys)
    assert {by: rows[by] for by in bys} == {
        by: queries.daily_counts(db, start, end, 7.0, by) for by in bys
    }
    assert queries.daily_counts_many(db, start, end, 7.0, ()) == {}
    db.close()


def _old_reach(metrics: Any) -> int:
    if not isinstance(metrics, dict):
        return 0
    keys = ("like_count", "retweet_count", "reply_count", "quote_count", "score", "num_comments",
            "views", "impression_count")  # fmt: skip
    total = 0
    for key in keys:
        value = metrics.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            total += int(value)
    return total


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.dictionaries(
            st.sampled_from(sorted(st_.REACH_KEYS) + ["other", "id"]),
            st.one_of(
                st.integers(-5, 10**12),
                st.floats(allow_infinity=False),
                st.booleans(),
                st.text(max_size=3),
                st.none(),
            ),
        ),  # fmt: skip
    )
)
def test_reach_matches_the_old_reach(metrics: Any) -> None:
    assert st_.reach_of(metrics) == _old_reach(metrics)
