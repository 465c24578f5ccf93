"""Dialect-aware INSERT helpers (both SQLite and PostgreSQL speak ON CONFLICT)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(session: Session, table: Table, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert a row unless one with the same `keys` exists. True when inserted."""
    stmt = _insert(session, table).values(**values).on_conflict_do_nothing(index_elements=keys)
    result = session.execute(stmt)
    return bool(result.rowcount)


def increment(
    session: Session, table: Table, keys: dict[str, Any], column: str, by: int = 1,
    extra: dict[str, Any] | None = None,
) -> int:
    """Create the row at `by` or add `by` to `column`; return the new value, atomically."""
    col = table.c[column]
    stmt = _insert(session, table).values(**keys, **{column: by}, **(extra or {}))
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={column: col + by}
    ).returning(col)
    return int(session.execute(stmt).scalar_one())


def insert_ignore_returning(
    session: Session, table: Table, values: dict[str, Any], keys: list[str], column: str
) -> Any | None:
    """Insert unless a row with the same `keys` exists; the new row's `column`, or None."""
    stmt = (
        _insert(session, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=keys)
        .returning(table.c[column])
    )
    return session.execute(stmt).scalar_one_or_none()
