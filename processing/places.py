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
DESA_MARKERS = frozenset({"desa", "kelurahan", "kel", "ds"})
KECAMATAN_MARKERS = frozenset({"kecamatan", "kec", "camat"})
# Words before a name that make it a river or a road through many places, not a place.
# "Kabupaten/wilayah Bogor Barat" is the regency's west, not Kota Bogor's kecamatan.
REGENCY_BEFORE = frozenset({"kabupaten", "wilayah"})
NOT_A_PLACE_BEFORE = frozenset({"sungai", "kali", "tol", "bendung", "bendungan"})
# A kecamatan name right after these is part of a road or a direction ("Jalan Raya
# Parung", "arah Cariu"), and after a venue it may be only the venue's address
# ("Stadion Pakansari, Cibinong"): it counts only when no other kecamatan is named.
ROAD_BEFORE = frozenset({"jalan", "jl", "jln", "raya", "jalur"})
DIRECTION_BEFORE = frozenset({"arah", "menuju", "tembus"})
# "halte di depan Pemda Cibinong": the seat as a landmark is a place after all.
LANDMARK_BEFORE = frozenset({"depan", "dekat", "samping", "belakang", "seberang", "sekitar"})
VENUE_BEFORE = frozenset({"stadion", "lapangan", "pendopo", "gor", "alun", "rsud"})
# An organization's seat ("Pemkab Bogor di Cibinong", "Kantor Bupati, Cibinong") is its
# address, not where the news happens: no kecamatan at all.
SEAT_BEFORE = frozenset(
    {"pemkab", "pemda", "setda", "sekretariat", "dprd", "kantor", "gedung", "perkantoran"}
)
SEAT_LOOKBACK = 4
# Words skipped when reading what follows a name ("Ciomas, Kabupaten Serang").
_LEVEL_WORDS = frozenset({"kabupaten", "kab", "kota", "kecamatan", "kec", "provinsi", "wilayah"})
MAX_WORDS = 4
# Words after a kecamatan name that show it is another region's place of that name.
FOREIGN_CONTEXT = frozenset(
    {
        "jakarta", "jaksel", "tasikmalaya", "tasik", "sukabumi", "bandung", "sumedang", "cianjur",
        "garut", "kuningan", "subang", "lampung", "banten", "serang", "pandeglang", "lebak",
        "purwakarta", "karawang", "ciamis", "majalengka", "cirebon", "indramayu", "tangerang",
        "depok", "bekasi", "yogyakarta", "jogja", "magelang", "bali", "batam", "jaktim", "jakbar",
        "jakut", "jakpus", "tangsel", "cimahi", "semarang", "surabaya", "malang",
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
    prefixes: frozenset[str] = frozenset()  # every prefix of every name key
    # One-word names that are also common words ("tengah", "gudang"): they need a
    # "desa"/"kelurahan" marker or their kecamatan named in the same post.
    common: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        areas: Iterable[Area],
        aliases: Mapping[str, Sequence[str]] | None = None,
        common_words: Iterable[str] = (),
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
        prefixes = frozenset(key[:j] for key in names for j in range(1, len(key) + 1))
        common = frozenset(w for w in common_words if w in names)
        return cls({k: tuple(v) for k, v in names.items()}, prefixes=prefixes, common=common)


@dataclass(frozen=True, slots=True)
class PlaceHits:
    """What places a post names."""

    kecamatan: tuple[str, ...]
    desa: tuple[str, ...]
    terms: Mapping[str, tuple[str, ...]]
    kota_terms: tuple[str, ...]
    foreign_terms: tuple[str, ...] = ()
    unresolved_desa: int = 0
    direct: tuple[str, ...] = ()  # kecamatan named as such, not inferred from a desa


NO_PLACES = PlaceHits(kecamatan=(), desa=(), terms={}, kota_terms=())


def find_places(tokens: Sequence[str], index: PlaceIndex) -> PlaceHits:
    """Find Kabupaten Bogor kecamatan/desa and Kota Bogor place names in ``tokens``."""
    n = len(tokens)
    free = 0  # the first position not inside a matched name
    kecamatan: dict[str, list[str]] = {}
    desa: list[tuple[str, str, str]] = []
    kota: list[str] = []
    pending_desa: list[tuple[tuple[Place, ...], str, bool]] = []
    foreign: list[str] = []
    foreign_keys: set[str] = set()
    pinned: set[str] = set()
    venues: set[str] = set()
    strength: dict[str, int] = {}  # best mention: 0 seat, 1 direction, 2 road/venue, 3 place
    unresolved = 0
    names = index.names
    prefixes = index.prefixes
    # A name can only begin at a word that is a prefix of some name key.
    starts = [j for j, t in enumerate(tokens) if t in prefixes] if prefixes else range(n)
    if not starts:
        return NO_PLACES
    for i in starts:
        if i < free:
            continue  # inside a name already read
        # Grow the compact key word by word while it can still begin a name.
        sizes: list[int] = []
        key = ""
        for size in range(1, min(index.max_words, n - i) + 1):
            key += tokens[i + size - 1]
            if prefixes and key not in prefixes:
                break
            if key in names:
                sizes.append(size)
        for size in reversed(sizes):
            key = "".join(tokens[i : i + size])
            candidates = names[key]
            surface = " ".join(tokens[i : i + size])
            before = tokens[i - 1] if i else ""
            after = _next_word(tokens, i + size)
            if after in FOREIGN_CONTEXT:
                foreign.append(f"{surface} {after}")
                foreign_keys.add(key)
                break
            if before in NOT_A_PLACE_BEFORE:
                break
            kec = [p for p in candidates if p.level == "kecamatan"]
            regency_kec = [p for p in kec if p.kabkota == REGENCY]
            kota_kec = [p for p in kec if p.kabkota == KOTA]
            if before in DESA_MARKERS:
                desa_hits = [p for p in candidates if p.level == "desa"]
                if desa_hits:
                    pending_desa.append((tuple(desa_hits), surface, True))
            elif kota_kec and before not in REGENCY_BEFORE and not regency_kec:
                kota.append(surface)
            elif regency_kec:
                name = regency_kec[0].kecamatan
                kecamatan.setdefault(name, []).append(surface)
                strength[name] = max(strength.get(name, 0), _strength(tokens, i))
                if after == "bogor" or before == "kabupaten":
                    pinned.add(name)
            else:
                desa_hits = [p for p in candidates if p.level == "desa"]
                if desa_hits:
                    pending_desa.append((tuple(desa_hits), surface, False))
                    if before in VENUE_BEFORE:  # "Stadion Pakansari": a venue's name
                        venues.add(surface)
            free = i + size
            break
    for key in foreign_keys:
        # "Kemang, Jakarta Selatan" elsewhere in the post: its bare mentions go too,
        # unless one occurrence is pinned to the regency ("Kemang, Kab. Bogor").
        for name in [
            k for k, v in kecamatan.items() if compact(k) == key or key in map(compact, v)
        ]:
            if name not in pinned:
                del kecamatan[name]
    _drop_weak(kecamatan, strength, pinned)
    direct_names = tuple(kecamatan)
    for hits, surface, marked in pending_desa:
        regency = [p for p in hits if p.kabkota == REGENCY]
        kota_hits = [p for p in hits if p.kabkota == KOTA]
        in_named = [p for p in regency if p.kecamatan in kecamatan]
        if not marked and not in_named and compact(surface) in index.common:
            continue  # a bare common word ("tengah", "gudang") is no place
        chosen = in_named or (regency if len({p.kecamatan for p in regency}) == 1 else [])
        if chosen:
            place = chosen[0]
            desa.append((place.kecamatan, place.desa, surface))
            kecamatan.setdefault(place.kecamatan, []).append(surface)
            level = 2 if surface in venues else 3
            strength[place.kecamatan] = max(strength.get(place.kecamatan, 0), level)
        elif kota_hits and not regency and (marked or not direct_names):
            # An unmarked Kota kelurahan name in a post about a regency kecamatan is
            # more likely a kampung of the same name ("Kp. Cibuluh, Jonggol").
            kota.append(surface)
        elif regency and not kota_hits and marked:
            # A desa name found only in the regency, in several kecamatan: the post
            # is about the regency, but which kecamatan is left open.
            unresolved += 1
    _drop_weak(kecamatan, strength, pinned)
    terms = {k: tuple(dict.fromkeys(v)) for k, v in kecamatan.items()}
    return PlaceHits(
        kecamatan=tuple(kecamatan),
        desa=tuple(dict.fromkeys(f"{k}/{d}" for k, d, _ in desa)),
        terms=terms,
        kota_terms=tuple(dict.fromkeys(kota)),
        foreign_terms=tuple(dict.fromkeys(foreign)),
        unresolved_desa=unresolved,
        direct=direct_names,
    )


def _drop_weak(kecamatan: dict[str, list[str]], strength: dict[str, int], pinned: set[str]) -> None:
    """Drop seat mentions, and road/venue/direction ones beside a stronger place."""
    best = max((strength.get(k, 3) for k in kecamatan), default=3)
    for name in [k for k in kecamatan if strength.get(k, 3) < max(best, 1)]:
        if name not in pinned:
            del kecamatan[name]


def _strength(tokens: Sequence[str], i: int) -> int:
    """3 for a place, 2 for a road or venue, 1 for a direction, 0 for an organization's seat."""
    before = tokens[i - 1] if i else ""
    if before in KECAMATAN_MARKERS:
        return 3
    context = tokens[max(0, i - SEAT_LOOKBACK) : i]
    if any(t in SEAT_BEFORE for t in context):
        return 2 if any(t in LANDMARK_BEFORE for t in context) else 0
    if before in DIRECTION_BEFORE:
        return 1
    if before in ROAD_BEFORE or any(t in VENUE_BEFORE for t in context):
        return 2
    return 3


def _next_word(tokens: Sequence[str], start: int) -> str:
    """The first word at or after ``start`` that is not a level word like ``kabupaten``."""
    for j in range(start, min(start + 4, len(tokens))):
        if tokens[j] not in _LEVEL_WORDS and tokens[j] != ".":
            return tokens[j]
    return ""
