"""A 1688 push delivery (reference section 2.6), verified and parsed.

1688's message centre POSTs two form fields: ``message`` (a JSON string) and
``_aop_signature``. :func:`verify` checks the signature in constant time and parses the
envelope (``msgId``, ``gmtBorn``, ``type``, ``data``, ``userInfo``, ``extraInfo``) into a
:class:`PushMessage`; anything wrong raises :class:`PushRejected` (answer the delivery with a
non-200, so 1688 sends it again or keeps it for the compensation pull).

UNVERIFIED: the signature is taken to be ``signing.param_signature({"message": message},
secret)`` (HMAC-SHA1 over ``"message" + message`` with the app secret, upper hex), as the
reference reads the manual; no official vector confirms it (docs/marketplaces.md).

Duplicates are not detected here: 1688 re-sends a delivery it thinks failed (usually 3 times)
and the compensation pull may return a message already pushed, so the inbox (inbox.py) keeps
each ``msg_id`` once.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from daigou.marketplace.alibaba1688.signing import SIGNATURE_FIELD, param_signature
from daigou.marketplace.alibaba1688.values import parse_time

MESSAGE_FIELD = "message"


class PushRejected(ValueError):
    """A delivery that is not a valid, signed 1688 message (the reason is safe to log).

    ``field`` names what is wrong, as a path of the form: ``_aop_signature`` (missing or not
    matching: the sender is not the app's message centre), else ``message`` or a member of it
    (``message.msgId``): a signed body that is not a 1688 message."""

    def __init__(self, reason: str, field: str = MESSAGE_FIELD) -> None:
        super().__init__(reason)
        self.field = field

    @property
    def unsigned(self) -> bool:
        return self.field == SIGNATURE_FIELD


@dataclass(frozen=True)
class PushMessage:
    msg_id: str
    type: str
    born_at: int  # epoch ms (gmtBorn)
    data: dict[str, Any]
    member_id: str | None  # userInfo: the buyer account the message is about
    extra: Any = None
    raw: str = field(default="", repr=False)


def sign(message: str, secret: str) -> str:
    """The signature of a ``message`` field (what 1688 is taken to send; see the module)."""
    return param_signature({MESSAGE_FIELD: message}, secret)


def parse(message: str) -> PushMessage:
    """The envelope of a ``message`` field (not verified: see :func:`verify`)."""
    if "\x00" in message or "\\u0000" in message:  # no field holds one; PostgreSQL cannot
        raise PushRejected("message holds a NUL character")
    try:
        body = json.loads(message)
    except ValueError as exc:
        raise PushRejected("message is not JSON") from exc
    if not isinstance(body, dict):
        raise PushRejected("message is not a JSON object")
    msg_id = body.get("msgId")
    kind = body.get("type")
    if msg_id in (None, "") or isinstance(msg_id, bool):
        raise PushRejected("message has no msgId", "message.msgId")
    if not isinstance(kind, str) or not kind:
        raise PushRejected("message has no type", "message.type")
    try:
        born = parse_time(body.get("gmtBorn"))
    except ValueError as exc:
        raise PushRejected(f"message has no valid gmtBorn: {exc}", "message.gmtBorn") from exc
    data = body.get("data")
    if isinstance(data, str):  # some topics nest the payload as a JSON string
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise PushRejected("message data is not JSON", "message.data") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PushRejected("message data is not a JSON object", "message.data")
    user = body.get("userInfo")
    return PushMessage(
        msg_id=str(msg_id),
        type=kind,
        born_at=born,
        data=data,
        member_id=str(user) if user not in (None, "") else None,
        extra=body.get("extraInfo"),
        raw=message,
    )


def verify(form: Mapping[str, str], secret: str) -> PushMessage:
    """A delivery's form fields, checked and parsed (raises :class:`PushRejected`)."""
    message = form.get(MESSAGE_FIELD)
    signature = form.get(SIGNATURE_FIELD)
    if not message:
        raise PushRejected("no message field")
    if not signature:
        raise PushRejected("no _aop_signature field", SIGNATURE_FIELD)
    expected = sign(message, secret)
    if not hmac.compare_digest(expected.encode(), signature.strip().upper().encode()):
        raise PushRejected("bad signature", SIGNATURE_FIELD)
    return parse(message)


def verify_body(body: bytes, secret: str) -> PushMessage:
    """A delivery's raw ``application/x-www-form-urlencoded`` body, checked and parsed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PushRejected("body is not UTF-8") from exc
    return verify(dict(parse_qsl(text, keep_blank_values=True)), secret)
