"""One POST of a delivery, and what came of it (the fields of an attempt, ENDPOINTS 0.6).

Redirects are not followed (a 3xx is a failed attempt: the URL is the developer's to fix), the
response is read at most ``SNIPPET_BYTES`` (a huge answer costs nothing), and every failure is
classified: ``timeout``, ``connect``, ``tls`` or ``non_2xx``.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass

import httpx

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


def _classify(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return "tls"
        cause = cause.__cause__ or cause.__context__
    return "connect"


async def _read_snippet(response: httpx.Response) -> str:
    chunks = b""
    async for chunk in response.aiter_raw():
        chunks += chunk
        if len(chunks) >= SNIPPET_BYTES:
            break
    return chunks[:SNIPPET_BYTES].decode("utf-8", "replace")


async def post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], timeout: float
) -> Outcome:
    started = time.perf_counter()

    async def exchange() -> tuple[int, str]:
        async with client.stream(
            "POST", url, content=body, headers=headers, timeout=timeout, follow_redirects=False
        ) as response:
            return response.status_code, await _read_snippet(response)

    try:
        # the whole exchange within `timeout`, however slowly the answer trickles in
        status, snippet = await asyncio.wait_for(exchange(), timeout)
    except TimeoutError:
        latency = int((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, "timeout", None)
    except Exception as exc:  # noqa: BLE001 - every failure is an attempt's outcome
        latency = int((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, _classify(exc), str(exc)[:SNIPPET_BYTES] or None)
    latency = int((time.perf_counter() - started) * 1000)
    return Outcome(status, latency, None if 200 <= status < 300 else "non_2xx", snippet or None)


def post_now(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """One delivery from synchronous code (the callback test and the URL check)."""

    async def run() -> Outcome:
        async with httpx.AsyncClient() as client:
            return await post(client, url, body, headers, timeout)

    return asyncio.run(run())
