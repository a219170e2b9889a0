"""Relevance: the regency versus Kota Bogor, neighbouring regions and national news."""

from __future__ import annotations

import pytest

from processing.pipeline import analyze

REGENCY = [
    ("Jalan rusak di Cibinong", "jalan di cibinong rusak parah"),
    (None, "@pemkabbogor tolong jalan depan rumah"),
    (None, "air mati lagi @tirtakahuripan"),
    ("Bupati Rudy Susmanto Resmikan Jembatan", "Bupati meresmikan jembatan baru."),
    (None, "macet total di jalur puncak"),
    (None, "pak bupati janjinya mana"),  # local-government word, nothing else named
    (None, "jalan di desa sukamaju rusak"),  # a regency-only desa, kecamatan unknown
]

KOTA = [  # Kota Bogor only
    ("Jalan Rusak di Bogor Tengah", "Warga Kecamatan Bogor Tengah, Kota Bogor, mengeluh."),
    ("Wali Kota Bogor Resmikan Taman", "Dedie A. Rachim meresmikan taman."),
    (None, "air tirta pakuan mati di tanah sareal"),
    ("Polresta Bogor Kota Tangkap Begal", "Penangkapan di Bogor Utara."),
    (None, "biskita telat mulu di halte baranangsiang"),
    ("Pemkot Bogor Gelar CFD", "Car free day di Jalan Sudirman."),
    (None, "macet di jalan pajajaran depan botani square"),
    (None, "jalan di kelurahan cimahpar rusak, pemkot kemana"),
]

NEIGHBOURS = [
    ("Banjir Rendam Perumahan di Depok", "Banjir di Kecamatan Cimanggis, Kota Depok."),
    (None, "jalan di cikarang rusak parah, pemkab bekasi kemana"),
    ("Longsor di Cianjur", "Longsor melanda Kecamatan Cugenang, Kabupaten Cianjur."),
    ("Kebakaran Pasar di Sukabumi", "Kebakaran di Kota Sukabumi."),
    ("Warga Tangerang Selatan Protes Bau TPA", "Warga Serpong memprotes bau."),
]

NATIONAL = [
    ("Kemendikdasmen Umumkan Aturan SPMB", "Aturan berlaku di seluruh Indonesia."),
    ("Presiden Resmikan Bendungan", "Bendungan baru di Jawa Tengah."),
    ("BPJS Kesehatan Umumkan Perubahan Iuran", "Iuran peserta mandiri berubah."),
]

SAME_NAME_ELSEWHERE = [
    ("Kebakaran Gedung di Kemang", "Gedung di kawasan Kemang, Jakarta Selatan, terbakar."),
    ("Banjir di Ciomas", "Banjir merendam rumah di Kecamatan Ciomas, Kabupaten Serang, Banten."),
    ("Jalan Rusak di Sukaraja", "Pengendara mengeluh jalan di Sukaraja, Kabupaten Sukabumi."),
    ("Warga Cibinong Keluhkan Jalan", "Warga Kecamatan Cibinong, Kabupaten Cianjur, mengeluh."),
]


@pytest.mark.parametrize(("title", "text"), REGENCY)
def test_regency_posts_are_relevant(resources, title: str | None, text: str) -> None:
    result = analyze(resources, text, title, "news" if title else "x")
    assert result.relevant, result.matched


@pytest.mark.parametrize(("title", "text"), KOTA + NEIGHBOURS + NATIONAL + SAME_NAME_ELSEWHERE)
def test_hard_negatives_are_not_relevant(resources, title: str | None, text: str) -> None:
    result = analyze(resources, text, title, "news" if title else "x")
    assert not result.relevant, result.matched
    assert result.kecamatan == ()


def test_both_sides_judged_on_what_it_is_about(resources) -> None:
    about_regency = analyze(
        resources,
        "Jalan di perbatasan Kecamatan Ciomas, Kabupaten Bogor, dan Kota Bogor rusak parah.",
        "Jalan Perbatasan Ciomas-Kota Bogor Rusak Parah",
        "news",
    )
    assert about_regency.relevant
    about_kota = analyze(
        resources,
        "Wali Kota Bogor meresmikan taman di Bogor Tengah; warga Kabupaten Bogor ikut datang.",
        "Wali Kota Bogor Resmikan Taman Sempur",
        "news",
    )
    assert not about_kota.relevant


def test_relevance_score_and_terms(resources) -> None:
    result = analyze(resources, "Pemkab Bogor dan DPRD Kabupaten Bogor sahkan APBD", kind="news")
    assert 0.5 < result.relevance <= 1.0
    assert "pemkab bogor" in result.matched["relevance"]["regency"]
