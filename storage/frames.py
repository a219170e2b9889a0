"""pandas loaders for analysts: tidy DataFrames straight from the store.

Times are tz-aware (the configured zone, Asia/Jakarta by default), labels are
categoricals, text is pandas' ``str`` dtype (pandas 3). ``start``/``end`` accept a
date (a local day; ``end`` inclusive), an ISO string, or a datetime (naive =
local time; ``end`` exclusive).

    >>> from storage.frames import load_mentions, daily_counts
    >>> df = load_mentions("pantau.db", "2026-11-01", "2026-11-30", departments=["pupr"])
    >>> daily_counts("pantau.db", "2026-11-01", "2026-11-30", by="department")
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlite_utils

from pantau.models import ASPIRASI
from storage import queries
from storage.db import open_db, to_iso

DEFAULT_TZ = "Asia/Jakarta"
RUN_STATUSES = ("ok", "error", "rate_limited", "skipped", "running")
TAG_KINDS = ("department", "topic", "kecamatan")
REACH_KEYS = ("like_count", "retweet_count", "reply_count", "quote_count", "score", "num_comments")

DbLike = sqlite_utils.Database | str | Path


@contextlib.contextmanager
def _database(db_or_path: DbLike) -> Iterator[sqlite_utils.Database]:
    if isinstance(db_or_path, sqlite_utils.Database):
        yield db_or_path
        return
    db = open_db(db_or_path, readonly=True)
    try:
        yield db
    finally:
        db.close()


def _bound(value: Any, tz: ZoneInfo, *, end: bool) -> str | None:
    """Turn a user bound into a UTC ISO string (date-only ``end`` includes that day)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, str):
        text = value.strip()
        value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
    elif isinstance(value, date):
        moment = datetime.combine(value + timedelta(days=1 if end else 0), time(0, 0), tz)
    else:
        raise TypeError(f"expected a date, datetime or ISO string, got {type(value).__name__}")
    return to_iso(moment)


def _times(series: pd.Series, tz: str) -> pd.Series:
    parsed = pd.to_datetime(series.astype(object), utc=True, format="ISO8601", errors="coerce")
    return parsed.dt.tz_convert(tz).dt.as_unit("us")


def _json_list(value: Any) -> list[str]:
    if not value:
        return []
    try:
        out = json.loads(value)
    except (TypeError, ValueError):
        return []
    return [str(v) for v in out] if isinstance(out, list) else []


def _reach(value: Any) -> int:
    try:
        metrics = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return 0
    if not isinstance(metrics, dict):
        return 0
    total = 0
    for key in REACH_KEYS:
        item = metrics.get(key)
        if isinstance(item, int | float) and not isinstance(item, bool) and item > 0:
            total += int(item)
    return total


_MENTION_COLUMNS = [
    "post_id", "published_at", "day", "source", "kind", "external_id", "url", "author", "title",
    "text", "lang", "relevant", "relevance", "aspirasi", "sentiment", "department",
    "departments", "topics", "kecamatan", "reach", "is_duplicate", "dup_of", "fetched_at",
    "taxonomy_version", "metrics", "matched",
]  # fmt: skip


