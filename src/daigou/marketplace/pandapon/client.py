"""PandaPon's HTTP API, raw: the signed headers (CONTRACT section 2, MD5), the envelope of the
``pandapon`` dialect (HTTP 200, the code inside), and its codes as the port's errors.

Reads are retried here on transient failures (no connection, no answer in time, the
upstream's 5xx codes), with bounded, jittered backoff; writes are sent exactly once: a write
whose answer is lost raises :class:`~daigou.marketplace.port.MarketplaceTimeout` and the
gateway's reconciler settles it by querying.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from daigou.config import Settings
from daigou.marketplace import port as P
from daigou.marketplace.limits import Limiter

TRANSIENT_CODES = frozenset({50001, 50301})


def md5_signature(access_key: str, nonce: str, timestamp: str, secret: str) -> str:
    """CONTRACT section 2, MD5: the three system parameters and the secret, uppercase hex."""
    text = f"access-key={access_key}&nonce-str={nonce}&timestamp={timestamp}&secret={secret}"
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()  # noqa: S324 (the wire's)


@dataclass(frozen=True)
class Backoff:
    """Bounded retries of a read: ``attempts`` in all, exponential with full jitter."""

    attempts: int = 3
    base_s: float = 0.2
    cap_s: float = 2.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap_s, self.base_s * 2 ** (attempt - 1)))


class PandaPonClient:
    """One PandaPon account: its key, secret and ``user-id``, over one HTTP connection pool."""

    def __init__(
        self,
        base_url: str,
        access_key: str,
        secret: str,
        user_id: str | None = None,
        *,
        timeout_s: float = 15.0,
        limiter: Limiter | None = None,
        transport: httpx.BaseTransport | None = None,
        backoff: Backoff = Backoff(),
        sleep: Callable[[float], None] = time.sleep,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.access_key = access_key
        self._secret = secret
        self.user_id = user_id
        self.limiter = limiter or Limiter("pandapon", calls_per_second=0, concurrency=8)
        self.backoff = backoff
        self._sleep = sleep
        self._now_ms = now_ms
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            transport=transport,
            limits=httpx.Limits(max_connections=self.limiter.concurrency),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PandaPonClient:
        assert settings.pandapon_base_url and settings.pandapon_access_key
        assert settings.pandapon_secret is not None
        return cls(
            settings.pandapon_base_url,
            settings.pandapon_access_key,
            settings.pandapon_secret.get_secret_value(),
            settings.pandapon_user_id,
            timeout_s=settings.pandapon_timeout_seconds,
            limiter=Limiter(
                "pandapon",
                calls_per_second=settings.pandapon_calls_per_second,
                concurrency=settings.pandapon_concurrency,
                wait_seconds=settings.marketplace_slot_wait_seconds,
            ),
        )

    def close(self) -> None:
        self._http.close()

    def headers(self) -> dict[str, str]:
        timestamp = str(self._now_ms())
        nonce = secrets.token_hex(16)
        headers = {
            "access-key": self.access_key,
            "timestamp": timestamp,
            "nonce-str": nonce,
            "sign-method": "MD5",
            "signature": md5_signature(self.access_key, nonce, timestamp, self._secret),
        }
        if self.user_id:
            headers["user-id"] = self.user_id
        return headers

    # --- calls -----------------------------------------------------------------------------
    def every_row(self, path: str, body: dict[str, Any], *, pages: int = 1000) -> list[Any]:
        """Every row of a POSTed cursor-paged list (``data``, ``nextCursor``; ENDPOINTS S),
        page after page of 100, each page a read (bounded: ``pages``)."""
        rows: list[Any] = []
        cursor: str | None = None
        for _ in range(pages):
            asked = {**body, "pageSize": 100} | ({"cursor": cursor} if cursor else {})
            page = self.read("POST", path, asked)
            rows.extend(page.get("data") or ())
            cursor = page.get("nextCursor")
            if not cursor:
                break
        return rows

    def read(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
        what: str = "object",
        ident: str = "",
    ) -> Any:
        """A read, retried on transient failures (bounded)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(method, path, body, params, what, ident, write=False)
            except (P.MarketplaceNotSent, P.MarketplaceTimeout, _Transient) as exc:
                if attempt >= self.backoff.attempts:
                    if isinstance(exc, _Transient):
                        raise P.MarketplaceError(exc.code, exc.message) from None
                    raise
            self._sleep(self.backoff.delay(attempt))

    def write(
        self,
        path: str,
        body: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        what: str = "object",
        ident: str = "",
    ) -> Any:
        """A write, sent once: no answer (or the upstream's own 50401) is an unknown outcome."""
        try:
            return self._once(
                "POST", path, body, None, what, ident, write=True, idempotency_key=idempotency_key
            )
        except _Transient as exc:
            raise P.MarketplaceError(exc.code, exc.message) from None

    def _once(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        params: dict[str, Any] | None,
        what: str,
        ident: str,
        *,
        write: bool,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = self.headers()
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        with self.limiter.slot():
            try:
                r = self._http.request(
                    method, path, params=params, content=content, headers=headers
                )
            except httpx.ConnectError as exc:
                raise P.MarketplaceNotSent("CONNECT", f"{path}: {exc}") from exc
            except httpx.TimeoutException as exc:
                if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
                    raise P.MarketplaceNotSent("CONNECT_TIMEOUT", f"{path}: {exc}") from exc
                raise P.MarketplaceTimeout(path) from exc
            except httpx.TransportError as exc:  # sent, the answer lost
                raise P.MarketplaceTimeout(path) from exc
        return _answer(r, path, what, ident, write=write)


class _Transient(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def _answer(r: httpx.Response, path: str, what: str, ident: str, *, write: bool) -> Any:
    """The envelope's data, or the port's error for its code."""
    try:
        envelope = r.json()
        code = int(envelope["code"])
    except (ValueError, KeyError, TypeError):
        if r.status_code >= 500:
            if write:
                raise P.MarketplaceTimeout(path) from None
            raise _Transient(f"HTTP{r.status_code}", r.text[:200]) from None
        raise P.MarketplaceError(f"HTTP{r.status_code}", r.text[:200]) from None
    if code == 200:
        return envelope.get("data")
    msg = str(envelope.get("msg") or "")
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    upstream = str(data.get("upstreamCode") or code)
    upstream_msg = str(data.get("upstreamMessage") or msg)
    if code // 100 == 404:
        raise P.MarketplaceNotFound(what, ident or msg)
    if code == 40904:
        raise P.MarketplaceRefused(upstream, upstream_msg, stock_problem=True)
    if code // 100 == 409 or code == 40201:
        if not data.get("upstreamCode") and code == 40901:
            # the upstream's own state check: 1688's names for it
            upstream = "REFUND_STATUS_ERROR" if what == "refund" else "ORDER_STATUS_ERROR"
        raise P.MarketplaceRefused(upstream, upstream_msg)
    if code == 42901 or data.get("retryAfter") is not None:
        retry_after = float(r.headers.get("Retry-After") or data.get("retryAfter") or 1)
        raise P.MarketplaceRateLimited(upstream, upstream_msg, retry_after_s=retry_after)
    if code == 50201 and data.get("retryable"):
        raise P.MarketplaceNotSent(upstream, upstream_msg)
    if code == 50401:
        raise P.MarketplaceTimeout(path)
    if code in TRANSIENT_CODES:
        raise _Transient(upstream, upstream_msg)
    if code == 40001:
        raise P.MarketplaceError(str(code), f"{msg}: {json.dumps(data.get('errors'))}")
    raise P.MarketplaceError(upstream, upstream_msg)
