"""Department/topic tagging: taxonomy coverage, phrase rules, matched terms."""

from __future__ import annotations

import pytest

from processing.pipeline import analyze

DESIGN_CODES = [
    "disdik",
    "dinkes",
    "rsud",
    "pupr",
    "dpkpp",
    "dishub",
    "dlh",
    "disdukcapil",
    "diskominfo",
    "bpbd",
    "satpolpp",
    "dinsos",
    "disnaker",
    "dpmptsp",
    "bapenda",
    "tirta_kahuripan",
    "damkar",
    "disbudpar",
    "dispora",
    "dpmd",
    "diskanak",
    "distanhorbun",
    "disdagin",
    "diskopukm",
    "dp3a",
    "setda_pimpinan",
    "dprd",
]


def test_default_taxonomy_has_every_design_code(default_config) -> None:
    assert set(DESIGN_CODES) <= set(default_config.departments)
    for code in DESIGN_CODES:
        dept = default_config.departments[code]
        assert dept.name and dept.aliases, code
        assert dept.topics or dept.keywords, code


# (text, expected departments, department that must be absent)
CASES = [
    ("Jalan rusak parah di Ciseeng, lubang di mana-mana", {"pupr"}, None),
    ("jalan di desa sukamaju rusak parah", {"pupr"}, None),
    ("Kerusakan jalan di Tanjungsari makin parah", {"pupr"}, None),
    ("PJU mati di Jalan Tegar Beriman, gelap", {"dishub"}, "pupr"),
    ("truk tambang lewat siang hari di Rumpin", {"dishub"}, None),
    ("sampah menumpuk di TPS liar Parung", {"dlh"}, None),
    ("air pdam mati 3 hari @tirtakahuripan", {"tirta_kahuripan"}, None),
    ("Banjir rendam rumah warga Bojonggede", {"bpbd"}, None),
    ("Kebakaran gudang di Cibinong, damkar dikerahkan", {"damkar"}, None),
    ("blanko KTP-el habis di Disdukcapil", {"disdukcapil"}, None),
    ("bansos PKH tidak tepat sasaran", {"dinsos"}, None),
    ("Ratusan buruh kena PHK, pesangon belum dibayar", {"disnaker"}, None),
    ("ngurus izin usaha lewat OSS ribet", {"dpmptsp"}, None),
    ("SPPT PBB naik tiga kali lipat", {"bapenda"}, None),
    ("RSUD Bakti Pajajaran menolak pasien BPJS", {"rsud"}, None),
    ("RSUD Ciawi berganti nama menjadi RSUD KH Idham Chalid", {"rsud"}, None),
    ("Antrean puskesmas mengular, dokter cuma satu", {"dinkes"}, None),
    ("SPMB SMP negeri jalur domisili dibuka", {"disdik"}, None),
    ("Satpol PP bongkar bangunan liar di Puncak", {"satpolpp"}, None),
    ("DPTR mulai menyusun RDTR kawasan Puncak", {"dpkpp"}, None),
    ("wifi gratis di desa tidak ada sinyal", {"diskominfo"}, None),
    ("Festival budaya di objek wisata Gunung Pancar", {"disbudpar"}, None),
    ("Atlet raih medali emas Porprov", {"dispora"}, None),
    ("Dana desa diselewengkan kepala desa", {"dpmd"}, None),
    ("Sapi peternak terkena PMK", {"diskanak"}, None),
    ("Petani keluhkan pupuk subsidi langka", {"distanhorbun"}, None),
    ("Harga beras naik, operasi pasar digelar", {"disdagin"}, None),
    ("Pelatihan UMKM untuk pelaku usaha mikro", {"diskopukm"}, None),
    ("Kasus kekerasan seksual anak ditangani UPTD PPA", {"dp3a"}, None),
    ("Bupati Rudy Susmanto lantik pejabat eselon II", {"setda_pimpinan"}, None),
    ("Rapat paripurna DPRD bahas raperda", {"dprd"}, None),
    # exact and derived words: "perumahan" is not "rumah", "membanjiri" is no flood
    ("Warga perumahan keluhkan air mati, membanjiri akun PDAM", {"tirta_kahuripan"}, "bpbd"),
    ("Rumah warga terbakar", {"damkar"}, "dpkpp"),
    # weak context words need a second hit
    ("anak sekolah naik angkot", set(), None),
    # similes are not topics: "kayak kolam ikan" is a road complaint
    ("jalan ancur, tiap ujan kyk kolam ikan", {"pupr"}, "diskanak"),
    # a longer phrase of one department leaves no word for another
    ("lampu jalan mati semua, mohon dibenerin", {"dishub"}, "pupr"),
    # exclusions
    ("jalan kaki ke pasar pagi ini", set(), "pupr"),
    # a street name, or road words far from any road condition, are no road work
    ("Polisi tangkap pencuri motor di Jalan Mayor Oking", set(), "pupr"),
    (
        "Pengajian akbar digelar di Jalan Raya Bogor dan berjalan lancar. Panitia"
        " mengumumkan hasil lomba, lalu meminta perbaikan data peserta",
        set(),
        "pupr",
    ),
    # officials as addressee or speaker are not the subject
    ("pak bupati, jalan di kampung kami rusak parah", {"pupr"}, "setda_pimpinan"),
    ("Posko banjir dibuka untuk pengungsi, kata Bupati Bogor", {"bpbd"}, "setda_pimpinan"),
    # hospital words are the hospital's, a village is not the village office
    ("Pasien RSUD Cibinong menunggu dokter berjam-jam", {"rsud"}, "dinkes"),
    ("Warga desa menggelar pengajian di masjid desa", set(), "dpmd"),
    ("Warga minta izin RT sebelum pengusaha hajatan", set(), "dpmptsp"),
    # village roads from village funds are dpmd's; a village road complaint is pupr's
    ("Dana desa dipakai untuk pembangunan jalan desa", {"dpmd"}, "pupr"),
    ("jalan desa rusak parah, mohon diperbaiki", {"pupr"}, None),
    # a factory and a company are not a labour story
    ("Perusahaan semen ajukan izin perluasan pabrik, warga menolak karena limbah", {"dlh"}, None),
]


