"""A fixed database for report tests: 14 days of history plus one busy day, built
through the storage functions (posts, analyses, runs) with a frozen clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from pantau.config import Config, parse_config
from pantau.models import Analysis, Post
from storage import analysis as analysis_store
from storage import posts as post_store
from storage import runs as run_store

TZ = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 11, 27)  # a Friday
NOW = datetime(2026, 11, 28, 7, 0, tzinfo=TZ).astimezone(UTC)  # the morning digest run

CONFIG: dict[str, Any] = {
    "timezone": "Asia/Jakarta",
    "sources": [
        {"name": "tribun-bogor", "type": "rss", "options": {"url": "http://127.0.0.1:9/t.xml"}},
        {"name": "x-bogor", "type": "rss", "options": {"url": "http://127.0.0.1:9/x.xml"}},
        {"name": "reddit-bogor", "type": "rss", "options": {"url": "http://127.0.0.1:9/r.xml"}},
        {"name": "gnews-bogor", "type": "google_news", "options": {"query": "Kabupaten Bogor"}},
    ],
    "departments": {
        "pupr": {"name": "Dinas Pekerjaan Umum dan Penataan Ruang", "aliases": ["pupr"],
                 "topics": {"jalan_rusak": {"keywords": ["jalan rusak"]}}},
        "dlh": {"name": "Dinas Lingkungan Hidup", "aliases": ["dlh"],
                "topics": {"sampah": {"keywords": ["sampah"]}}},
        "bpbd": {"name": "Badan Penanggulangan Bencana Daerah", "aliases": ["bpbd"],
                 "topics": {"banjir": {"keywords": ["banjir"]}}},
        "dishub": {"name": "Dinas Perhubungan", "aliases": ["dishub"],
                   "topics": {"macet": {"keywords": ["macet"]}}},
        "tirta_kahuripan": {"name": "Perumda Air Minum Tirta Kahuripan", "aliases": ["pdam"]},
    },
    "report": {
        "recipients": ["humas@bogorkab.go.id"],
        "department_recipients": {"dlh": ["dlh@bogorkab.go.id"], "pupr": []},
        "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none",
                 "username_env": None, "password_env": None},
        "alerts": {"baseline_days": 14, "sigma": 3.0, "min_count": 5, "cooldown_hours": 12},
        "max_posts_per_department": 4,
    },
}  # fmt: skip


def fixed_config(**report: Any) -> Config:
    data = {**CONFIG, "report": {**CONFIG["report"], **report}}
    return parse_config(data, "tests/reports/fixed.py")


@dataclass
class Item:
    """One post plus its analysis."""

    external_id: str
    at: datetime
    title: str
    text: str
    departments: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    aspirasi: str = "informasi"
    sentiment: float = 0.0
    relevant: bool = True
    source: str = "tribun-bogor"
    kind: str = "rss"
    url: str | None = None
    metrics: dict[str, int] | None = None
    dup_of: str | None = None
    terms: dict[str, Any] = field(default_factory=dict)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ).astimezone(UTC)


def history_items(day: date = DAY, days: int = 14) -> list[Item]:
    """Steady, slightly varying volume: pupr 1-3, dlh 1-2, dishub 1, bpbd 0-1 per day."""
    items = []
    for back in range(1, days + 1):
        d = day - timedelta(days=back)
        plan = {"pupr": 1 + back % 3, "dlh": 1 + back % 2, "dishub": 1, "bpbd": back % 2}
        for code, n in plan.items():
            for i in range(n):
                items.append(Item(
                    f"h-{d}-{code}-{i}", local(d, 8 + i), f"Kabar {code} {d} nomor {i}",
                    f"Berita rutin {code} di Kabupaten Bogor.", departments=(code,),
                    kecamatan=("Cibinong",), aspirasi="informasi" if i else "keluhan",
                    url=f"https://example.com/{d}/{code}/{i}",
                ))  # fmt: skip
    return items


def day_items(day: date = DAY) -> list[Item]:
    """The busy day: a DLH waste spike, a repeated road complaint, noise and a Kota post."""
    items = [
        Item("road-1", local(day, 6, 15), "Jalan rusak parah di Parungpanjang, warga minta segera diperbaiki",
             "Jalan rusak di Jalan Raya Parungpanjang berlubang dalam, truk tambang lewat tiap hari.",
             departments=("pupr", "dishub"), topics=("jalan_rusak",), kecamatan=("Parungpanjang",),
             aspirasi="keluhan", sentiment=-0.7, url="https://bogor.example.com/jalan-rusak-parungpanjang",
             terms={"departments": {"pupr": ["jalan rusak"]}, "topics": {"jalan_rusak": ["jalan rusak"]},
                    "kecamatan": {"Parungpanjang": ["parungpanjang"]}}),
        Item("road-2", local(day, 7, 40), "Jalan rusak parah di Parungpanjang, warga minta segera diperbaiki",
             "Salinan berita yang sama.", departments=("pupr", "dishub"), topics=("jalan_rusak",),
             kecamatan=("Parungpanjang",), aspirasi="keluhan", sentiment=-0.7, source="gnews-bogor",
             kind="gnews", url="https://news.example.com/a/road", dup_of="road-1"),
        Item("road-3", local(day, 9, 5), "jalan parungpanjang rusak lagi, kapan dibenerin @pemkabbogor?",
             "jalan parungpanjang rusak lagi, kapan dibenerin @pemkabbogor?", departments=("pupr",),
             topics=("jalan_rusak",), kecamatan=("Parungpanjang",), aspirasi="keluhan", sentiment=-0.6,
             source="x-bogor", kind="x", url="https://x.com/warga/status/1",
             metrics={"like_count": 40, "retweet_count": 12, "reply_count": 5}, dup_of="road-1"),
        Item("pdam-1", local(day, 19, 30), "Air PDAM mati tiga hari di Ciampea",
             "Warga Ciampea antre air dari mobil tangki. Mohon Tirta Kahuripan segera memperbaiki.",
             departments=("tirta_kahuripan",), kecamatan=("Ciampea",), aspirasi="permintaan",
             sentiment=-0.5, url="https://bogor.example.com/pdam-ciampea"),
        Item("q-1", local(day, 12, 0), "Kapan pendaftaran bantuan korban banjir dibuka?",
             "Warga Bojonggede bertanya soal bantuan banjir dari BPBD.", departments=("bpbd",),
             topics=("banjir",), kecamatan=("Bojonggede",), aspirasi="pertanyaan", sentiment=-0.1,
             source="reddit-bogor", kind="reddit", url="https://www.reddit.com/r/bogor/comments/abc/",
             metrics={"score": 15, "num_comments": 4}),
        Item("thanks-1", local(day, 10, 0), "Terima kasih Dishub, simpang Gadog lancar",
             "Rekayasa lalu lintas berjalan baik.", departments=("dishub",), topics=("macet",),
             kecamatan=("Ciawi",), aspirasi="apresiasi", sentiment=0.8, url="https://bogor.example.com/gadog"),
        Item("info-1", local(day, 14, 0), "Pemkab Bogor gelar rapat koordinasi", "Rapat rutin.",
             aspirasi="informasi", url="https://bogor.example.com/rapat"),
        Item("kota-1", local(day, 8, 0), "Kota Bogor tata ulang Jalan Suryakencana",
             "Pemkot Bogor menata pedestrian.", relevant=False, url="https://kota.example.com/suryakencana"),
    ]  # fmt: skip
    kec = ("Cibinong", "Citeureup", "Gunungputri", "Cibinong", "Bojonggede", "Cibinong",
           "Citeureup", "Cileungsi", "Cibinong")  # fmt: skip
    for i, k in enumerate(kec):
        items.append(Item(
            f"waste-{i}", local(day, 8 + i, 10), f"Sampah menumpuk di {k}, belum diangkut {i + 2} hari",
            f"Tumpukan sampah di {k} bau menyengat. Warga minta DLH segera mengangkut.",
            departments=("dlh",), topics=("sampah",), kecamatan=(k,),
            aspirasi="keluhan" if i % 3 else "permintaan", sentiment=-0.5 - i * 0.02,
            source="x-bogor" if i % 2 else "tribun-bogor", kind="x" if i % 2 else "rss",
            url=f"https://x.com/warga/status/{100 + i}" if i % 2 else f"https://bogor.example.com/sampah-{i}",
            metrics={"like_count": i * 3} if i % 2 else None,
        ))  # fmt: skip
    return items


def insert_items(db: sqlite_utils.Database, items: list[Item], fetched: datetime = NOW) -> None:
    """Store posts and their analyses through the storage functions."""
    posts = [
        Post(source=i.source, kind=i.kind, external_id=i.external_id, text=i.text, url=i.url,
             author="warga", title=i.title, published_at=i.at, fetched_at=min(fetched, i.at + timedelta(minutes=5)),
             lang="id", metrics=i.metrics, raw={"id": i.external_id})
        for i in items
    ]  # fmt: skip
    post_store.upsert_posts(db, posts)
    ids = {r[1]: r[0] for r in db.execute("SELECT id, external_id FROM posts")}
    results = []
    for i in items:
        terms = i.terms or {
            "departments": {c: [c] for c in i.departments},
            "topics": {t: [t.replace("_", " ")] for t in i.topics},
            "kecamatan": {k: [k.lower()] for k in i.kecamatan},
        }
        analysis = Analysis(
            relevant=i.relevant, relevance=0.9 if i.relevant else 0.1, departments=i.departments,
            topics=i.topics, kecamatan=i.kecamatan, aspirasi=i.aspirasi, sentiment=i.sentiment,
            matched=terms, topic_departments={t: i.departments[0] for t in i.topics if i.departments},
        )  # fmt: skip
        results.append((ids[i.external_id], analysis, ids[i.dup_of] if i.dup_of else None))
    analysis_store.save_analyses(db, results, "test-v1")


def insert_runs(db: sqlite_utils.Database, now: datetime = NOW) -> None:
    """tribun ok every 2 h; x failing since last night; reddit silent for 3 days; gnews ok."""
    start = now - timedelta(days=6)
    t = start
    while t < now:
        for source in ("tribun-bogor", "gnews-bogor"):
            rid = run_store.start_run(db, source, t)
            run_store.finish_run(
                db, rid, status="ok", fetched=10, new=2, finished=t + timedelta(minutes=1)
            )
        if t < now - timedelta(days=3):
            rid = run_store.start_run(db, "reddit-bogor", t)
            run_store.finish_run(
                db, rid, status="ok", fetched=5, new=1, finished=t + timedelta(minutes=1)
            )
        else:
            rid = run_store.start_run(db, "reddit-bogor", t)
            run_store.finish_run(
                db, rid, status="ok", fetched=5, new=0, finished=t + timedelta(minutes=1)
            )
        failing = t > now - timedelta(hours=10)
        rid = run_store.start_run(db, "x-bogor", t)
        run_store.finish_run(
            db, rid, status="error" if failing else "ok", fetched=0 if failing else 8,
            new=0 if failing else 3, finished=t + timedelta(minutes=1),
            error="x: HTTP 503 Service Unavailable from api.x.com" if failing else None,
        )  # fmt: skip
        t += timedelta(hours=2)


def build_fixed_db(db: sqlite_utils.Database) -> None:
    insert_items(db, history_items() + day_items())
    insert_runs(db)
