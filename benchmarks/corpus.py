"""Deterministic synthetic corpus for the throughput benchmark.

Posts read like Kabupaten Bogor social media and local news: informal
Indonesian with slang from the bundled lexicon, affixed words built from
Sastrawi's root list (so the stemmer sees realistic, Zipf-distributed
vocabulary), department aliases/keywords from ``config.yaml``, kecamatan and
desa names from the gazetteer, hashtags, @mentions, URLs and emoji. About 30%
of posts are near-duplicates of a recent post (retweets, syndicated copies,
small edits), as in real feeds.

Everything is drawn from one ``random.Random(seed)``: same arguments, same
corpus. Bump ``GENERATOR_VERSION`` whenever the output changes (it keys the
cached 1M-post database).
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pantau.config import Config
from processing import lexicon

GENERATOR_VERSION = "1"
DUPLICATE_SHARE = 0.30
TZ = ZoneInfo("Asia/Jakarta")

# Everyday words of informal Indonesian posts (kept short: the long tail comes from roots).
_COMMON_TEXT = """
yang di ke dari ini itu dan atau juga sudah udah belum lagi masih aja saja banget sangat
sekali kok sih deh dong nih tuh ya yah kan kalau kalo kalau karena soalnya tapi tetapi
terus trus lalu habis abis sama dengan buat untuk bagi pada oleh akan bisa bisa gak ga nggak
tidak enggak tak jangan mau ingin pengen harus perlu boleh sering jarang selalu pernah hari
minggu bulan tahun pagi siang sore malam kemarin besok tadi sekarang nanti baru lama warga
masyarakat orang kami kita saya aku gue gw lu lo kamu mereka dia pak bu bapak ibu mas mbak
kang teh akang teteh min admin tolong mohon segera cepat lambat parah mantap keren bagus
jelek rusak bolong becek licin gelap terang panas hujan deras banjir macet antre antri
"""
COMMON = tuple(_COMMON_TEXT.split())
OPENERS = (
    "min", "tolong min", "parah", "astaga", "mohon maaf", "halo", "info", "ya ampun",
    "warga mengeluhkan", "lapor", "pagi ini", "sore tadi", "bro", "guys", "punten",
)  # fmt: skip
PRAISE = ("terima kasih", "mantap", "salut", "keren", "alhamdulillah", "apresiasi")
ASKS = ("kapan diperbaiki?", "gimana ini?", "kenapa belum ada tindakan?", "ada info?")
HASHTAGS = (
    "KabupatenBogor", "BogorMacet", "InfoBogor", "Cibinong", "JalanRusak", "PuncakBogor",
    "BanjirBogor", "PemkabBogor", "BogorRaya", "LaporBupati", "sampahbogor", "infocibinong",
)  # fmt: skip
MENTIONS = ("pemkabbogor", "dishubkabbogor", "dlhkabbogor", "bpbdkabbogor", "humaskabbogor",
            "infobogor", "tmcpolresbogor", "warga_bogor")  # fmt: skip
DOMAINS = ("bogor.tribunnews.com", "radarbogor.jawapos.com", "metropolitan.id",
           "megapolitan.antaranews.com", "www.bogorkab.go.id", "kumparan.com")  # fmt: skip
EMOJI = ("😡", "🙏", "😭", "👍", "🔥", "😤", "🚧", "🌧️", "💧", "😊")
ELSEWHERE = ("kota depok", "jakarta", "bekasi", "tangerang selatan", "sukabumi", "cianjur")
KOTA = ("kota bogor", "pemkot bogor", "wali kota bogor", "kebun raya bogor", "stasiun bogor")
REGENCY = ("kabupaten bogor", "pemkab bogor", "kab. bogor", "bupati bogor", "jalur puncak")
# (prefix, suffix) patterns of everyday morphology; "me"/"pe" get the nasal by _affix.
AFFIXES = (
    ("", ""), ("", ""), ("", ""), ("", "nya"), ("di", ""), ("di", "kan"), ("di", "i"),
    ("me", ""), ("me", "kan"), ("me", "i"), ("ber", ""), ("ter", ""), ("pe", "an"),
    ("ke", "an"), ("", "an"), ("se", "nya"), ("", "lah"),
)  # fmt: skip
SOURCES = {
    "x": ("x-search", 0.50),
    "reddit": ("reddit-indonesia", 0.15),
    "news": ("tribun-bogor", 0.35),
}


def _affix(root: str, prefix: str, suffix: str) -> str:
    """Attach affixes with the nasal assimilation of me-/pe- (membaca, menulis, menyapu)."""
    if prefix in ("me", "pe"):
        head = root[0]
        if head in "aiueo":
            prefix += "ng"
        elif head in "bfv":
            prefix += "m"
        elif head == "p":
            prefix, root = prefix + "m", root[1:]
        elif head in "cdj":
            prefix += "n"
        elif head == "t":
            prefix, root = prefix + "n", root[1:]
        elif head == "k":
            prefix, root = prefix + "ng", root[1:]
        elif head == "s":
            prefix, root = prefix + "ny", root[1:]
        elif head in "gh":
            prefix += "ng"
    return prefix + root + suffix


@dataclass(frozen=True)
class Vocabulary:
    """Word pools drawn from the project's own data (config + bundled lexicons)."""

    common: tuple[str, ...]
    tail: tuple[str, ...]
    tail_cum: tuple[float, ...]
    slang: tuple[str, ...]
    dept_phrases: tuple[str, ...]
    topic_phrases: tuple[str, ...]
    kecamatan: tuple[str, ...]
    desa: tuple[str, ...]


