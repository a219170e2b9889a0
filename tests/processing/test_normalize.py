"""Table-driven normalization cases: one row per informal spelling or entity."""

from __future__ import annotations

import pytest

from processing.normalize import compact, dereduplicate, fold

# (text, tokens that must appear in order, tokens that must not appear)
CASES = [
    # slang -> formal (IndoCollex + local additions)
    ("gw udh nunggu lama bgt", ["saya", "sudah", "lama", "sekali"], ["gw", "udh", "bgt"]),
    (
        "jalanan ancur, lobang dmn2",
        ["jalan", "hancur", "lubang", "di", "mana"],
        ["ancur", "lobang"],
    ),
    ("kapan dibenerin sih", ["kapan", "diperbaiki"], ["dibenerin"]),
    ("gak ada yg dateng", ["tidak", "ada", "yang", "datang"], ["gak", "dateng"]),
    ("makasih pak, mantul", ["terima", "kasih", "mantap"], ["makasih", "mantul"]),
    # elongation
    ("parahhh bangeeet", ["parah", "sekali"], ["parahhh", "bangeeet"]),
    ("macettt", ["macet"], ["macettt"]),
    ("maaaf", ["maaf"], ["maf"]),
    ("pppk", ["pppk"], ["pakai"]),  # an abbreviation, not an elongation
    # reduplication
    ("jalan2 rusak", ["jalan", "rusak"], ["jalan2"]),
    ("anak-anak sekolah", ["anak", "sekolah"], ["anak-anak"]),
    ("bolong2 semua", ["berlubang"], ["bolong2"]),
    # -nya
    ("jalannya rusak", ["jalan", "rusak"], ["jalannya"]),
    ("lubangnya gede", ["lubang"], ["lubangnya"]),
    ("hanya punya satu", ["hanya", "punya"], ["ha", "pu"]),
    # abbreviations
    (
        "Jl. Raya Jasinga, Kec. Jasinga, Kab. Bogor",
        ["jalan", "raya", "jasinga", "kecamatan", "kabupaten", "bogor"],
        [],
    ),
    ("jln rusak, lapor pemkab & dishub", ["jalan", "pemkab", "dinas", "perhubungan"], ["jln"]),
    # hashtags are segmented by case and by the lexicon
    ("#JalanRusakCibinong", ["jalan", "rusak", "cibinong"], ["jalanrusakcibinong"]),
    ("#sampahmenumpuk", ["sampah", "menumpuk"], ["sampahmenumpuk"]),
    ("#KabBogor", ["kabupaten", "bogor"], []),
    # URLs, mentions, emoji and numbers are taken out of the token stream
    ("cek https://bogorkab.go.id/berita?id=1 ya", ["cek", "ya"], ["https", "bogorkab", "go"]),
    ("@pemkabbogor tolong", ["tolong"], ["pemkabbogor"]),
    ("mantap 👍👍🔥", ["mantap"], []),
    ("antre 300 orang sejak 05.00", ["antre", "orang", "sejak"], ["300", "05"]),
    ("gas 3kg langka", ["gas", "langka"], ["3kg"]),
    # Sundanese particles pass through harmlessly
    ("jalan teh rusak pisan euy", ["jalan", "teh", "rusak", "sekali", "euy"], []),
    ("hatur nuhun pak", ["hatur", "terima", "kasih"], []),
    # NFKC and case folding
    ("ＪＡＬＡＮ RUSAK", ["jalan", "rusak"], []),
    # place-name words are not slang: Bojong Gede is no "bojong besar"
    ("banjir di bojong gede", ["bojong", "gede"], ["besar"]),
    # retweet prefix
    ("RT @warga_bgr: air mati lagi", ["air", "mati", "lagi"], ["rt", "warga"]),
]


@pytest.mark.parametrize(("text", "present", "absent"), CASES)
def test_normalization_table(resources, text: str, present: list[str], absent: list[str]) -> None:
    tokens = list(resources.normalize(text).tokens)
    position = -1
    for word in present:
        assert word in tokens[position + 1 :], (text, tokens, word)
        position = tokens.index(word, position + 1)
    for word in absent:
        assert word not in tokens, (text, tokens, word)


def test_entities_are_extracted(resources) -> None:
    result = resources.normalize(
        "RT @x: Jalan rusak!! @DPUPRKabBogor #JalanRusak http://t.co/abc 😡 sejak 2024?"
    )
    assert result.urls == ("http://t.co/abc",)
    assert result.mentions == ("dpuprkabbogor",)
    assert result.hashtags == ("jalanrusak",)
    assert result.emoji == ("😡",)
    assert "2024" in result.numbers
    assert result.question and result.exclamations == 2
    assert result.mention_tokens == ("dpupr", "kabupaten", "bogor")


def test_mentions_are_segmented_with_taxonomy_words(resources) -> None:
    assert resources.normalize("@tirtakahuripan").mention_tokens == ("tirta", "kahuripan")
    assert resources.normalize("@pemkabbogor").mention_tokens == ("pemkab", "bogor")


def test_flags_record_reduplication_and_nya(resources) -> None:
    assert resources.normalize("jalan2 dan rumahnya").flags == {"reduplication", "nya"}


@pytest.mark.parametrize(
    ("token", "expected"),
    [("jalan2", ("jalan", True)), ("anak-anak", ("anak", True)), ("ke2", ("ke2", False)),
     ("sayur-mayur", ("sayur-mayur", False)), ("ramai-ramainya", ("ramai", True))],
)  # fmt: skip
def test_dereduplicate(token: str, expected: tuple[str, bool]) -> None:
    assert dereduplicate(token) == expected


def test_compact_and_fold() -> None:
    assert compact("Parung Panjang") == compact("Parungpanjang") == "parungpanjang"
    assert compact("Babakan-Madang") == "babakanmadang"
    assert fold("Ｃｉｂｉｎｏｎｇ\u200b") == "cibinong"


def test_empty_and_symbols_only(resources) -> None:
    assert resources.normalize("").tokens == ()
    assert resources.normalize("!!! ??? ... 😡😡").tokens == ()


def test_stemming_protects_names_and_fixes_bad_stems(resources) -> None:
    stem = resources.stemmer.stem
    assert stem("cibinong") == "cibinong"
    assert stem("kahuripan") == "kahuripan"
    assert stem("pemadam") == "pemadam"
    assert stem("kerusakan") == "rusak"  # Sastrawi alone says "rusa"
    assert stem("diperbaiki") == "baik"
    before = len(resources.stemmer)
    resources.stemmer.stem("diperbaiki")
    assert len(resources.stemmer) == before  # cached


def test_stemmer_cache_is_bounded() -> None:
    from processing.stem import CachedStemmer

    class Fake:
        calls = 0

        def stem(self, word: str) -> str:
            Fake.calls += 1
            return word[:-1]

    stemmer = CachedStemmer(maxsize=50, stemmer=Fake())
    for i in range(500):
        stemmer.stem(f"kata{chr(97 + i % 26)}{chr(97 + i // 26)}")
    assert len(stemmer) <= 50
    calls = Fake.calls
    stemmer.stem_tokens(["katazz", "katazz", "katazz"])
    assert Fake.calls == calls + 1  # one distinct token, stemmed once
