"""Engines and transactions for SQLite (WAL, BEGIN IMMEDIATE) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from daigou.core.files import private_database_file


class Database:
    """One engine and its session factory. `transaction()` is the unit of work."""

    def __init__(self, url: str, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                private_database_file(Path(database))
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = 20
        else:
            if parsed.drivername in ("postgresql", "postgres"):
                url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(False))
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = 20
            # no pre-ping: it costs a round trip per checkout; a connection found dead fails
            # one request (50001, retryable) and the pool replaces it
            kwargs["pool_recycle"] = 1800
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # SQLite has one writer. Writers of this process queue here and wake at once, rather
        # than polling SQLite's busy handler (which sleeps up to 100 ms between tries); other
        # processes on the same file are still kept out by SQLite's own lock.
        self.write_lock: threading.RLock | None = threading.RLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One use case: commit once at the end, roll back on any exception."""
        with self._writer():
            session = self.sessions()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def _writer(self) -> Iterator[None]:
        if self.write_lock is None:
            yield
            return
        with self.write_lock:
            yield

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only unit of work on a Core connection. On SQLite it takes no write lock
        (a deferred BEGIN: WAL readers never wait for writers)."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(daigou_read=True)
            with conn.begin():
                yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write unit of work on a Core connection (for hot paths that skip the ORM)."""
        with self._writer(), self.engine.begin() as conn:
            yield conn

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so read-then-write transactions never deadlock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache per connection
        cur.execute("PRAGMA mmap_size=268435456")  # reads through the page cache, no syscalls
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("daigou_read"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. `Session.execute` is typed as returning a plain
    Result; a DML statement's result is a CursorResult, which has the count."""
    return int(cast("CursorResult[Any]", result).rowcount)
