"""Open the SQLite store: WAL, busy timeout, migrations, one writer at a time.

Writes go through :func:`write_tx`, which takes ``BEGIN IMMEDIATE`` so that two
writers queue on the busy timeout instead of failing halfway with
"database is locked". Readers are never blocked in WAL mode.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import sqlite_utils

from pantau.errors import StorageError

log = logging.getLogger(__name__)
sql_log = logging.getLogger("storage.sql")

# Binding None: the sqlite3 module "adapts" every parameter that is not an exact
# int/float/str/bytearray. For None it finds no adapter and then looks up
# ``PrepareProtocol.__adapt__``, which builds and discards an AttributeError message
# (~1,500 instructions per NULL, ~1.5 NULLs per stored post). A registered adapter is
# found first; ``{}.get`` maps None to None in C, so NULL is bound as before.
sqlite3.register_adapter(type(None), cast(Callable[[None], None], {}.get))

BUSY_TIMEOUT_S = 60.0
WAL_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT = 64 * 2**20


def _enable_wal(db: sqlite_utils.Database) -> str:
    """Switch to WAL; retried because SQLite answers "locked" here without its busy handler.

    Several processes opening a fresh file at once race for the exclusive lock the switch
    needs; the losers get SQLITE_BUSY immediately, not after the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return str(db.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _tracer(sql: str, params: object) -> None:
    sql_log.debug("%s %r", " ".join(sql.split())[:500], params)


def open_db(
    path: str | Path, *, migrate: bool = True, readonly: bool = False
) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and apply pending migrations."""
    path = Path(path)
    try:
        if readonly:
            if not path.exists():
                raise StorageError(f"{path}: database not found (run `pantau run --once` first)")
            conn = sqlite3.connect(
                f"file:{path}?mode=ro",
                uri=True,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
        else:
            if path.parent and not path.parent.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        db = sqlite_utils.Database(
            conn, tracer=_tracer if sql_log.isEnabledFor(logging.DEBUG) else None
        )
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        db.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            mode = _enable_wal(db)
            if str(mode).lower() != "wal":
                log.warning("could not switch %s to WAL (journal_mode=%s)", path, mode)
            db.execute("PRAGMA synchronous = NORMAL")
            # Checkpoint every ~40 MB of WAL instead of every ~4 MB: a batch of analyses
            # dirties thousands of pages, and each checkpoint costs an fsync and rewrites
            # pages the next batch dirties again (storage wall time of a 200,000-post retag
            # ~-30%).
            # The WAL file is cut back to 64 MB after a checkpoint resets it.
            db.execute(f"PRAGMA wal_autocheckpoint = {int(WAL_CHECKPOINT_PAGES)}")
            db.execute(f"PRAGMA journal_size_limit = {int(WAL_SIZE_LIMIT)}")
        if migrate and not readonly:
            from storage.migrations import MIGRATIONS

            if MIGRATIONS.pending(db):
                # Two processes opening a fresh file at once must not both create tables.
                with write_tx(db):
                    MIGRATIONS.apply(db)
        return db
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path}: cannot use database: {_explain(exc)}") from None
    except OSError as exc:
        raise StorageError(f"{path}: cannot open database: {exc.strerror or exc}") from None


@contextlib.contextmanager
def write_tx(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block in one ``BEGIN IMMEDIATE`` transaction; roll back on any error."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise StorageError(f"{_name(conn)}: cannot start a write: {_explain(exc)}") from None
    try:
        yield db
    except sqlite3.DatabaseError as exc:
        _rollback(conn)
        raise StorageError(f"{_name(conn)}: cannot write: {_explain(exc)}") from None
    except BaseException:
        _rollback(conn)
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            _rollback(conn)
            raise StorageError(f"{_name(conn)}: cannot commit: {_explain(exc)}") from None


_HINTS = {
    "full": "free disk space, then run again",
    "readonly": "the file or its folder is not writable",
    "locked": "another process held the write lock too long",
    "malformed": "the file is damaged: restore it from a backup",
}


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    hint = next((h for key, h in _HINTS.items() if key in text), None)
    return f"{text} ({hint})" if hint else text


def _name(conn: sqlite3.Connection) -> str:
    """Return the main database file of ``conn`` (for error messages)."""
    try:
        for _seq, name, path in conn.execute("PRAGMA database_list"):
            if name == "main":
                return str(path or ":memory:")
    except sqlite3.Error:
        return "database"
    return "database"


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            # SQLite may already have rolled back (e.g. after SQLITE_FULL); nothing is kept.
            log.debug("rollback: %s", exc)


# Two-digit fields from a table: the f-string below is ~3x faster than %-formatting
# (to_iso runs once or twice per stored post).
_TWO_DIGITS = tuple("%02d" % i for i in range(100))  # noqa: UP031


def to_iso(value: datetime | None) -> str | None:
    """Format an aware datetime as UTC ISO-8601 with a ``Z`` (naive is taken as UTC)."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is not None and zone is not UTC and value.utcoffset():
        value = value.astimezone(UTC)
    d = _TWO_DIGITS
    year = value.year
    # Years < 1000 keep 4 digits.
    return (
        f"{year if year >= 1000 else '%04d' % year}-{d[value.month]}-{d[value.day]}"  # noqa: UP031
        f"T{d[value.hour]}:{d[value.minute]}:{d[value.second]}Z"
    )


def from_iso(value: str | None) -> datetime | None:
    """Parse what :func:`to_iso` wrote back into an aware UTC datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
