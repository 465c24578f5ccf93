"""Assertions and low-level signed requests shared by the API tests (the envelope, errors, raw
signed sends, plain logs while a test provokes internal errors)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support import signing

REQUEST_ID_RE = re.compile(r"^[0-9a-f]{32}$")
TRACE_MARKERS = ("Traceback", 'File "', "RuntimeError", "sqlalchemy", "psycopg", "sqlite3")


def assert_envelope(r: Any) -> dict[str, Any]:
    """Every response: the five envelope fields, requestId = X-Request-Id, no trace leaked."""
    body = r.json()
    assert set(body) == {"requestId", "code", "developId", "msg", "data"}, body
    assert REQUEST_ID_RE.match(body["requestId"]), body["requestId"]
    assert r.headers["x-request-id"] == body["requestId"]
    assert isinstance(body["msg"], str)
    for marker in TRACE_MARKERS:
        assert marker not in r.text, r.text
    return body


def assert_ok(r: Any) -> Any:
    body = assert_envelope(r)
    assert r.status_code == 200, r.text
    assert body["code"] == 200, body
    assert body["msg"] == "success"
    return body["data"]


def assert_error(r: Any, code: int) -> dict[str, Any]:
    body = assert_envelope(r)
    assert body["code"] == code, r.text
    assert r.status_code == code // 100, (r.status_code, r.text)
    return body


def field_names(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in (body["data"] or {}).get("errors", [])]


def send(
    http: Any,
    method: str,
    path: str,
    headers: dict[str, str],
    *,
    params: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Any:
    """Send exactly what is given (no signing), so tests can tamper with anything."""
    h = dict(headers)
    if body:
        h.setdefault("content-type", "application/json")
    if method == "GET":
        return http.get(path, params=params or [], headers=h)
    return http.request(method, path, params=params or [], content=body, headers=h)


def signed_headers(
    dev: Any,
    method: str,
    path: str,
    *,
    params: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    secret: str | None = None,
    **kw: Any,
) -> dict[str, str]:
    return signing.headers(
        dev.access_key,
        dev.secret if secret is None else secret,
        method,
        path,
        params or [],
        body,
        **kw,
    )


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


@contextmanager
def plain_logs() -> Iterator[None]:
    """structlog's default console renderer (the tests do not configure logging) draws rich
    tracebacks with locals, which takes seconds per logged exception; render plain JSON while
    a test provokes internal errors. Keeps the request id (merge_contextvars)."""
    import structlog

    saved = structlog.get_config()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        cache_logger_on_first_use=False,
    )
    try:
        yield
    finally:
        structlog.configure(**saved)
