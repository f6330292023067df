"""INSERT with ON CONFLICT, in the dialect of the database at hand (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def dialect_insert(dialect_name: str, table: Any):
    """An insert construct offering `on_conflict_do_update` / `on_conflict_do_nothing`."""
    try:
        return _INSERTS[dialect_name](table)
    except KeyError:
        raise ValueError(f"Rekap runs on SQLite or PostgreSQL, not {dialect_name}") from None
