"""m005/m006: the code indexes of the tag tables go; every tag query still agrees."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.models import Analysis, Post
from storage import analysis as analysis_store
from storage import maintenance, queries
from storage import posts as post_store
from storage.db import open_db

_DROPPED = {
    "post_topics_code": "CREATE INDEX post_topics_code ON post_topics (topic)",
    "post_places_kecamatan": "CREATE INDEX post_places_kecamatan ON post_places (kecamatan)",
    "post_departments_code": "CREATE INDEX post_departments_code ON post_departments (department)",
}
_START = datetime(2026, 11, 20, tzinfo=UTC)


def _indexes(db) -> set[str]:  # type: ignore[no-untyped-def]
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def _store(db, posts: list[tuple[int, Analysis]]) -> None:  # type: ignore[no-untyped-def]
    post_store.save_batch(
        db,
        [
            # fetched_at fixed: the two databases are built in different seconds.
            Post("s", "x", f"e{i}", f"teks {i}", published_at=at, fetched_at=at)
            for i, (hour, _a) in enumerate(posts)
            for at in (_START + timedelta(hours=hour),)
        ],
    )
    analysis_store.save_analyses(db, [(i + 1, a, None) for i, (_hour, a) in enumerate(posts)], "v1")


def _analysis(
    topics: tuple[str, ...],
    places: tuple[str, ...],
    desa: tuple[str, ...],
    departments: tuple[str, ...] = ("dpupr",),
) -> Analysis:
    return Analysis(
        relevant=bool(len(topics) % 2 == 0), relevance=0.5, departments=departments, topics=topics,
        kecamatan=places, desa=desa, aspirasi="keluhan" if places else "informasi",
        matched={"topics": {t: [t] for t in topics}, "kecamatan": {k: [k.lower()] for k in places}},
    )  # fmt: skip


def test_migrations_drop_only_the_code_indexes_and_keep_the_rows(db_path: Path) -> None:
    db = open_db(db_path)
    _store(db, [(1, _analysis(("banjir", "jalan"), ("Cibinong", "Ciseeng"), ("Cibinong/Tengah",)))])
    # Roll the database back to how m001-m004 left it, then open it again.
    for sql in _DROPPED.values():
        db.execute(sql)
    db.execute(
        "DELETE FROM _sqlite_migrations WHERE name IN "
        "('m005_drop_tag_code_indexes', 'm006_drop_department_code_index')"
    )
    db.close()
    db = open_db(db_path)
    indexes = _indexes(db)
    assert not indexes & set(_DROPPED)
    assert {"posts_time", "posts_url", "posts_dup_of"} <= indexes
    assert db.execute("SELECT topic FROM post_topics ORDER BY 1").fetchall() == [
        ("banjir",),
        ("jalan",),
    ]
    assert db.execute("SELECT kecamatan, desa FROM post_places ORDER BY 1, 2").fetchall() == [
        ("Cibinong", "Tengah"),
        ("Ciseeng", ""),
    ]
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # A re-tag still replaces tag rows without the indexes.
    analysis_store.save_analyses(db, [(1, _analysis(("banjir",), (), ()), None)], "v2")
    assert db.execute("SELECT count(*) FROM post_places").fetchone() == (0,)
    assert db.execute("SELECT topic FROM post_topics").fetchall() == [("banjir",)]
    db.close()


def test_a_fresh_database_has_no_tag_code_index(db) -> None:  # type: ignore[no-untyped-def]
    assert not _indexes(db) & set(_DROPPED)
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert {"m005_drop_tag_code_indexes", "m006_drop_department_code_index"} <= set(names)


def _answers(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    start, end = "2026-11-19T17:00:00Z", "2026-11-22T17:00:00Z"
    out: dict[str, Any] = {}
    for kind in ("topic", "kecamatan", "department"):
        out[f"daily:{kind}"] = queries.daily_counts(db, start, end, 7.0, by=kind)
        out[f"tags:{kind}"] = list(queries.tag_rows(db, kind, start, end))
        out[f"tags:{kind}:cibinong"] = list(
            queries.tag_rows(db, kind, start, end, kecamatan=["cibinong"])
        )
        out[f"live:{kind}"] = maintenance.daily_counts(db, kind, start, end)
    out["mentions"] = list(queries.mention_rows(db, start, end, kecamatan=["Ciseeng"]))
    out["mentions:bpbd"] = list(queries.mention_rows(db, start, end, departments=["bpbd"]))
    out["departments"] = queries.department_daily_counts(db, start, end, 7.0)
    return out


_TOPICS = st.lists(st.sampled_from(["banjir", "jalan", "sampah"]), unique=True, max_size=3)
_PLACES = st.lists(st.sampled_from(["Cibinong", "Ciseeng", "Babakan"]), unique=True, max_size=2)
_DESA = st.lists(st.sampled_from(["Cibinong/Tengah", "Cibinong/Pakansari", "Ciseeng/Putat"]), unique=True, max_size=2)  # fmt: skip
_DEPARTMENTS = st.lists(st.sampled_from(["dpupr", "bpbd", "dinkes"]), unique=True, max_size=3)
_POSTS = st.lists(
    st.tuples(st.integers(0, 60), _TOPICS, _PLACES, _DESA, _DEPARTMENTS), min_size=1, max_size=25
)


@given(_POSTS)
@settings(max_examples=20, deadline=None)
def test_tag_queries_and_prune_agree_with_and_without_the_indexes(
    posts: list[tuple[int, list[str], list[str], list[str], list[str]]],
) -> None:
    rows = [(h, _analysis(tuple(t), tuple(k), tuple(d), tuple(p))) for h, t, k, d, p in posts]
    results = []
    for with_indexes in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            db = open_db(Path(tmp) / "p.db")
            if with_indexes:
                for sql in _DROPPED.values():
                    db.execute(sql)
            _store(db, rows)
            answers = _answers(db)
            # Prune everything before the second day: the aggregates it keeps must agree too.
            pruned = maintenance.prune_posts(db, 0, now=_START + timedelta(hours=24))
            answers["pruned"] = pruned.posts
            answers["after"] = _answers(db)
            answers["aggregates"] = db.execute(
                "SELECT * FROM daily_aggregates ORDER BY 1, 2, 3"
            ).fetchall()
            db.close()
        results.append(answers)
    without, with_ = results
    assert without == with_
    # The answers are not vacuous: every post shows up in the totals.
    assert sum(r["total"] for r in without["live:kecamatan"].values()) == sum(
        len(set(k)) for _h, _t, k, _d, _p in posts
    )
