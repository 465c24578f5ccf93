"""What a 1688 answer means for the caller: its errors classified into the port's errors.

:func:`classify` takes one answer (HTTP status, the decoded JSON body or ``None``, the
``Retry-After`` header) and returns ``None`` (a success: the body is the result) or the error
to raise. The shapes handled (reference section 2 and public clients of the gateway):

- the gateway's own errors, usually HTTP 400/401/403 with ``{"error_code": "gw.X",
  "error_message": "..."}`` (some clients also see ``errorCode`` / ``errorMessage``, or
  ``code`` / ``message``);
- a business failure in a 200: ``{"success": false, "errorCode": "...", "errorMessage": ...}``
  (or ``errorMsg``, ``code``/``message``), or the same inside ``result``
  (``{"result": {"success": false, "code": "...", "message": "..."}}``);
- an HTTP status alone (a 5xx from a proxy, a 401 with a text body).

Classes, in order:

- **rate limited** (:class:`~daigou.marketplace.port.MarketplaceRateLimited`): HTTP 429 or the
  gateway's throttling codes seen in public clients, ``gw.QosAppFrequencyLimit``,
  ``gw.QosAPIFrequencyLimit``, ``gw.QosRequestLimit`` (and any ``gw.Qos*``/``*FrequencyLimit``),
  with ``retry_after_s`` from a ``Retry-After`` header when given;
- **token** (:class:`TokenRejected`): HTTP 401 ("Request need user authenticated") or an
  access-token code (:data:`TOKEN_CODES`, or any code naming the access token): the client
  refreshes the token once and repeats the call (the first call was refused, so it is safe);
- **unavailable** (:class:`Unavailable`): a 5xx or a service-unavailable code: nothing is known
  to have happened; a read may be retried, a write's outcome is unknown;
- **not found** (:class:`~daigou.marketplace.port.MarketplaceNotFound`): HTTP 404 or a code of
  :data:`NOT_FOUND_CODES`;
- **configuration** (:class:`GatewayRefused`): the gateway refused the call itself (signature,
  app key, the app's permission: ``gw.APIACLDecline``, ``gw.APIUnsupported``,
  ``gw.SignatureInvalid``...): an operator must act; it is a ``MarketplaceRefused`` so the
  gateway answers with the code, and nothing happened upstream;
- anything else is a **business refusal**: ``MarketplaceRefused(code, message)``, with
  ``stock_problem`` set for the stock and quantity codes.

The rate-limit and token codes come from public clients, not an official table: UNVERIFIED
(docs/marketplaces.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from daigou.marketplace.port import (
    MarketplaceError,
    MarketplaceNotFound,
    MarketplaceRateLimited,
    MarketplaceRefused,
)

DEFAULT_RETRY_AFTER_S = 1.0

RATE_LIMIT_CODES = frozenset(
    {"gw.QosAppFrequencyLimit", "gw.QosAPIFrequencyLimit", "gw.QosRequestLimit", "429"}
)
TOKEN_CODES = frozenset(
    {
        "401",
        "gw.InvalidAccessToken",
        "gw.AccessTokenExpired",
        "gw.AccessTokenInvalid",
        "gw.AccessTokenMissing",
        "invalid_token",
        "expired_token",
    }
)
UNAVAILABLE_CODES = frozenset({"gw.ServiceUnavailable", "gw.InternalError", "500", "503"})
NOT_FOUND_CODES = frozenset({"404", "ORDER_NOT_EXIST", "order.not.exist", "OFFER_NOT_EXIST"})
STOCK_CODES = frozenset(
    {"PRODUCT_TRADE_STAT_ERROR", "STOCK_NOT_ENOUGH", "QUANTITY_LESS_THAN_MIN", "OFFER_OFFLINE"}
)
TEXT_CAP = 200


class TokenRejected(MarketplaceError):
    """The access token was refused (expired, revoked, missing): nothing happened upstream.
    The client refreshes the token once and sends the call again."""


class Unavailable(MarketplaceError):
    """The gateway failed (a 5xx, service unavailable): a read may be retried; after a write
    the outcome is unknown (the client raises ``MarketplaceTimeout``)."""


class GatewayRefused(MarketplaceRefused):
    """The 1688 gateway refused the call itself (signature, app key, permission, unknown API):
    nothing happened upstream, and only an operator can fix it."""


def _text(value: Any) -> str:
    return "" if value is None else str(value)[:TEXT_CAP]


def _first(body: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = body.get(key)
        if value not in (None, ""):
            return _text(value)
    return ""


def _says(body: Mapping[str, Any], value: bool) -> bool:
    flag = body.get("success")
    return flag is value or flag == str(value).lower()


def error_fields(body: Any) -> tuple[str, str] | None:
    """``(code, message)`` of an error answer's body, or ``None`` when the body says success
    (or says nothing)."""
    if not isinstance(body, Mapping):
        return None
    result = body.get("result")
    if isinstance(result, Mapping) and _says(result, False):  # the wrapped business failure
        return _first(result, "code", "errorCode") or "FAILED", _first(
            result, "message", "errorMessage", "errorMsg"
        )
    if _says(body, True):
        return None  # a success may still carry an empty or "0" errorCode
    code = _first(body, "error_code", "errorCode")
    message = _first(body, "error_message", "errorMessage", "errorMsg", "message")
    if code:
        return code, message
    oauth_error = body.get("error")  # the OAuth endpoint: {"error", "error_description"}
    if isinstance(oauth_error, str) and oauth_error:
        return _text(oauth_error), _first(body, "error_description") or message
    if _says(body, False):
        return _first(body, "code") or "FAILED", message
    return None


def _retry_after(header: str | None) -> float:
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    return DEFAULT_RETRY_AFTER_S


def _is_rate_limit(code: str) -> bool:
    return code in RATE_LIMIT_CODES or code.startswith("gw.Qos") or "FrequencyLimit" in code


def _is_token(code: str, message: str) -> bool:
    lowered = (code + " " + message).lower()
    return code in TOKEN_CODES or "accesstoken" in lowered.replace("_", "")


def classify(
    status: int, body: Any, *, retry_after: str | None = None, what: str = "call"
) -> MarketplaceError | None:
    """The error an answer means, or ``None`` for a success (see the module)."""
    fields = error_fields(body)
    if fields is None and 200 <= status < 300:
        return None
    if fields is None:
        text = body if isinstance(body, str) else ""
        fields = (str(status), _text(text) or f"HTTP {status}")
    code, message = fields
    if status == 429 or _is_rate_limit(code):
        return MarketplaceRateLimited(code, message, retry_after_s=_retry_after(retry_after))
    if status == 401 or _is_token(code, message):
        return TokenRejected(code, message)
    if status >= 500 or code in UNAVAILABLE_CODES:
        return Unavailable(code, message)
    if status == 404 or code in NOT_FOUND_CODES:
        return MarketplaceNotFound(what, message or code)
    if code.startswith("gw.") or status == 403:
        return GatewayRefused(code, message)
    return MarketplaceRefused(code, message, stock_problem=code in STOCK_CODES)
