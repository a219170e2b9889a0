"""Near-duplicates: exact URL/title/text keys, then SimHash."""

from __future__ import annotations

import pytest

from processing.dedup import DedupIndex, dedup_keys, distance, simhash, strip_publisher
from processing.pipeline import analyze

STORY = (
    "Warga Kecamatan Parungpanjang mengeluhkan kondisi jalan yang rusak parah dan berlubang "
    "sedalam lutut orang dewasa sejak awal tahun, sementara truk tambang terus melintas."
)


def _index_with(resources, text: str, title: str | None = None, url: str | None = None):
    index = DedupIndex()
    first = analyze(resources, text, title)
    index.add(1, first.fingerprint, dedup_keys(url, title, text), len(text.split()))
    return index


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Jalan Rusak di Parungpanjang Dikeluhkan Warga - Kompas.com", "Jalan Rusak di Parungpanjang Dikeluhkan Warga"),
        ("Jalan Rusak di Parungpanjang Dikeluhkan Warga | Radar Bogor", "Jalan Rusak di Parungpanjang Dikeluhkan Warga"),
        ("Ciomas-Kota Bogor Rusak", "Ciomas-Kota Bogor Rusak"),
        ("Pendek - Judul yang panjang sekali di sini", "Pendek - Judul yang panjang sekali di sini"),
    ],
)  # fmt: skip
def test_strip_publisher(title: str, expected: str) -> None:
    assert strip_publisher(title) == expected


def test_syndicated_copy_with_other_publisher_suffix(resources) -> None:
    title = "Jalan Rusak di Parungpanjang Dikeluhkan Warga"
    index = _index_with(resources, STORY, f"{title} - Kompas.com", "https://a.example/1")
    keys = dedup_keys("https://b.example/2", f"{title} - detikJabar", "ringkasan lain")
    assert index.find(0, keys, 3) == 1


def test_retweet_is_a_duplicate(resources) -> None:
    text = (
        "air pdam di cibinong mati lagi dari subuh, udah 3 hari gini terus, gak ngalir sama sekali"
    )
    index = _index_with(resources, text)
    retweet = "RT @warga_bgr: " + text
    result = analyze(resources, retweet)
    assert index.find(result.fingerprint, dedup_keys(None, None, retweet), 20) == 1


def test_copy_paste_with_small_edit_is_a_near_duplicate(resources) -> None:
    index = _index_with(resources, STORY)
    edited = STORY.replace("sejak awal tahun", "sejak awal tahun ini")
    result = analyze(resources, edited)
    assert index.find(result.fingerprint, [], len(edited.split())) == 1


def test_different_story_is_not_a_duplicate(resources) -> None:
    index = _index_with(resources, STORY)
    other = (
        "Dinas Kesehatan Kabupaten Bogor menggelar imunisasi campak serentak di seratus "
        "puskesmas untuk menekan kasus campak pada anak usia sekolah dasar."
    )
    result = analyze(resources, other)
    assert index.find(result.fingerprint, dedup_keys(None, None, other), 20) is None


def test_short_posts_do_not_match_by_fingerprint() -> None:
    index = DedupIndex()
    index.add(1, simhash(["jalan", "rusak"]), [], 2)
    assert index.find(simhash(["jalan", "rusak"]), [], 2) is None


def test_simhash_properties() -> None:
    tokens = STORY.lower().split()
    assert simhash([]) == 0
    assert simhash(tokens) == simhash(list(tokens))
    assert distance(simhash(tokens), simhash(tokens[:-1])) <= 6
    assert -(1 << 63) <= simhash(tokens) < (1 << 63)
