"""The transport under both clients: one logical call = attempts with the same Idempotency-Key,
the envelope unwrapped into ``data`` or an exception, connection failures wrapped, cursor paging."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast
from urllib.parse import urlencode

import httpx

from daigou_sdk.errors import APIConnectionError, APITimeoutError, DaigouError, error_for
from daigou_sdk.retry import RetryPolicy
from daigou_sdk.signing import wire_path

HeadersFor = Callable[[str, str, list[tuple[str, str]], bytes, "str | None"], dict[str, str]]


class BaseClient:
    """What a signed and an operator client share. Not used directly."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if retry is None:
            retry = RetryPolicy() if max_retries is None else RetryPolicy(max_retries + 1)
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.last_response: httpx.Response | None = None
        self._sleep = sleep
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BaseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(
        self,
        method: str,
        path: str,
        pairs: list[tuple[str, str]],
        body: bytes,
        user_id: str | None,
    ) -> dict[str, str]:
        raise NotImplementedError

    # --- one logical call ---------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
        user_id: str | None = None,
    ) -> Any:
        """``data`` of the envelope, or a DaigouError. A POST carries an Idempotency-Key (one
        per logical call, the same on every attempt)."""
        method = method.upper()
        path = wire_path(path)  # signed as sent (CONTRACT section 2)
        pairs = [(k, _text(v)) for k, v in (params or {}).items() if v is not None]
        raw = (
            b""
            if body is None
            else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        )
        if method == "POST" and idempotency_key is None:
            idempotency_key = str(uuid.uuid4())
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, path, pairs, raw, idempotency_key, user_id)
            except DaigouError as error:
                wait = self.retry.next_delay(
                    method,
                    idempotency_key is not None,
                    error,
                    attempt,
                    time.monotonic() - started,
                )
                if wait is None:
                    raise
                self._sleep(wait)

    def _attempt(
        self,
        method: str,
        path: str,
        pairs: list[tuple[str, str]],
        raw: bytes,
        idempotency_key: str | None,
        user_id: str | None,
    ) -> Any:
        headers = self._headers(method, path, pairs, raw, user_id)
        if raw:
            headers["content-type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = path + ("?" + urlencode(pairs) if pairs else "")
        try:
            response = self._http.request(method, url, content=raw or None, headers=headers)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"{self.base_url} did not answer in time ({exc})") from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(f"cannot reach {self.base_url}: {exc}") from exc
        self.last_response = response
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "code" not in envelope:
            raise DaigouError(
                None,
                f"{self.base_url}{path} answered HTTP {response.status_code} without the "
                "gateway's envelope: is this the daigou gateway?",
                http_status=response.status_code,
                should_retry=False,
            )
        code = envelope.get("code")
        if code == 200:
            return envelope.get("data")
        raise error_for(
            int(code) if isinstance(code, int) else 50001,
            str(envelope.get("msg", "")),
            envelope.get("data"),
            envelope.get("requestId"),
            response.status_code,
            dict(response.headers),
        )

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        return self.request("GET", path, params, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, None, body if body is not None else {}, **kw)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return cast(dict[str, Any], self.get(path, params))

    def post_json(self, path: str, body: Any = None) -> dict[str, Any]:
        return cast(dict[str, Any], self.post(path, body))

    def paginate(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, page_size: int = 100
    ) -> Iterator[Any]:
        """Every item of a cursor-paged list (ENDPOINTS S1 ``nextCursor``), page after page."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        query["pageSize"] = page_size
        cursor: str | None = None
        while True:
            if cursor:
                query["cursor"] = cursor
            page = self.get(path, query) if method.upper() == "GET" else self.post(path, query)
            yield from page.get("data") or []
            cursor = page.get("nextCursor")
            if not cursor:
                return


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    return str(value)


def drop_none(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
