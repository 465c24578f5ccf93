"""The 1688 Open Platform HTTP client: signed calls, bounded read retries, writes sent once.

``AopClient.read(namespace, name, params)`` and ``AopClient.write(...)`` POST the parameters
form-encoded to ``{base}/param2/{version}/{namespace}/{name}/{appKey}`` with
``_aop_timestamp`` (epoch ms), ``access_token`` (from the token provider, for user-authorised
APIs) and ``_aop_signature`` (``signing.aop_signature`` over every parameter sent), and return
the decoded JSON answer, or raise the port's error (``errors.classify``):

- every call first takes a slot of the client's :class:`~daigou.marketplace.limits.Limiter`
  (calls per second as a token bucket, calls at once); none in time: ``MarketplaceNotSent``;
- a **read** is tried again on transient failures (no connection, a timeout, a 5xx, a rate
  limit, an unreadable answer) with full-jitter exponential backoff, at least the upstream's
  ``Retry-After``, bounded by attempts and a total time (:class:`ReadRetry`);
- a **write** is sent once. A failure to connect (nothing left this process) raises
  ``MarketplaceNotSent``; a timeout, a broken connection, a 5xx or an unreadable answer after
  the request left raises ``MarketplaceTimeout`` (the outcome is unknown: the reconciler
  settles it by querying); a rate limit raises ``MarketplaceRateLimited`` (refused, nothing
  happened);
- an answer refusing the access token (``errors.TokenRejected``) makes the client ask the
  provider for a fresh token once and send the call again: the first was refused, so even a
  write is not doubled.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from daigou.core.clock import Clock, SystemClock
from daigou.marketplace.alibaba1688 import errors as E
from daigou.marketplace.alibaba1688.signing import (
    DEFAULT_BASE_URL,
    SIGNATURE_FIELD,
    aop_signature,
    api_url,
    url_path,
    wire_params,
)
from daigou.marketplace.alibaba1688.values import parse_time
from daigou.marketplace.limits import Limiter
from daigou.marketplace.port import (
    MarketplaceError,
    MarketplaceNotSent,
    MarketplaceRateLimited,
    MarketplaceTimeout,
)

Sleep = Callable[[float], None]
TRANSIENT_STATUS = "TRANSIENT"


class TokenProvider(Protocol):
    """Where the client gets the buyer's access token (``tokens.TokenStore``)."""

    def access_token(self) -> str:
        """A valid access token (refreshed first when it is about to expire)."""
        ...

    def refresh_after_rejection(self, rejected: str) -> str:
        """A new access token after 1688 refused ``rejected`` (unless another caller already
        replaced it: then the current one)."""
        ...


@dataclass(frozen=True)
class ReadRetry:
    """When to send a read again: after a transient failure only, at most ``attempts`` tries,
    never past ``total_seconds`` since the first. Waits are full-jitter exponential (uniform in
    0..min(cap, base * 2^(n-1))), at least the upstream's ``retry_after_s``."""

    attempts: int = 4
    base_seconds: float = 0.2
    cap_seconds: float = 5.0
    total_seconds: float = 20.0

    @staticmethod
    def transient(exc: BaseException) -> bool:
        return isinstance(
            exc, MarketplaceNotSent | MarketplaceRateLimited | MarketplaceTimeout | E.Unavailable
        )

    def delay(
        self, tries: int, exc: BaseException, elapsed_s: float, rng: random.Random
    ) -> float | None:
        """Seconds to wait before try ``tries + 1``; None: give up."""
        if not self.transient(exc) or tries >= self.attempts:
            return None
        wait = rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2 ** (tries - 1)))
        if isinstance(exc, MarketplaceRateLimited):
            wait = max(wait, exc.retry_after_s)
        if elapsed_s + wait > self.total_seconds:
            return None
        return wait


class AopCaller(Protocol):
    """What the adapter and its feed need of :class:`AopClient` (tests give fakes)."""

    def read(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, Any],
        *,
        version: int = 1,
        authorised: bool = True,
    ) -> dict[str, Any]: ...

    def write(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, Any],
        *,
        version: int = 1,
        authorised: bool = True,
    ) -> dict[str, Any]: ...