def build_vocabulary(config: Config, seed: int = 7) -> Vocabulary:
    """Collect word pools; deterministic for a given config and seed."""
    rng = random.Random(seed)
    roots = sorted(w for w in lexicon.root_words() if 4 <= len(w) <= 10)
    roots = rng.sample(roots, min(4000, len(roots)))
    tail = [_affix(root, *rng.choice(AFFIXES)) for root in roots]
    # Zipf-Mandelbrot weights 1/(k + 30): a long tail without a few absurdly frequent words.
    cum = list(itertools.accumulate(1.0 / (k + 30) for k in range(len(tail))))
    slang = sorted(w for w in lexicon.slang_lexicon() if w.isalpha() and 2 <= len(w) <= 8)
    slang = rng.sample(slang, min(600, len(slang)))
    dept: list[str] = []
    topics: list[str] = []
    for d in config.departments.values():
        dept.extend(d.aliases)
        dept.extend(d.keywords)
        for rule in d.topics.values():
            topics.extend(rule.keywords)
    areas = lexicon.gazetteer()
    return Vocabulary(
        common=tuple(COMMON),
        tail=tuple(tail),
        tail_cum=tuple(cum),
        slang=tuple(slang),
        dept_phrases=tuple(sorted(set(dept))),
        topic_phrases=tuple(sorted(set(topics))),
        kecamatan=tuple(
            a.nama for a in areas if a.level == "kecamatan" and a.kabkota == "Kabupaten Bogor"
        ),
        desa=tuple(a.nama for a in areas if a.level == "desa_kelurahan"),
    )


@dataclass(frozen=True, slots=True)
class SyntheticPost:
    """One generated post (plain values, ready for a ``Post`` or a DB row)."""

    source: str
    kind: str
    external_id: str
    url: str | None
    author: str
    title: str | None
    text: str
    published_at: datetime
    metrics: dict[str, int]
    raw: dict[str, Any]
    duplicate: bool


