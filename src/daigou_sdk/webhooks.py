"""Verifying the gateway's callbacks (CONTRACT section 9: the Standard Webhooks scheme).

    from daigou_sdk import webhooks
    message = webhooks.verify(request_body_bytes, request_headers, "whsec_...")

``verify`` checks ``webhook-signature`` (any of its space-separated ``v1,<base64>`` entries:
during a secret rotation both secrets sign) over ``id.timestamp.body`` with HMAC-SHA256 in
constant time, refuses a timestamp more than ``tolerance`` seconds away (replays), and returns
the parsed message. Deduplicate by ``messageId``: delivery is at least once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

TOLERANCE_SECONDS = 5 * 60
PREFIX = "whsec_"


class WebhookVerificationError(Exception):
    """The payload is not a genuine, recent delivery for this secret."""


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    if secret.startswith(PREFIX):
        secret = secret[len(PREFIX) :]
    try:
        return base64.b64decode(secret, validate=True)
    except ValueError as exc:
        raise WebhookVerificationError("the secret is not whsec_ + base64") from exc


def sign(msg_id: str, timestamp: int, payload: bytes | str, secret: str | bytes) -> str:
    """``v1,<base64>``: the signature the gateway sends (for tests and tools)."""
    body = payload.encode() if isinstance(payload, str) else payload
    text = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), text, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str | bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> Any:
    """The delivered message (parsed JSON), or WebhookVerificationError."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or signature")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too old or too new")
    expected = sign(msg_id, timestamp, payload, secret).split(",", 1)[1]
    for entry in signatures.split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            body = payload if isinstance(payload, str) else payload.decode("utf-8")
            return json.loads(body)
    raise WebhookVerificationError("no matching signature")
