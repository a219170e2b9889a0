"""The per-post result classes have written ``__init__`` methods (fast under mypyc).

Each must take exactly its dataclass fields, in order, with the same defaults the
fields had, and keep dataclass equality, hashing and ``replace``.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest

from processing.aspirasi import Verdict
from processing.normalize import Normalized, _Piece
from processing.places import NO_PLACES, PlaceHits
from processing.relevance import Relevance
from processing.tagging import Tags

CLASSES = [Normalized, _Piece, Verdict, PlaceHits, Relevance, Tags]


def _kind(annotation: object) -> str:
    """The field's type name: a string (pure Python) or a class (compiled classes)."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return str(text).split("[")[0]


def _value(name: str, annotation: object) -> Any:
    """A value of the field's type that differs from field to field."""
    kind = _kind(annotation)
    if kind == "tuple":
        return (name,)
    if kind == "frozenset":
        return frozenset({name})
    if kind == "bool":
        return True
    if kind == "int":
        return len(name) + 7
    if kind == "float":
        return len(name) + 0.5
    if kind == "str":
        return name
    if kind in ("Mapping", "dict", "object"):
        return {name: (name,)}
    raise AssertionError(f"no sample value for {annotation}")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_init_takes_the_fields_in_order(cls: type) -> None:
    names = [f.name for f in fields(cls)]
    values = [_value(f.name, f.type) for f in fields(cls)]
    positional = cls(*values)
    assert [getattr(positional, n) for n in names] == values
    by_name = cls(**dict(zip(names, values, strict=True)))
    assert by_name == positional
    assert repr(by_name) == repr(positional)
    assert replace(positional) == positional
    field = next(f for f in fields(cls) if _kind(f.type) != "bool")
    changed = replace(positional, **{field.name: _value(f"other {field.name}", field.type)})
    assert changed != positional


def test_hashable_results_stay_hashable() -> None:
    a = Normalized(("jalan", "rusak"), question=True)
    b = Normalized(("jalan", "rusak"), (), (), (), (), (), (), True, 0, frozenset())
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    rel = Relevance(True, 1.0, ("cibinong",), (), ())
    assert hash(rel) == hash(Relevance(True, 1.0, ("cibinong",), (), ()))


def test_defaults_are_the_former_field_defaults() -> None:
    norm = Normalized(("a",))
    assert (norm.urls, norm.mentions, norm.hashtags, norm.emoji, norm.numbers) == ((),) * 5
    assert (norm.mention_tokens, norm.question, norm.exclamations) == ((), False, 0)
    assert norm.flags == frozenset()
    assert (NO_PLACES.foreign_terms, NO_PLACES.unresolved_desa, NO_PLACES.direct) == ((), 0, ())
    hits = PlaceHits(("cibinong",), (), {}, ())
    assert hits.direct == () and hits.unresolved_desa == 0


def test_not_content_is_set_once_and_follows_replace(resources) -> None:  # type: ignore[no-untyped-def]
    assert resources.not_content == resources.stopwords | {"|", "."}
    assert resources.not_content is resources.not_content
    other = replace(resources, stopwords=frozenset({"yang"}))
    assert other.not_content == frozenset({"yang", "|", "."})
