"""Dialect-aware INSERT helpers (both SQLite and PostgreSQL speak ON CONFLICT).

Statements are built once per (dialect, table, columns) and executed with parameters, so the
hot paths (nonces, rate counters, ledger keys) pay neither statement construction nor
SQLAlchemy's cache-key generation on every call. They work on a Session or a Connection.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, FromClause, TableClause, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_STATEMENTS: dict[tuple[Any, ...], Any] = {}


def _dialect(executor: Session | Connection) -> str:
    if isinstance(executor, Session):
        return executor.get_bind().dialect.name
    return executor.dialect.name


def _insert(dialect: str, table: FromClause) -> Any:
    target = cast(TableClause, table)  # a model's __table__, typed as any FromClause
    return postgresql.insert(target) if dialect == "postgresql" else sqlite.insert(target)


def _params(values: dict[str, Any]) -> dict[str, Any]:
    return {"v_" + name: value for name, value in values.items()}


def _bound_values(table: FromClause, names: tuple[str, ...]) -> Any:
    return {name: bindparam("v_" + name, type_=table.c[name].type) for name in names}


def insert_ignore_returning(
    executor: Session | Connection,
    table: FromClause,
    values: dict[str, Any],
    keys: list[str],
    column: str,
) -> Any | None:
    """Insert unless a row with the same `keys` exists; the new row's `column`, or None.

    Decided by RETURNING, not `rowcount`: on PostgreSQL SQLAlchemy may fetch a generated
    primary key with an implicit RETURNING, after which the cursor's rowcount is -1 (truthy)
    whether or not a row went in."""
    dialect = _dialect(executor)
    names = tuple(sorted(values))
    cache_key = ("ignore", dialect, table.description, names, tuple(keys), column)
    stmt = _STATEMENTS.get(cache_key)
    if stmt is None:
        stmt = (
            _insert(dialect, table)
            .values(_bound_values(table, names))
            .on_conflict_do_nothing(index_elements=keys)
            .returning(table.c[column])
        )
        _STATEMENTS[cache_key] = stmt
    return executor.execute(stmt, _params(values)).scalar_one_or_none()


def insert_ignore(
    executor: Session | Connection, table: FromClause, values: dict[str, Any], keys: list[str]
) -> bool:
    """Insert a row unless one with the same `keys` exists. True when inserted."""
    return insert_ignore_returning(executor, table, values, keys, keys[0]) is not None


def insert_ignore_many(
    executor: Session | Connection,
    table: FromClause,
    rows: list[dict[str, Any]],
    keys: list[str],
) -> None:
    """Insert the rows, in one statement, leaving out any whose `keys` exist already."""
    if rows:
        stmt = _insert(_dialect(executor), table).values(rows)
        executor.execute(stmt.on_conflict_do_nothing(index_elements=keys))


def increment(
    executor: Session | Connection,
    table: FromClause,
    keys: dict[str, Any],
    column: str,
    by: int = 1,
) -> int:
    """Create the row at `by` or add `by` to `column`; return the new value, atomically."""
    dialect = _dialect(executor)
    names = tuple(sorted(keys))
    cache_key = ("increment", dialect, table.description, names, column)
    stmt = _STATEMENTS.get(cache_key)
    if stmt is None:
        col = table.c[column]
        values = {**_bound_values(table, names), column: bindparam("v_by", type_=col.type)}
        stmt = (
            _insert(dialect, table)
            .values(values)
            .on_conflict_do_update(
                index_elements=list(names), set_={column: col + bindparam("v_by2", type_=col.type)}
            )
            .returning(col)
        )
        _STATEMENTS[cache_key] = stmt
    params = {**_params(keys), "v_by": by, "v_by2": by}
    return int(executor.execute(stmt, params).scalar_one())


def increment_many(
    executor: Session | Connection,
    table: FromClause,
    rows: list[dict[str, Any]],
    column: str,
    by: int = 1,
) -> dict[tuple[Any, ...], int]:
    """`increment` for several distinct keys in one statement (a multi-row upsert): the new
    value of `column` per key tuple (the key columns' values in sorted column-name order)."""
    if not rows:
        return {}
    names = tuple(sorted(rows[0]))
    ins = _insert(_dialect(executor), table)
    stmt = (
        ins.values([{**r, column: by} for r in rows])
        .on_conflict_do_update(
            index_elements=list(names),
            set_={column: table.c[column] + getattr(ins.excluded, column)},
        )
        .returning(*(table.c[n] for n in names), table.c[column])
    )
    return {tuple(r[:-1]): int(r[-1]) for r in executor.execute(stmt)}
