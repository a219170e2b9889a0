from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from storage.frames import daily_counts, export_mentions, load_mentions, load_runs, load_tags
from tests.reports.fixed import DAY


def test_load_mentions_tidy_types(fixed_db) -> None:
    df = load_mentions(fixed_db, DAY, DAY)
    assert len(df) == 17
    assert str(df["published_at"].dt.tz) == "Asia/Jakarta"
    assert df["published_at"].min() >= pd.Timestamp("2026-11-27 00:00", tz="Asia/Jakarta")
    assert df["published_at"].max() < pd.Timestamp("2026-11-28 00:00", tz="Asia/Jakarta")
    assert (df["day"] == pd.Timestamp("2026-11-27", tz="Asia/Jakarta")).all()
    assert isinstance(df["aspirasi"].dtype, pd.CategoricalDtype) and df["aspirasi"].cat.ordered
    assert list(df["aspirasi"].cat.categories) == ["keluhan", "permintaan", "pertanyaan",
                                                   "apresiasi", "informasi"]  # fmt: skip
    assert isinstance(df["department"].dtype, pd.CategoricalDtype)
    assert df["title"].dtype == "str"
    assert df["relevant"].dtype == bool and df["is_duplicate"].sum() == 2
    road = df[df["title"].str.startswith("jalan parungpanjang")].iloc[0]
    assert road["reach"] == 57 and road["departments"] == ["pupr"]
    assert df["published_at"].dt.hour.min() >= 6  # local hours, not UTC


def test_filters_and_explode(fixed_db) -> None:
    pupr = load_mentions(fixed_db, DAY, DAY, departments=["pupr"])
    assert len(pupr) == 3 and all("pupr" in d for d in pupr["departments"])
    cib = load_mentions(fixed_db, "2026-11-27", "2026-11-27", kecamatan=["cibinong"])
    assert len(cib) == 4 and all("Cibinong" in k for k in cib["kecamatan"])
    both = load_mentions(fixed_db, DAY, DAY, departments=["dlh"], kecamatan=["Citeureup"])
    assert len(both) == 2
    relevant = load_mentions(fixed_db, DAY, DAY, relevant_only=True, include_duplicates=False)
    assert len(relevant) == 14
    long = load_mentions(fixed_db, DAY, DAY, explode="departments")
    assert long["departments"].dtype == "category"
    assert len(long) == sum(len(d) for d in load_mentions(fixed_db, DAY, DAY)["departments"])
    window = load_mentions(fixed_db, datetime(2026, 11, 27, 9, 0), datetime(2026, 11, 27, 10, 0))
    assert window["published_at"].dt.hour.tolist() == [9, 9]
    with pytest.raises(ValueError):
        load_mentions(fixed_db, explode="aspirasi")


def test_empty_range_keeps_the_schema(fixed_db) -> None:
    df = load_mentions(fixed_db, "2020-01-01", "2020-01-02")
    assert df.empty and "published_at" in df and str(df["published_at"].dt.tz) == "Asia/Jakarta"


def test_load_tags_and_daily_counts(fixed_db) -> None:
    tags = load_tags(fixed_db, "kecamatan", DAY, DAY)
    assert set(tags.columns) >= {"post_id", "kind", "tag", "published_at", "aspirasi", "day"}
    assert tags["tag"].dtype == "category"
    counts = daily_counts(fixed_db, date(2026, 11, 20), DAY, by="department")
    assert set(counts.columns) == {"day", "department", "n"}
    assert len(counts) == 8 * 5  # zero-filled day x department grid
    dlh = counts[counts["department"] == "dlh"].set_index("day")["n"]
    assert dlh.tolist() == [2, 1, 2, 1, 2, 1, 2, 9]
    totals = daily_counts(fixed_db, DAY, DAY)
    assert totals["n"].tolist() == [14]  # relevant originals (two copies excluded)
    by_aspirasi = daily_counts(fixed_db, DAY, DAY, by="aspirasi").set_index("aspirasi")["n"]
    assert by_aspirasi["keluhan"] == 7 and by_aspirasi["permintaan"] == 4
    with pytest.raises(ValueError):
        daily_counts(fixed_db, DAY, DAY, by="nope")


def test_load_runs(fixed_db) -> None:
    runs = load_runs(fixed_db, "2026-11-27")
    assert str(runs["started_at"].dt.tz) == "Asia/Jakarta"
    assert isinstance(runs["status"].dtype, pd.CategoricalDtype)
    assert set(runs["status"].dropna()) == {"ok", "error"}
    assert runs["started_at"].min() >= pd.Timestamp("2026-11-27", tz="Asia/Jakarta")


def test_loaders_accept_a_path(fixed_db, tmp_path) -> None:
    path = tmp_path / "fixed.db"
    assert len(load_mentions(path, DAY, DAY)) == 17
    out = tmp_path / "x.parquet"
    assert export_mentions(path, out, "parquet", start=DAY, end=DAY, departments=["dlh"]) == 9
    back = pd.read_parquet(out)
    assert len(back) == 9 and str(back["published_at"].dt.tz) == "Asia/Jakarta"
    assert list(back["departments"].iloc[0]) == ["dlh"]
    csv = tmp_path / "x.csv"
    assert export_mentions(path, csv, "csv", start=DAY, end=DAY, kecamatan=["Ciampea"]) == 1
    text = csv.read_text(encoding="utf-8")
    assert "+0700" in text and "Air PDAM mati tiga hari di Ciampea" in text
    with pytest.raises(ValueError):
        export_mentions(path, tmp_path / "x.xls", "xls")
