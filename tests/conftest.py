"""Shared fixtures. Every database test runs on SQLite and on PostgreSQL (a server this session
starts itself); choose with DAIGOU_TEST_DATABASES=sqlite,postgresql."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import Counter
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
from tests.support.databases import BACKENDS, TEMPLATE, fresh_database
from tests.support.gateway import (
    Api,
    Dev,
    load_test_catalogue,
    make_settings,
)
from tests.support.postgres import PostgresServer, free_port, start_postgres


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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if "postgres_only" in request.keywords and request.param != "postgresql":
        pytest.skip("PostgreSQL-only test")
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(backend, request, tmp_path) as url:
        yield url


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


# --- parallel runs (pytest-xdist, `make test`: -n auto --dist loadfile) -----------------------
# A worker takes whole test modules: the tests of one module run in one process, one after
# another, so module-scoped worlds are built once and a module's tests may share process-wide
# state (caches, structlog, child processes) as they do serially. Each worker is its own process
# with its own PostgreSQL server (pg_server, its own directory and port), its own SQLite template
# (under its own basetemp) and its own caches. (`--dist loadgroup` would hand out single tests,
# but with pytest 9.2 and pytest-xdist 3.8 it ignores xdist_group: xdist renames items through
# `Item._nodeid`, which pytest 9.2 no longer reads.)
#
# Tests that run several gateway or worker processes at once against deadlines take a lock
# shared by the workers of the run, so no two of them overlap (they still overlap other tests).
ONE_AT_A_TIME = (
    "tests/integration/test_pay_concurrency.py::",
    "tests/integration/test_taobao_pay_concurrency.py::",
    "tests/integration/test_delivery.py::test_two_worker_processes",
    "tests/integration/test_delivery.py::test_a_worker_killed",
)


@pytest.fixture(autouse=True)
def _one_heavy_test_at_a_time(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    if not os.environ.get("PYTEST_XDIST_WORKER") or not request.node.nodeid.startswith(
        ONE_AT_A_TIME
    ):
        yield
        return
    # the workers' base temp dirs (popen-gw0, ...) share the run's directory
    lock = tmp_path_factory.getbasetemp().parent / "one-heavy-test-at-a-time.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --- the order the workers take the modules in (`make test`: --no-loadscope-reorder) ----------
# xdist's default hands out the modules with the most tests first, which left the slow e2e
# modules (few tests, many seconds each) for last: one worker ran them alone for minutes while
# the other had finished. So the modules go out longest first (longest-processing-time
# scheduling): the seconds below are each slow module's total over both backends in a CI run
# (`make test PYTEST_ARGS=--durations=0`, 6 Dec 2026), and the isolation matrices (many cases
# over one module-scoped world); any other module counts 0.45 s a test, 0.05 s in tests/unit.
# A stale number changes only the order, never what runs.
SLOW_MODULES = {
    "tests/api/test_openapi_schemathesis.py": 369,
    "tests/e2e/test_pandapon_upstream.py": 63,
    "tests/integration/test_aftersales_faults.py": 62,
    "tests/e2e/test_serve_and_cli.py": 51,
    "tests/integration/test_aftersales_stateful.py": 41,
    "tests/e2e/test_aftersales_e2e.py": 39,
    "tests/integration/test_delivery.py": 38,
    "tests/integration/test_wallet_stateful.py": 24,
    "tests/api/test_refunds1688.py": 23,
    "tests/integration/test_migrations.py": 17,
    "tests/integration/test_refunds1688_faults.py": 17,
    "tests/e2e/test_alibaba_e2e.py": 16,
    "tests/e2e/test_warehouse_e2e.py": 14,
    "tests/integration/test_wallet_concurrency.py": 14,
    "tests/e2e/test_taobao_e2e.py": 13,
    "tests/e2e/test_purchase_e2e.py": 13,
    "tests/e2e/test_cli_mistakes.py": 13,
    "tests/unit/test_composition_root.py": 13,
    "tests/e2e/test_callbacks_e2e.py": 11,
    "tests/integration/test_sandbox_seller_stateful.py": 10,
    "tests/integration/test_taobao_pay_concurrency.py": 10,
    "tests/api/test_taobao_isolation.py": 49,
    "tests/api/test_orders1688_isolation.py": 34,
    "tests/api/test_warehouse_isolation.py": 3,
    "tests/api/test_address_isolation.py": 1,
}
SECONDS_A_TEST = 0.45
SECONDS_A_UNIT_TEST = 0.05


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def module(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    tests = Counter(module(item) for item in items)

    def expected(item: pytest.Item) -> float:
        path = module(item)
        each = SECONDS_A_UNIT_TEST if path.startswith("tests/unit/") else SECONDS_A_TEST
        return SLOW_MODULES.get(path, tests[path] * each)

    items.sort(key=expected, reverse=True)  # stable: a module's tests keep their order
