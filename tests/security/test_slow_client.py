"""`daigou serve` on loopback against clients that misbehave on the socket: a body that never
arrives, headers that never end, a silent connection, requests the HTTP parser refuses. Each is
answered (the envelope) or closed within the configured deadline, never held open."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import daigou
from tests.support.gateway import TEST_OFFERS_1688, TEST_OFFERS_TAOBAO, TEST_SHOPS
from tests.support.postgres import free_port

TIMEOUT_S = 1.0
MARGIN_S = 4.0  # a busy 2-core machine


@pytest.fixture(scope="module")
def served(sqlite_template: Path, tmp_path_factory) -> Iterator[tuple[int, subprocess.Popen]]:
    data_dir = tmp_path_factory.mktemp("slow") / "var"
    data_dir.mkdir()
    database = data_dir / "daigou.sqlite3"
    shutil.copyfile(sqlite_template, database)
    src = str(Path(daigou.__file__).resolve().parent.parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAIGOU_")}
    env.update(
        {
            "PYTHONPATH": src,
            "DAIGOU_DATA_DIR": str(data_dir),
            "DAIGOU_DATABASE_URL": f"sqlite:///{database}",
            "DAIGOU_LOG_LEVEL": "WARNING",
            "DAIGOU_SANDBOX_SHOPS": str(TEST_SHOPS),
            "DAIGOU_SANDBOX_OFFERS_1688": str(TEST_OFFERS_1688),
            "DAIGOU_SANDBOX_OFFERS_TAOBAO": str(TEST_OFFERS_TAOBAO),
            "DAIGOU_BODY_TIMEOUT_SECONDS": str(TIMEOUT_S),
            "DAIGOU_HEADER_TIMEOUT_SECONDS": str(TIMEOUT_S),
            "DAIGOU_KEEP_ALIVE_TIMEOUT_SECONDS": str(TIMEOUT_S),
        }
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "daigou.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise AssertionError("serve did not start:\n" + (proc.stdout.read() if proc.stdout else ""))
    yield port, proc
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _exchange(port: int, data: bytes, limit: float = TIMEOUT_S + MARGIN_S) -> tuple[bytes, float]:
    """Send `data`, then read until the server closes; what came back and how long it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:
        if data:
            sock.sendall(data)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                raise AssertionError(f"still open after {limit} s; got {received!r}") from None
            if not chunk:
                break
            received += chunk
    return received, time.monotonic() - started


def _envelope(raw: bytes) -> tuple[int, dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    envelope = json.loads(body)
    assert set(envelope) == {"requestId", "code", "developId", "msg", "data"}, envelope
    assert f"x-request-id: {envelope['requestId']}".encode() in head.lower()
    return status, envelope


def test_a_declared_body_that_never_arrives_is_answered_40002_and_closed(served):
    port, _ = served
    raw, took = _exchange(
        port,
        b"POST /admin/developer/create HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n",
    )
    status, envelope = _envelope(raw)
    assert (status, envelope["code"]) == (400, 40002), envelope
    assert "did not arrive" in envelope["msg"]
    assert TIMEOUT_S * 0.8 <= took <= TIMEOUT_S + MARGIN_S


def test_a_body_that_stops_halfway_is_answered_40002_and_closed(served):
    port, _ = served
    raw, took = _exchange(
        port,
        b"POST /admin/developer/create HTTP/1.1\r\nHost: x\r\n"
        b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":',
    )
    assert _envelope(raw)[1]["code"] == 40002
    assert took <= TIMEOUT_S + MARGIN_S


def test_headers_that_never_end_are_answered_40002_and_closed(served):
    port, _ = served
    raw, took = _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1")
    status, envelope = _envelope(raw)
    assert (status, envelope["code"]) == (400, 40002)
    assert "headers" in envelope["msg"]
    assert took <= TIMEOUT_S + MARGIN_S


def test_a_connection_that_sends_nothing_is_closed(served):
    port, _ = served
    raw, took = _exchange(port, b"")
    assert raw == b"" and took <= TIMEOUT_S + MARGIN_S


def test_an_idle_keep_alive_connection_is_closed(served):
    port, _ = served
    raw, took = _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200") and took <= TIMEOUT_S + MARGIN_S


def test_a_method_the_parser_does_not_know_answers_the_envelope(served):
    port, _ = served
    raw, _ = _exchange(port, b"FROB /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    status, envelope = _envelope(raw)
    assert (status, envelope["code"]) == (404, 40401)
    assert "FROB" in envelope["msg"]


def test_a_malformed_request_answers_the_envelope(served):
    port, _ = served
    raw, _ = _exchange(port, b"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n")
    status, envelope = _envelope(raw)
    assert (status, envelope["code"]) == (400, 40002)


def test_head_and_a_trailing_slash_over_real_http(served):
    port, _ = served
    r = httpx.head(f"http://127.0.0.1:{port}/healthz")
    assert r.status_code == 200 and r.content == b""
    r = httpx.get(f"http://127.0.0.1:{port}/healthz/")
    assert r.status_code == 200 and r.json()["code"] == 200


def test_dev_mode_says_loopback_callbacks_are_allowed_at_start(served):
    port, proc = served
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    printed = proc.stdout.read() or ""
    assert "loopback callback URLs" in printed and "allowed" in printed, printed
