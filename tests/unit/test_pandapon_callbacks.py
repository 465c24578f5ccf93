"""PandaPon's callbacks checked (marketplace/pandapon/callbacks.py) against deliveries signed by
the standardwebhooks library: accepted when signed with the secret (either of two during a
rotation), refused when forged, tampered, stale or unsigned; the body becomes a port message."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from daigou.marketplace import port as P
from daigou.marketplace.pandapon.callbacks import CallbackRejected, message_of, verify

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = json.dumps(
    {
        "messageId": "msg_01",
        "messageType": "ORDER_BUYER_VIEW_ORDER_PAY",
        "messagePlatform": 1,
        "timestamp": "1767225600000",
        "messageBody": {"orderId": "2001", "currentStatus": "waitsellersend"},
    }
).encode()


def signed(secrets: list[str], body: bytes = BODY, at: float | None = None) -> dict[str, str]:
    at = time.time() if at is None else at
    when = datetime.fromtimestamp(int(at), tz=UTC)
    return {
        "webhook-id": "msg_01",
        "webhook-timestamp": str(int(at)),
        "webhook-signature": " ".join(Webhook(s).sign("msg_01", when, body) for s in secrets),
    }


def test_a_delivery_signed_with_the_secret_becomes_a_port_message():
    message = message_of(SECRET, signed([SECRET]), BODY, time.time())
    assert message == P.MarketMessage(
        message_id="msg_01",
        platform=P.Platform.ALIBABA,
        topic="ORDER_BUYER_VIEW_ORDER_PAY",
        occurred_ms=1_767_225_600_000,
        order_id="2001",
        status="waitsellersend",
        data={"orderId": "2001", "currentStatus": "waitsellersend"},
    )


def test_during_a_rotation_either_signature_is_accepted():
    assert verify(SECRET, signed([OTHER, SECRET]), BODY, time.time())["messageId"] == "msg_01"


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        (lambda: signed([OTHER]), BODY, "no matching signature"),
        (lambda: signed([SECRET]), BODY.replace(b"2001", b"2002"), "no matching signature"),
        (lambda: signed([SECRET], at=time.time() - 3600), BODY, "too old"),
        (lambda: {"webhook-id": "msg_01"}, BODY, "missing"),
    ],
)
def test_forged_tampered_stale_or_unsigned_deliveries_are_refused(headers, body, reason):
    with pytest.raises(CallbackRejected, match=reason):
        verify(SECRET, headers(), body, time.time())


def test_a_delivery_signed_by_an_upstream_daigou_is_accepted():
    from daigou.messages.signing import delivery_body, headers

    body = delivery_body(
        "msg_02", "ORDER_BUYER_VIEW_BUYER_MAKE", 1, 1_767_225_600_000, {"orderId": "2003"}
    )
    now = int(time.time())
    message = message_of(SECRET, headers([SECRET], "msg_02", now, body), body, now)
    assert (message.message_id, message.order_id, message.topic) == (
        "msg_02",
        "2003",
        "ORDER_BUYER_VIEW_BUYER_MAKE",
    )
