"""``pantau search`` turns FTS syntax errors into one line; SQL only through parameters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.cli import cli
from pantau.models import Post
from storage import posts as post_store
from storage.db import open_db
from tests.reliability import faults as F
from tests.reliability.test_hostile_input import EXAMPLES

BAD_QUERIES = [
    '"jalan rusak',
    "AND",
    "jalan AND",
    "NEAR(",
    "(",
    ")",
    "*",
    "title:",
    "nosuchcolumn:jalan",
    '"',
    "^",
    "jalan OR OR rusak",
    "'; DROP TABLE posts; --",
]


@pytest.fixture(scope="module")
def search_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("search")
    db = open_db(tmp / "pantau.db")
    post_store.save_batch(
        db,
        [Post(source="s", kind="rss", external_id=str(i), title=f"Jalan rusak {i}",
              text="Jalan rusak di Cibinong") for i in range(5)],
    )  # fmt: skip
    db.close()
    return F.write_config(tmp / "config.yaml", F.base_config(tmp / "pantau.db", []))


def _search(config: Path, query: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["--config", str(config), "search", "--", query])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_fts_syntax_errors_are_one_line(search_config: Path, query: str) -> None:
    result = _search(search_config, query)
    if result.exit_code == 0:
        return  # FTS5 accepted it (e.g. a quoted injection attempt is just words)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: search: invalid query"), lines
    assert "Traceback" not in result.stderr


def test_injection_attempt_leaves_tables_alone(search_config: Path) -> None:
    _search(search_config, "'; DROP TABLE posts; --")
    assert len(F.rows(search_config.parent / "pantau.db", "SELECT id FROM posts")) == 5
    result = _search(search_config, '"jalan rusak"')
    assert result.exit_code == 0 and "Jalan rusak" in result.stdout


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    query=st.text(alphabet=st.sampled_from("ab \"*()^:-+ANDORNEAR'\\;{}"), min_size=1, max_size=20)
)
def test_random_queries_never_trace(search_config: Path, query: str) -> None:
    EXAMPLES.append(1)
    result = _search(search_config, query)
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        assert len(result.stderr.splitlines()) == 1


# Names allowed inside f-string SQL: placeholders and fragments built from constants.
# Names bound only to constants in code (placeholder lists, table names from a fixed tuple).
_SAFE_FRAGMENTS = {
    "marks", "condition", "extra", "shift", "values", "columns", "placeholders", "table", "name",
}  # fmt: skip


def _sql_calls(tree: ast.AST):  # type: ignore[no-untyped-def]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("execute", "executemany", "query", "executescript")
            and node.args
        ):
            yield node


def test_sql_is_parameterised() -> None:
    """f-string SQL in storage/ may only interpolate placeholder lists and constant fragments."""
    offenders = []
    for path in sorted((F.ROOT / "storage").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _sql_calls(tree):
            sql = call.args[0]
            if isinstance(sql, ast.JoinedStr):
                for part in sql.values:
                    if isinstance(part, ast.FormattedValue):
                        value = part.value
                        if isinstance(value, ast.Name) and value.id in _SAFE_FRAGMENTS:
                            continue
                        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "int":
                            continue
                        offenders.append(f"{path.name}:{call.lineno}: {ast.unparse(value)}")
            elif isinstance(sql, ast.BinOp):
                offenders.append(f"{path.name}:{call.lineno}: SQL built with an operator")
    assert offenders == []
