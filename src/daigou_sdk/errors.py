"""One exception class per error family of the gateway's code table."""

from __future__ import annotations

from typing import Any


class DaigouError(Exception):
    def __init__(
        self,
        code: int,
        msg: str,
        data: Any = None,
        request_id: str | None = None,
        http_status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.data = data
        self.request_id = request_id
        self.http_status = http_status
        self.headers = headers or {}


class InvalidRequestError(DaigouError):
    """400: validation (40001), bad JSON (40002), batch too large (40003)."""


class AuthenticationError(DaigouError):
    """401: headers, key, signature, timestamp, nonce."""


class InsufficientBalanceError(DaigouError):
    """402: 40201."""


class PermissionError(DaigouError):  # noqa: A001 - mirrors the code family's name
    """403: 40301, 40302."""


class NotFoundError(DaigouError):
    """404: 40401."""


class ConflictError(DaigouError):
    """409: state (40901), idempotency (40902, 40903), stock (40904)."""


class RateLimitError(DaigouError):
    """429: 42901; `retry_after` seconds."""

    @property
    def retry_after(self) -> float:
        try:
            return float(self.headers.get("retry-after", "1"))
        except ValueError:
            return 1.0


class ServerError(DaigouError):
    """500: 50001."""


class MarketplaceError(DaigouError):
    """502/504: the marketplace failed (50201) or did not answer (50401: outcome unknown)."""


_BY_STATUS: dict[int, type[DaigouError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    403: PermissionError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
    500: ServerError,
    502: MarketplaceError,
    504: MarketplaceError,
}


def error_for(
    code: int,
    msg: str,
    data: Any,
    request_id: str | None,
    http_status: int,
    headers: dict[str, str],
) -> DaigouError:
    cls = _BY_STATUS.get(code // 100, DaigouError)
    return cls(code, msg, data, request_id, http_status, headers)
