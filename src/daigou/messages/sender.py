"""One POST of a delivery, and what came of it (the fields of an attempt, ENDPOINTS 0.6).

Redirects are not followed (a 3xx is a failed attempt: the URL is the developer's to fix), the
whole exchange must finish within the timeout however slowly the answer trickles in, the
response is read at most ``SNIPPET_BYTES`` (a huge answer costs nothing), and every failure is
classified: ``timeout``, ``connect``, ``tls`` or ``non_2xx``.

aiohttp rather than httpx: measured on this 2-core machine against the same local receiver,
aiohttp made about 9,000 POSTs/s where httpx made 200 to 600 (bench/README.md, issue 4).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass

import aiohttp

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


def _classify(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "timeout"
    if isinstance(
        exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError | ssl.SSLError
    ):
        return "tls"
    return "connect"


def session(concurrency: int) -> aiohttp.ClientSession:
    """The connection pool deliveries share (one per delivery loop)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=0),
        trust_env=False,
        auto_decompress=False,
    )


async def post(
    client: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> Outcome:
    started = time.perf_counter()
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
        return Outcome(
            None, latency, _classify(exc), (str(exc) or None) and str(exc)[:SNIPPET_BYTES]
        )
    latency = int((time.perf_counter() - started) * 1000)
    snippet = raw.decode("utf-8", "replace") or None
    return Outcome(status, latency, None if 200 <= status < 300 else "non_2xx", snippet)


def post_now(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """One delivery from synchronous code (the callback test and the URL check)."""

    async def run() -> Outcome:
        async with session(1) as client:
            return await post(client, url, body, headers, timeout)

    return asyncio.run(run())