def load_mentions(
    db_or_path: DbLike,
    start: Any = None,
    end: Any = None,
    *,
    departments: Sequence[str] | None = None,
    kecamatan: Sequence[str] | None = None,
    relevant_only: bool = False,
    include_duplicates: bool = True,
    explode: str | None = None,
    tz: str = DEFAULT_TZ,
) -> pd.DataFrame:
    """One row per analysed post (or per post and tag with ``explode``).

    Columns: ``published_at``/``fetched_at`` tz-aware, ``day`` (local midnight),
    ``aspirasi`` an ordered categorical, ``source``/``kind``/``department`` (the
    most specific department) categoricals, ``departments``/``topics``/``kecamatan``
    lists, ``reach`` (likes + shares + replies + score), ``is_duplicate``.
    ``explode`` = ``departments``, ``topics`` or ``kecamatan`` gives one row per tag.
    """
    zone = ZoneInfo(tz)
    with _database(db_or_path) as db:
        rows = list(
            queries.mention_rows(
                db, _bound(start, zone, end=False), _bound(end, zone, end=True),
                departments=list(departments or []) or None,
                kecamatan=list(kecamatan or []) or None,
            )
        )  # fmt: skip
    raw = [c for c in _MENTION_COLUMNS if c not in ("day", "department", "reach", "is_duplicate")]
    df = pd.DataFrame(rows, columns=raw)
    for column in ("departments", "topics", "kecamatan"):
        df[column] = pd.Series([_json_list(v) for v in df[column]], index=df.index, dtype=object)
    df["published_at"] = _times(df["published_at"], tz)
    df["fetched_at"] = _times(df["fetched_at"], tz)
    df["day"] = df["published_at"].dt.normalize()
    df["relevant"] = df["relevant"].astype("bool")
    df["relevance"] = df["relevance"].astype("float64")
    df["sentiment"] = df["sentiment"].astype("float64")
    df["post_id"] = df["post_id"].astype("int64")
    df["dup_of"] = df["dup_of"].astype("Int64")
    df["is_duplicate"] = df["dup_of"].notna()
    df["reach"] = pd.Series([_reach(v) for v in df["metrics"]], index=df.index, dtype="int64")
    df["aspirasi"] = pd.Categorical(df["aspirasi"], categories=list(ASPIRASI), ordered=True)
    df["department"] = pd.Categorical([d[0] if d else None for d in df["departments"]])
    for column in ("source", "kind"):
        df[column] = df[column].astype("category")
    for column in ("url", "author", "title", "text", "lang", "external_id", "taxonomy_version",
                   "metrics", "matched"):  # fmt: skip
        df[column] = df[column].astype("str")
    if relevant_only:
        df = df[df["relevant"]]
    if not include_duplicates:
        df = df[~df["is_duplicate"]]
    df = df[_MENTION_COLUMNS].reset_index(drop=True)
    if explode:
        if explode not in ("departments", "topics", "kecamatan"):
            raise ValueError("explode must be 'departments', 'topics' or 'kecamatan'")
        df = df.explode(explode, ignore_index=True)
        df = df[df[explode].notna()].reset_index(drop=True)
        df[explode] = df[explode].astype("category")
    return df


def load_tags(
    db_or_path: DbLike,
    kind: str = "department",
    start: Any = None,
    end: Any = None,
    *,
    departments: Sequence[str] | None = None,
    kecamatan: Sequence[str] | None = None,
    tz: str = DEFAULT_TZ,
) -> pd.DataFrame:
    """Long format: one row per (post, tag) of ``kind`` (department, topic or kecamatan)."""
    if kind not in TAG_KINDS:
        raise ValueError(f"kind must be one of {', '.join(TAG_KINDS)}, not {kind!r}")
    zone = ZoneInfo(tz)
    with _database(db_or_path) as db:
        rows = list(
            queries.tag_rows(
                db, kind, _bound(start, zone, end=False), _bound(end, zone, end=True),
                departments=list(departments or []) or None,
                kecamatan=list(kecamatan or []) or None,
            )
        )  # fmt: skip
    columns = ["post_id", "tag", "published_at", "source", "relevant", "aspirasi", "sentiment",
               "dup_of"]  # fmt: skip
    df = pd.DataFrame(rows, columns=columns)
    df["published_at"] = _times(df["published_at"], tz)
    df["day"] = df["published_at"].dt.normalize()
    df["post_id"] = df["post_id"].astype("int64")
    df["relevant"] = df["relevant"].astype("bool")
    df["sentiment"] = df["sentiment"].astype("float64")
    df["is_duplicate"] = df["dup_of"].notna()
    df["aspirasi"] = pd.Categorical(df["aspirasi"], categories=list(ASPIRASI), ordered=True)
    df["tag"] = df["tag"].astype("category")
    df["source"] = df["source"].astype("category")
    df.insert(1, "kind", pd.Categorical([kind] * len(df), categories=list(TAG_KINDS)))
    return df.drop(columns=["dup_of"])


