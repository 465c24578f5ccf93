"""A throwaway PostgreSQL server for the test session (Debian's binaries, run as `postgres`)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


def _bindir() -> Path:
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    root: Path
    port: int
    bindir: Path
    as_postgres: bool

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=True)

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300 -c shared_buffers=128MB -c max_wal_size=256MB"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start; see " + str(self.root / "server.log"))

    def stop(self) -> None:
        try:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


# Where the servers keep their files. Every database test makes a database from the template
# and drops it after: on a disk that is over 500 files created, written and unlinked per test,
# about ten times as long on this machine's disk as in memory (bench/bench_test_databases.py).
# So a server lives in RAM (/dev/shm) when the machine has one with room; DAIGOU_TEST_PG_DIR
# names another place.
SHM = Path("/dev/shm")
SHM_ROOM = 2 << 30  # two workers' clusters, their WAL (max_wal_size) and live databases


def _parent_dir() -> str | None:
    chosen = os.environ.get("DAIGOU_TEST_PG_DIR")
    if chosen:
        return chosen
    try:
        usage = shutil.disk_usage(SHM)
    except OSError:
        return None
    if os.access(SHM, os.W_OK) and usage.free >= SHM_ROOM:
        return str(SHM)
    return None  # the system's temporary directory


def start_postgres(attempts: int = 3) -> PostgresServer:
    """A fresh server in its own temporary directory (its socket there too) on a free port, in
    memory where there is room (``_parent_dir``). Each xdist worker starts its own; should
    another process take the port between `free_port` and the server's bind, the next attempt
    takes another."""
    as_postgres = os.geteuid() == 0
    bindir = _bindir()
    parent = _parent_dir()
    for attempt in range(1, attempts + 1):
        root = Path(tempfile.mkdtemp(prefix="daigou-pg-", dir=parent))
        if as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(root, pw.pw_uid, pw.pw_gid)
            root.chmod(0o700)
        server = PostgresServer(root, free_port(), bindir, as_postgres)
        try:
            server.start()
            return server
        except (subprocess.CalledProcessError, RuntimeError):
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop()  # removes its directory either way
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def create_database(server: PostgresServer, name: str, template: str | None = None) -> None:
    engine = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(sa.text(f"CREATE DATABASE {name}{suffix}"))
    finally:
        engine.dispose()


def drop_database(server: PostgresServer, name: str) -> None:
    engine = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        engine.dispose()
