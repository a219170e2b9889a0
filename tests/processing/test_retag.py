"""`pantau retag` re-analyses stored posts after a taxonomy change."""

from __future__ import annotations

from pantau.config import DepartmentConfig, TopicRule
from pantau.models import Post
from pantau.pipeline import process_pending, retag_all
from processing.resources import build_resources
from storage import posts as post_store


def _posts() -> list[Post]:
    return [
        Post("x", "x", "1", "sumur warga kering di Cibinong, tolong"),
        Post("x", "x", "2", "jalan rusak parah di Ciseeng"),
        Post("x", "x", "3", "RT @a: jalan rusak parah di Ciseeng"),
    ]


def test_retag_applies_new_taxonomy(db, default_config) -> None:
    post_store.save_batch(db, _posts())
    assert process_pending(db, build_resources(default_config)) == 3
    rows = {r["post_id"]: r for r in db.query("SELECT * FROM analysis")}
    assert len(rows) == 3
    old_version = next(iter(rows.values()))["taxonomy_version"]
    departments = dict(default_config.departments)
    departments["air_tanah"] = DepartmentConfig(
        name="Air tanah", topics={"sumur": TopicRule(keywords=["sumur"])}
    )
    changed = default_config.model_copy(update={"departments": departments})
    count, version = retag_all(db, changed)
    assert count == 3 and version != old_version
    tags = {r["department"] for r in db.query("SELECT department FROM post_departments")}
    assert "air_tanah" in tags
    versions = {r["taxonomy_version"] for r in db.query("SELECT taxonomy_version FROM analysis")}
    assert versions == {version}
    dups = {r["id"]: r["dup_of"] for r in db.query("SELECT id, dup_of FROM posts")}
    assert dups[3] == 2 and dups[2] is None
