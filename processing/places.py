"""Place tagging: Kabupaten Bogor kecamatan and desa, and Kota Bogor signals.

Names are compared in a compact form (``Parung Panjang`` = ``Parungpanjang``),
longest first, so ``Parung Panjang`` never reads as ``Parung``. A desa name
counts only with a marker word (``desa``, ``kelurahan``, ``kel``) or when the
same post names its kecamatan; ambiguous names are left unassigned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from processing.lexicon import Area
from processing.normalize import compact

REGENCY = "Kabupaten Bogor"
KOTA = "Kota Bogor"
DESA_MARKERS = frozenset({"desa", "kelurahan", "kel", "ds", "kampung", "kp"})
KECAMATAN_MARKERS = frozenset({"kecamatan", "kec", "camat"})
MAX_WORDS = 4
# Words after a kecamatan name that show it is another region's place of that name.
FOREIGN_CONTEXT = frozenset(
    {
        "jakarta", "jaksel", "tasikmalaya", "tasik", "sukabumi", "bandung", "sumedang", "cianjur",
        "garut", "kuningan", "subang", "lampung", "banten", "serang", "pandeglang", "lebak",
        "purwakarta", "karawang", "ciamis", "majalengka", "cirebon", "indramayu", "tangerang",
        "depok", "bekasi", "yogyakarta", "jogja", "magelang", "bali", "batam",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Place:
    """One name the gazetteer knows."""

    kecamatan: str
    desa: str
    kode: str
    kabkota: str
    level: str


@dataclass(frozen=True)
class PlaceIndex:
    """Compact name -> candidate places."""

    names: Mapping[str, tuple[Place, ...]]
    max_words: int = MAX_WORDS
    # Every prefix of every name: a name can only start at a token in this set (perf).
    starts: frozenset[str] | None = None

    @classmethod
    def build(
        cls, areas: Iterable[Area], aliases: Mapping[str, Sequence[str]] | None = None
    ) -> PlaceIndex:
        areas = tuple(areas)
        kecamatan_name = {a.kode: a.nama for a in areas if a.level == "kecamatan"}
        names: dict[str, list[Place]] = {}
        for area in areas:
            if area.level == "kecamatan":
                place = Place(area.nama, "", area.kode, area.kabkota, "kecamatan")
            elif area.level == "desa_kelurahan":
                parent = kecamatan_name.get(area.parent_kode, "")
                place = Place(parent, area.nama, area.kode, area.kabkota, "desa")
            else:
                continue
            names.setdefault(compact(area.nama), []).append(place)
        for canonical, variants in (aliases or {}).items():
            targets = [p for p in names.get(compact(canonical), []) if p.level == "kecamatan"]
            for variant in variants:
                for target in targets:
                    bucket = names.setdefault(compact(variant), [])
                    if target not in bucket:
                        bucket.append(target)
        starts = frozenset(key[:i] for key in names for i in range(len(key) + 1))
        return cls({k: tuple(v) for k, v in names.items()}, starts=starts)


@dataclass(frozen=True, slots=True)
class PlaceHits:
    """What places a post names."""

    kecamatan: tuple[str, ...]
    desa: tuple[str, ...]
    terms: Mapping[str, tuple[str, ...]]
    kota_terms: tuple[str, ...]


def find_places(tokens: Sequence[str], index: PlaceIndex) -> PlaceHits:
    """Find Kabupaten Bogor kecamatan/desa and Kota Bogor place names in ``tokens``."""
    n = len(tokens)
    i = 0
    kecamatan: dict[str, list[str]] = {}
    desa: list[tuple[str, str, str]] = []
    kota: list[str] = []
    pending_desa: list[tuple[tuple[Place, ...], str]] = []
    names = index.names
    starts = index.starts
    while i < n:
        if starts is not None and tokens[i] not in starts:
            i += 1
            continue
        matched = False
        for size in range(min(index.max_words, n - i), 0, -1):
            key = "".join(tokens[i : i + size])
            candidates = names.get(key)
            if not candidates:
                continue
            surface = " ".join(tokens[i : i + size])
            before = tokens[i - 1] if i else ""
            after = tokens[i + size] if i + size < n else ""
            if after in FOREIGN_CONTEXT:
                break
            kec = [p for p in candidates if p.level == "kecamatan"]
            regency_kec = [p for p in kec if p.kabkota == REGENCY]
            kota_kec = [p for p in kec if p.kabkota == KOTA]
            if before in DESA_MARKERS:
                desa_hits = [p for p in candidates if p.level == "desa"]
                if desa_hits:
                    pending_desa.append((tuple(desa_hits), surface))
            elif kota_kec and before != "kabupaten" and not regency_kec:
                kota.append(surface)
            elif regency_kec:
                kecamatan.setdefault(regency_kec[0].kecamatan, []).append(surface)
            else:
                desa_hits = [p for p in candidates if p.level == "desa"]
                if desa_hits:
                    pending_desa.append((tuple(desa_hits), surface))
            i += size
            matched = True
            break
        if not matched:
            i += 1
    for hits, surface in pending_desa:
        regency = [p for p in hits if p.kabkota == REGENCY]
        kota_hits = [p for p in hits if p.kabkota == KOTA]
        in_named = [p for p in regency if p.kecamatan in kecamatan]
        chosen = in_named or (regency if len({p.kecamatan for p in regency}) == 1 else [])
        if chosen:
            place = chosen[0]
            desa.append((place.kecamatan, place.desa, surface))
            kecamatan.setdefault(place.kecamatan, []).append(surface)
        elif kota_hits and not regency:
            kota.append(surface)
    terms = {k: tuple(dict.fromkeys(v)) for k, v in kecamatan.items()}
    return PlaceHits(
        kecamatan=tuple(kecamatan),
        desa=tuple(dict.fromkeys(f"{k}/{d}" for k, d, _ in desa)),
        terms=terms,
        kota_terms=tuple(dict.fromkeys(kota)),
    )
