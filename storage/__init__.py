"""Every SQL statement Pantau runs: schema, upserts, cursors, runs, queries, loaders."""

from storage.db import from_iso, open_db, to_iso

__all__ = ["from_iso", "open_db", "to_iso"]
