"""``Resources.normalize_marked``: the tokens of ``normalize`` and, in step, each
token's mark, as ``Resources.mark`` gives it (memoized pieces keep their words'
marks; ``analyze`` hands them to ``scan_tokens`` instead of a lookup per token)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings

from processing.expand import TokenMark, TokenMemo
from processing.pipeline import STEM_HEAD, scan_tokens
from processing.tagging import TermIndex
from tests.processing.test_normalize_fast_paths import RETWEET_STARTS, texts


def _key(mark: TokenMark) -> tuple[Any, ...]:
    row = mark.row
    return (
        mark.stem,
        mark.mark,
        None if row is None else (row.token, row.a, row.b, row.c),
        id(mark.stem_head),
        id(mark.exact_head),
        id(mark.relevance_head),
    )


def _check(resources: Any, text: str) -> list[TokenMark]:
    marks: list[TokenMark] = [resources.mark("|")]  # appended to, never replaced
    got = resources.normalize_marked(text, marks)
    assert got == resources.normalize(text)
    assert [_key(m) for m in marks[1:]] == [_key(resources.mark(t)) for t in got.tokens]
    assert marks[0] is resources.mark("|")
    scanned = scan_tokens(resources, got.tokens, marks[1:])
    alone = scan_tokens(resources, got.tokens)
    assert scanned.stems == alone.stems == resources.stemmer.stem_tokens(got.tokens)
    assert [r.token for r in scanned.content] == [r.token for r in alone.content]
    for field in ("stem_heads", "exact_heads", "places", "relevance", "watched", "bogor"):
        assert getattr(scanned, field) == getattr(alone, field)
    return marks[1:]


@settings(max_examples=300, deadline=None)
@given(texts())
def test_marks_follow_the_tokens(resources: Any, text: str) -> None:
    _check(resources, text)
    _check(resources, text)  # from the memoized pieces and their kept marks


@settings(max_examples=150, deadline=None)
@given(RETWEET_STARTS, texts())
def test_retweets_are_marked_too(resources: Any, start: str, text: str) -> None:
    _check(resources, start + text)


def test_a_shared_memo_gives_each_resources_its_own_marks(resources: Any) -> None:
    text = "Jalan rusak parah di Cibinong, tolong diperbaiki dinas PUPR"
    own = replace(resources, token_memo=TokenMemo(), segment_memo={})
    marks = _check(own, text)
    assert any(m.mark & STEM_HEAD for m in marks)
    # Same memo (``replace`` keeps it), other tables: the pieces' kept marks are not reused.
    bare = replace(own, terms=TermIndex.build(()))
    assert bare.token_memo is own.token_memo and bare.marker is not own.marker
    bare_marks = _check(bare, text)
    assert not any(m.mark & STEM_HEAD for m in bare_marks)
    assert all(m.stem_head is None for m in bare_marks)
    assert [_key(m) for m in _check(own, text)] == [_key(m) for m in marks]


def test_a_piece_that_cannot_be_memoized_leaves_no_stray_marks(resources: Any) -> None:
    # A slang entry that expands to the clause token sends the text down the
    # whole-text path after some pieces were already marked.
    slang = dict(resources.slang)
    slang["titik"] = (".",)
    odd = replace(resources, slang=slang, token_memo=TokenMemo(), segment_memo={})
    for text in ("jalan rusak titik mohon diperbaiki", "titik", "a b c titik", "RT @x: a titik"):
        marks = _check(odd, text)
        assert len(marks) == len(odd.normalize(text).tokens)


def test_marked_normalize_adds_nothing_for_empty_text(resources: Any) -> None:
    marks: list[TokenMark] = []
    assert resources.normalize_marked("", marks).tokens == ()
    assert resources.normalize_marked("   ", marks).tokens == ()
    assert marks == []


def _letters(i: int) -> str:
    word = ""
    while True:
        i, r = divmod(i, 26)
        word += chr(97 + r)
        if not i:
            return "kata" + word


def test_marked_pieces_stay_bounded(resources: Any, monkeypatch: Any) -> None:
    """The pieces' kept marks go with the pieces: memory stays flat over any run."""
    from processing import normalize as normalize_module
    from processing import pipeline

    own = replace(resources, token_memo=TokenMemo(), segment_memo={})
    monkeypatch.setattr(normalize_module, "CHUNK_MEMO_SIZE", 60)
    monkeypatch.setattr(pipeline, "MARKS_SIZE", 50)
    for i in range(400):
        text = " ".join(_letters(i * 7 + k) for k in range(7)) + ", jalan rusak."
        result = pipeline.analyze(own, text, _letters(i))
        assert result == pipeline.analyze(
            replace(resources, token_memo=TokenMemo()), text, _letters(i)
        )
        memo = own.token_memo
        assert len(memo.plain) + len(memo.pieces) <= 60 + 10
        assert len(own.token_marks) <= 50 + 12
        kept = {id(m) for record in memo.plain.values() for m in record.marks}
        assert len(kept) <= sum(len(record.words) for record in memo.plain.values())
