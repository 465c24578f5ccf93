"""daigou_sdk: a client for the daigou gateway (and any PandaPon OpenAPI v1 server).

Imports nothing from the server; depends only on httpx. Signing (MD5 or HMAC-SHA256, the
``daigou`` or ``pandapon`` dialect), a method per endpoint (``Client`` for developers,
``AdminClient`` for operators), the envelope unwrapped into data or an exception per code
family, retries of transient failures bounded by attempts and time (jitter, Retry-After) that
reuse one Idempotency-Key per logical call, cursor auto-paging, and callback verification
(``daigou_sdk.webhooks.verify``).
"""

from daigou_sdk import webhooks
from daigou_sdk.admin import AdminClient
from daigou_sdk.client import Client
from daigou_sdk.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    DaigouError,
    IdempotencyError,
    InsufficientBalanceError,
    InvalidRequestError,
    MarketplaceError,
    NotFoundError,
    OutcomeUnknownError,
    OutOfStockError,
    PermissionDeniedError,
    PermissionError,
    RateLimitError,
    ServerError,
    StateConflictError,
)
from daigou_sdk.retry import RetryPolicy
from daigou_sdk.signing import hmac_signature, md5_signature
from daigou_sdk.webhooks import WebhookVerificationError

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AdminClient",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "DaigouError",
    "IdempotencyError",
    "InsufficientBalanceError",
    "InvalidRequestError",
    "MarketplaceError",
    "NotFoundError",
    "OutOfStockError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "PermissionError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "StateConflictError",
    "WebhookVerificationError",
    "hmac_signature",
    "md5_signature",
    "webhooks",
]
