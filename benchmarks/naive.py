"""The naive baseline: what a first, straightforward implementation would do.

- PySastrawi's default stemmer (``StemmerFactory().create_stemmer()``, with the
  library's own word cache) called once per post on the whole text;
- every department alias/keyword, topic keyword, place name, relevance and
  aspirasi term checked one by one with its own (pre-compiled) word-boundary
  regex;
- one ``table.insert(row)`` per post through sqlite-utils with the library's
  defaults (each insert its own transaction).

It does less than Pantau (no FTS, no dedup, no desa disambiguation), so the
ratio flatters the baseline if anything.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from benchmarks.corpus import SyntheticPost
from pantau.config import Config
from processing import lexicon


@dataclass
class NaiveRules:
    departments: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    topics: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    places: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    regency: list[re.Pattern[str]] = field(default_factory=list)
    kota: list[re.Pattern[str]] = field(default_factory=list)
    complaint: list[re.Pattern[str]] = field(default_factory=list)
    praise: list[re.Pattern[str]] = field(default_factory=list)
    request: list[re.Pattern[str]] = field(default_factory=list)


def _word(phrase: str) -> re.Pattern[str]:
    return re.compile(r"\b" + re.escape(phrase) + r"\b")


def build_rules(config: Config, stemmer: Any) -> NaiveRules:
    rules = NaiveRules()
    for code, dept in config.departments.items():
        for phrase in (*dept.aliases, *dept.keywords):
            rules.departments.append((code, _word(stemmer.stem(phrase))))
        for topic, rule in dept.topics.items():
            for phrase in rule.keywords:
                rules.topics.append((topic, _word(stemmer.stem(phrase))))
    for area in lexicon.gazetteer():
        if area.level == "kecamatan" and area.kabkota == "Kabupaten Bogor":
            rules.places.append((area.nama, _word(area.nama.lower())))
    rules.regency = [_word(p) for p in config.relevance.regency_terms]
    rules.kota = [_word(p) for p in config.relevance.kota_terms]
    import importlib.resources

    data = yaml.safe_load(
        importlib.resources.files("processing").joinpath("data", "aspirasi.yaml").read_text()
    )
    rules.complaint = [_word(p) for p in data.get("complaint", [])]
    rules.praise = [_word(p) for p in data.get("praise", [])]
    rules.request = [_word(p) for p in data.get("request", [])]
    return rules


@dataclass
class NaiveTimings:
    posts: int = 0
    stem_s: float = 0.0
    match_s: float = 0.0
    insert_s: float = 0.0
    setup_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.stem_s + self.match_s + self.insert_s


def run_naive(config: Config, posts: Sequence[SyntheticPost], path: Path) -> NaiveTimings:
    """Analyse and store ``posts`` the naive way into a fresh database at ``path``."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    timings = NaiveTimings()
    start = time.perf_counter()
    stemmer = StemmerFactory().create_stemmer()
    rules = build_rules(config, stemmer)
    db = sqlite_utils.Database(path)
    timings.setup_s = time.perf_counter() - start
    for post in posts:
        t0 = time.perf_counter()
        full = f"{post.title or ''} {post.text}"
        stemmed = stemmer.stem(full)
        t1 = time.perf_counter()
        lowered = full.lower()
        departments = sorted({code for code, rx in rules.departments if rx.search(stemmed)})
        topics = sorted({topic for topic, rx in rules.topics if rx.search(stemmed)})
        places = [name for name, rx in rules.places if rx.search(lowered)]
        regency = sum(1 for rx in rules.regency if rx.search(lowered)) + len(places)
        kota = sum(1 for rx in rules.kota if rx.search(lowered))
        complaints = sum(1 for rx in rules.complaint if rx.search(lowered))
        praises = sum(1 for rx in rules.praise if rx.search(lowered))
        requests = sum(1 for rx in rules.request if rx.search(lowered))
        if requests:
            aspirasi = "permintaan"
        elif complaints:
            aspirasi = "keluhan"
        elif "?" in full:
            aspirasi = "pertanyaan"
        elif praises:
            aspirasi = "apresiasi"
        else:
            aspirasi = "informasi"
        t2 = time.perf_counter()
        db["posts"].insert(
            {
                "source": post.source,
                "external_id": post.external_id,
                "kind": post.kind,
                "url": post.url,
                "author": post.author,
                "title": post.title,
                "text": post.text,
                "published_at": post.published_at.isoformat(),
                "metrics": json.dumps(post.metrics),
                "raw": json.dumps(post.raw),
                "relevant": int(regency > kota),
                "departments": json.dumps(departments),
                "topics": json.dumps(topics),
                "kecamatan": json.dumps(places),
                "aspirasi": aspirasi,
                "sentiment": float(praises - complaints),
            }
        )
        t3 = time.perf_counter()
        timings.stem_s += t1 - t0
        timings.match_s += t2 - t1
        timings.insert_s += t3 - t2
        timings.posts += 1
    db.close()
    return timings
