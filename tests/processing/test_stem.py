"""The stemmer's shortcuts give exactly what plain PySastrawi ``stem()`` gives."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import corpus
from processing import stem as stem_module
from processing.evaluate import DEFAULT_DIR, PARTS, load_items
from processing.stem import CachedStemmer, _PrecompiledRe, sastrawi_version

EVAL_DIR = Path(__file__).resolve().parents[2] / DEFAULT_DIR


@contextmanager
def plain_re() -> Iterator[None]:
    """Sastrawi's modules with the real ``re`` module again, for the reference."""
    swapped = [
        name
        for name, module in list(sys.modules.items())
        if name.startswith("Sastrawi.") and getattr(module, "re", None) is stem_module._FAST_RE
    ]
    for name in swapped:
        sys.modules[name].re = re  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for name in swapped:
            sys.modules[name].re = stem_module._FAST_RE  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def fast() -> CachedStemmer:
    return CachedStemmer()


@pytest.fixture(scope="module")
def reference():  # type: ignore[no-untyped-def]
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    with plain_re():
        return StemmerFactory().create_stemmer()


def plain_stems(reference, tokens: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    with plain_re():
        return [reference.stem(t) or t for t in tokens]


def test_shortcuts_are_in_use(fast: CachedStemmer) -> None:
    assert sastrawi_version() == stem_module.CHECKED_SASTRAWI
    assert fast._single is not None
    assert fast._ecs is not None  # the regex-free port answers [a-z]+ words
    from Sastrawi.Stemmer.Context.Visitor import AbstractDisambiguatePrefixRule

    assert AbstractDisambiguatePrefixRule.re is stem_module._FAST_RE  # type: ignore[attr-defined]


def test_every_corpus_token_stems_as_plain_sastrawi(  # type: ignore[no-untyped-def]
    resources, default_config, fast: CachedStemmer, reference
) -> None:
    texts = [
        value
        for post in corpus.generate(default_config, 20_000, seed=3)
        for value in (post.text, post.title or "")
    ]
    for part in PARTS:
        for item in load_items(EVAL_DIR / f"{part}.jsonl"):
            texts += [item["text"] or "", item.get("title") or ""]
    distinct: set[str] = set()
    for text in texts:
        normalized = resources.normalize(text)
        distinct.update(normalized.tokens, normalized.mention_tokens)
    tokens = sorted(t for t in distinct if len(t) > 3 and t.isalpha())
    assert len(tokens) > 4000
    got = [fast._sastrawi(t) for t in tokens]
    want = plain_stems(reference, tokens)
    differ = [(t, g, w) for t, g, w in zip(tokens, got, want, strict=True) if g != w]
    assert not differ[:5], f"{len(differ)} of {len(tokens)} stems differ"
    assert sum(g != t for g, t in zip(got, tokens, strict=True)) > 1000  # real stemming happened


AFFIXED = st.builds(
    lambda prefix, root, suffix: prefix + root + suffix,
    st.sampled_from(["", "me", "mem", "men", "meng", "meny", "di", "ber", "ter", "pe", "pem",
                     "pen", "peng", "per", "memper", "diper", "ke", "se", "be", "te"]),
    st.text(alphabet="abcdeghijklmnoprstuwy", min_size=1, max_size=10),
    st.sampled_from(["", "kan", "an", "i", "nya", "lah", "kah", "pun", "ku", "mu", "isasi",
                     "isme", "kannya", "annya"]),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(
        AFFIXED | st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉİßé", min_size=1, max_size=14),
        min_size=1,
        max_size=8,
    )
)
def test_random_words_stem_as_plain_sastrawi(  # type: ignore[no-untyped-def]
    fast: CachedStemmer, reference, words: list[str]
) -> None:
    words = [w for w in words if w.isalpha()]
    assert [fast._sastrawi(w) for w in words] == plain_stems(reference, words)
    # ``stem`` takes the letters-only shortcut: the same stems.
    assert [fast._sastrawi_alpha(w) for w in words] == plain_stems(reference, words)


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.text(alphabet="abk.*-^$()|", max_size=5),
    text=st.text(alphabet="abk-.", max_size=10),
    count=st.integers(0, 2),
)
def test_precompiled_re_equals_re(pattern: str, text: str, count: int) -> None:
    shim = _PrecompiledRe()
    try:
        compiled = re.compile(pattern)
    except re.error:
        return
    assert shim.sub(pattern, "", text, count=count) == compiled.sub("", text, count=count)
    want = compiled.match(text)
    got = shim.match(pattern, text)
    assert (got and got.group()) == (want and want.group())
    assert shim.sub(pattern, "x", text, count=count) == re.sub(pattern, "x", text, count=count)


def test_other_sastrawi_versions_use_the_plain_calls(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Patched where the installed version is read (``importlib.metadata``): a compiled
    # (mypyc) stem module binds its own functions early, so patching them does nothing.
    real_version = stem_module.metadata.version

    def version(name: str) -> str:
        return "9.9.9" if name == stem_module.SASTRAWI_DISTRIBUTION else real_version(name)

    monkeypatch.setattr(stem_module.metadata, "version", version)
    assert stem_module.sastrawi_version() == "9.9.9"
    stemmer = CachedStemmer()
    assert stemmer._single is None
    assert stemmer._ecs is None
    assert stemmer.stem("diperbaiki") == "baik"
