"""Append-only schema migrations (sqlite-utils ``Migrations``); never edit an applied one."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("pantau")


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Posts, analysis, tag tables, cursors, runs, FTS5 and the ``mentions`` view."""
    db.execute(
        """
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            external_id TEXT NOT NULL,
            url TEXT,
            author TEXT,
            title TEXT,
            text TEXT NOT NULL DEFAULT '',
            published_at TEXT,
            fetched_at TEXT NOT NULL,
            lang TEXT,
            metrics TEXT,
            raw TEXT,
            dup_of INTEGER REFERENCES posts(id) ON DELETE SET NULL,
            UNIQUE (source, external_id)
        )
        """
    )
    db.execute("CREATE INDEX posts_time ON posts (coalesce(published_at, fetched_at))")
    db.execute("CREATE INDEX posts_url ON posts (url)")
    db.execute("CREATE INDEX posts_dup_of ON posts (dup_of)")
    db.execute(
        """
        CREATE TABLE analysis (
            post_id INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
            relevant INTEGER NOT NULL,
            relevance REAL NOT NULL,
            departments TEXT NOT NULL DEFAULT '[]',
            topics TEXT NOT NULL DEFAULT '[]',
            kecamatan TEXT NOT NULL DEFAULT '[]',
            aspirasi TEXT NOT NULL,
            sentiment REAL NOT NULL,
            matched TEXT NOT NULL DEFAULT '{}',
            fingerprint INTEGER NOT NULL DEFAULT 0,
            taxonomy_version TEXT NOT NULL,
            processed_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX analysis_version ON analysis (taxonomy_version)")
    db.execute(
        """
        CREATE TABLE post_departments (
            post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            department TEXT NOT NULL,
            rank INTEGER NOT NULL DEFAULT 0,
            terms TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (post_id, department)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX post_departments_code ON post_departments (department)")
    db.execute(
        """
        CREATE TABLE post_topics (
            post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            topic TEXT NOT NULL,
            department TEXT,
            terms TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (post_id, topic)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX post_topics_code ON post_topics (topic)")
    db.execute(
        """
        CREATE TABLE post_places (
            post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            kecamatan TEXT NOT NULL,
            desa TEXT NOT NULL DEFAULT '',
            terms TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (post_id, kecamatan, desa)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX post_places_kecamatan ON post_places (kecamatan)")
    db.execute(
        """
        CREATE TABLE cursors (
            source TEXT PRIMARY KEY,
            cursor TEXT,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            fetched INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            rate_limit_reset TEXT,
            duration_s REAL
        )
        """
    )
    db.execute("CREATE INDEX runs_source ON runs (source, started_at)")
    db.execute(
        """
        CREATE VIRTUAL TABLE posts_fts USING fts5 (
            title, text, content='posts', content_rowid='id',
            tokenize = 'unicode61 remove_diacritics 2'
        )
        """
    )
    db.execute(
        """
        CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN
            INSERT INTO posts_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER posts_ad AFTER DELETE ON posts BEGIN
            INSERT INTO posts_fts (posts_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER posts_au AFTER UPDATE OF title, text ON posts BEGIN
            INSERT INTO posts_fts (posts_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO posts_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
        END
        """
    )
    db.execute(
        """
        CREATE VIEW mentions AS
        SELECT
            p.id AS post_id, p.source, p.kind, p.external_id, p.url, p.author, p.title, p.text,
            coalesce(p.published_at, p.fetched_at) AS published_at, p.fetched_at, p.lang,
            p.metrics, p.dup_of,
            a.relevant, a.relevance, a.aspirasi, a.sentiment,
            a.departments, a.topics, a.kecamatan, a.matched,
            a.taxonomy_version, a.processed_at
        FROM posts p JOIN analysis a ON a.post_id = p.id
        """
    )


@MIGRATIONS()
def m002_ops_leases_state_aggregates(db: sqlite_utils.Database) -> None:
    """Source leases, backoff/polling state per source, and daily aggregates kept by prune."""
    db.execute(
        """
        CREATE TABLE source_leases (
            source TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            acquired_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE source_state (
            source TEXT PRIMARY KEY,
            consecutive_errors INTEGER NOT NULL DEFAULT 0,
            backoff_until TEXT,
            interval_factor REAL NOT NULL DEFAULT 1.0,
            next_run_at TEXT,
            last_status TEXT,
            last_success_at TEXT,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE daily_aggregates (
            day TEXT NOT NULL,
            dimension TEXT NOT NULL,
            key TEXT NOT NULL,
            total INTEGER NOT NULL DEFAULT 0,
            relevant INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, dimension, key)
        ) WITHOUT ROWID
        """
    )


@MIGRATIONS()
def m003_alerts(db: sqlite_utils.Database) -> None:
    """Spike alerts: one row per (kind, key, local day), so each alert is sent once."""
    db.execute(
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            day TEXT NOT NULL,
            count INTEGER NOT NULL,
            baseline_mean REAL NOT NULL,
            baseline_std REAL NOT NULL,
            threshold REAL NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            sent_at TEXT,
            recipients TEXT NOT NULL DEFAULT '[]',
            error TEXT,
            UNIQUE (kind, key, day)
        )
        """
    )
    db.execute("CREATE INDEX alerts_key_time ON alerts (kind, key, created_at)")


@MIGRATIONS()
def m004_write_speed(db: sqlite_utils.Database) -> None:
    """Cheaper writes: FTS5 merges 8 segments per level, and one unused index goes.

    ``automerge`` 8 (default 4) is a setting in ``posts_fts_config`` only: the index and
    its rows stay as they are; ~15% less FTS work per stored post, same query speed.
    ``analysis_version`` was rewritten on every analysis write (twice per post on a
    retag) but no query filters on ``taxonomy_version =``: pending posts are found by
    joining on ``analysis.post_id``.
    """
    db.execute("INSERT INTO posts_fts (posts_fts, rank) VALUES ('automerge', 8)")
    db.execute("DROP INDEX IF EXISTS analysis_version")


@MIGRATIONS()
def m005_drop_tag_code_indexes(db: sqlite_utils.Database) -> None:
    """Drop the topic and kecamatan indexes of the tag tables: no query searches them.

    Every query reaches ``post_topics`` and ``post_places`` by ``post_id`` (their primary
    key) or scans them whole; the planner used the indexes only as narrower copies for
    full scans. Without them processing writes ~3.5 us less per post (20,000-post bench),
    and the per-kecamatan daily aggregate of ``prune`` runs ~2.5x faster (it scans
    ``post_places`` in ``post_id`` order, so its joins read ``posts`` in order).
    """
    db.execute("DROP INDEX IF EXISTS post_topics_code")
    db.execute("DROP INDEX IF EXISTS post_places_kecamatan")


@MIGRATIONS()
def m006_drop_department_code_index(db: sqlite_utils.Database) -> None:
    """Drop ``post_departments_code``: no query of Pantau searches departments by code.

    Queries reach ``post_departments`` by ``post_id`` or scan it whole (canned queries,
    digest and prune filter on time first). Processing writes ~3 us less per post. Only
    a Datasette facet on the raw table's ``department`` column used it (as a narrower copy
    to scan): 0.08 s -> 0.46 s on 200,000 posts, past Datasette's 0.2 s facet limit either
    way from ~400,000 posts on.
    """
    db.execute("DROP INDEX IF EXISTS post_departments_code")
