"""The regex-free port returns exactly what PySastrawi's single-word stemmer returns.

The reference is Sastrawi 1.2.1's own ``stem_singular_word`` (the path the port
replaces; ``test_stem.py`` checks that path against plain ``stem()``), over the
same dictionary object.
"""

from __future__ import annotations

import gzip
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import corpus
from processing.evaluate import DEFAULT_DIR, PARTS, load_items
from processing.sastrawi_ecs import EcsStemmer
from processing.stem import CachedStemmer, create_sastrawi_stemmer
from tests.processing.golden_analysis import EDGE_CASES, GOLDEN

EVAL_DIR = Path(__file__).resolve().parents[2] / DEFAULT_DIR

PREFIXES = [
    "", "me", "mem", "men", "meng", "meny", "menge", "pe", "pem", "pen", "peng", "peny",
    "penge", "be", "ber", "te", "ter", "di", "ke", "se", "per", "memper", "diper", "ku",
    "kau", "mempe", "ter", "bel", "pel",
]  # fmt: skip
SUFFIXES = [
    "", "kan", "an", "i", "lah", "kah", "tah", "pun", "ku", "mu", "nya", "kannya", "annya",
    "inya", "kanlah", "nyalah", "isasi", "isme", "is", "kanku", "imu",
]  # fmt: skip
COMBOS = [(p, s) for p in dict.fromkeys(PREFIXES) for s in SUFFIXES]


@pytest.fixture(scope="module")
def sastrawi() -> Any:
    """Sastrawi's single-word stemmer (``Stemmer``), as ``processing.stem`` builds it."""
    return create_sastrawi_stemmer().delegatedStemmer


@pytest.fixture(scope="module")
def ecs(sastrawi: Any) -> EcsStemmer:
    return EcsStemmer(sastrawi.dictionary.words)


@pytest.fixture(scope="module")
def roots(sastrawi: Any) -> list[str]:
    """Every dictionary root of ``[a-z]`` letters (the rest never reach the port)."""
    words = sorted(w for w in sastrawi.dictionary.words if w.isascii() and w.isalpha())
    return [w for w in words if w.islower()]


def differences(ecs: EcsStemmer, sastrawi: Any, words: list[str]) -> list[tuple[str, str, str]]:
    single = sastrawi.stem_singular_word
    found = []
    for word in words:
        got, want = ecs.stem(word), single(word)
        if got != want:
            found.append((word, got, want))
    return found


def test_dictionary_is_sastrawis_own(sastrawi: Any, ecs: EcsStemmer, roots: list[str]) -> None:
    assert ecs.words is sastrawi.dictionary.words  # read live, not copied
    assert len(roots) > 25_000
    assert all(ecs.stem(root) == root for root in roots[::50])


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("kerusakan", "rusa"),  # Sastrawi's own answer (our overrides fix it later)
        ("diperbaiki", "baik"),
        ("menyalurkan", "salur"),
        ("pengacara", "acara"),
        ("mengecat", "cat"),
        ("belajar", "ajar"),
        ("pelajaran", "ajar"),
        ("perekonomian", "ekonomi"),
        ("mempertanggungjawabkan", "mempertanggungjawabkan"),  # no root found: as is
        ("bangunan", "bangun"),
        ("pengairan", "air"),
        ("pemerintahan", "perintah"),
        ("ditelantarkan", "telantar"),
        ("kumakan", "makan"),
        ("abc", "abc"),
        ("xyzxyzq", "xyzxyzq"),
    ],
)
def test_known_words(ecs: EcsStemmer, sastrawi: Any, word: str, stem: str) -> None:
    assert ecs.stem(word) == stem == sastrawi.stem_singular_word(word)


