"""Shared fixtures. Every database test runs on SQLite and on PostgreSQL (a server this session
starts itself); choose with DAIGOU_TEST_DATABASES=sqlite,postgresql."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from daigou.app import create_app
from daigou.config import Settings
from daigou.db.migrate import upgrade
from daigou.db.session import Database
from tests.support import signing
from tests.support.postgres import PostgresServer, free_port, start_postgres

BACKENDS = [b for b in os.environ.get("DAIGOU_TEST_DATABASES", "sqlite,postgresql").split(",") if b]
ADMIN_TOKEN = "test-admin-token-" + "x" * 16
SECRET_KEY = "n1kZ3o7m9Jc3VZ2cS0yq9rN3pN5Xr3b3gqYV0Q3l6xE="  # a fixed Fernet key for tests
TEMPLATE = "daigou_template"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        engine = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {TEMPLATE}"))
        engine.dispose()
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


def load_test_catalogue(url: str) -> None:
    """The templates carry the small test catalogue, so a test's app finds it loaded."""
    from daigou.marketplace.sandbox.store import load_catalogue

    database = Database(url, pool_size=1)
    try:
        load_catalogue(
            database,
            shops=TEST_SHOPS,
            offers_1688=TEST_OFFERS_1688,
            offers_taobao=TEST_OFFERS_TAOBAO,
        )
    finally:
        database.dispose()


def new_pg_database(server: PostgresServer) -> str:
    name = "t_" + secrets.token_hex(6)
    engine = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    engine.dispose()
    return name


def drop_pg_database(server: PostgresServer, name: str) -> None:
    engine = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


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


TEST_SHOPS = 20
TEST_OFFERS_1688 = 400
TEST_OFFERS_TAOBAO = 200


def make_settings(tmp_path: Path, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "var",
        "database_url": db_url,
        "admin_token": ADMIN_TOKEN,
        "secret_key": SECRET_KEY,
        "run_worker": False,
        "log_json": True,
        "log_level": "WARNING",
        # a small sandbox catalogue: the default 200,000 offers belong to benchmarks
        "sandbox_shops": TEST_SHOPS,
        "sandbox_offers_1688": TEST_OFFERS_1688,
        "sandbox_offers_taobao": TEST_OFFERS_TAOBAO,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return make_settings(tmp_path, db_url)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.resolved_database_url, pool_size=5)
    yield database
    database.dispose()


@pytest.fixture
def app(settings: Settings, db: Database) -> Iterator[Any]:
    application = create_app(settings, db, worker=False)
    yield application
    application.state.gateway.close()  # the call log's last rows, before the database goes


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class Dev:
    develop_id: str
    access_key: str
    secret: str


class Api:
    """Signed and admin calls through any httpx-compatible client (TestClient or live HTTP)."""

    def __init__(self, http: Any) -> None:
        self.http = http

    def admin(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        h = {"Authorization": f"Bearer {ADMIN_TOKEN}", **(headers or {})}
        if method == "GET":
            return self.http.get(path, params=params, headers=h)
        return self.http.post(
            path,
            content=json.dumps(body or {}).encode(),
            headers={"content-type": "application/json", **h},
        )

    def create_developer(self, topup: int = 0, **fields: Any) -> Dev:
        r = self.admin("POST", "/admin/developer/create", {"name": "dev", **fields})
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        dev = Dev(data["developId"], data["accessKey"], data["secret"])
        if topup:
            r = self.admin(
                "POST",
                "/admin/wallet/adjust",
                {
                    "developId": dev.develop_id,
                    "type": "topup",
                    "amount": topup,
                    "reference": "seed-" + secrets.token_hex(4),
                },
            )
            assert r.status_code == 200, r.text
        return dev

    def call(
        self,
        dev: Dev,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        raw: bytes | None = None,
        sign_method: str = "HMAC-SHA256",
        user_id: str | None = None,
        extra: dict[str, str] | None = None,
        **sign_kw: Any,
    ) -> Any:
        pairs = [(k, str(v)) for k, v in (params or {}).items()]
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        h = signing.headers(
            dev.access_key,
            dev.secret,
            method,
            path,
            pairs,
            payload,
            sign_method=sign_method,
            user_id=user_id,
            **sign_kw,
        )
        if payload:
            h["content-type"] = "application/json"
        h.update(extra or {})
        if method == "GET":
            return self.http.get(path, params=pairs, headers=h)
        return self.http.post(path, content=payload, headers=h)


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
