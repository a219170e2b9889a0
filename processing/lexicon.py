"""Bundled lexicons and the gazetteer, read once from ``processing/data``.

Licenses of third-party data are kept beside it (``data/LICENSE-*.txt``).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


def _read(name: str) -> str:
    return resources.files("processing").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def slang_lexicon() -> dict[str, tuple[str, ...]]:
    """Informal -> formal tokens: IndoCollex (MIT) overlaid with our local additions."""
    table: dict[str, tuple[str, ...]] = {}
    for name in ("slang_id.tsv", "slang_local.tsv"):
        for line in _read(name).splitlines()[1:]:
            if not line.strip() or line.startswith("#"):
                continue
            informal, _, formal = line.partition("\t")
            informal = informal.strip()
            words = tuple(formal.split())
            if informal and words and not any(w.isdigit() for w in words):
                table[informal] = words
            elif informal and formal.strip() == "":
                table.pop(informal, None)
    return table


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The stopwords-iso list minus words that carry negation, questions or complaints."""
    keep = set(_read("stopwords_keep.txt").split())
    return frozenset(w for w in _read("stopwords_id.txt").split() if w not in keep)


LEXICON_FILES = (
    "slang_id.tsv", "slang_local.tsv", "stem_overrides.tsv", "stopwords_id.txt",
    "stopwords_keep.txt", "wilayah_bogor.csv",
)  # fmt: skip


@lru_cache(maxsize=1)
def data_digest() -> str:
    """A hash of the bundled lexicons, so editing one changes the taxonomy version."""
    digest = hashlib.sha1()
    for name in LEXICON_FILES:
        digest.update(name.encode())
        digest.update(_read(name).encode("utf-8"))
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def stem_overrides() -> dict[str, str]:
    """Words Sastrawi stems wrongly for our purpose (``kerusakan`` -> ``rusa``)."""
    table: dict[str, str] = {}
    for line in _read("stem_overrides.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _, stem = line.partition("\t")
        if word.strip() and stem.strip():
            table[word.strip()] = stem.strip()
    return table


@lru_cache(maxsize=1)
def root_words() -> frozenset[str]:
    """Sastrawi's root-word list, read from the installed package (never copied here)."""
    try:
        text = (
            resources.files("Sastrawi")
            .joinpath("Stemmer", "data", "kata-dasar.txt")
            .read_text(encoding="utf-8")
        )
    except (FileNotFoundError, ModuleNotFoundError):
        return frozenset()
    return frozenset(w.strip() for w in text.split() if w.strip().isalpha())


@dataclass(frozen=True, slots=True)
class Area:
    """One row of the gazetteer."""

    kode: str
    nama: str
    level: str
    parent_kode: str
    kabkota: str


@lru_cache(maxsize=1)
def gazetteer() -> tuple[Area, ...]:
    """Kabupaten and Kota Bogor kecamatan and desa/kelurahan (Kemendagri codes)."""
    reader = csv.DictReader(io.StringIO(_read("wilayah_bogor.csv")))
    return tuple(Area(**row) for row in reader)