def load_golden(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_every_corpus_and_golden_token(  # type: ignore[no-untyped-def]
    ecs: EcsStemmer, sastrawi: Any, resources, default_config
) -> None:
    texts = [
        value
        for post in corpus.generate(default_config, 20_000, seed=1)
        for value in (post.text, post.title or "")
    ]
    for part in PARTS:
        for item in load_items(EVAL_DIR / f"{part}.jsonl"):
            texts += [item["text"] or "", item.get("title") or ""]
    texts += [case.get("text") or "" for case in EDGE_CASES]
    texts += [case.get("title") or "" for case in EDGE_CASES]
    texts += [item["in"]["text"] or "" for item in load_golden(GOLDEN)]
    distinct: set[str] = set()
    for text in texts:
        normalized = resources.normalize(text)
        distinct.update(normalized.tokens, normalized.mention_tokens)
    # Every [a-z]+ token, short and protected ones too (more than CachedStemmer sends).
    words = sorted(t for t in distinct if t.isascii() and t.isalpha() and t.islower())
    assert len(words) > 5000
    assert not differences(ecs, sastrawi, words)[:5]


def test_every_root_with_affixes(ecs: EcsStemmer, sastrawi: Any, roots: list[str]) -> None:
    """Every root with one prefix/suffix combination; every combination with ~50 roots.

    Root ``i`` takes combination ``5*i`` (mod their number, so all are used).
    Every root with every combination (~17 M words) is too slow for the suite
    (Sastrawi takes ~50-90 us an affixed word); checked once offline instead:
    every root with each of 76 prefixes, suffixes and confixes (2.25 M words),
    and 100,000 words sampled from every root x 28 prefixes x 19 suffixes.
    """
    used = [COMBOS[(i * 5) % len(COMBOS)] for i in range(len(roots))]
    assert set(used) == set(COMBOS)
    words = [prefix + root + suffix for (prefix, suffix), root in zip(used, roots, strict=True)]
    assert not differences(ecs, sastrawi, words)[:5]


LETTERS = string.ascii_lowercase
AFFIXED = st.builds(
    lambda p1, p2, root, infix, s1, s2: p1 + p2 + root[:1] + infix + root[1:] + s1 + s2,
    st.sampled_from(PREFIXES),
    st.sampled_from(PREFIXES),
    st.text(alphabet="abcdeghijklmnoprstuwy", min_size=1, max_size=9),
    st.sampled_from(["", "", "", "er", "el", "em", "in"]),
    st.sampled_from(SUFFIXES),
    st.sampled_from(SUFFIXES),
)


@settings(max_examples=400, deadline=None)
@given(words=st.lists(AFFIXED | st.text(alphabet=LETTERS, min_size=1, max_size=16), max_size=8))
def test_random_words(ecs: EcsStemmer, sastrawi: Any, words: list[str]) -> None:
    assert differences(ecs, sastrawi, words) == []


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_random_roots_with_affixes(
    ecs: EcsStemmer, sastrawi: Any, roots: list[str], data: st.DataObject
) -> None:
    prefix = data.draw(st.sampled_from(PREFIXES)) + data.draw(st.sampled_from(PREFIXES))
    suffix = data.draw(st.sampled_from(SUFFIXES)) + data.draw(st.sampled_from(SUFFIXES))
    word = prefix + data.draw(st.sampled_from(roots)) + suffix
    assert ecs.stem(word) == sastrawi.stem_singular_word(word)


def test_cached_stemmer_uses_the_port(sastrawi: Any) -> None:
    stemmer = CachedStemmer()
    assert stemmer._ecs is not None
    assert stemmer.stem("pembangunannya") == "bangun"
    assert stemmer.stem("Pembangunan") == "bangun"  # not [a-z]+: through Sastrawi's stem()


def test_port_follows_a_custom_dictionary() -> None:
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Cache.ArrayCache import ArrayCache
    from Sastrawi.Stemmer.CachedStemmer import CachedStemmer as SastrawiCached
    from Sastrawi.Stemmer.Stemmer import Stemmer

    inner = Stemmer(ArrayDictionary(["bangun", "jalan", "baik"]))
    stemmer = CachedStemmer(stemmer=SastrawiCached(ArrayCache(), inner))
    assert stemmer._ecs is not None
    words = ["pembangunan", "perbaikan", "jalanan", "menjalankan", "rusaknya", "kerusakan"]
    assert [stemmer.stem(w) for w in words] == [inner.stem_singular_word(w) for w in words]
    assert stemmer.stem("kerusakan") == "kerusakan"  # "rusak" is not in this dictionary


def test_non_standard_stemmer_keeps_sastrawi() -> None:
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Cache.ArrayCache import ArrayCache
    from Sastrawi.Stemmer.CachedStemmer import CachedStemmer as SastrawiCached
    from Sastrawi.Stemmer.Stemmer import Stemmer

    class Custom(Stemmer):  # type: ignore[misc]
        def stem_singular_word(self, word: str) -> str:
            return word[:4]

    stemmer = CachedStemmer(stemmer=SastrawiCached(ArrayCache(), Custom(ArrayDictionary(["baik"]))))
    assert stemmer._ecs is None
    assert stemmer.stem("diperbaiki") == "dipe"
