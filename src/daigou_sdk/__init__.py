"""daigou_sdk: a small client for the daigou gateway (and any PandaPon OpenAPI v1 server).

Imports nothing from the server. Signing (MD5 or HMAC-SHA256), the envelope unwrapped into
data or an exception per error family, retries of transient failures that reuse one
Idempotency-Key per logical call, and cursor auto-paging.
"""

from daigou_sdk.client import Client
from daigou_sdk.errors import (
    AuthenticationError,
    ConflictError,
    DaigouError,
    InsufficientBalanceError,
    InvalidRequestError,
    MarketplaceError,
    NotFoundError,
    PermissionError,
    RateLimitError,
    ServerError,
)
from daigou_sdk.signing import hmac_signature, md5_signature

__all__ = [
    "AuthenticationError",
    "Client",
    "ConflictError",
    "DaigouError",
    "InsufficientBalanceError",
    "InvalidRequestError",
    "MarketplaceError",
    "NotFoundError",
    "PermissionError",
    "RateLimitError",
    "ServerError",
    "hmac_signature",
    "md5_signature",
]