class AopClient:
    """Signed calls to the 1688 Open Platform gateway (see the module)."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        app_key: str,
        app_secret: str,
        token_provider: TokenProvider | None,
        http: httpx.Client,
        timeout: float = 10.0,
        calls_per_second: float = 0.0,
        concurrency: int = 100,
        slot_wait_seconds: float = 5.0,
        clock: Clock | None = None,
        retry: ReadRetry | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not app_key or not app_secret:
            raise ValueError("a 1688 client needs an app key and an app secret")
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self._secret = app_secret
        self.tokens = token_provider
        self._http = http
        self.timeout = timeout
        self.limiter = Limiter(
            "alibaba1688",
            calls_per_second=calls_per_second,
            concurrency=concurrency,
            wait_seconds=slot_wait_seconds,
        )
        self._clock: Clock = clock or SystemClock()
        self.retry = retry or ReadRetry()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._monotonic = monotonic

    # --- the two kinds of call ------------------------------------------------------------
    def read(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, Any],
        *,
        version: int = 1,
        authorised: bool = True,
    ) -> dict[str, Any]:
        """A query: tried again on transient failures within :class:`ReadRetry`."""
        started = self._monotonic()
        tries = 0
        while True:
            tries += 1
            try:
                return self._with_token(namespace, name, params, version, authorised, False)
            except (MarketplaceError, MarketplaceTimeout) as exc:
                wait = self.retry.delay(tries, exc, self._monotonic() - started, self._rng)
                if wait is None:
                    raise
                self._sleep(wait)

    def write(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, Any],
        *,
        version: int = 1,
        authorised: bool = True,
    ) -> dict[str, Any]:
        """A change: sent once (see the module for what each failure raises)."""
        return self._with_token(namespace, name, params, version, authorised, True)

    def current_time(self) -> int:
        """``system/currentTime`` (no user token, signed): 1688's clock in epoch ms. An answer
        proves the signature, the app's credentials and the network at once (a start check)."""
        body = self.read("system", "currentTime", {}, authorised=False)
        value = body.get("result", body.get("currentTime"))
        try:
            return parse_time(value)
        except ValueError as exc:
            raise E.Unavailable(TRANSIENT_STATUS, f"system/currentTime answered {value!r}") from exc

    def oauth_token(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``system.oauth2/getToken``: the app's credentials with ``params`` (``grant_type``
        and its fields), sent once; the answer's JSON (``access_token``, ``expires_in``...)."""
        form = {"client_id": self.app_key, "client_secret": self._secret, **params}
        url = api_url(self.base_url, 1, "system.oauth2", "getToken", self.app_key)
        return self._send(url, wire_params(form), "system.oauth2:getToken", write=True)

    # --- one call -------------------------------------------------------------------------
    def _with_token(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, Any],
        version: int,
        authorised: bool,
        write: bool,
    ) -> dict[str, Any]:
        token = self._token(authorised)
        try:
            return self._call(namespace, name, params, version, token, write)
        except E.TokenRejected:
            if token is None or self.tokens is None:
                raise
            # refused: nothing happened upstream, so sending it again is safe (even a write)
            fresh = self.tokens.refresh_after_rejection(token)
            return self._call(namespace, name, params, version, fresh, write)

    def _token(self, authorised: bool) -> str | None:
        if not authorised:
            return None
        if self.tokens is None:
            raise ValueError("this 1688 client has no access token provider")
        return self.tokens.access_token()

    def signed_form(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, Any],
        *,
        version: int = 1,
        access_token: str | None = None,
    ) -> dict[str, str]:
        """The form a call sends: the parameters as strings, the system ones, the signature."""
        form = wire_params(params)
        form["_aop_timestamp"] = str(self._clock.now_ms())
        if access_token is not None:
            form["access_token"] = access_token
        path = url_path(version, namespace, name, self.app_key)
        form[SIGNATURE_FIELD] = aop_signature(path, form, self._secret)
        return form

    def _call(
        self,
        namespace: str,
        name: str,
        params: Mapping[str, Any],
        version: int,
        token: str | None,
        write: bool,
    ) -> dict[str, Any]:
        form = self.signed_form(namespace, name, params, version=version, access_token=token)
        url = api_url(self.base_url, version, namespace, name, self.app_key)
        return self._send(url, form, f"{namespace}:{name}", write=write)

    def _send(
        self, url: str, form: dict[str, str], operation: str, *, write: bool
    ) -> dict[str, Any]:
        with self.limiter.slot():
            try:
                response = self._http.post(url, data=form, timeout=self.timeout)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                raise MarketplaceNotSent(
                    "NOT_CONNECTED", f"{operation}: {type(exc).__name__}"
                ) from exc
            except httpx.TransportError as exc:  # sent, no (whole) answer: timeout, reset...
                raise MarketplaceTimeout(operation) from exc
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        error = E.classify(
            response.status_code,
            body,
            retry_after=response.headers.get("retry-after"),
            what=operation,
        )
        if error is None and not isinstance(body, dict):
            error = E.Unavailable(TRANSIENT_STATUS, f"{operation}: an answer that is not JSON")
        if error is not None:
            if write and isinstance(error, E.Unavailable):
                raise MarketplaceTimeout(operation) from error  # it may have happened
            raise error
        assert isinstance(body, dict)
        return body
