"""Golden files of the three formats: a fixed database, a frozen clock.

Update deliberately with ``PANTAU_UPDATE_GOLDEN=1 pytest tests/reports/test_golden.py``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reports.charts import content_ids, digest_charts
from reports.digest import build_digest
from reports.render import render
from reports.scope import department_digest
from reports.service import department_names
from tests.reports.fixed import DAY, NOW

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE = os.environ.get("PANTAU_UPDATE_GOLDEN") == "1"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with PANTAU_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} differs from the golden file (PANTAU_UPDATE_GOLDEN=1 to accept)"
    )


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_full_digest_matches_golden(fixed_db, config, fmt: str) -> None:
    digest = build_digest(fixed_db, config, DAY, now=NOW)
    # E-mail form for HTML: charts referenced by Content-ID, so the golden file does not
    # depend on the PNG bytes of this machine's matplotlib/freetype.
    images = content_ids(digest_charts(digest)) if fmt == "html" else None
    _check(f"digest.{fmt}", render(digest, fmt, department_names(config), images=images))


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_department_digest_matches_golden(fixed_db, config, fmt: str) -> None:
    digest = department_digest(build_digest(fixed_db, config, DAY, now=NOW), "dlh")
    _check(f"digest-dlh.{fmt}", render(digest, fmt, department_names(config)))
