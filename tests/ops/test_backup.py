"""Online backup while a writer is busy: the copy is consistent and opens cleanly."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from click.testing import CliRunner

from pantau.cli import cli
from pantau.models import Analysis, Post
from storage.analysis import save_analyses
from storage.db import open_db, write_tx
from storage.maintenance import backup_db, table_counts
from storage.posts import insert_posts

TABLES = ("posts", "analysis", "post_departments", "post_topics", "post_places")


def _writer(db_path: Path, stop: threading.Event, written: list[int]) -> None:
    """Each transaction stores 20 posts with their analysis and 2+1+1 tag rows each."""
    db = open_db(db_path)
    n = 0
    try:
        while not stop.is_set():
            posts = [
                Post("feed", "rss", f"p{n + i}", f"Jalan rusak di Cibinong nomor {n + i}")
                for i in range(20)
            ]
            with write_tx(db):
                insert_posts(db, posts)
                marks = ",".join("?" * 20)
                ids = [r[0] for r in db.execute(
                    f"SELECT id FROM posts WHERE external_id IN ({marks})",
                    [p.external_id for p in posts])]  # fmt: skip
                analysis = Analysis(True, 0.9, ("pupr", "dishub"), ("jalan_rusak",),
                                    ("Cibinong",), "keluhan", -0.5)  # fmt: skip
                save_analyses(db, [(pid, analysis, None) for pid in ids], "v1")
            n += 20
            written.append(n)
    finally:
        db.close()


def test_backup_during_writes_is_consistent(tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    open_db(db_path).close()
    stop = threading.Event()
    written: list[int] = []
    thread = threading.Thread(target=_writer, args=(db_path, stop, written))
    thread.start()
    copies = []
    try:
        while len(written) < 5:
            stop.wait(0.01)
        started_at = len(written)
        for i in range(4):
            reader = open_db(db_path, readonly=True)
            before = table_counts(reader, ("posts",))["posts"]
            reader.close()
            info = backup_db(db_path, tmp_path / f"copy-{i}.db")
            reader = open_db(db_path, readonly=True)
            after = table_counts(reader, ("posts",))["posts"]
            reader.close()
            copies.append((Path(info["path"]), before, after))
            assert info["integrity"] == "ok"
        ended_at = len(written)
    finally:
        stop.set()
        thread.join(30)
    assert ended_at > started_at, "the writer was not writing while the backups ran"
    for path, before, after in copies:
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
            migrations = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
            fts = conn.execute("SELECT count(*) FROM posts_fts").fetchone()[0]
        finally:
            conn.close()
        # Whole transactions only: every post has its analysis and all its tag rows.
        assert before <= counts["posts"] <= after
        assert counts["posts"] % 20 == 0
        assert counts["analysis"] == counts["posts"] == fts
        assert counts["post_departments"] == 2 * counts["posts"]
        assert counts["post_topics"] == counts["post_places"] == counts["posts"]
        assert migrations >= 2
    assert not Path(str(copies[0][0]) + ".partial").exists()


def test_backup_command_writes_into_a_folder(tmp_path: Path) -> None:
    db_path = tmp_path / "pantau.db"
    db = open_db(db_path)
    db.close()
    folder = tmp_path / "backups"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["--db", str(db_path), "backup", str(folder)])
    assert result.exit_code == 0, result.output
    made = list(folder.glob("pantau-*.db"))
    assert len(made) == 1
    assert f"backup={made[0]}" in result.output and "integrity=ok" in result.output


def test_backup_of_missing_database_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "none.db"), "backup", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 1
    assert "database not found" in result.output
