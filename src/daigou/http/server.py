"""The HTTP server's edges, where the application never sees the request: uvicorn's protocol with
the envelope instead of plain text, and deadlines for slow clients.

- A request the HTTP parser refuses (an unknown method, a malformed request line or header)
  answers the envelope: 40401 for a method no route takes, 40002 for anything else; the
  connection then closes.
- The headers of a request must arrive within ``header_timeout_seconds`` of the connection
  opening (or of the previous response) and be at most ``MAX_HEADER_BYTES``; else 40002 (when
  something arrived) and the connection closes. An idle keep-alive connection closes after
  ``keep_alive_timeout_seconds`` (uvicorn's ``timeout_keep_alive``); the body has its own
  deadline in the application (daigou.http.middleware).

``daigou serve`` runs uvicorn with :func:`uvicorn_options`.
"""

from __future__ import annotations

import asyncio
import functools
import re
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from daigou.core import ids
from daigou.core.errors import ApiError
from daigou.http.envelope import dumps
from daigou.http.logging import log

MAX_HEADER_BYTES = 64 * 1024
_METHOD = re.compile(rb"^([A-Za-z-]{1,32}) ")
KNOWN_METHODS = {b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS"}


def envelope_bytes(error: ApiError, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """A complete HTTP/1.1 response carrying the envelope of `error`; the connection closes."""
    request_id = ids.request_id()
    log.warning(
        "request refused by the server", request_id=request_id, code=error.code, msg=error.msg
    )
    body = dumps(
        {
            "requestId": request_id,
            "code": error.code,
            "developId": None,
            "msg": error.msg,
            "data": error.data,
        }
    )
    lines = [f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n".encode()]
    for name, value in default_headers:
        lines.append(name + b": " + value + b"\r\n")
    lines += [
        b"content-type: application/json\r\n",
        b"content-length: " + str(len(body)).encode() + b"\r\n",
        b"x-request-id: " + request_id.encode() + b"\r\n",
        b"connection: close\r\n\r\n",
        body,
    ]
    return b"".join(lines)


@functools.cache
def _header_timeout() -> float:
    """This process's header deadline: the settings, read once (uvicorn may start the server
    in worker processes, which build their own settings from the same environment)."""
    from daigou.config import Settings

    return Settings().header_timeout_seconds


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with envelope answers and a header deadline."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.header_timeout = _header_timeout()
        super().connection_made(transport)
        self._head = b""
        self._head_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    # --- the header deadline ----------------------------------------------------------------
    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._head = b""
        self._head_bytes = 0
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._waiting_for_headers():
            return
        if self._head_bytes:
            message = f"the request headers did not arrive within {self.header_timeout:g} s"
            self._answer(ApiError(40002, message))
        else:
            self.transport.close()

    def _answer(self, error: ApiError) -> None:
        self._disarm()
        self.transport.write(envelope_bytes(error, self.server_state.default_headers))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_headers() and len(self._head) < 64:
            self._head += data[: 64 - len(self._head)]
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._waiting_for_headers():
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEADER_BYTES:
                self._answer(ApiError(40002, f"request headers over {MAX_HEADER_BYTES} bytes"))
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # --- envelope answers ------------------------------------------------------------------
    def send_400_response(self, msg: str) -> None:
        match = _METHOD.match(self._head)
        if match is not None and match.group(1).upper() not in KNOWN_METHODS:
            method = match.group(1).decode("ascii")
            self._answer(ApiError(40401, f"no route takes the method {method}"))
            return
        self._answer(ApiError(40002, "malformed HTTP request"))


def uvicorn_options(settings: Any) -> dict[str, Any]:
    """The keyword arguments `uvicorn.run` gets from the settings."""
    return {
        "http": EnvelopeHttpToolsProtocol,
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }
