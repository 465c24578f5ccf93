"""Shared fixtures. Every database test runs on SQLite and on PostgreSQL (a server this session
starts itself); choose with DAIGOU_TEST_DATABASES=sqlite,postgresql."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from daigou.app import create_app
from daigou.config import Settings
from daigou.db.migrate import upgrade
from daigou.db.session import Database
from tests.support import postgres
from tests.support.gateway import (  # noqa: F401 - re-exported for older imports
    ADMIN_TOKEN,
    SECRET_KEY,
    TEST_OFFERS_1688,
    TEST_OFFERS_TAOBAO,
    TEST_SHOPS,
    Api,
    Dev,
    load_test_catalogue,
    make_settings,
)
from tests.support.postgres import PostgresServer, free_port, start_postgres

BACKENDS = [b for b in os.environ.get("DAIGOU_TEST_DATABASES", "sqlite,postgresql").split(",") if b]
TEMPLATE = "daigou_template"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        postgres.create_database(server, TEMPLATE)
        upgrade(server.url(TEMPLATE))
        load_test_catalogue(server.url(TEMPLATE))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    load_test_catalogue(f"sqlite:///{path}")
    return path


def new_pg_database(server: PostgresServer) -> str:
    name = "t_" + secrets.token_hex(6)
    postgres.create_database(server, name, template=TEMPLATE)
    return name


def drop_pg_database(server: PostgresServer, name: str) -> None:
    postgres.drop_database(server, name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if "postgres_only" in request.keywords and request.param != "postgresql":
        pytest.skip("PostgreSQL-only test")
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "daigou.sqlite3"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = new_pg_database(server)
    try:
        yield server.url(name)
    finally:
        drop_pg_database(server, name)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return make_settings(tmp_path, db_url)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.resolved_database_url, pool_size=5)
    yield database
    database.dispose()


@pytest.fixture
def app(settings: Settings, db: Database) -> Any:
    return create_app(settings, db, worker=False)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture
def dev(api: Api) -> Dev:
    """A developer with 1,000.00 CNY available."""
    return api.create_developer(topup=100_000)


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a loopback port, for real-HTTP tests."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
