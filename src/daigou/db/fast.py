"""Raw DB-API statements for the per-request hot path (authentication, balance reads).

SQLAlchemy's Connection and Session cost about ten times the SQL itself for the few tiny
statements every signed call runs (see bench/README.md). Here the same SQL runs straight on a
pooled DB-API connection. Statements are written once with `:name` parameters and work on both
databases (SQLite accepts `:name`; for psycopg they become `%(name)s`). Everything else in the
gateway uses SQLAlchemy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from daigou.db.session import Database

_NAMED = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


class Sql:
    """One statement in both parameter styles."""

    __slots__ = ("sqlite", "postgresql")

    def __init__(self, text: str) -> None:
        self.sqlite = text
        self.postgresql = _NAMED.sub(r"%(\1)s", text.replace("%", "%%"))


class Raw:
    """A cursor inside one transaction (or, on PostgreSQL's hot path, in autocommit)."""

    __slots__ = ("_cur", "_pg")

    def __init__(self, cursor: Any, postgres: bool) -> None:
        self._cur = cursor
        self._pg = postgres

    @property
    def postgres(self) -> bool:
        return self._pg

    def execute(self, sql: Sql, params: dict[str, Any] | None = None) -> Any:
        self._cur.execute(sql.postgresql if self._pg else sql.sqlite, params or {})
        return self._cur

    def one(self, sql: Sql, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.execute(sql, params).fetchone()
        return row

    def scalar(self, sql: Sql, params: dict[str, Any] | None = None) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]


@contextmanager
def _cursor(db: Database, autocommit: bool = False) -> Iterator[Any]:
    """A cursor on a pooled DB-API connection, returned to the pool afterwards. With
    `autocommit` on PostgreSQL every statement commits by itself (SQLite connections are
    always in autocommit mode here: we BEGIN ourselves)."""
    conn = db.engine.raw_connection()
    driver = conn.driver_connection if db.is_postgres and autocommit else None
    try:
        if driver is not None:
            driver.autocommit = True
        cur = conn.cursor()
        try:
            yield cur
        finally:
            cur.close()
    finally:
        try:
            if driver is not None:
                driver.autocommit = False
        finally:
            conn.close()


@contextmanager
def hot_path(db: Database, write: bool) -> Iterator[Raw]:
    """Statements that are each atomic on their own, with the fewest round trips: on
    PostgreSQL every statement autocommits (no BEGIN/COMMIT round trips); on SQLite reads
    autocommit too (each statement is its own snapshot), and writes share one local
    transaction under the process's write lock."""
    if db.is_sqlite and write:
        with raw_transaction(db, write) as raw:
            yield raw
        return
    with _cursor(db, autocommit=True) as cur:
        yield Raw(cur, db.is_postgres)


@contextmanager
def raw_transaction(db: Database, write: bool) -> Iterator[Raw]:
    """One transaction on a pooled DB-API connection: committed at the end, rolled back on any
    exception. On SQLite a write transaction holds the process's write lock and BEGINs
    IMMEDIATE; a read one BEGINs deferred (WAL readers never wait)."""
    lock = db.write_lock if write else None
    if lock is not None:
        lock.acquire()
    try:
        with _cursor(db) as cur:
            if db.is_sqlite:
                cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Raw(cur, db.is_postgres)
                cur.execute("COMMIT") if db.is_sqlite else cur.connection.commit()
            except BaseException:
                cur.execute("ROLLBACK") if db.is_sqlite else cur.connection.rollback()
                raise
    finally:
        if lock is not None:
            lock.release()
