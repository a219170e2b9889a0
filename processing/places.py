"""Place tagging: Kabupaten Bogor kecamatan and desa, and Kota Bogor signals.

Names are compared in a compact form (``Parung Panjang`` = ``Parungpanjang``),
longest first, so ``Parung Panjang`` never reads as ``Parung``. A desa name
counts only with a marker word (``desa``, ``kelurahan``, ``kel``) or when the
same post names its kecamatan; ambiguous names are left unassigned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Final

from processing.lexicon import Area
from processing.normalize import compact
from processing.terms import unique

REGENCY: Final = "Kabupaten Bogor"
KOTA: Final = "Kota Bogor"
DESA_MARKERS: Final = frozenset({"desa", "kelurahan", "kel", "ds"})
KECAMATAN_MARKERS: Final = frozenset({"kecamatan", "kec", "camat"})
# Words before a name that make it a river or a road through many places, not a place.
# "Kabupaten/wilayah Bogor Barat" is the regency's west, not Kota Bogor's kecamatan.
REGENCY_BEFORE: Final = frozenset({"kabupaten", "wilayah"})
NOT_A_PLACE_BEFORE: Final = frozenset({"sungai", "kali", "tol", "bendung", "bendungan"})
# A kecamatan name right after these is part of a road or a direction ("Jalan Raya
# Parung", "arah Cariu"), and after a venue it may be only the venue's address
# ("Stadion Pakansari, Cibinong"): it counts only when no other kecamatan is named.
ROAD_BEFORE: Final = frozenset({"jalan", "jl", "jln", "raya", "jalur"})
DIRECTION_BEFORE: Final = frozenset({"arah", "menuju", "tembus"})
# "halte di depan Pemda Cibinong": the seat as a landmark is a place after all.
LANDMARK_BEFORE: Final = frozenset({"depan", "dekat", "samping", "belakang", "seberang", "sekitar"})
VENUE_BEFORE: Final = frozenset({"stadion", "lapangan", "pendopo", "gor", "alun", "rsud"})
# An organization's seat ("Pemkab Bogor di Cibinong", "Kantor Bupati, Cibinong") is its
# address, not where the news happens: no kecamatan at all.
SEAT_BEFORE: Final = frozenset(
    {"pemkab", "pemda", "setda", "sekretariat", "dprd", "kantor", "gedung", "perkantoran"}
)
SEAT_LOOKBACK: Final = 4
# Words skipped when reading what follows a name ("Ciomas, Kabupaten Serang").
_LEVEL_WORDS: Final = frozenset(
    {"kabupaten", "kab", "kota", "kecamatan", "kec", "provinsi", "wilayah"}
)
MAX_WORDS: Final = 4
# Words after a kecamatan name that show it is another region's place of that name.
FOREIGN_CONTEXT: Final = frozenset(
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


@dataclass(frozen=True, slots=True)
class Reading:
    """What one name key can be, worked out once per key (see ``find_places``)."""

    desa: tuple[Place, ...]  # the desa/kelurahan of that name
    regency_kecamatan: str  # the Kabupaten kecamatan of that name, or ""
    kota_only: bool  # a Kota Bogor kecamatan name and no Kabupaten one
    regency_desa: tuple[Place, ...]  # ``desa`` in the regency
    kota_desa: bool  # some of ``desa`` is in Kota Bogor
    one_kecamatan: bool  # ``regency_desa`` all lie in one kecamatan


def _reading(candidates: tuple[Place, ...]) -> Reading:
    kec = [p for p in candidates if p.level == "kecamatan"]
    regency_kec = [p for p in kec if p.kabkota == REGENCY]
    desa = tuple(p for p in candidates if p.level == "desa")
    regency = tuple(p for p in desa if p.kabkota == REGENCY)
    return Reading(
        desa=desa,
        regency_kecamatan=regency_kec[0].kecamatan if regency_kec else "",
        kota_only=any(p.kabkota == KOTA for p in kec) and not regency_kec,
        regency_desa=regency,
        kota_desa=any(p.kabkota == KOTA for p in desa),
        one_kecamatan=len({p.kecamatan for p in regency}) == 1,
    )


@dataclass(frozen=True, slots=True)
class Start:
    """What a word beginning a name can do: one lookup per spot (see ``find_places``).

    ``ways`` is its ``PlaceIndex.grows`` entry, ``reading`` its ``PlaceIndex.readings`` one.
    """

    ways: frozenset[str] | None
    reading: Reading | None


@dataclass(frozen=True)
class PlaceIndex:
    """Compact name -> candidate places.

    ``prefixes`` (every prefix of every name key; derived when not given) and
    ``readings`` (each key's :class:`Reading`) are derived from ``names``.
    """

    names: Mapping[str, tuple[Place, ...]]
    max_words: int = MAX_WORDS
    prefixes: frozenset[str] = frozenset()  # every prefix of every name key
    # One-word names that are also common words ("tengah", "gudang"): they need a
    # "desa"/"kelurahan" marker or their kecamatan named in the same post.
    common: frozenset[str] = frozenset()
    readings: dict[str, Reading] = field(init=False, repr=False, compare=False)
    # A proper prefix of some word of ``prefixes`` -> every way that word goes on:
    # ``key + word in prefixes`` exactly when ``word in grows[key]`` (a non-empty word).
    grows: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    # Every key of ``prefixes``, ``grows`` and ``readings`` -> its entries in the last two.
    starts: dict[str, Start] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.prefixes:
            object.__setattr__(self, "prefixes", frozenset(_prefixes(self.names)))
        grows = _growths(self.prefixes)
        object.__setattr__(self, "grows", grows)
        readings = {key: _reading(tuple(v)) for key, v in self.names.items()}
        object.__setattr__(self, "readings", readings)
        words = set(self.prefixes)
        words.update(grows)
        words.update(readings)
        starts = {w: Start(grows.get(w), readings.get(w)) for w in words}
        object.__setattr__(self, "starts", starts)

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
        common = frozenset(w for w in common_words if w in names)
        return cls({k: tuple(v) for k, v in names.items()}, common=common)


def _growths(prefixes: frozenset[str]) -> dict[str, frozenset[str]]:
    growths: dict[str, set[str]] = {}
    for p in prefixes:
        for j in range(1, len(p)):
            growths.setdefault(p[:j], set()).add(p[j:])
    return {k: frozenset(v) for k, v in growths.items()}


def _prefixes(keys: Iterable[str]) -> set[str]:
    return {key[:j] for key in keys for j in range(1, len(key) + 1)}


@dataclass(slots=True, unsafe_hash=True, init=False)  # read-only by convention (see Normalized)
class PlaceHits:
    """What places a post names."""

    kecamatan: tuple[str, ...]
    desa: tuple[str, ...]
    terms: dict[str, list[str]]  # kecamatan -> its surfaces, without repeats
    kota_terms: tuple[str, ...]
    foreign_terms: tuple[str, ...]
    unresolved_desa: int
    direct: tuple[str, ...]  # kecamatan named as such, not inferred from a desa

    def __init__(
        self,
        kecamatan: tuple[str, ...],
        desa: tuple[str, ...],
        terms: dict[str, list[str]],
        kota_terms: tuple[str, ...],
        foreign_terms: tuple[str, ...] = (),
        unresolved_desa: int = 0,
        direct: tuple[str, ...] = (),
    ) -> None:
        self.kecamatan = kecamatan
        self.desa = desa
        self.terms = terms
        self.kota_terms = kota_terms
        self.foreign_terms = foreign_terms
        self.unresolved_desa = unresolved_desa
        self.direct = direct


NO_PLACES: Final = PlaceHits(kecamatan=(), desa=(), terms={}, kota_terms=())
# Empty lists to loop over in place of a list never made (never filled).
_NOTHING: Final[list[str]] = []
_NO_DESA: Final[list[tuple[Reading, str, bool]]] = []


def find_places(
    tokens: Sequence[str], index: PlaceIndex, spots: list[int] | None = None, terms: bool = True
) -> PlaceHits:
    """Find Kabupaten Bogor kecamatan/desa and Kota Bogor place names in ``tokens``.

    ``spots``, when given, are the positions of the tokens in ``index.prefixes``, in
    order (``analyze`` finds them for every pass at once). With ``terms`` False only
    ``kecamatan``, ``direct`` and ``unresolved_desa`` are filled in (the rest empty).
    """
    prefixes = index.prefixes
    # A name can only begin at a word that is a prefix of some name key.
    if spots is None:
        if prefixes.isdisjoint(tokens):
            return NO_PLACES
        spots = list(compress(range(len(tokens)), map(prefixes.__contains__, tokens)))
    elif not spots:
        return NO_PLACES
    toks = tuple(tokens)  # typed: native indexing and slicing
    n = len(toks)
    free = 0  # the first position not inside a matched name
    # Kecamatan name -> its surfaces without repeats, first seen first (the terms).
    kecamatan: dict[str, list[str]] = {}
    order: list[str] = []  # the keys of ``kecamatan``, in order (a tuple of a list is cheap)
    # Made at their first entry (most posts fill none of them).
    desa: list[tuple[str, str, str]] | None = None
    kota: list[str] | None = None
    pending_desa: list[tuple[Reading, str, bool]] | None = None
    foreign: list[str] | None = None
    foreign_keys: list[str] | None = None  # made with ``foreign``
    # Made at the first kecamatan name (most posts name none).
    pinned: set[str] | None = None
    venues: set[str] | None = None
    strength: dict[str, int] | None = (
        None  # best mention: 0 seat, 1 direction, 2 road/venue, 3 place
    )
    unresolved = 0
    # Whether a mention weaker than a plain place was recorded (most posts: none, and
    # then ``_drop_weak`` has nothing to drop: levels only rise).
    weak = False
    readings = index.readings
    starts = index.starts
    grows = index.max_words > 1
    for i in spots:
        if i < free:
            continue  # inside a name already read
        # The longest name starting here, read word by word while the compact key can
        # still begin a name. Most starts are one word that begins no longer name
        # (``index.grows`` says so without building the joined key).
        key = toks[i]
        start = starts.get(key)
        if start is None:
            continue  # neither begins nor is a name
        size = 0
        reading = start.reading
        if grows and i + 1 < n and _grows_by(key, toks[i + 1], start.ways, prefixes):
            grown = key
            for width in range(1, min(index.max_words, n - i) + 1):
                if width > 1:
                    grown += toks[i + width - 1]
                    if grown not in prefixes:
                        break
                found = readings.get(grown)  # the keys of ``names``, in a dict
                if found is not None:
                    key, size, reading = grown, width, found
        elif reading is not None:
            size = 1
        if reading is None:
            continue
        surface = " ".join(toks[i : i + size]) if size > 1 else key
        before = toks[i - 1] if i else ""
        j = i + size
        after = toks[j] if j < n else ""
        if after in _LEVEL_WORDS or after == ".":
            after = _next_word(toks, j)
        if after in FOREIGN_CONTEXT:
            if foreign is None or foreign_keys is None:
                foreign, foreign_keys = [], []
            foreign.append(f"{surface} {after}")
            if key not in foreign_keys:
                foreign_keys.append(key)
            continue
        if before in NOT_A_PLACE_BEFORE:
            continue
        if before in DESA_MARKERS:
            if reading.desa:
                if pending_desa is None:
                    pending_desa = []
                pending_desa.append((reading, surface, True))
        elif reading.kota_only and before not in REGENCY_BEFORE:
            if kota is None:
                kota = []
            kota.append(surface)
        elif reading.regency_kecamatan:
            name = reading.regency_kecamatan
            surfaces = kecamatan.get(name)
            if surfaces is None:
                kecamatan[name] = [surface]
                order.append(name)
            elif surface not in surfaces:
                surfaces.append(surface)
            level = _strength(toks, i)
            if level < 3:
                weak = True
            if strength is None:
                strength = {name: level}
            elif strength.get(name, -1) < level:
                strength[name] = level
            if after == "bogor" or before == "kabupaten":
                if pinned is None:
                    pinned = set()
                pinned.add(name)
        elif reading.desa:
            if pending_desa is None:
                pending_desa = []
            pending_desa.append((reading, surface, False))
            if before in VENUE_BEFORE:  # "Stadion Pakansari": a venue's name
                if venues is None:
                    venues = set()
                venues.add(surface)
        free = j
    if not kecamatan and pending_desa is None and kota is None and foreign is None:
        return NO_PLACES
    if strength is None:
        strength = {}
    dropped = False
    for key in foreign_keys if foreign_keys is not None else _NOTHING:
        # "Kemang, Jakarta Selatan" elsewhere in the post: its bare mentions go too,
        # unless one occurrence is pinned to the regency ("Kemang, Kab. Bogor").
        for name in [
            k for k, v in kecamatan.items() if compact(k) == key or key in map(compact, v)
        ]:
            if pinned is None or name not in pinned:
                del kecamatan[name]
                dropped = True
    if (weak and _drop_weak(kecamatan, strength, pinned)) or dropped:
        order = list(kecamatan)
    direct_names = tuple(order)
    desa_added = False  # whether a desa added a kecamatan mention
    for reading, surface, marked in pending_desa if pending_desa is not None else _NO_DESA:
        regency = reading.regency_desa
        in_named = [p for p in regency if p.kecamatan in kecamatan]
        if not marked and not in_named and compact(surface) in index.common:
            continue  # a bare common word ("tengah", "gudang") is no place
        chosen = in_named or (regency if reading.one_kecamatan else ())
        if chosen:
            place = chosen[0]
            if desa is None:
                desa = []
            desa.append((place.kecamatan, place.desa, surface))
            surfaces = kecamatan.get(place.kecamatan)
            if surfaces is None:
                kecamatan[place.kecamatan] = [surface]
                order.append(place.kecamatan)
            elif surface not in surfaces:
                surfaces.append(surface)
            desa_added = True
            level = 2 if venues is not None and surface in venues else 3
            if level < 3:
                weak = True
            strength[place.kecamatan] = max(strength.get(place.kecamatan, 0), level)
        elif reading.kota_desa and not regency and (marked or not direct_names):
            # An unmarked Kota kelurahan name in a post about a regency kecamatan is
            # more likely a kampung of the same name ("Kp. Cibuluh, Jonggol").
            if kota is None:
                kota = []
            kota.append(surface)
        elif regency and not reading.kota_desa and marked:
            # A desa name found only in the regency, in several kecamatan: the post
            # is about the regency, but which kecamatan is left open.
            unresolved += 1
    names = direct_names
    if desa_added:
        # Else ``kecamatan`` is as the first call left it, and a second changes nothing.
        dropped = weak and _drop_weak(kecamatan, strength, pinned)
        names = tuple(kecamatan) if dropped else tuple(order)
    if not terms:
        return PlaceHits(names, (), {}, (), (), unresolved, direct_names)
    return PlaceHits(
        names,
        unique([f"{k}/{d}" for k, d, _ in desa]) if desa is not None else (),
        kecamatan,
        unique(kota) if kota is not None else (),
        unique(foreign) if foreign is not None else (),
        unresolved,
        direct_names,
    )


def _grows_by(key: str, word: str, ways: frozenset[str] | None, prefixes: frozenset[str]) -> bool:
    """``key + word in prefixes``, without joining them (``ways``: ``key``'s ``grows``)."""
    if not word:
        return key in prefixes
    return ways is not None and word in ways


def _drop_weak(
    kecamatan: dict[str, list[str]], strength: dict[str, int], pinned: set[str] | None
) -> bool:
    """Drop seat mentions, and road/venue/direction ones beside a stronger place.

    Returns whether any was dropped.
    """
    bar = 1  # the best mention's strength, at least a direction's
    low = 3
    for name in kecamatan:
        level = strength.get(name, 3)
        if level > bar:
            bar = level
        if level < low:
            low = level
    if low >= bar:
        return False  # the usual case: every mention as strong as the best
    dropped = False
    for name in [k for k in kecamatan if strength.get(k, 3) < bar]:
        if pinned is None or name not in pinned:
            del kecamatan[name]
            dropped = True
    return dropped


# Any of these in the words before a name sends ``_strength`` down its longer path.
_SEAT_OR_VENUE: Final = SEAT_BEFORE | VENUE_BEFORE


def _strength(tokens: tuple[str, ...], i: int) -> int:
    """3 for a place, 2 for a road or venue, 1 for a direction, 0 for an organization's seat."""
    before = tokens[i - 1] if i else ""
    if before in KECAMATAN_MARKERS:
        return 3
    low = max(0, i - SEAT_LOOKBACK)
    if _any_in(tokens, low, i, _SEAT_OR_VENUE):
        if _any_in(tokens, low, i, SEAT_BEFORE):
            return 2 if _any_in(tokens, low, i, LANDMARK_BEFORE) else 0
        if before in DIRECTION_BEFORE:
            return 1
        return 2  # a venue before the name
    if before in DIRECTION_BEFORE:
        return 1
    if before in ROAD_BEFORE:
        return 2
    return 3


def _any_in(words: tuple[str, ...], start: int, stop: int, wanted: frozenset[str]) -> bool:
    """``not wanted.isdisjoint(words[start:stop])`` as a native loop, with no slice."""
    for j in range(start, stop):  # noqa: SIM110
        if words[j] in wanted:
            return True
    return False


def _next_word(tokens: Sequence[str], start: int) -> str:
    """The first word at or after ``start`` that is not a level word like ``kabupaten``."""
    for j in range(start, min(start + 4, len(tokens))):
        if tokens[j] not in _LEVEL_WORDS and tokens[j] != ".":
            return tokens[j]
    return ""
