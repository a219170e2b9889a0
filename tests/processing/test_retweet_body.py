"""``retweet_body`` and the analysis a retweet shares with its original.

``normalize`` cuts a retweet's "RT @user:" prefix before anything reads the text, so
``analyze`` of a retweet equals ``analyze`` of its body: ``AnalysisCache`` keeps one
analysis for an original and all its retweets. Every case where that equality is
not certain must give None.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processing.dedup import MIN_TOKENS, content_keys, word_size
from processing.expand import TokenMemo
from processing.normalize import (
    MAX_CHARS,
    RETWEET_RE,
    _ascii_retweet_body,
    _folded_retweet_body,
    retweet_body,
)
from processing.pipeline import analyze
from processing.window import AnalysisCache

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe0e\ufe0f\u00ad]")
INVISIBLE_CHARS = "\u200b\u200d\u200f\u202a\u202e\u2060\u2064\ufeff\ufe0e\ufe0f\u00ad"

LEADS = ["", " ", "\n", "\t ", "\u3000", "\u00a0", "\u2028", "\u200b", "\ufeff", "😡 "]
RT_WORDS = ["RT", "rt", "Rt", "ＲＴ", "R\u200bT", "RT\u00ad"]
HANDLES = st.sampled_from(["a", "warga", "Bupati_Bogor", "http", "ahttps", "www", "a" * 30]) | (
    st.from_regex(r"[A-Za-z0-9_]{1,33}", fullmatch=True)
)
AFTER_HANDLE = [
    "",
    ":",
    ": ",
    ":  ",
    " ",
    ":\n",
    "\t",
    ": \u00a0",
    ":\u3000",
    ".",
    "https://t.co/a ",
]
PIECES = [
    "jalan", "rusak", "parah", "di", "Cibinong", "Kab.", "kab.Bogor", "Bojonggede", "banjir",
    "mohon", "segera", "gw", "udh", "jalan2", "rumahnya", "bangeeet", "dinas", "DPUPR", "kec.",
    "?", "!", "??", "...", ",", "\n", "😡", "👍🏽", "🇮🇩", "e\u0301", "\u0301", "é", "ﬁ", "ＪＡＬＡＮ",
    "@DPUPRKabBogor", "@a:", "@bupati", "#JalanRusak", "#sampahmenumpuk", "https://t.co/x?a=1!",
    "http://x.co", "www.bogorkab.go.id", "RT", "rt", "RT @b:", "3kg", "300rb", "1.234,5", "٣",
    "\u200b", "\ufe0f", "\u00ad", "İ", "titik", "a@b", "e@mail.com", '"', "<", "Bogor (ANTARA) -",
]  # fmt: skip
SEPARATORS = st.sampled_from([" ", "", "\n", " . ", "  ", "\u00a0"])


@st.composite
def bodies(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=20))
    return draw(SEPARATORS).join(parts)


@st.composite
def retweets(draw: st.DrawFn) -> str:
    text = (
        draw(st.sampled_from(LEADS))
        + draw(st.sampled_from(RT_WORDS))
        + draw(st.sampled_from([" ", "  ", "\t", "\u3000", ""]))
        + "@"
        + draw(HANDLES)
        + draw(st.sampled_from(AFTER_HANDLE))
        + draw(bodies())
    )
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(INVISIBLE_CHARS)) + text[at:]
    return text


TITLES = [None, "", "Jalan Rusak di Cibinong Dikeluhkan Warga", "?", "@DPUPRKabBogor 😡"]
KINDS = [None, "x", "rss", "reddit"]


def _marked(resources, text: str):  # type: ignore[no-untyped-def]
    marks: list[object] = []
    return resources.normalize_marked(text, marks), marks


def _same_reading(resources, text: str, body: str) -> None:  # type: ignore[no-untyped-def]
    assert resources.normalize(body) == resources.normalize(text)
    assert _marked(resources, body) == _marked(resources, text)
    for title in TITLES:
        for kind in KINDS:
            assert analyze(resources, body, title, kind) == analyze(resources, text, title, kind)


@settings(max_examples=400, deadline=None)
@given(retweets())
def test_a_retweet_reads_as_its_body(resources, text: str) -> None:  # type: ignore[no-untyped-def]
    body = retweet_body(text)
    if body is not None:
        _same_reading(resources, text, body)


@pytest.fixture(scope="module")
def clause_resources(resources):  # type: ignore[no-untyped-def]
    """Slang that expands a word to the clause token: no piece is memoizable, so
    ``normalize`` runs its whole-text passes over the retweet and over the body."""
    # Fresh memos: ``replace`` would hand over the session's, which this slang must not fill.
    return replace(
        resources,
        slang={**resources.slang, "titik": (".",)},
        token_memo=TokenMemo(),
        segment_memo={},
    )


@settings(max_examples=200, deadline=None)
@given(retweets())
def test_a_retweet_reads_as_its_body_on_the_whole_text_path(clause_resources, text: str) -> None:  # type: ignore[no-untyped-def]
    body = retweet_body(text + " titik")
    if body is not None:
        _same_reading(clause_resources, text + " titik", body)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40) | retweets() | st.builds(str.__add__, retweets(), retweets()))
def test_a_body_is_what_follows_the_prefix_of_the_folded_text(text: str) -> None:
    body = retweet_body(text)
    if body is None:
        return
    assert body == _folded_retweet_body(text)  # the shortcuts read as the regex path
    folded = INVISIBLE.sub("", unicodedata.normalize("NFKC", text[:MAX_CHARS]))
    prefix = RETWEET_RE.match(folded)
    assert prefix is not None and folded[prefix.end() :] == body
    assert prefix.group().isascii() and folded[: prefix.start()].isascii()
    assert RETWEET_RE.match(body) is None
    assert unicodedata.is_normalized("NFKC", body) and not INVISIBLE.search(body)
    assert not body[:1].isspace()


ASCII_HANDLES = HANDLES.filter(str.isascii) | st.sampled_from(
    ["xhttp", "aHTTPS", "www", "aWwW", "a" * 29 + "h", "a" * 28 + "ht"]
)


@st.composite
def ascii_retweets(draw: st.DrawFn) -> str:
    return (
        draw(st.sampled_from(["", " ", "\n", "\t \x1c", "\x0b"]))
        + draw(st.sampled_from(["RT", "RT", "rt", "Rt", "rT", "R", "RTT", "Rx"]))
        + draw(st.sampled_from([" ", " ", "  ", "\t", "\x1f", ""]))
        + draw(st.sampled_from(["@", "@", "@", "@@", "", "#"]))
        + draw(ASCII_HANDLES)
        + draw(
            st.sampled_from(
                ["", ":", ": ", " ", ":\n", "://x.co ", "://", ".", ".id ", "::", ": :", "\x1e"]
            )
        )
        + draw(
            st.text(alphabet=st.characters(max_codepoint=127), max_size=12)
            | bodies().map(lambda body: body.encode("ascii", "ignore").decode())
        )
    )


@settings(max_examples=600, deadline=None)
@given(ascii_retweets())
def test_the_ascii_path_reads_the_prefix_as_the_regex_path(text: str) -> None:
    """Without a regex, the same body, or None in the rare cases it leaves to be safe."""
    if not text.isascii():
        return
    fast = _ascii_retweet_body(text)
    assert fast is None or fast == _folded_retweet_body(text)
    prefix = RETWEET_RE.match(text)
    if fast is None and prefix is not None and _folded_retweet_body(text) is not None:
        # Only a handle of 31+ characters, or one a URL may begin in.
        handle = re.match(r"\s*rt\s+@(\w*)", text, re.IGNORECASE)
        assert handle is not None
        name = handle.group(1).lower()
        assert len(name) > 30 or name.endswith(("http", "https", "www"))


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("RT @warga: Jalan rusak di Cibinong", "Jalan rusak di Cibinong"),
        ("rt @Bupati_Bogor:\nbanjir lagi?", "banjir lagi?"),
        ("RT @a: 😡 @DPUPRKabBogor jalan rusak https://t.co/x #JalanRusak", None),
        ("  RT  @a jalan é", "jalan é"),
        ("\u200bRT @a: jalan", "jalan"),
        ("R\u200bT @a: 😡 jalan", "😡 jalan"),
        ("ＲＴ @a: jalan", "jalan"),
        ("\u3000RT @a: jalan", "jalan"),  # NFKC makes it an ASCII space
        ("RT @a: jalan e\u0301", "jalan é"),
        ("RT @a: ", ""),
    ],
)
def test_retweet_bodies(resources, text: str, body: str | None) -> None:  # type: ignore[no-untyped-def]
    if body is None:  # the body is the text after the prefix
        body = text[len("RT @a: ") :]
    assert retweet_body(text) == body
    _same_reading(resources, text, body)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Jalan rusak di Cibinong",
        "Rusak @a: jalan",
        "R",
        "RT",
        "RTjalan @a",
        "RT jalan",  # no @handle
        "halo RT @a: jalan",
        "@a RT @b: jalan",
        "#RT @a: jalan",
        "RT@a: jalan",
        "http://x.co RT @a: jalan",  # the whole-text passes cut the URL, then the prefix
        "RT @http://t.co/x jalan",  # a URL starts inside the prefix
        "RT @ahttps://x.co jalan",
        "RT @a: RT @b: jalan",  # the body would lose a prefix the retweet keeps
        "RT @a: http://x.co RT @b: jalan",
        "RT @a:   www.x.id RT @b: jalan",
        "\u2028RT @a: jalan",  # the head stays outside ASCII
        "RT\u2028@a: jalan",
        "RT @a: e\u200b\u0301",  # dropping the invisible character exposes a composition
        "😡 RT @a: jalan",
        "\u200b😡 @a: RT @b: jalan",
    ],
)
def test_no_body_where_it_is_not_certain(text: str) -> None:
    assert retweet_body(text) is None


def test_the_first_characters_rule_out_only_what_is_no_retweet() -> None:
    chars = [chr(code) for code in range(0x800)] + list(INVISIBLE_CHARS + "ＲＴｒｔⓇ\u3000\u2028")
    for char in chars:
        for text in (char + "RT @a: x", char + "T @a: x", "R" + char + " @a: x"):
            assert retweet_body(text) == _folded_retweet_body(text), (hex(ord(char)), text)


def test_a_handle_past_30_characters_is_left_to_the_regex_path(resources) -> None:  # type: ignore[no-untyped-def]
    text = "RT @" + "a" * 33 + " jalan"
    assert retweet_body(text) is None  # the ASCII path leaves it
    assert _folded_retweet_body(text) == "aaa jalan"  # the prefix takes 30 characters
    _same_reading(resources, text, "aaa jalan")


def test_the_cut_is_read_at_most_max_chars_in(resources) -> None:  # type: ignore[no-untyped-def]
    text = "RT @a: " + "jalan " * (MAX_CHARS // 6 + 10)
    body = retweet_body(text)
    assert body is not None and len(body) == MAX_CHARS - len("RT @a: ")
    assert resources.normalize(body) == resources.normalize(text)


ORIGINALS = [
    "Jalan rusak parah di Cibinong sudah tiga bulan tidak diperbaiki mohon segera 😡",
    "Banjir di Bojonggede? @BPBDKabBogor tolong https://t.co/abc #banjir",
    "mantap",
]


@pytest.mark.parametrize("original", ORIGINALS)
@pytest.mark.parametrize("original_first", [True, False])
def test_cache_shares_the_analysis_of_original_and_retweets(
    resources, original: str, original_first: bool
) -> None:  # type: ignore[no-untyped-def]
    cache = AnalysisCache()
    texts = [original, "RT @warga: " + original, "RT @Bupati_Bogor: " + original]
    if not original_first:
        texts.reverse()
    posts = [cache.post(resources, "x", None, text) for text in texts]
    assert posts[0].analysis is posts[1].analysis is posts[2].analysis
    assert posts[0].analysis == analyze(resources, original, None, "x")
    for text, post in zip(texts, posts, strict=True):
        # Word size and content keys stay the post's own.
        assert post.size == word_size(text, None, MIN_TOKENS)
        assert post.keys == content_keys(None, text)
    # Retweet first: the second retweet and the original find the body's entry.
    assert (cache.hits, cache.shared) == ((0, 2) if original_first else (1, 1))
    # Another kind or title is another analysis.
    other = cache.post(resources, "x", "Judul", "RT @warga: " + original)
    assert other.analysis is not posts[0].analysis
    assert other.analysis == analyze(resources, original, "Judul", "x")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["x", "rss"]),
            st.sampled_from([None, "Judul"]),
            st.sampled_from(["", "RT @a: ", "RT @b:\n", "rt @a: RT @c: ", "ＲＴ @a: "]),
            st.sampled_from(ORIGINALS + ["RT @z: jalan rusak", " jalan rusak"]),
        ),
        max_size=25,
    ),
    st.integers(1, 5),
)
def test_cache_stays_exact_under_eviction(resources, posts, maxsize: int) -> None:  # type: ignore[no-untyped-def]
    cache = AnalysisCache(maxsize=maxsize)
    for kind, title, prefix, original in posts:
        text = prefix + original
        post = cache.post(resources, kind, title, text)
        assert post.analysis == analyze(resources, text, title, kind)
        assert post.size == word_size(text, title, MIN_TOKENS)
        assert post.keys == content_keys(title, text)
        assert len(cache._items) == len(cache._order) <= maxsize
