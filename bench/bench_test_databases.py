"""Where the test suite's PostgreSQL servers keep their files: on disk or in memory (/dev/shm).

Every database test of the suite makes a database from the migrated template (CREATE DATABASE
... TEMPLATE: over 500 files), runs, and drops it. This starts two throwaway servers side by side,
one under the system's temporary directory and one under /dev/shm, both as the tests start them
(tests/support/postgres.py: fsync off), loads the test template into each, then alternates
between them: make a database, use it as a test would (an app, two developers with a top-up),
drop it. It prints the median of each step per place and their ratio.

    .venv/bin/python bench/bench_test_databases.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from fastapi.testclient import TestClient  # noqa: E402
from tests.support import postgres  # noqa: E402
from tests.support.gateway import Api, load_test_catalogue, make_settings  # noqa: E402

from daigou.app import create_app  # noqa: E402
from daigou.db.migrate import upgrade  # noqa: E402
from daigou.db.session import Database  # noqa: E402

TEMPLATE = "bench_template"


def start(parent: str) -> postgres.PostgresServer:
    os.environ["DAIGOU_TEST_PG_DIR"] = parent
    try:
        server = postgres.start_postgres()
    finally:
        del os.environ["DAIGOU_TEST_PG_DIR"]
    postgres.create_database(server, TEMPLATE)
    upgrade(server.url(TEMPLATE))
    load_test_catalogue(server.url(TEMPLATE))
    return server


def one_test(server: postgres.PostgresServer, name: str) -> dict[str, float]:
    times: dict[str, float] = {}
    t = time.perf_counter()
    postgres.create_database(server, name, template=TEMPLATE)
    times["create"] = time.perf_counter() - t
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), server.url(name))
        db = Database(settings.resolved_database_url, pool_size=5)
        app = create_app(settings, db, worker=False)
        with TestClient(app, raise_server_exceptions=False) as client:
            api = Api(client)
            api.create_developer(topup=100_000)
            api.create_developer(topup=100_000)
        app.state.gateway.close()
        db.dispose()
    times["use"] = time.perf_counter() - t
    t = time.perf_counter()
    postgres.drop_database(server, name)
    times["drop"] = time.perf_counter() - t
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if not Path("/dev/shm").is_dir():
        sys.exit("no /dev/shm on this machine: nothing to compare")
    places = {"disk": tempfile.gettempdir(), "memory": "/dev/shm"}
    servers = {place: start(parent) for place, parent in places.items()}
    try:
        seen: dict[str, dict[str, list[float]]] = {p: {} for p in places}
        for i in range(args.rounds + 2):
            for place in places if i % 2 else reversed(list(places)):
                times = one_test(servers[place], f"b{i}")
                if i >= 2:  # two warm-up rounds
                    for step, value in times.items():
                        seen[place].setdefault(step, []).append(value)
        print(f"{args.rounds} rounds, alternating; median seconds per step")
        print(f"{'step':8} {'disk':>8} {'memory':>8} {'disk/memory':>12}")
        for step in ("create", "use", "drop"):
            disk = statistics.median(seen["disk"][step])
            memory = statistics.median(seen["memory"][step])
            print(f"{step:8} {disk:8.3f} {memory:8.3f} {disk / memory:12.1f}")
        total = {p: sum(statistics.median(v) for v in seen[p].values()) for p in places}
        print(
            f"{'a test':8} {total['disk']:8.3f} {total['memory']:8.3f} "
            f"{total['disk'] / total['memory']:12.1f}"
        )
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
