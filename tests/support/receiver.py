"""A webhook receiver on a loopback port, for tests of callbacks and delivery.

Usage::

    with Receiver() as rx:               # listening on http://127.0.0.1:<port>/hook
                                         # (Receiver(host="::1"): http://[::1]:<port>/hook)
        rx.status = 500                  # answer 500 from now on (default 200)
        rx.delay = 2.0                   # sleep 2 s before answering (timeouts)
        rx.body_size = 1_000_000         # answer 1 MB of "x" (None: {"ok":true})
        rx.script([500, 500, 200])       # answer these statuses, in order, then `status`
        ...                              # point the gateway at rx.url, make it deliver
        rx.wait_for(2)                   # block until 2 requests arrived (or AssertionError)
        req = rx.requests[0]             # a Received: method, path, headers, body, at, json()
        rx.down()                        # close the port: the next POST gets "connection refused"
        rx.up()                          # listen again on the same port

Every request is recorded (thread-safe; ``rx.requests`` is a snapshot list) whatever the answer.
``rx.clear()`` forgets them. Headers are a lower-cased ``dict``. ``url`` is the hook URL;
``base_url`` the server root (any path is accepted and recorded as ``path``).

The server is a ``ThreadingHTTPServer`` in a daemon thread: one thread per connection, so a slow
answer (``delay``) does not hold up other requests. ``delay`` applies before the status line is
sent, which is how a receiver that never answers in time looks to the gateway.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    at: float  # time.time() when the body had been read
    status: int  # what the receiver answered (or was about to, for a slow answer)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _State:
    status: int = 200
    delay: float = 0.0
    body_size: int | None = None  # None: a small JSON body
    scripted: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the gateway opens many connections at once
    state: _State

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        """Close kept-alive connections too: a receiver that is down answers nothing."""
        with self.connections_lock:
            open_ = list(self.connections)
            self.connections.clear()
        for conn in open_:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _handle(self) -> None:
        state = self.server.state
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        with state.lock:
            status = state.scripted.pop(0) if state.scripted else state.status
            delay, size = state.delay, state.body_size
            state.requests.append(
                Received(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    at=time.time(),
                    status=status,
                )
            )
        assert state.arrived is not None
        with state.arrived:
            state.arrived.notify_all()
        if delay:
            time.sleep(delay)
        payload = b'{"ok":true}' if size is None else b"x" * size
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the gateway gave up (timeout) and closed the connection
            pass

    do_POST = _handle  # noqa: N815
    do_GET = _handle  # noqa: N815
    do_PUT = _handle  # noqa: N815


class Receiver:
    """A loopback HTTP receiver; see the module docstring. Also a context manager."""

    def __init__(self, status: int = 200, port: int = 0, host: str = "127.0.0.1") -> None:
        """`host`: ``127.0.0.1`` (default) or ``::1`` (IPv6 loopback)."""
        self.host = host
        self._state = _State(status=status)
        self._state.arrived = threading.Condition(self._state.lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        self.up()

    # --- configuration --------------------------------------------------------------------------
    @property
    def status(self) -> int:
        return self._state.status

    @status.setter
    def status(self, value: int) -> None:
        with self._state.lock:
            self._state.status = value

    @property
    def delay(self) -> float:
        return self._state.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        with self._state.lock:
            self._state.delay = seconds

    @property
    def body_size(self) -> int | None:
        return self._state.body_size

    @body_size.setter
    def body_size(self, size: int | None) -> None:
        with self._state.lock:
            self._state.body_size = size

    def script(self, statuses: Iterable[int]) -> None:
        """Answer these statuses to the next requests, in order; then `status` again."""
        with self._state.lock:
            self._state.scripted = list(statuses)

    # --- addresses ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/hook"

    # --- what arrived -------------------------------------------------------------------------
    @property
    def requests(self) -> list[Received]:
        with self._state.lock:
            return list(self._state.requests)

    def clear(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until at least `count` requests arrived; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        assert self._state.arrived is not None
        with self._state.arrived:
            while len(self._state.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"receiver got {len(self._state.requests)} requests, expected {count}"
                    )
                self._state.arrived.wait(left)
            return list(self._state.requests)

    # --- up and down ----------------------------------------------------------------------------
    @property
    def is_up(self) -> bool:
        return self._server is not None

    def up(self) -> None:
        """Listen (again) on `port` (a free one chosen on first start when 0)."""
        if self._server is not None:
            return
        cls = _Server6 if ":" in self.host else _Server
        server = cls((self.host, self.port), _Handler)
        server.state = self._state
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def down(self) -> None:
        """Stop listening: connections to the port are refused until `up()`."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.cut_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def close(self) -> None:
        self.down()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def refused_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