@pytest.mark.parametrize(("text", "expected", "absent"), CASES)
def test_departments(resources, text: str, expected: set[str], absent: str | None) -> None:
    result = analyze(resources, text, kind="x")
    assert set(result.departments) == expected, (text, result.matched.get("departments"))
    if absent:
        assert absent not in result.departments


def test_fallback_pemkab_only_when_nothing_specific(resources) -> None:
    alone = analyze(resources, "Pemkab Bogor raih penghargaan", kind="news")
    assert alone.departments == ("setda_pimpinan",)
    specific = analyze(resources, "Pemkab Bogor perbaiki jalan rusak di Cariu", kind="news")
    assert specific.departments == ("pupr",)


def test_multi_department_and_general_last(resources) -> None:
    result = analyze(
        resources,
        "Bupati Bogor Rudy Susmanto tinjau jalan rusak dan banjir di Cileungsi",
        kind="news",
    )
    assert {"pupr", "bpbd", "setda_pimpinan"} <= set(result.departments)
    assert result.departments[-1] == "setda_pimpinan"


def test_tags_keep_matched_terms_and_topics(resources) -> None:
    result = analyze(resources, "Jalan berlubang di Jasinga, truk tambang lewat terus", kind="x")
    terms = result.matched["departments"]
    assert "jalan" in terms["pupr"]
    assert "truk tambang" in terms["dishub"]
    assert "truk_tambang" in result.topics and "jalan_rusak" in result.topics
    assert list(result.matched["topics"]["truk_tambang"]) == ["truk tambang"]
    # the context that let the road topic fire is shown too
    cues = result.matched["topics"]["jalan_rusak"]
    assert cues[0] == "jalan" and "berlubang" in cues


def test_mention_of_agency_tags_it(resources) -> None:
    result = analyze(resources, "min @DPUPRKabBogor mohon perhatiannya", kind="x")
    assert "pupr" in result.departments


def test_keywords_use_the_post_pipeline(resources) -> None:
    # config keywords were normalized+stemmed by the same function at load time
    assert resources.analyze_phrase("Jalan Berlubang") == resources.stemmer.stem_tokens(
        resources.normalize("jalan berlubang").tokens
    )
    assert "jalan" in resources.terms.by_first


def test_custom_taxonomy_rules(default_config) -> None:
    from pantau.config import DepartmentConfig, TopicRule
    from processing.resources import build_resources

    dept = DepartmentConfig(
        name="Dinas Uji",
        aliases=["dinas uji"],
        topics={
            "sumur": TopicRule(keywords=["sumur"], requires=["kering"], exclude=["sumur bor"]),
        },
    )
    config = default_config.model_copy(update={"departments": {"uji": dept}})
    res = build_resources(config)
    assert analyze(res, "sumur warga kering").topics == ("sumur",)
    assert analyze(res, "sumur warga penuh").topics == ()
    assert analyze(res, "sumur bor warga kering").topics == ()
    assert res.taxonomy_version != build_resources(default_config).taxonomy_version
