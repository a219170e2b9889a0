"""Config fuzzing: every key of the configuration, wrong types and values, through the CLI.

Mutations are generated from the pydantic models: the default configuration
(``config.yaml`` plus every defaulted key) is walked alongside ``Config``; each
leaf gets wrong-typed values, each model loses its required keys and gains an
unknown one. Every mutation goes through ``pantau sources`` (and a sample
through ``pantau run --once``, which also builds the taxonomy). A mutation the
models accept must run; one they reject must exit 1 with exactly one stderr
line naming the file and the key path, never a traceback.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel

from pantau.cli import cli
from pantau.config import Config, format_location, load_config
from tests.reliability import faults as F

MUTATIONS: list[str] = []
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

MISSING = object()
UNKNOWN_KEY = "kunci_asing"


@dataclass(frozen=True)
class Mutation:
    path: tuple[str | int, ...]
    value: Any  # MISSING removes the key
    kind: str  # wrong_type | wrong_value | missing | unknown

    @property
    def label(self) -> str:
        shown = "<removed>" if self.value is MISSING else repr(self.value)[:30]
        return f"{self.kind}:{format_location(self.path)}={shown}"


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Return (origin, args) with Optional/Union collapsed to its non-None member."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
        return typing.Union, members
    return origin, list(typing.get_args(annotation))


def _walk(
    value: Any, annotation: Any, path: tuple[str | int, ...], general: tuple[str, ...]
) -> Iterator[tuple[tuple[str | int, ...], tuple[str, ...], Any, Any]]:
    """Yield (path, generalised path, value, annotation) for every node of the config."""
    yield path, general, value, annotation
    origin, args = _unwrap(annotation)
    model = (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )
    if model is None and origin is typing.Union:
        model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if model is not None and isinstance(value, dict):
        for name, field in model.model_fields.items():
            if name in value and not field.exclude:
                yield from _walk(value[name], field.annotation, (*path, name), (*general, name))
    elif origin is dict and isinstance(value, dict):
        item_type = args[1] if len(args) == 2 else Any
        free = item_type is Any  # options: each key means something different
        for key, item in value.items():
            yield from _walk(item, item_type, (*path, key), (*general, key if free else "*"))
    elif origin is list and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, args[0] if args else Any, (*path, index), (*general, "*"))


def _wrong_values(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, bool):
        return [("wrong_type", "mungkin"), ("wrong_type", [True]), ("wrong_value", 7)]
    if isinstance(value, int | float):
        return [("wrong_type", "banyak"), ("wrong_type", {"n": 1}), ("wrong_value", -(10**12))]
    if isinstance(value, str):
        return [("wrong_type", ["daftar"]), ("wrong_type", 12.5), ("wrong_value", "")]
    if isinstance(value, list):
        return [("wrong_type", "bukan daftar"), ("wrong_type", {"a": 1}), ("wrong_value", [None])]
    if isinstance(value, dict):
        return [("wrong_type", ["bukan", "peta"]), ("wrong_type", 3), ("wrong_value", {"": None})]
    return [("wrong_type", {"x": [1]}), ("wrong_type", ["x"]), ("wrong_value", -1)]


@functools.cache
def _default() -> str:
    config = load_config(F.ROOT / "config.yaml")
    return json.dumps(config.model_dump(mode="json", exclude={"path"}))


def default_data() -> dict[str, Any]:
    return json.loads(_default())


def mutations(full: bool) -> list[Mutation]:
    """Every key (generalised: one department, one topic, ...) or, with ``full``, every leaf."""
    data = default_data()
    out: list[Mutation] = []
    seen: set[tuple[Any, ...]] = set()
    for path, general, value, annotation in _walk(data, Config, (), ()):
        key = general if not full else path
        if key in seen or not path:
            continue
        seen.add(key)
        wrong = _wrong_values(value)
        for index, (kind, bad) in enumerate(wrong):
            if full or index == len(seen) % len(wrong):
                out.append(Mutation(path, bad, kind))
        origin, args = _unwrap(annotation)
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
        if model is not None and isinstance(value, dict):
            out.append(Mutation((*path, UNKNOWN_KEY), 1, "unknown"))
            for name, field in model.model_fields.items():
                if field.is_required():
                    out.append(Mutation((*path, name), MISSING, "missing"))
    out.append(Mutation((UNKNOWN_KEY,), {"a": 1}, "unknown"))
    return out


def apply(data: dict[str, Any], mutation: Mutation) -> dict[str, Any]:
    import copy

    data = copy.deepcopy(data)
    target: Any = data
    for part in mutation.path[:-1]:
        target = target[part]
    if mutation.value is MISSING:
        del target[mutation.path[-1]]
    else:
        target[mutation.path[-1]] = mutation.value
    return data


def _source_form(data: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """Collector options are reported as ``sources[<name>].options.<key>``."""
    if len(path) >= 3 and path[0] == "sources" and path[2] == "options":
        index = path[1]
        name = data["sources"][index]["name"] if isinstance(index, int) else index
        rest = format_location(path[3:]) if len(path) > 3 else ""
        return f"sources[{name}].options" + (f".{rest}" if rest else "")
    return None


def check(
    tmp_path: Path, mutation: Mutation, command: list[str], *, no_sources: bool = False
) -> bool:
    """Run one mutation; return True when it was rejected (exit 1, one line)."""
    MUTATIONS.append(mutation.label)
    base = default_data()
    base["database"] = str(tmp_path / "fuzz.db")
    if no_sources:
        base["sources"] = []
    data = apply(base, mutation)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.dump(data, Dumper=_DUMPER, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), *command])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{mutation.label}: {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr, mutation.label
    if result.exit_code == 0:
        return False
    assert result.exit_code == 1, (mutation.label, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, (mutation.label, result.stderr)
    line = lines[0]
    assert line.startswith(f"error: {config}: "), (mutation.label, line)
    # The line names the key path (or, for a missing key, the model holding it).
    named = [format_location(mutation.path), format_location(mutation.path[:-1])]
    alt = _source_form(base, mutation.path)
    if alt:
        named += [alt, alt.rsplit(".", 1)[0]]
    if mutation.path[0] == "sources" and len(mutation.path) > 1:
        index = mutation.path[1]
        named.append(f"sources[{base['sources'][index]['name']}]" if isinstance(index, int) else "")
    assert any(n and n in line for n in named), (mutation.label, line)
    return True


DEFAULT = mutations(full=False)


@pytest.mark.timeout(180)
def test_every_key_with_wrong_values_gives_one_line(tmp_path: Path) -> None:
    rejected = {kind: 0 for kind in ("wrong_type", "wrong_value", "missing", "unknown")}
    total = dict.fromkeys(rejected, 0)
    for mutation in DEFAULT:
        total[mutation.kind] += 1
        if check(tmp_path, mutation, ["sources", "--json"]):
            rejected[mutation.kind] += 1
    # Wrong types, missing required keys and unknown keys are always errors.
    assert rejected["missing"] == total["missing"] > 0
    assert rejected["unknown"] == total["unknown"] > 5
    assert rejected["wrong_type"] >= 0.95 * total["wrong_type"], (rejected, total)
    assert len(DEFAULT) >= 100, len(DEFAULT)


@pytest.mark.timeout(180)
def test_taxonomy_mutations_through_run_once(tmp_path: Path) -> None:
    """Departments, places and relevance feed the taxonomy build: run with no sources."""
    weird = ["", "(.*)+", "a" * 2000, "\u202e😀 kota bogor"]
    data_paths = [
        ("departments", "pupr", "keywords", 0),
        ("departments", "pupr", "aliases", 0),
        ("relevance", "regency_terms", 0),
        ("relevance", "kota_terms", 0),
    ]
    for path in data_paths:
        for value in weird:
            mutation = Mutation(path, value, "wrong_value")
            check(tmp_path, mutation, ["run", "--once"], no_sources=True)
    taxonomy = [
        m for m in DEFAULT
        if m.path[0] in ("departments", "places", "relevance", "privacy") and m.kind == "wrong_value"
    ]  # fmt: skip
    assert taxonomy
    for mutation in taxonomy[:8]:
        check(tmp_path, mutation, ["run", "--once"], no_sources=True)


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("- just\n- a list\n", "(top level)"),
        ("42\n", "(top level)"),
        ("sources: [\n", "line"),
        ("\t- tab: indented\n", "line"),
        ("sources:\n  - {name: a, type: rss, options: {url: 'http://x'}}\n"
         "  - {name: a, type: rss, options: {url: 'http://y'}}\n", "repeats"),
        ("sources:\n  - {name: a, type: nope}\n", "unknown collector type"),
        ("sources:\n  - {name: a, type: rss, options: [1, 2]}\n", "sources[0].options"),
        ("sources:\n  - {name: a, type: rss, options: 'url'}\n", "sources[0].options"),
        ("sources:\n  - {name: a, type: rss, options: {url: 'ftp://x'}}\n", "sources[a].options.url"),
        ("sources:\n  - {name: 'bad name!', type: rss}\n", "sources[0].name"),
        ("sources:\n  - 7\n", "sources[0]"),
        ("timezone: Mars/Olympus\n", "timezone"),
        ("departments: {PUPR: {name: x}}\n", "departments"),
        ("report: {smtp: {password_env: 'hunter2-secret'}}\n", "report.smtp.password_env"),
    ],
)  # fmt: skip
def test_hand_written_bad_configs(tmp_path: Path, text: str, expect: str | None) -> None:
    MUTATIONS.append(text[:30])
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {tmp_path / 'x.db'}\n" + text if text[0].isalpha() else text)
    result = CliRunner().invoke(cli, ["--config", str(config), "sources", "--json"])
    assert not result.exception or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    if expect is None:
        return
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {config}: "), lines
    assert expect in lines[0], lines[0]
    assert "hunter2" not in result.output  # a secret pasted by mistake is never echoed


def test_binary_and_missing_config_files(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)))
    for path in (binary, tmp_path / "absent.yaml", tmp_path):
        MUTATIONS.append(str(path))
        result = CliRunner().invoke(cli, ["--config", str(path), "sources"])
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and str(path) in lines[0], lines


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_every_leaf_with_every_wrong_value_soak(tmp_path: Path) -> None:
    for mutation in mutations(full=True):
        check(tmp_path, mutation, ["sources", "--json"])


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_every_taxonomy_value_through_run_once_soak(tmp_path: Path) -> None:
    for mutation in mutations(full=True):
        taxonomy = mutation.path[0] in ("departments", "places", "relevance", "privacy")
        if taxonomy and mutation.kind == "wrong_value":  # the others fail validation first
            check(tmp_path, mutation, ["run", "--once"], no_sources=True)
