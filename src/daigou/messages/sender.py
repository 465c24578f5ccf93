"""One POST of a delivery, and what came of it (the fields of an attempt, ENDPOINTS 0.6).

Redirects are not followed (a 3xx is a failed attempt: the URL is the developer's to fix), the
whole exchange must finish within the timeout however slowly the answer trickles in, the
response is read at most ``SNIPPET_BYTES`` (a huge answer costs nothing), and every failure is
classified: ``refused`` (the callback policy refused the destination: nothing was sent),
``timeout``, ``connect``, ``tls`` or ``non_2xx``.

Every connection goes through the callback policy (daigou.messages.url_policy): the URL's form
and an IP literal are checked before the POST, a host name is resolved once by the policy's
resolver and only checked addresses are connected to.

aiohttp rather than httpx: measured on this 2-core machine against the same local receiver,
aiohttp made about 9,000 POSTs/s where httpx made 200 to 600 (bench/README.md, issue 4).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass

import aiohttp

from daigou.messages.url_policy import CallbackPolicy, CheckedResolver, Refused

SNIPPET_BYTES = 256


@dataclass(frozen=True)
class Outcome:
    http_status: int | None
    latency_ms: int
    error: str | None  # None: acknowledged (2xx in time)
    snippet: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _refused(exc: BaseException) -> Refused | None:
    while exc is not None:
        if isinstance(exc, Refused):
            return exc
        exc = getattr(exc, "os_error", None) or exc.__cause__  # type: ignore[assignment]
    return None


def _classify(exc: BaseException) -> str:
    if _refused(exc) is not None:
        return "refused"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "timeout"
    if isinstance(
        exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError | ssl.SSLError
    ):
        return "tls"
    return "connect"


def session(concurrency: int, policy: CallbackPolicy) -> aiohttp.ClientSession:
    """The connection pool deliveries share (one per delivery loop); names are resolved and
    checked by the callback policy's resolver. No proxy from the environment, no cookies."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=concurrency, limit_per_host=0, resolver=CheckedResolver(policy)
        ),
        trust_env=False,
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )


async def post(
    client: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    policy: CallbackPolicy,
    keep_snippet: bool = True,
) -> Outcome:
    started = time.perf_counter()
    try:
        policy.check_literal(url)
    except Refused as exc:
        return Outcome(None, 0, "refused", str(exc)[:SNIPPET_BYTES])
    try:
        async with client.post(
            url,
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            raw = await response.content.read(SNIPPET_BYTES)
            status = response.status
    except Exception as exc:  # noqa: BLE001 - every failure is an attempt's outcome
        latency = int((time.perf_counter() - started) * 1000)
        refused = _refused(exc)
        if refused is not None:
            return Outcome(None, latency, "refused", str(refused)[:SNIPPET_BYTES])
        text = (str(exc) or None) if keep_snippet else None
        return Outcome(None, latency, _classify(exc), text and text[:SNIPPET_BYTES])
    latency = int((time.perf_counter() - started) * 1000)
    snippet = (raw.decode("utf-8", "replace") or None) if keep_snippet else None
    return Outcome(status, latency, None if 200 <= status < 300 else "non_2xx", snippet)


def post_now(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    policy: CallbackPolicy,
    keep_snippet: bool = True,
) -> Outcome:
    """One delivery from synchronous code (the callback test and the URL check)."""

    async def run() -> Outcome:
        async with session(1, policy) as client:
            return await post(client, url, body, headers, timeout, policy, keep_snippet)

    return asyncio.run(run())
