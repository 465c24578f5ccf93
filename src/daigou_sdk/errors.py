"""One exception class per code family of the gateway's table (CONTRACT section 4), in the manner
of stripe-python: every error says what the caller may do.

    DaigouError                      .code .msg .data .request_id .http_status .should_retry
    ├── APIConnectionError           no answer (refused, reset, DNS); should_retry True
    │   └── APITimeoutError          no answer in time
    ├── InvalidRequestError          400: 40001 (.errors), 40002, 40003
    ├── AuthenticationError          401: 40100-40104
    ├── InsufficientBalanceError     402: 40201
    ├── PermissionDeniedError        403: 40301, 40302   (alias: PermissionError)
    ├── NotFoundError                404: 40401
    ├── ConflictError                409
    │   ├── StateConflictError       40901
    │   ├── IdempotencyError         40902 (key reused), 40903 (still running: retryable)
    │   └── OutOfStockError          40904
    ├── RateLimitError               429: 42901; .retry_after; retryable
    ├── ServerError                  500: 50001; retryable
    ├── MarketplaceError             502: 50201; .upstream_code .upstream_message
    └── OutcomeUnknownError          504: 50401; a write may or may not have happened:
                                     reconcile (read the object), never resend blindly
"""

from __future__ import annotations

from typing import Any


class DaigouError(Exception):
    """Any failure of a call. ``code`` is the envelope's code (None: no answer came)."""

    default_should_retry = False

    def __init__(
        self,
        code: int | None,
        msg: str,
        data: Any = None,
        request_id: str | None = None,
        http_status: int | None = None,
        headers: dict[str, str] | None = None,
        *,
        should_retry: bool | None = None,
    ) -> None:
        super().__init__(f"{code}: {msg}" if code is not None else msg)
        self.code = code
        self.msg = msg
        self.data = data
        self.request_id = request_id
        self.http_status = http_status
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.should_retry = self.default_should_retry if should_retry is None else should_retry

    @property
    def retry_after(self) -> float | None:
        """Seconds from the ``Retry-After`` header, when the gateway sent one."""
        value = self.headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            return None


class APIConnectionError(DaigouError):
    """The gateway could not be reached or did not answer (``code`` None)."""

    default_should_retry = True

    def __init__(self, msg: str, *, should_retry: bool = True) -> None:
        super().__init__(None, msg, should_retry=should_retry)


class APITimeoutError(APIConnectionError):
    """No answer within the client's timeout."""


class InvalidRequestError(DaigouError):
    """400: validation (40001), bad JSON (40002), batch too large (40003)."""

    @property
    def errors(self) -> list[dict[str, str]]:
        """``[{field, message}]`` of a 40001."""
        if isinstance(self.data, dict) and isinstance(self.data.get("errors"), list):
            return list(self.data["errors"])
        return []


class AuthenticationError(DaigouError):
    """401: headers, key, signature, timestamp, nonce."""


class InsufficientBalanceError(DaigouError):
    """402: 40201."""


class PermissionDeniedError(DaigouError):
    """403: 40301 (not your sub-account), 40302 (another sub-account's object)."""


PermissionError = PermissionDeniedError  # noqa: A001 - the name of earlier releases


class NotFoundError(DaigouError):
    """404: 40401."""


class ConflictError(DaigouError):
    """409: state (40901), idempotency (40902, 40903), stock (40904)."""


class StateConflictError(ConflictError):
    """40901: the object's state does not allow this."""


class IdempotencyError(ConflictError):
    """40902: the key was used for another request; 40903: the first is still running."""


class OutOfStockError(ConflictError):
    """40904: out of stock, below the minimum quantity, or no longer on sale."""


class RateLimitError(DaigouError):
    """429: 42901; wait ``retry_after`` seconds."""

    default_should_retry = True

    @property
    def retry_after(self) -> float:
        return super().retry_after or 1.0


class ServerError(DaigouError):
    """500: 50001 (the gateway's log has the details under ``request_id``)."""

    default_should_retry = True


class MarketplaceError(DaigouError):
    """502: 50201: the marketplace answered with an error."""

    @property
    def upstream_code(self) -> str | None:
        return self.data.get("upstreamCode") if isinstance(self.data, dict) else None

    @property
    def upstream_message(self) -> str | None:
        return self.data.get("upstreamMessage") if isinstance(self.data, dict) else None


class OutcomeUnknownError(DaigouError):
    """504: 50401: the marketplace did not answer in time. For a write the outcome is unknown
    until the gateway reconciles it: read the object (``pendingOperation`` tells), or call again
    with the same business key; never resend blindly."""

    @property
    def pending_operation(self) -> str | None:
        return self.data.get("pendingOperation") if isinstance(self.data, dict) else None


_BY_CODE: dict[int, type[DaigouError]] = {
    40901: StateConflictError,
    40902: IdempotencyError,
    40903: IdempotencyError,
    40904: OutOfStockError,
    50201: MarketplaceError,
    50401: OutcomeUnknownError,
}
_BY_FAMILY: dict[int, type[DaigouError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
    500: ServerError,
    502: MarketplaceError,
    504: OutcomeUnknownError,
}
RETRYABLE_CODES = frozenset({40903, 42901, 50001})


def error_for(
    code: int,
    msg: str,
    data: Any,
    request_id: str | None,
    http_status: int | None,
    headers: dict[str, str],
) -> DaigouError:
    """The exception of an envelope's code (by code, else by family ``code // 100``: the
    ``pandapon`` dialect answers every code as HTTP 200)."""
    cls = _BY_CODE.get(code) or _BY_FAMILY.get(code // 100, DaigouError)
    return cls(
        code,
        msg,
        data,
        request_id,
        http_status,
        headers,
        should_retry=code in RETRYABLE_CODES,
    )
