"""Shared fixtures: a loopback HTTP server, temp databases, the default config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pantau.config import Config, load_config
from storage.db import open_db
from tests.loopback import LoopbackServer, loopback

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_SAMPLES = ROOT.parent / "shared" / "real-samples"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback() as srv:
        yield srv


@pytest.fixture(scope="session")
def default_config() -> Config:
    return load_config(ROOT / "config.yaml")


@pytest.fixture(scope="session")
def resources(default_config: Config):  # type: ignore[no-untyped-def]
    from processing.resources import build_resources

    return build_resources(default_config)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pantau.db"


@pytest.fixture
def db(db_path: Path):  # type: ignore[no-untyped-def]
    database = open_db(db_path)
    yield database
    database.close()


def make_config(base: Config, sources: list[dict], **updates: object) -> Config:
    """The default config with these sources (validated like config.yaml's)."""
    from pantau.config import SourceConfig

    return base.model_copy(
        update={"sources": [SourceConfig.model_validate(s) for s in sources], **updates}
    )