def load_runs(db_or_path: DbLike, start: Any = None, *, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Collection runs (source health): tz-aware times, ``status`` categorical."""
    since = _bound(start, ZoneInfo(tz), end=False) or ""
    with _database(db_or_path) as db:
        rows = queries.runs_since(db, since)
    columns = ["id", "source", "started_at", "finished_at", "status", "fetched", "new", "error",
               "rate_limit_reset", "duration_s"]  # fmt: skip
    df = pd.DataFrame(rows, columns=columns)
    for column in ("started_at", "finished_at", "rate_limit_reset"):
        df[column] = _times(df[column], tz)
    df["status"] = pd.Categorical(df["status"], categories=list(RUN_STATUSES))
    df["source"] = df["source"].astype("category")
    df["error"] = df["error"].astype("str")
    for column in ("id", "fetched", "new"):
        df[column] = df[column].astype("int64")
    df["duration_s"] = df["duration_s"].astype("float64")
    return df


def daily_counts(
    db_or_path: DbLike,
    start: Any,
    end: Any,
    *,
    by: str | None = None,
    departments: Sequence[str] | None = None,
    kecamatan: Sequence[str] | None = None,
    relevant_only: bool = True,
    tz: str = DEFAULT_TZ,
) -> pd.DataFrame:
    """Mentions per local day (duplicates excluded), zero-filled, tidy: ``day, [by], n``.

    ``by``: ``department``, ``topic``, ``kecamatan``, ``aspirasi``, ``source`` or None.
    """
    zone = ZoneInfo(tz)
    first = pd.Timestamp(_bound(start, zone, end=False)).tz_convert(tz).normalize()
    last = pd.Timestamp(_bound(end, zone, end=True)) - pd.Timedelta(microseconds=1)
    days = pd.date_range(first, last.tz_convert(tz).normalize(), freq="D", name="day")
    if by in TAG_KINDS:
        df = load_tags(db_or_path, by, start, end, departments=departments, kecamatan=kecamatan,
                       tz=tz)  # fmt: skip
        df = df[~df["is_duplicate"]]
        if relevant_only:
            df = df[df["relevant"]]
        df = df.rename(columns={"tag": by})
    elif by in (None, "aspirasi", "source"):
        df = load_mentions(db_or_path, start, end, departments=departments, kecamatan=kecamatan,
                           relevant_only=relevant_only, include_duplicates=False, tz=tz)  # fmt: skip
    else:
        raise ValueError("by must be department, topic, kecamatan, aspirasi, source or None")
    if by is None:
        counts = df.groupby("day").size().reindex(days, fill_value=0)
        return counts.rename("n").reset_index()
    keys = sorted(str(k) for k in df[by].dropna().unique())
    if by == "aspirasi":
        keys = list(ASPIRASI)
    index = pd.MultiIndex.from_product([days, keys], names=["day", by])
    counts = (
        df.assign(**{by: df[by].astype("str")})
        .groupby(["day", by])
        .size()
        .reindex(index, fill_value=0)
    )
    out = counts.rename("n").reset_index()
    out[by] = pd.Categorical(out[by], categories=keys)
    return out


def export_mentions(db_or_path: DbLike, out: str | Path, fmt: str = "csv", **filters: Any) -> int:
    """Write :func:`load_mentions` (same filters) as CSV or Parquet; return the row count.

    CSV joins list columns with ``"; "`` and writes ISO-8601 times with offset.
    """
    df = load_mentions(db_or_path, **filters)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        df.to_parquet(path, index=False)
    elif fmt == "csv":
        flat = df.copy()
        for column in ("departments", "topics", "kecamatan"):
            if column in flat and flat[column].dtype == object:
                flat[column] = ["; ".join(v) for v in flat[column]]
        flat.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
    else:
        raise ValueError(f"format must be csv or parquet, not {fmt!r}")
    return len(df)
