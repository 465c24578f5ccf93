"""The test databases: which backends run (DAIGOU_TEST_DATABASES), and a fresh database of the
migrated template (with the test catalogue) on either, for a test or for a module's world."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import postgres

BACKENDS = [b for b in os.environ.get("DAIGOU_TEST_DATABASES", "sqlite,postgresql").split(",") if b]
TEMPLATE = "daigou_template"

# A test of a layer the database has no part in (input refused before anything is read or
# stored: field validation, the callback URL policy, picture checks) runs on one backend, the
# first configured (SQLite by default): on both it would only test the same code twice. What
# only a database refuses (a NUL in a string, an integer past its column) is tested on
# PostgreSQL by the schemathesis pass and tests/security/test_bad_input.py.
ONE_BACKEND = pytest.mark.parametrize("backend", BACKENDS[:1], indirect=True)


def new_pg_database(server: postgres.PostgresServer) -> str:
    name = "t_" + secrets.token_hex(6)
    postgres.create_database(server, name, template=TEMPLATE)
    return name


@contextmanager
def fresh_database(backend: str, request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """The URL of a database copied from the session's template: a SQLite file in `directory`,
    or a database of this worker's PostgreSQL server (the session fixtures `sqlite_template` and
    `pg_server`, so any fixture scope may ask), dropped afterwards."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = directory / "daigou.sqlite3"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    server: postgres.PostgresServer = request.getfixturevalue("pg_server")
    name = new_pg_database(server)
    try:
        yield server.url(name)
    finally:
        postgres.drop_database(server, name)


@contextmanager
def empty_database(backend: str, request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """The URL of a database with nothing in it (not a copy of the migrated template), for the
    migration tests: a SQLite file in `directory`, or a database of this worker's PostgreSQL
    server made from template1, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'daigou.sqlite3'}"
        return
    server: postgres.PostgresServer = request.getfixturevalue("pg_server")
    name = "m_" + secrets.token_hex(6)
    postgres.create_database(server, name)
    try:
        yield server.url(name)
    finally:
        postgres.drop_database(server, name)
