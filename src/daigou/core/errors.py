"""The one error table (CONTRACT section 4) and the exception that carries a code."""

from __future__ import annotations

from typing import Any

# code -> default message. HTTP status is code // 100 (200 for success).
ERROR_CODES: dict[int, str] = {
    40001: "validation failed",
    40002: "body is not valid JSON or is too large",
    40003: "batch over its size limit",
    40100: "missing or malformed authentication header",
    40101: "unknown or disabled access-key",
    40102: "bad signature",
    40103: "timestamp outside the allowed window",
    40104: "nonce replayed",
    40201: "insufficient balance",
    40301: "user-id is not a sub-account of this developer",
    40302: "the object belongs to another sub-account",
    40401: "not found",
    40901: "the object's state does not allow this",
    40902: "Idempotency-Key reused with a different request",
    40903: "Idempotency-Key request still in progress",
    40904: "out of stock, below minimum quantity, or no longer on sale",
    42901: "rate limited",
    50001: "internal error",
    50201: "the marketplace answered with an error",
    50401: "the marketplace did not answer in time",
}


def http_status(code: int) -> int:
    return 200 if code == 200 else code // 100


class ApiError(Exception):
    """A failure the caller is told about, rendered as the envelope with `code`."""

    def __init__(
        self,
        code: int,
        msg: str | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code}")
        self.code = code
        self.msg = msg or ERROR_CODES[code]
        self.data = data
        self.headers = headers or {}
        # set when the caller is known although the call failed (e.g. 40301, 42901)
        self.develop_id: str | None = None
        # set when the caller's wire dialect is known although the call failed (the key was
        # found): its answer then travels as that dialect says (CONTRACT section 1)
        self.dialect: str | None = None
        super().__init__(f"{code}: {self.msg}")

    @property
    def status(self) -> int:
        return http_status(self.code)


def validation_error(field: str, message: str) -> ApiError:
    """40001 naming one field by its JSON path."""
    return ApiError(
        40001, f"{field}: {message}", {"errors": [{"field": field, "message": message}]}
    )


class NotFound(ApiError):
    def __init__(self, what: str = "not found") -> None:
        super().__init__(40401, what)


class Conflict(ApiError):
    def __init__(self, msg: str | None = None, data: Any = None) -> None:
        super().__init__(40901, msg, data)


class InsufficientBalance(ApiError):
    def __init__(self, msg: str = "insufficient balance", data: Any = None) -> None:
        super().__init__(40201, msg, data)
