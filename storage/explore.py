"""Datasette metadata for ``pantau explore``: titles, column labels and canned queries.

Canned queries take an optional ``:day`` (YYYY-MM-DD, local); empty means today
in the configured zone. Datasette opens the store read-only.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

POST_COLUMNS = {
    "id": "Nomor unggahan di Pantau",
    "source": "Sumber yang dikonfigurasi (config.yaml)",
    "kind": "Jenis sumber: rss, gnews, x, reddit, news",
    "external_id": "ID asli di platform/feed",
    "url": "Tautan ke unggahan atau berita",
    "author": "Akun atau penulis",
    "title": "Judul",
    "text": "Isi teks",
    "published_at": "Waktu terbit (UTC, ISO-8601)",
    "fetched_at": "Waktu diambil Pantau (UTC)",
    "lang": "Bahasa",
    "metrics": "Angka interaksi (JSON: suka, bagikan, balasan, skor)",
    "raw": "Data asli dari sumber (JSON, tidak diubah)",
    "dup_of": "Salinan dari unggahan nomor ini (kosong = asli)",
}
ANALYSIS_COLUMNS = {
    "post_id": "Unggahan",
    "relevant": "1 = tentang Kabupaten Bogor (bukan Kota Bogor / daerah lain)",
    "relevance": "Keyakinan relevansi 0..1",
    "departments": "Perangkat daerah terkait (kode, paling spesifik dulu)",
    "topics": "Topik (kode)",
    "kecamatan": "Kecamatan yang disebut",
    "aspirasi": "keluhan, permintaan, pertanyaan, apresiasi atau informasi",
    "sentiment": "Sentimen -1 (negatif) .. 1 (positif)",
    "matched": "Kata yang memicu tiap label (JSON)",
    "taxonomy_version": "Versi daftar kata kunci saat dianalisis",
}
RUN_COLUMNS = {
    "source": "Sumber",
    "started_at": "Mulai (UTC)",
    "finished_at": "Selesai (UTC)",
    "status": "ok, error, rate_limited, skipped",
    "fetched": "Jumlah item diambil",
    "new": "Jumlah item baru disimpan",
    "error": "Pesan galat terakhir",
}


def _offset(tz: ZoneInfo) -> str:
    offset = datetime.combine(date.today(), time(12, 0), tz).utcoffset() or timedelta(0)
    return f"{offset.total_seconds() / 3600:+g} hours"


def canned_queries(tz: ZoneInfo) -> dict[str, dict[str, Any]]:
    """The canned queries (SQL with an optional ``:day`` parameter)."""
    shift = _offset(tz)
    at = "coalesce(p.published_at, p.fetched_at)"
    day = f"coalesce(nullif(:day, ''), date('now', '{shift}'))"
    return {
        "keluhan_hari_ini": {
            "title": "Keluhan dan permintaan hari ini",
            "description": "Keluhan/permintaan tentang Kabupaten Bogor pada satu hari "
            "(kosongkan day = hari ini), salinan tidak dihitung.",
            "sql": f"""select datetime({at}, '{shift}') as waktu_lokal, p.source, p.title, p.url,
  a.aspirasi, a.departments, a.kecamatan, p.id as post_id
from posts p join analysis a on a.post_id = p.id
where a.relevant = 1 and p.dup_of is null and a.aspirasi in ('keluhan', 'permintaan')
  and date({at}, '{shift}') = {day}
order by {at} desc""",
        },
        "per_dinas": {
            "title": "Sebutan per perangkat daerah",
            "description": "Jumlah sebutan dan keluhan per perangkat daerah pada satu hari.",
            "sql": f"""select d.department, count(*) as sebutan,
  sum(a.aspirasi in ('keluhan', 'permintaan')) as keluhan_permintaan,
  round(avg(a.sentiment), 2) as rata_sentimen
from post_departments d join posts p on p.id = d.post_id join analysis a on a.post_id = p.id
where a.relevant = 1 and p.dup_of is null and date({at}, '{shift}') = {day}
group by d.department order by keluhan_permintaan desc, sebutan desc""",
        },
        "per_kecamatan": {
            "title": "Keluhan per kecamatan",
            "description": "Asal keluhan dan permintaan per kecamatan pada satu hari.",
            "sql": f"""select k.kecamatan, count(distinct p.id) as sebutan,
  count(distinct case when a.aspirasi in ('keluhan', 'permintaan') then p.id end)
    as keluhan_permintaan
from post_places k join posts p on p.id = k.post_id join analysis a on a.post_id = p.id
where a.relevant = 1 and p.dup_of is null and date({at}, '{shift}') = {day}
group by k.kecamatan order by keluhan_permintaan desc, sebutan desc""",
        },
        "sumber_bermasalah": {
            "title": "Sumber yang gagal",
            "description": "Run terakhir tiap sumber yang tidak berstatus ok.",
            "sql": """select r.source, r.status, r.started_at, r.error from runs r
join (select source, max(id) as id from runs group by source) m on m.id = r.id
where r.status != 'ok' order by r.source""",
        },
    }


def datasette_metadata(db_path: str | Path, timezone: str = "Asia/Jakarta") -> dict[str, Any]:
    """Return Datasette metadata for the store at ``db_path`` (database name = file stem)."""
    name = Path(db_path).stem
    tables: dict[str, Any] = {
        "posts": {
            "description": "Satu baris per unggahan/berita yang dikumpulkan.",
            "label_column": "title",
            "sort_desc": "published_at",
            "columns": POST_COLUMNS,
        },
        "analysis": {
            "description": "Hasil analisis tiap unggahan.",
            "columns": ANALYSIS_COLUMNS,
        },
        "post_departments": {"description": "Satu baris per unggahan per perangkat daerah."},
        "post_topics": {"description": "Satu baris per unggahan per topik."},
        "post_places": {"description": "Satu baris per unggahan per kecamatan/desa."},
        "runs": {
            "description": "Riwayat pengambilan data tiap sumber.",
            "sort_desc": "id",
            "columns": RUN_COLUMNS,
        },
        "alerts": {"description": "Peringatan lonjakan yang sudah dikirim."},
        "cursors": {"hidden": True},
    }
    return {
        "title": "Pantau - Humas Pemerintah Kabupaten Bogor",
        "description": "Sebutan tentang Kabupaten Bogor dari media dan warganet.",
        "databases": {
            name: {"tables": tables, "queries": canned_queries(ZoneInfo(timezone))},
        },
    }


def write_metadata(db_path: str | Path, out: str | Path, timezone: str = "Asia/Jakarta") -> Path:
    """Write the metadata JSON to ``out``; return its path."""
    path = Path(out)
    path.write_text(json.dumps(datasette_metadata(db_path, timezone), ensure_ascii=False,
                               indent=2), encoding="utf-8")  # fmt: skip
    return path


def datasette_command(
    db_path: str | Path, metadata: str | Path, host: str = "127.0.0.1", port: int = 8001
) -> list[str] | None:
    """The ``datasette serve`` command line, or None when Datasette is not installed."""
    try:
        import datasette  # noqa: F401
    except ImportError:
        if shutil.which("datasette") is None:
            return None
        prefix = ["datasette"]
    else:
        prefix = [sys.executable, "-m", "datasette"]
    return [*prefix, "serve", str(db_path), "--metadata", str(metadata), "--host", host,
            "--port", str(port)]  # fmt: skip
