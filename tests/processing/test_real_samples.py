"""Real Indonesian news feeds (2015-2016, national) as hard negatives.

One Republika item reports a shooting "di Cibinong" (the Kostrad base is in the
regency): relevant for a reason Pantau can name. Everything else is national.
"""

from __future__ import annotations

import html
import re

import feedparser
import pytest

from processing.pipeline import analyze
from tests.conftest import ROOT

FEEDS = ROOT.parent.parent / "shared" / "real-samples" / "feeds_and_pages"
if not FEEDS.exists():
    FEEDS = ROOT.parent / "shared" / "real-samples" / "feeds_and_pages"


@pytest.mark.skipif(not FEEDS.exists(), reason="shared real samples not present")
def test_real_national_feeds_are_not_about_the_regency(resources) -> None:
    seen = relevant = 0
    for path in sorted(FEEDS.glob("*.xml")):
        feed = feedparser.parse(path.read_bytes().lstrip())
        for entry in feed.entries:
            summary = re.sub(r"<[^>]+>", " ", html.unescape(entry.get("summary", "")))
            result = analyze(resources, summary, entry.get("title"), "rss")
            seen += 1
            if result.relevant:
                relevant += 1
                assert result.kecamatan or result.matched["relevance"].get("regency"), (
                    path.name,
                    entry.get("title"),
                    result.matched,
                )
            assert result.aspirasi in {
                "keluhan",
                "permintaan",
                "pertanyaan",
                "apresiasi",
                "informasi",
            }
    assert seen >= 20
    assert relevant <= 1
