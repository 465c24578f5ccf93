"""Child processes of the tests (`daigou serve`, `daigou worker`, any command): started with
their output always drained (a thread reads it into a buffer, so a chatty child never blocks on
a full pipe), waited for with a deadline, and stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from daigou.config import Settings
from tests.support.gateway import ADMIN_TOKEN, TEST_OFFERS_1688, TEST_OFFERS_TAOBAO, TEST_SHOPS
from tests.support.postgres import free_port
from tests.support.wait import wait_until

BIN = Path(sys.executable).parent
OUTPUT_LIMIT = 1_000_000  # characters kept of a child's output: its last ones (all is read)


def daigou_env(data_dir: Path, db_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a `daigou` child: no DAIGOU_* of ours, the test catalogue's size."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAIGOU_")}
    env.update(
        {
            "DAIGOU_DATA_DIR": str(data_dir),
            "DAIGOU_LOG_LEVEL": "WARNING",
            # the test databases carry this small catalogue already
            "DAIGOU_SANDBOX_SHOPS": str(TEST_SHOPS),
            "DAIGOU_SANDBOX_OFFERS_1688": str(TEST_OFFERS_1688),
            "DAIGOU_SANDBOX_OFFERS_TAOBAO": str(TEST_OFFERS_TAOBAO),
        }
    )
    if db_url:
        env["DAIGOU_DATABASE_URL"] = db_url
    env.update(extra)
    return env


class Child:
    """A child process whose stdout and stderr (merged) are read by a thread as they come."""

    def __init__(self, args: Sequence[str], env: dict[str, str]) -> None:
        self.args = list(args)
        self.proc = subprocess.Popen(
            self.args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._lines: deque[str] = deque()
        self._kept = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self._lines.append(line)
                self._kept += len(line)
                while self._kept > OUTPUT_LIMIT and len(self._lines) > 1:
                    self._kept -= len(self._lines.popleft())

    @property
    def output(self) -> str:
        with self._lock:
            return "".join(self._lines)

    def poll(self) -> int | None:
        return self.proc.poll()

    # the Popen calls a test may make on a child (its reader keeps draining meanwhile)
    def terminate(self) -> None:
        self.proc.terminate()

    def wait(self, timeout: float | None = None) -> int:
        return self.proc.wait(timeout=timeout)

    def kill(self, timeout: float = 10.0) -> int:
        """SIGKILL (a crash: no shutdown code runs), reap, and finish reading the output."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return self.proc.returncode

    def stop(self, timeout: float = 15.0) -> int:
        """Terminate (then kill after `timeout`), reap, and finish reading the output."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return self.proc.returncode

    def describe(self) -> str:
        return f"{' '.join(self.args)} (exit {self.proc.poll()}):\n{self.output[-20_000:]}"


def is_ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def serve_in_background(
    db_url: str, settings: Settings, tmp_path: Path, name: str
) -> tuple[Child, str]:
    """`daigou serve --no-worker` on the test's database with the test's admin token and secret
    key, its data dir `tmp_path / name`, started and not waited for (see `wait_ready`)."""
    env = daigou_env(
        tmp_path / name,
        db_url,
        DAIGOU_ADMIN_TOKEN=ADMIN_TOKEN,
        DAIGOU_SECRET_KEY=settings.resolved_secret_key,
    )
    port = free_port()
    child = Child([str(BIN / "daigou"), "serve", "--no-worker", "--port", str(port)], env)
    return child, f"http://127.0.0.1:{port}"


def wait_ready(base: str, child: Child, timeout: float = 60.0) -> None:
    """Until `base` answers GET /readyz with 200; the child is killed if it never does."""
    try:
        wait_until(
            lambda: child.poll() is not None or is_ready(base),
            timeout=timeout,
            interval=0.2,
            message=lambda: "serve did not become ready: " + child.describe(),
        )
        if child.poll() is not None:
            raise AssertionError("serve exited: " + child.describe())
    except BaseException:
        child.kill()
        raise


def start_serve(env: dict[str, str], *args: str, timeout: float = 60.0) -> tuple[Child, str]:
    """`daigou serve` on a free loopback port, ready (GET /readyz answers 200): (child, base).
    The child is stopped if it does not get ready (or dies) before `timeout`."""
    port = free_port()
    child = Child([str(BIN / "daigou"), "serve", "--port", str(port), *args], env)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, child, timeout)
    return child, base


@contextmanager
def serving(env: dict[str, str], *args: str, timeout: float = 60.0) -> Iterator[tuple[Child, str]]:
    """`start_serve` as a context: the server is stopped on the way out."""
    child, base = start_serve(env, *args, timeout=timeout)
    try:
        yield child, base
    finally:
        child.stop()


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """A `daigou` command to completion (its output captured by `run`, which drains it)."""
    return subprocess.run(
        [str(BIN / "daigou"), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