class Generator:
    """Stream posts; near-duplicates copy one of the last few hundred originals."""

    def __init__(self, vocab: Vocabulary, seed: int = 1) -> None:
        self.v = vocab
        self.rng = random.Random(seed)
        self.recent: deque[SyntheticPost] = deque(maxlen=300)
        self.counter = 0

    # -- words ------------------------------------------------------------
    def _word(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.rng.choice(self.v.common)
        if r < 0.60:
            return self.rng.choice(self.v.slang)
        x = self.rng.random() * self.v.tail_cum[-1]
        return self.v.tail[bisect.bisect_left(self.v.tail_cum, x)]

    def _sentence(self, words: int) -> str:
        out = [self._word() for _ in range(words)]
        rng = self.rng
        if rng.random() < 0.8:
            out.insert(rng.randrange(len(out) + 1), rng.choice(self.v.dept_phrases))
        if rng.random() < 0.5:
            out.insert(rng.randrange(len(out) + 1), rng.choice(self.v.topic_phrases))
        if rng.random() < 0.6:
            marker = rng.choice(("di", "kec.", "kecamatan", "daerah", "wilayah"))
            out.insert(rng.randrange(len(out) + 1), f"{marker} {rng.choice(self.v.kecamatan)}")
        if rng.random() < 0.2:
            out.insert(rng.randrange(len(out) + 1), f"desa {rng.choice(self.v.desa)}")
        r = rng.random()
        where = REGENCY if r < 0.7 else KOTA if r < 0.85 else ELSEWHERE
        if rng.random() < 0.7:
            out.insert(rng.randrange(len(out) + 1), rng.choice(where))
        return " ".join(out)

    # -- posts ------------------------------------------------------------
    def _kind(self) -> str:
        r = self.rng.random()
        return "x" if r < SOURCES["x"][1] else "reddit" if r < 0.65 else "news"

    def _original(self, at: datetime) -> SyntheticPost:
        rng = self.rng
        kind = self._kind()
        self.counter += 1
        n = self.counter
        title = None
        if kind == "x":
            parts = []
            if rng.random() < 0.5:
                parts.append(rng.choice(OPENERS))
            parts.append(self._sentence(rng.randint(8, 28)))
            if rng.random() < 0.35:
                parts.append(rng.choice(ASKS))
            elif rng.random() < 0.2:
                parts.append(rng.choice(PRAISE))
            if rng.random() < 0.4:
                parts.insert(0, "@" + rng.choice(MENTIONS))
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                parts.append("#" + rng.choice(HASHTAGS))
            if rng.random() < 0.3:
                parts.append(rng.choice(EMOJI) * rng.randint(1, 3))
            if rng.random() < 0.3:
                parts.append(f"https://t.co/{n:x}q{rng.randrange(10**6)}")
            text = " ".join(parts)
            url = f"https://x.com/i/status/{1_800_000_000_000 + n}"
        elif kind == "reddit":
            title = self._sentence(rng.randint(5, 10)).capitalize()
            text = ". ".join(self._sentence(rng.randint(10, 22)) for _ in range(rng.randint(1, 4)))
            url = f"https://www.reddit.com/r/indonesia/comments/{n:x}/"
        else:
            title = self._sentence(rng.randint(7, 13)).title()
            text = ". ".join(
                self._sentence(rng.randint(12, 24)).capitalize() for _ in range(rng.randint(2, 5))
            )
            url = f"https://{rng.choice(DOMAINS)}/read/{n}/{title.lower().replace(' ', '-')[:60]}"
        return self._post(kind, n, url, title, text, at, duplicate=False)

    def _post(self, kind: str, n: int, url: str | None, title: str | None, text: str,
              at: datetime, *, duplicate: bool) -> SyntheticPost:  # fmt: skip
        rng = self.rng
        source = SOURCES[kind][0]
        author = f"user{rng.randrange(50_000)}" if kind != "news" else "Redaksi"
        metrics = (
            {"like_count": rng.randrange(200), "retweet_count": rng.randrange(50)}
            if kind == "x"
            else {"score": rng.randrange(500), "num_comments": rng.randrange(80)}
            if kind == "reddit"
            else {}
        )
        raw = {"id": str(n), "lang": "in", "source": source, "len": len(text)}
        return SyntheticPost(source, kind, f"{kind}-{n}", url, author, title, text, at,
                             metrics, raw, duplicate)  # fmt: skip

    def _duplicate(self, at: datetime) -> SyntheticPost:
        rng = self.rng
        base = rng.choice(self.recent)
        self.counter += 1
        n = self.counter
        text, title, url = base.text, base.title, base.url
        style = rng.random()
        if base.kind == "x" and style < 0.5:
            text = f"RT @{rng.choice(MENTIONS)}: {text}"  # a retweet
            url = f"https://x.com/i/status/{1_800_000_000_000 + n}"
        elif base.kind == "news" and style < 0.6:
            # Syndicated: same title and text, another site.
            url = f"https://{rng.choice(DOMAINS)}/berita/{n}"
        else:
            words = text.split()
            if len(words) > 12:
                i = rng.randrange(len(words))
                words[i] = rng.choice(self.v.common)
            words.append(rng.choice(EMOJI))
            text = " ".join(words)
            url = (url or "").split("?")[0] + f"?utm_source=share&n={n}"
        return self._post(base.kind, n, url, title, text, at, duplicate=True)

    def next(self, at: datetime) -> SyntheticPost:
        if self.recent and self.rng.random() < DUPLICATE_SHARE:
            return self._duplicate(at)
        post = self._original(at)
        self.recent.append(post)
        return post


def busy_day(span_days: int, end: date) -> date:
    """The local day the benchmark's digest reads (the busiest day of the span)."""
    return end - timedelta(days=min(30, span_days // 2))


def timeline(
    n: int, *, span_days: int, end: date, busy_share: float, seed: int
) -> Iterator[datetime]:
    """Yield ``n`` ascending UTC times over ``span_days`` local days ending ``end``.

    ``busy_share`` of the posts fall on :func:`busy_day` (a day of heavy news);
    the rest spread evenly.
    """
    rng = random.Random(seed)
    days = [end - timedelta(days=span_days - 1 - i) for i in range(span_days)]
    busy = busy_day(span_days, end)
    n_busy = int(n * busy_share) if span_days > 1 else n
    rest = n - n_busy
    others = [d for d in days if d != busy] or [busy]
    per, extra = divmod(rest, len(others))
    counts = {d: per + (1 if i < extra else 0) for i, d in enumerate(others)}
    counts[busy] = counts.get(busy, 0) + n_busy
    for day in days:
        k = counts.get(day, 0)
        start = datetime(day.year, day.month, day.day, tzinfo=TZ)
        for s in sorted(rng.randrange(86_400) for _ in range(k)):
            yield (start + timedelta(seconds=s)).astimezone(UTC)


def generate(
    config: Config,
    n: int,
    *,
    seed: int = 1,
    span_days: int = 1,
    end: date = date(2026, 11, 27),
    busy_share: float = 0.0,
) -> Iterator[SyntheticPost]:
    """Stream ``n`` posts in arrival (time) order."""
    gen = Generator(build_vocabulary(config), seed=seed)
    for at in timeline(n, span_days=span_days, end=end, busy_share=busy_share, seed=seed + 1):
        yield gen.next(at)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
