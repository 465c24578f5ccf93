"""The HTTP client."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, cast
from urllib.parse import urlencode

import httpx

from daigou_sdk.errors import DaigouError, RateLimitError, error_for
from daigou_sdk.signing import hmac_signature, md5_signature

RETRYABLE_CODES = {42901, 50001, 40903}


class Client:
    """A signed client. `get`/`post` return `data` of the envelope or raise a DaigouError.

    POSTs carry an Idempotency-Key (one per logical call, reused on every retry), so a retry
    after a timeout never does the work twice.
    """

    def __init__(
        self,
        base_url: str,
        access_key: str,
        secret: str,
        *,
        sign_method: str = "HMAC-SHA256",
        user_id: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if sign_method not in ("MD5", "HMAC-SHA256"):
            raise ValueError("sign_method is MD5 or HMAC-SHA256")
        self.access_key = access_key
        self.secret = secret
        self.sign_method = sign_method
        self.user_id = user_id
        self.max_retries = max_retries
        self.last_response: httpx.Response | None = None
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- signing ----------------------------------------------------------------------------
    def signed_headers(
        self,
        method: str,
        path: str,
        params: list[tuple[str, str]],
        body: bytes,
        user_id: str | None = None,
    ) -> dict[str, str]:
        timestamp = str(time.time_ns() // 1_000_000)
        nonce = secrets.token_hex(16)
        if self.sign_method == "MD5":
            signature = md5_signature(self.access_key, nonce, timestamp, self.secret)
        else:
            signature = hmac_signature(
                method, path, params, self.access_key, timestamp, nonce, body, self.secret
            )
        headers = {
            "access-key": self.access_key,
            "timestamp": timestamp,
            "nonce-str": nonce,
            "signature": signature,
            "sign-method": self.sign_method,
        }
        uid = user_id or self.user_id
        if uid:
            headers["user-id"] = uid
        return headers

    # --- calls ------------------------------------------------------------------------------
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
        method = method.upper()
        pairs = [(k, _text(v)) for k, v in (params or {}).items() if v is not None]
        raw = (
            b""
            if body is None
            else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        )
        if method == "POST" and idempotency_key is None:
            idempotency_key = str(uuid.uuid4())
        attempt = 0
        while True:
            headers = self.signed_headers(method, path, pairs, raw, user_id)
            if raw:
                headers["content-type"] = "application/json"
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
            url = path + ("?" + urlencode(pairs) if pairs else "")
            try:
                response = self._http.request(method, url, content=raw or None, headers=headers)
            except httpx.TransportError:
                if attempt >= self.max_retries or (method == "POST" and not idempotency_key):
                    raise
                attempt += 1
                time.sleep(_backoff(attempt))
                continue
            self.last_response = response
            try:
                envelope = response.json()
            except ValueError as exc:
                raise DaigouError(
                    50001,
                    f"not a gateway response (HTTP {response.status_code})",
                    http_status=response.status_code,
                ) from exc
            code = envelope.get("code", 50001)
            if code == 200:
                return envelope.get("data")
            error = error_for(
                code,
                envelope.get("msg", ""),
                envelope.get("data"),
                envelope.get("requestId"),
                response.status_code,
                dict(response.headers),
            )
            if code in RETRYABLE_CODES and attempt < self.max_retries:
                attempt += 1
                delay = (
                    error.retry_after if isinstance(error, RateLimitError) else _backoff(attempt)
                )
                time.sleep(min(delay, 10.0))
                continue
            raise error

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        return self.request("GET", path, params, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, None, body if body is not None else {}, **kw)

    def paginate(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, page_size: int = 100
    ) -> Iterator[Any]:
        """Every item of a cursor-paged list."""
        query = dict(params or {})
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

    # --- typed helpers ----------------------------------------------------------------------
    def balance(self, currency: str = "CNY") -> dict[str, Any]:
        return cast(dict[str, Any], self.get("/open/account/balance", {"currency": currency}))

    def ledger(self, **filters: Any) -> Iterator[dict[str, Any]]:
        return self.paginate("GET", "/open/account/ledger", filters)

    def save_sub_account(
        self, user_name: str, user_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {"userName": user_name, **fields}
        if user_id:
            body["userId"] = user_id
        return cast(dict[str, Any], self.post("/open/subaccount/addOrUpdate", body))

    def sub_accounts(self, **filters: Any) -> dict[str, Any]:
        return cast(dict[str, Any], self.get("/open/subaccount/list", filters))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _backoff(attempt: int) -> float:
    return min(0.25 * (2.0 ** (attempt - 1)), 4.0) * (0.5 + secrets.randbelow(1000) / 1000)
