"""PandaPon's callbacks, checked: Standard Webhooks signatures (CONTRACT section 9, as the
upstream signs them) verified with ``DAIGOU_PANDAPON_CALLBACK_SECRET``, and the delivery body as
the port's :class:`~daigou.marketplace.port.MarketMessage`.

What the push inbox (inbox.py, POST /callbacks/pandapon) checks. The few lines of the Standard
Webhooks check are written here (the ``standardwebhooks`` library is a test dependency) and
tested against that library's signatures.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from daigou.marketplace import port as P
from daigou.marketplace.pandapon import mapper as M

PREFIX = "whsec_"
TOLERANCE_S = 300  # a delivery's timestamp may be this far from ours, either way


class CallbackRejected(Exception):
    """Not a delivery of the configured upstream (unsigned, forged, stale or malformed)."""


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the callback secret is not a whsec_ secret") from exc


def verify(secret: str, headers: Mapping[str, str], body: bytes, now_s: float) -> dict[str, Any]:
    """The delivery's JSON body once its signature and timestamp are checked."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        raise CallbackRejected("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise CallbackRejected("webhook-timestamp is not a number") from None
    if abs(now_s - timestamp) > TOLERANCE_S:
        raise CallbackRejected("webhook-timestamp is too old or too new")
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    expected = "v1," + base64.b64encode(mac.digest()).decode()
    # during a rotation the header carries the signatures of both secrets
    if not any(hmac.compare_digest(expected, s) for s in signatures.split(" ")):
        raise CallbackRejected("no matching signature")
    try:
        parsed = json.loads(body)
    except ValueError:
        raise CallbackRejected("the body is not JSON") from None
    if not isinstance(parsed, dict) or not parsed.get("messageId"):
        raise CallbackRejected("the body is not a message")
    return parsed


def message_of(
    secret: str, headers: Mapping[str, str], body: bytes, now_s: float
) -> P.MarketMessage:
    """A checked delivery as the port's message (its ``message_id`` deduplicates repeats)."""
    return M.message(verify(secret, headers, body, now_s))
