"""Standard Webhooks signatures and the delivery body (CONTRACT section 9).

``webhook-signature`` = ``v1,`` + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)),
the key being the secret after ``whsec_``, base64-decoded. During a rotation's grace period the
header carries the signatures of both secrets, space-separated; a receiver accepts either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

import orjson

PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(PREFIX) :])


def sign(secret: str, msg_id: str, timestamp_s: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp_s}.".encode() + body
    mac = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secrets: Iterable[str], msg_id: str, timestamp_s: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers (plus the content type) for one delivery."""
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp_s),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp_s, body) for s in secrets),
    }


def delivery_body(
    message_id: str, message_type: str, platform: int, created_ms: int, body: str | dict[str, Any]
) -> bytes:
    """``{"messageId", "messageType", "messagePlatform", "timestamp", "messageBody"}``; the stored
    ``messageBody`` JSON is embedded as it is, so a redelivery sends the same bytes."""
    inner = body if isinstance(body, str) else orjson.dumps(body).decode()
    head = orjson.dumps(
        {
            "messageId": message_id,
            "messageType": message_type,
            "messagePlatform": platform,
            "timestamp": str(created_ms),
        }
    )
    return head[:-1] + b',"messageBody":' + inner.encode() + b"}"
