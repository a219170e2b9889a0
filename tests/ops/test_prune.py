"""Retention: prune old posts but keep per-day counts so baselines still work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from pantau.cli import cli
from pantau.config import Config
from pantau.models import Post
from pantau.pipeline import process_pending
from storage.db import open_db, to_iso
from storage.maintenance import daily_counts, prune_posts
from storage.posts import save_batch

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TEXTS = (
    "Jalan rusak parah di Cibinong Kabupaten Bogor, warga minta PUPR perbaiki",
    "Banjir rendam perumahan di Bojonggede Kabupaten Bogor, BPBD evakuasi warga",
    "Sampah menumpuk di TPA Galuga Kabupaten Bogor, DLH diminta bertindak",
    "Resep kue lebaran yang enak dan mudah dibuat di rumah",
)

WORDS = ("pagi", "siang", "sore", "malam", "kemarin", "tadi", "lusa")


def _seed(db, days: int = 20) -> None:  # type: ignore[no-untyped-def]
    posts = []
    for day in range(days):
        for i in range(1 + day % 4):
            when = NOW - timedelta(days=day, hours=i)
            text = (
                f"{TEXTS[(day + i) % 4]}. {WORDS[day % 7]} {WORDS[i]} laporan {day} {i} {day * i}"
            )
            posts.append(Post("feed", "rss", f"d{day}-{i}", text,
                              title=f"Berita {day}-{i}", published_at=when))  # fmt: skip
    save_batch(db, posts)


def test_prune_keeps_daily_counts_exact(db, resources) -> None:  # type: ignore[no-untyped-def]
    _seed(db)
    process_pending(db, resources)
    assert db.execute("SELECT count(*) FROM posts WHERE dup_of IS NULL").fetchone()[0] > 30
    start, end = to_iso(NOW - timedelta(days=30)) or "", to_iso(NOW + timedelta(days=1)) or ""
    before = {d: daily_counts(db, d, start, end) for d in ("all", "department", "topic",
                                                           "kecamatan", "aspirasi")}  # fmt: skip
    assert sum(v["total"] for v in before["all"].values()) == db.execute(
        "SELECT count(*) FROM posts WHERE dup_of IS NULL").fetchone()[0]  # fmt: skip
    assert before["department"] and before["kecamatan"]

    result = prune_posts(db, 7, now=NOW)
    assert result.posts > 0 and result.aggregate_rows > 0
    left = db.execute("SELECT min(published_at) FROM posts").fetchone()[0]
    assert left >= result.cutoff
    for table in ("analysis", "post_departments", "post_topics", "post_places"):
        orphans = db.execute(
            f"SELECT count(*) FROM {table} WHERE post_id NOT IN (SELECT id FROM posts)"
        ).fetchone()[0]
        assert orphans == 0, table
    fts = db.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'berita'").fetchone()[0]
    assert fts == db.execute("SELECT count(*) FROM posts").fetchone()[0]

    after = {d: daily_counts(db, d, start, end) for d in before}
    assert after == before
    # Pruning again (nothing older left) changes nothing.
    assert prune_posts(db, 7, now=NOW).posts == 0
    assert {d: daily_counts(db, d, start, end) for d in before} == before


def test_late_post_for_a_pruned_day_adds_up(db, resources) -> None:  # type: ignore[no-untyped-def]
    _seed(db, days=12)
    process_pending(db, resources)
    start, end = to_iso(NOW - timedelta(days=30)) or "", to_iso(NOW + timedelta(days=1)) or ""
    prune_posts(db, 7, now=NOW)
    old_day = NOW - timedelta(days=10)
    save_batch(db, [Post("feed", "rss", "late", TEXTS[0], published_at=old_day)])
    process_pending(db, resources)
    merged = daily_counts(db, "all", start, end)
    prune_posts(db, 7, now=NOW)
    assert daily_counts(db, "all", start, end) == merged


def test_prune_command(tmp_path: Path, default_config: Config) -> None:
    db_path = tmp_path / "pantau.db"
    db = open_db(db_path)
    recent = datetime.now(UTC) - timedelta(hours=1)
    save_batch(db, [Post("feed", "rss", "old", TEXTS[0], published_at=recent - timedelta(days=40)),
                    Post("feed", "rss", "new", TEXTS[1], published_at=recent)])  # fmt: skip
    db.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "prune", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "pruned posts=1 " in result.output
    db = open_db(db_path)
    assert [r[0] for r in db.execute("SELECT external_id FROM posts")] == ["new"]
    # The old post was analysed first, so its day is still counted.
    assert db.execute("SELECT sum(total) FROM daily_aggregates WHERE dimension = 'all'"
                      ).fetchone()[0] == 1  # fmt: skip
    db.close()
    missing = runner.invoke(cli, ["--db", str(db_path), "prune"])
    assert missing.exit_code == 2 and "--older-than" in missing.output


def test_original_of_a_kept_duplicate_is_kept(db, resources) -> None:  # type: ignore[no-untyped-def]
    old, new = NOW - timedelta(days=20), NOW - timedelta(days=1)
    save_batch(db, [Post("a", "rss", "orig", TEXTS[0], published_at=old)])
    save_batch(db, [Post("b", "rss", "copy", TEXTS[0], published_at=new)])
    process_pending(db, resources)
    assert db.execute("SELECT count(*) FROM posts WHERE dup_of IS NOT NULL").fetchone()[0] == 1
    start, end = to_iso(NOW - timedelta(days=30)) or "", to_iso(NOW + timedelta(days=1)) or ""
    before = daily_counts(db, "all", start, end)
    assert prune_posts(db, 7, now=NOW).posts == 0
    assert daily_counts(db, "all", start, end) == before
    assert db.execute("SELECT dup_of FROM posts WHERE external_id = 'copy'").fetchone()[0]
