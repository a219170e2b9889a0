"""Aspirasi classes, negation, sarcasm, news vs social, sentiment."""

from __future__ import annotations

import pytest

from processing.pipeline import analyze

CASES = [
    # (kind, title, text, aspirasi)
    ("x", None, "jalan di ciseeng ancur bgt, lobang dmn2 😡", "keluhan"),
    ("x", None, "air pdam mati lagi udh 3 hari, gak ngalir sama sekali", "keluhan"),
    ("x", None, "sampah gak diangkut seminggu, bau", "keluhan"),
    ("x", None, "jalan belum juga diperbaiki padahal udah setahun", "keluhan"),
    ("x", None, "tolong jalan di rumpin segera diperbaiki pak", "permintaan"),
    ("x", None, "mohon dishub pasang lampu jalan di cileungsi", "permintaan"),
    ("x", None, "spmb smp negeri kapan dibuka ya?", "pertanyaan"),
    ("x", None, "ngurus kk berapa lama ya di disdukcapil?", "pertanyaan"),
    ("x", None, "makasih damkar kab bogor, gercep bgt 👍", "apresiasi"),
    ("x", None, "pelayanan puskesmas sekarang ramah dan cepat, mantap", "apresiasi"),
    ("x", None, "jalan di sini tidak rusak kok, aman", "informasi"),
    # sarcasm: praise wrapped around a complaint
    ("x", None, "mantap pemkab, jalannya kayak kubangan kerbau 🙄", "keluhan"),
    # negated praise
    ("x", None, "pelayanannya gak bagus, gak ramah", "keluhan"),
    # news: residents' complaints reported are keluhan
    (
        "news",
        "Jalan Rusak di Parungpanjang Dikeluhkan Warga",
        "Warga mengeluhkan jalan.",
        "keluhan",
    ),
    ("news", "Warga Minta Pemkab Perbaiki Jembatan", "Warga meminta perbaikan.", "permintaan"),
    # news: neutral events and government action are informasi
    (
        "news",
        "Banjir Rendam Ratusan Rumah di Bojonggede",
        "Banjir setinggi satu meter.",
        "informasi",
    ),
    ("news", "Gudang di Cibinong Terbakar", "Tidak ada korban jiwa.", "informasi"),
    ("news", "Disnaker Gelar Job Fair", "Ada 3.000 lowongan kerja.", "informasi"),
    ("news", "Pemkab Bogor Perbaiki 500 Rutilahu", "Perbaikan dimulai bulan ini.", "informasi"),
    ("news", "Satpol PP Bongkar Bangunan Liar", "Tiga puluh bangunan dibongkar.", "informasi"),
    ("news", "Wabup Minta ASN Disiplin", "Wakil Bupati meminta ASN disiplin.", "informasi"),
    ("news", "Siswa Raih Juara Olimpiade", "Siswa berhasil meraih juara.", "informasi"),
    ("news", "Bupati Beri Apresiasi Atlet", "Bupati mengapresiasi atlet.", "apresiasi"),
    # news reporting a response to a problem is informasi, unless people complain
    ("news", "Damkar Padamkan Kebakaran Gudang", "Api padam setelah dua jam.", "informasi"),
    ("news", "PUPR Perbaiki Jalan Rusak di Cigombong", "Perbaikan selesai.", "informasi"),
    ("news", "Rapat Bahas Kemacetan Puncak", "Dishub menggelar rapat.", "informasi"),
    (
        "news",
        "Jalan Rusak Dibiarkan, Warga Protes",
        "Warga memprotes jalan rusak meski pernah ditinjau.",
        "keluhan",
    ),
    (
        "news",
        "Jembatan Putus Belum Diperbaiki",
        "Jembatan putus dan meski sudah ditinjau belum diperbaiki.",
        "keluhan",
    ),
    ("news", "DPRD Minta Dinas PUPR Percepat Perbaikan", "DPRD meminta dinas.", "informasi"),
    ("news", "Puluhan Rumah Rusak Diterjang Puting Beliung", "40 rumah rusak.", "informasi"),
    ("news", "Jalan Rusak di Jasinga Makan Korban", "Jalan rusak parah.", "keluhan"),
    # a complaint ending in a plea is a complaint; a proposal is a request
    ("x", None, "lampu jalan mati sebulan, gelap gulita, rawan. tolong segera", "keluhan"),
    ("x", None, "usul pak, dibangun taman bermain di lapangan desa kami", "permintaan"),
    ("x", None, "kapan jalan di cariu ini diperbaiki??", "keluhan"),
    ("x", None, "mohon info, pendaftaran pppk kapan dibuka ya?", "pertanyaan"),
    # a question with a mild complaint word still asks; an open problem still complains
    ("x", None, "syarat bikin ktp baru apa aja ya? ktp lama hilang", "pertanyaan"),
    ("x", None, "air mati lagi, kapan nyala?", "keluhan"),
    (
        "news",
        "Pemkab Luncurkan Aplikasi Aduan",
        "Aplikasi diharapkan memudahkan warga.",
        "informasi",
    ),
    (
        "news",
        "DLH Tambah Truk Sampah",
        "DLH menambah truk untuk mengurangi sampah yang tidak terangkut.",
        "informasi",
    ),
    # praise that a past problem is fixed
    ("x", None, "makasih, jalan yang dulu rusak sekarang udah mulus", "apresiasi"),
    ("x", None, "alhamdulillah banjir kemarin cepat ditangani BPBD", "apresiasi"),
    ("x", None, "makasih, gorong2 yang tadinya mampet udah dibersihkan", "apresiasi"),
]


@pytest.mark.parametrize(("kind", "title", "text", "expected"), CASES)
def test_aspirasi(resources, kind: str, title: str | None, text: str, expected: str) -> None:
    result = analyze(resources, text, title, kind)
    assert result.aspirasi == expected, result.matched.get("aspirasi")


def test_sentiment_range_and_sign(resources) -> None:
    bad = analyze(resources, "jalan rusak parah, kecewa berat, pungli lagi 😡", kind="x")
    good = analyze(resources, "mantap, jalannya mulus, terima kasih pak bupati 👍", kind="x")
    neutral = analyze(resources, "Pemkab menggelar rapat koordinasi", kind="news")
    assert -1.0 <= bad.sentiment < -0.3
    assert 0.3 < good.sentiment <= 1.0
    assert neutral.sentiment == 0.0


def test_negation_flips_polarity(resources) -> None:
    assert analyze(resources, "jalannya bagus", kind="x").sentiment > 0
    assert analyze(resources, "jalannya tidak bagus", kind="x").sentiment < 0


def test_cues_are_kept(resources) -> None:
    result = analyze(resources, "jalan belum diperbaiki, mohon segera", kind="x")
    assert "belum diperbaiki" in result.matched["aspirasi"]["keluhan"]
    assert "mohon" in result.matched["aspirasi"]["permintaan"]


def test_unknown_kind_is_news_when_it_has_a_headline(resources) -> None:
    # "pantau tag" lines may carry no kind: a headline (or a dateline) means news.
    headline = analyze(resources, "Satpol PP membongkar 30 bangunan liar.", "Bongkar Bangunan Liar")
    assert headline.aspirasi == "informasi"
    dateline = analyze(resources, "Cibinong (ANTARA) - Satpol PP membongkar bangunan liar.")
    assert dateline.aspirasi == "informasi"
    post = analyze(resources, "bangunan liar di mana-mana, satpol pp kemana")
    assert post.aspirasi == "keluhan"
