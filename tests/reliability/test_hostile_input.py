"""Hostile input: property tests over normalization, tagging and feed/HTML mapping.

Random Unicode (lone surrogates included), emoji floods, 1 MB posts, 100k nested
``<div>``, control characters and right-to-left marks: nothing raises, storage
accepts what the mappers produce, and work grows linearly. "Work" is measured
deterministically (Python function calls, output sizes), never by the clock; a
generous per-test timeout is the only coarse guard.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from collectors.rss import parse_feed, to_post
from collectors.text import clean_text, html_to_text
from pantau.cli import cli
from pantau.errors import CollectorError
from pantau.models import Post
from processing.pipeline import analyze
from storage import posts as post_store
from storage.db import open_db
from tests.reliability import faults as F

EXAMPLES: list[int] = []
_SHARED: dict[str, Any] = {}  # one entry per hypothesis example run (the report's "inputs tried")

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

EMOJI = st.sampled_from(["😀", "🔥", "🇮🇩", "👍🏽", "❤️", "🙏", "\u200d", "\ufe0f", "🚧", "🌊"])
RTL = st.sampled_from(["\u200f", "\u202e", "\u202b", "\u2067", "\u061c", "مرحبا", "שלום"])
CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from(["\x7f", "\x85"])
SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
COMBINING = st.characters(min_codepoint=0x300, max_codepoint=0x36F)
WORDS = st.sampled_from(
    ["jalan", "rusak", "Cibinong", "Kabupaten", "Bogor", "banjir", "PUPR", "#JalanRusak",
     "@bupati", "https://x.example/a?b=c", "jalan2", "anak-anak", "parahhhh", "?", "!", "Kab.",
     "<b>", "&amp;", "kota", "bogor", "warga", "tolong", "kapan", "terima kasih"]
)  # fmt: skip
HOSTILE_TEXT = st.lists(
    st.one_of(WORDS, EMOJI, RTL, CONTROL, SURROGATE, COMBINING, st.text(max_size=20), st.just(" ")),
    max_size=200,
).map("".join)


def count_calls(func: Callable[..., Any], *args: Any) -> int:
    """Count Python and C function calls made by ``func(*args)`` (a deterministic work measure)."""
    calls = 0

    def profiler(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profiler)
    try:
        func(*args)
    finally:
        sys.setprofile(None)
    return calls


# ------------------------------------------------------------------ normalization + tagging


@pytest.mark.timeout(120)
@SETTINGS
@given(text=HOSTILE_TEXT, title=st.none() | HOSTILE_TEXT, kind=st.sampled_from([None, "rss", "x"]))
def test_analyze_never_raises(
    resources: Any, text: str, title: str | None, kind: str | None
) -> None:
    EXAMPLES.append(1)
    result = analyze(resources, text, title, kind)
    assert 0.0 <= result.relevance <= 1.0
    assert -1.0 <= result.sentiment <= 1.0
    assert result.aspirasi in ("keluhan", "permintaan", "pertanyaan", "apresiasi", "informasi")
    json.dumps(result.to_dict())  # the ``pantau tag`` line can always be written
    tokens = resources.normalize(text).tokens
    assert len(tokens) <= len(text) + 1  # output proportional to input
    assert all(t.isascii() and t == t.strip() and t for t in tokens)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "unit",
    [
        "Jalan rusak di Cibinong Kabupaten Bogor, PUPR tolong perbaiki! ",
        "😀🔥🇮🇩👍🏽" * 5,
        "\u202eرحبا\u200f kota bogor \u2067",
        "a\u0301\u0302\u0303\u0304" * 4 + " ",
        "\x00\x01\x1b[31m\x7f ",
        "#JalanRusakParahBangetDiCibinong @bupati_bogor https://x.example/?q=1 ",
    ],
    ids=["words", "emoji", "rtl", "combining", "control", "entities"],
)
def test_analyze_work_is_linear_and_capped(resources: Any, unit: str) -> None:
    """Calls for 4x the input stay within ~4x; a 1 MB post costs no more than the read cap."""
    EXAMPLES.append(1)
    small = unit * (2_000 // len(unit) + 1)
    large = small * 4
    huge = unit * (1_000_000 // len(unit) + 1)
    c_small = count_calls(analyze, resources, small, None, "x")
    c_large = count_calls(analyze, resources, large, None, "x")
    c_huge = count_calls(analyze, resources, huge, None, "x")
    assert c_large <= 4 * c_small * 1.5 + 2_000, (c_small, c_large)
    assert c_huge <= 12 * c_large + 2_000, (c_large, c_huge)


# ------------------------------------------------------------------ HTML and feed mapping


HTML_PIECES = st.one_of(
    st.sampled_from(
        ["<div>", "</div>", "<p>", "<br>", "<script>", "</script>", "<style>", "</style>",
         "<!--", "-->", "<![CDATA[", "]]>", "<", ">", "&", "&amp;", "&#0;", "&#x110000;",
         "&nbsp;", "<a href='javascript:alert(1)'>", "</a>", "<img src=x onerror=alert(1)>",
         "<svg><script>", "<iframe>", "<template>", "<b", "\"", "'", "<?xml ?>", "<!DOCTYPE>"]
    ),
    HOSTILE_TEXT,
)  # fmt: skip
HOSTILE_HTML = st.lists(HTML_PIECES, max_size=120).map("".join)


@pytest.mark.timeout(120)
@SETTINGS
@given(fragment=HOSTILE_HTML)
@example(fragment="<!DOCTYPE><script>")  # found by the soak run: lxml asserted
def test_html_to_text_never_raises(fragment: str) -> None:
    EXAMPLES.append(1)
    text = html_to_text(fragment)
    assert isinstance(text, str)
    assert text == clean_text(text)  # no control characters, collapsed whitespace
    text.encode("utf-8")  # storable
    assert "<script" not in text.lower() or "<script" in fragment.lower()


@pytest.mark.timeout(60)
def test_html_to_text_survives_deep_nesting_and_floods() -> None:
    EXAMPLES.append(4)
    deep = "<div>" * 100_000 + "isi dalam<script>evil()</script>" + "</div>" * 100_000 + " ekor"
    assert html_to_text(deep) == "isi dalam ekor"
    flood = html_to_text("<b>a</b>" + "<" * 1_000_000)
    assert flood.startswith("a") and len(flood) <= 1_000_002
    assert "evil" not in html_to_text("<p>x</p><script>" + "evil " * 100_000)
    assert html_to_text("&amp;" * 200_000) == "&" * 200_000


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "unit", ["<div>", "<", "<script>", "&amp;", "<p>kata</p>", "<a href='x'>t</a>"]
)
def test_html_to_text_work_is_linear(unit: str) -> None:
    EXAMPLES.append(1)
    small = count_calls(html_to_text, unit * 2_000 + " teks")
    large = count_calls(html_to_text, unit * 8_000 + " teks")
    assert large <= 4 * small * 1.5 + 500, (small, large)
    assert len(html_to_text(unit * 8_000)) <= len(unit * 8_000)


ENTRY_VALUES = st.one_of(
    st.none(), HOSTILE_TEXT, HOSTILE_HTML, st.integers(), st.floats(allow_nan=True),
    st.lists(st.one_of(st.integers(), HOSTILE_TEXT, st.dictionaries(st.text(max_size=5), HOSTILE_TEXT, max_size=3)), max_size=3),
    st.dictionaries(st.text(max_size=8), HOSTILE_TEXT, max_size=4),
    st.tuples(st.integers(), st.integers()),
)  # fmt: skip
ENTRY_KEYS = st.sampled_from(
    ["id", "title", "link", "summary", "content", "author", "published_parsed",
     "updated_parsed", "source", "language", "tags", "published"]
)  # fmt: skip


@pytest.mark.timeout(120)
@SETTINGS
@given(
    entry=st.dictionaries(ENTRY_KEYS, ENTRY_VALUES, max_size=12),
    kind=st.sampled_from(["rss", "gnews"]),
)
def test_to_post_never_raises_and_is_storable(
    tmp_path_factory: Any, entry: dict[str, Any], kind: str
) -> None:
    EXAMPLES.append(1)
    if "db" not in _SHARED:
        _SHARED["db"] = open_db(tmp_path_factory.mktemp("hostile") / "p.db")
    post = to_post(entry, source="uji", kind=kind, fetched_at=datetime(2026, 11, 27, tzinfo=UTC))
    assert isinstance(post, Post)
    assert post.external_id and isinstance(post.external_id, str)
    assert post.url is None or post.url.startswith(("http://", "https://"))
    assert isinstance(post.text, str) and (post.title is None or isinstance(post.title, str))
    json.dumps(post.raw, default=str)
    post_store.save_batch(_SHARED["db"], [post])
    assert post_store.save_batch(_SHARED["db"], [post]) == 0  # stored once, idempotent


def test_storage_accepts_lone_surrogates_and_nul(tmp_path: Path) -> None:
    """JSON payloads can carry "\\ud800": storing must not crash the run."""
    EXAMPLES.append(1)
    db = open_db(tmp_path / "p.db")
    post = Post(
        source="uji", kind="x", external_id="a\ud800", text="teks\udfff\x00akhir",
        title="judul\ud83d", author="@pen\udc00", raw={"t": "\ud800"},
    )  # fmt: skip
    assert post_store.save_batch(db, [post]) == 1
    assert post_store.save_batch(db, [post]) == 0  # idempotent: same key after cleaning
    text, raw = db.execute("SELECT text, raw FROM posts").fetchone()
    assert text.startswith("teks") and text.endswith("akhir")
    assert json.loads(raw) == {"t": "\ud800"}  # escaped in JSON, so nothing is lost


FEED_BYTES = st.one_of(
    st.binary(max_size=2_000),
    st.lists(HTML_PIECES, max_size=60).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass")),
    HOSTILE_TEXT.map(lambda t: t.encode("utf-8", "replace").decode("utf-8")).map(
        lambda t: F.rss_body([F.Item("x", t, t), F.Item("y", t[::-1], t)]).decode("utf-8", "replace")[
            : max(10, len(t) * 3)
        ].encode("utf-8", "surrogatepass")
    ),
)  # fmt: skip


@pytest.mark.timeout(120)
@SETTINGS
@given(content=FEED_BYTES)
@example(content=b"<>&#2000000;")  # found by the soak run: feedparser's chr() ValueError
def test_parse_feed_raises_only_collector_errors(content: bytes) -> None:
    EXAMPLES.append(1)
    try:
        parsed = parse_feed(content, source="uji")
    except CollectorError as exc:
        assert "\n" not in str(exc)
        return
    for entry in parsed.entries:
        to_post(entry, source="uji")


@pytest.mark.timeout(120)
@SETTINGS
@given(title=HOSTILE_TEXT, text=HOSTILE_TEXT)
def test_feed_round_trip_keeps_hostile_text(title: str, text: str) -> None:
    """Escaped hostile text inside a well-formed feed comes back cleaned, never raising."""
    EXAMPLES.append(1)
    safe = {
        k: "".join(c for c in v if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF)
        for k, v in (("t", title), ("x", text))
    }
    body = F.rss_body([F.Item("satu", safe["t"], safe["x"])])
    parsed = parse_feed(body, source="uji")
    assert len(parsed.entries) == 1
    post = to_post(parsed.entries[0], source="uji")
    assert post.external_id == "satu"
    post.text.encode("utf-8")


def test_one_megabyte_feed_entry(resources: Any) -> None:
    EXAMPLES.append(1)
    big = "Jalan rusak di Cibinong 😀 \u202e " * 40_000  # ~1.2 MB
    body = F.rss_body([F.Item("besar", "Judul", big)])
    parsed = parse_feed(body, source="uji")
    post = to_post(parsed.entries[0], source="uji")
    assert len(post.text) > 1_000_000
    assert analyze(resources, post.text, post.title, "rss").departments


# ------------------------------------------------------------------ pantau tag


@pytest.mark.timeout(120)
@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    lines=st.lists(
        st.one_of(HOSTILE_TEXT, HOSTILE_TEXT.map(lambda t: json.dumps({"id": t, "text": t}))),
        min_size=1,
        max_size=8,
    )
)
def test_pantau_tag_answers_every_line(lines: list[str]) -> None:
    EXAMPLES.append(1)
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    stdin = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
    result = CliRunner().invoke(cli, ["--config", str(F.ROOT / "config.yaml"), "tag"], input=stdin)
    assert result.exit_code == 0, result.output
    out = result.stdout_bytes.decode("utf-8").split("\n")[:-1]
    assert len(out) == stdin.count(b"\n")
    for line in out:
        json.loads(line)


# ------------------------------------------------------------------ soak: the same properties, longer

SOAK = settings(
    max_examples=3_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _soak(test: Any, **strategies: Any) -> Any:
    """Re-run a property test's body with many more (non-derandomized) examples."""
    inner = test.hypothesis.inner_test
    return pytest.mark.soak(pytest.mark.timeout(3600)(SOAK(given(**strategies)(inner))))


test_analyze_soak = _soak(
    test_analyze_never_raises,
    text=HOSTILE_TEXT,
    title=st.none() | HOSTILE_TEXT,
    kind=st.sampled_from([None, "rss", "x"]),
)
test_html_to_text_soak = _soak(test_html_to_text_never_raises, fragment=HOSTILE_HTML)
test_to_post_soak = _soak(
    test_to_post_never_raises_and_is_storable,
    entry=st.dictionaries(ENTRY_KEYS, ENTRY_VALUES, max_size=12),
    kind=st.sampled_from(["rss", "gnews"]),
)
test_parse_feed_soak = _soak(test_parse_feed_raises_only_collector_errors, content=FEED_BYTES)
test_feed_round_trip_soak = _soak(
    test_feed_round_trip_keeps_hostile_text, title=HOSTILE_TEXT, text=HOSTILE_TEXT
)
