"""Kecamatan and desa tagging from the gazetteer."""

from __future__ import annotations

import pytest

from processing import lexicon
from processing.pipeline import analyze


def test_gazetteer_has_all_kecamatan_and_desa() -> None:
    areas = lexicon.gazetteer()
    regency = [a for a in areas if a.kabkota == "Kabupaten Bogor"]
    assert sum(a.level == "kecamatan" for a in regency) == 40
    assert sum(a.level == "desa_kelurahan" for a in regency) == 435


def test_every_kecamatan_is_found_by_its_official_name(resources) -> None:
    names = [a.nama for a in lexicon.gazetteer() if a.level == "kecamatan"]
    for area in lexicon.gazetteer():
        if area.level == "kecamatan" and area.kabkota == "Kabupaten Bogor":
            result = analyze(resources, f"Warga Kecamatan {area.nama} mengeluh", kind="x")
            assert result.kecamatan == (area.nama,), (area.nama, result.kecamatan)
    assert len(names) == 46


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("macet di Parung Panjang", ("Parungpanjang",)),
        ("macet di PARUNGPANJANG", ("Parungpanjang",)),
        ("banjir di bojong gede", ("Bojonggede",)),
        ("jalan di gunung putri", ("Gunungputri",)),
        ("kampus di Darmaga", ("Dramaga",)),
        ("kelapa nunggal berdebu", ("Klapanunggal",)),
        ("macet di Parung", ("Parung",)),  # not swallowed by Parungpanjang, nor the reverse
        ("warga Desa Cilebut Timur", ("Sukaraja",)),  # desa -> its kecamatan
        ("Desa Cidokom, Gunungsindur", ("Gunungsindur",)),  # Cidokom is in Rumpin too
        ("jalan Desa Sukamaju rusak", ()),  # in 4 kecamatan: left unassigned
        ("Desa Sukamaju, Kecamatan Jonggol", ("Jonggol",)),  # resolved by context
        ("pencemaran Sungai Cileungsi di Citeureup", ("Citeureup",)),  # a river, not a place
        ("Kemang, Jakarta Selatan", ()),
        ("banjir di Ciomas, Kabupaten Serang", ()),
        ("Cisarua, Kabupaten Bandung Barat", ()),
        ("kemang kab bogor rusak, bukan kemang jaksel", ("Kemang",)),
        # a road, a direction, a venue or an organization's seat is not where it happens
        ("kecelakaan di Jalan Raya Parung, Kecamatan Kemang", ("Kemang",)),
        ("macet dari Jonggol arah Cariu", ("Jonggol",)),
        ("Pemkab Bogor di Cibinong salurkan bantuan ke Kecamatan Jasinga", ("Jasinga",)),
        ("rapat di Kantor Bupati, Cibinong", ()),
        ("festival di Stadion Pakansari, Cibinong", ("Cibinong",)),  # the venue alone counts
        ("festival di Stadion Pakansari Cibinong dan Kecamatan Ciawi", ("Ciawi",)),
        ("halte di depan pemda cibinong atapnya jebol", ("Cibinong",)),  # a landmark
    ],
)
def test_places(resources, text: str, expected: tuple[str, ...]) -> None:
    assert analyze(resources, text, kind="x").kecamatan == expected


def test_desa_is_recorded(resources) -> None:
    result = analyze(resources, "longsor di Desa Bunar, Kecamatan Cigudeg", kind="news")
    assert result.kecamatan == ("Cigudeg",)
    assert result.desa == ("Cigudeg/Bunar",)
    assert "Cigudeg" in result.matched["kecamatan"]


def test_kota_bogor_places_are_not_kecamatan(resources) -> None:
    result = analyze(resources, "Banjir di Kelurahan Katulampa, Bogor Timur", kind="news")
    assert result.kecamatan == ()
    assert "bogor timur" in result.matched["relevance"]["kota"]
