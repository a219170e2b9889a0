"""``Analysis`` is a plain (not frozen) slots dataclass: same fields, defaults, equality."""

from __future__ import annotations

import dataclasses

import pytest

from pantau.models import Analysis

NAMES = [
    "relevant",
    "relevance",
    "departments",
    "topics",
    "kecamatan",
    "aspirasi",
    "sentiment",
    "matched",
    "desa",
    "topic_departments",
    "fingerprint",
]


def _full() -> Analysis:
    return Analysis(
        True,
        0.75,
        ("pupr",),
        ("jalan_rusak",),
        ("cibinong",),
        "keluhan",
        -0.5,
        {"relevance": {"regency": ["cibinong"]}},
        ("pakansari",),
        {"jalan_rusak": "pupr"},
        12345,
    )


def test_fields_in_order_positional_and_by_name() -> None:
    assert [f.name for f in dataclasses.fields(Analysis)] == NAMES
    full = _full()
    by_name = Analysis(**{n: getattr(full, n) for n in NAMES})
    assert by_name == full
    assert repr(by_name) == repr(full)
    assert repr(full).startswith("Analysis(relevant=True, relevance=0.75, departments=('pupr',)")
    assert dataclasses.asdict(full)["matched"] == {"relevance": {"regency": ["cibinong"]}}
    assert list(dataclasses.asdict(full)) == NAMES


def test_defaults_are_fresh_per_instance() -> None:
    a, b = Analysis(False, 0.0), Analysis(False, 0.0)
    assert (a.departments, a.topics, a.kecamatan, a.desa) == ((), (), (), ())
    assert (a.aspirasi, a.sentiment, a.fingerprint) == ("informasi", 0.0, 0)
    assert a.matched == {} and a.topic_departments == {}
    assert a.matched is not b.matched and a.topic_departments is not b.topic_departments
    assert a == b


def test_replace_equality_and_hash_like_the_frozen_class() -> None:
    full = _full()
    assert dataclasses.replace(full) == full
    other = dataclasses.replace(full, aspirasi="permintaan")
    assert other != full and other.departments == full.departments
    assert not hasattr(full, "__dict__")  # slots: no stray attributes
    with pytest.raises(TypeError):  # a dict field: unhashable, as when it was frozen
        hash(full)
    hashable = dataclasses.replace(full, matched=(), topic_departments=())  # type: ignore[arg-type]
    assert hash(hashable) == hash(dataclasses.replace(hashable))
