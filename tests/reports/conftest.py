from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import open_db
from tests.reports.fixed import build_fixed_db, fixed_config


@pytest.fixture
def config():  # type: ignore[no-untyped-def]
    return fixed_config()


@pytest.fixture
def fixed_db(tmp_path: Path) -> Iterator:
    db = open_db(tmp_path / "fixed.db")
    build_fixed_db(db)
    yield db
    db.close()
