"""POST /callbacks/pandapon: PandaPon's signed callbacks received as the PandaPon adapter's
feed. A delivery signed as an upstream daigou signs it is kept once by its messageId and read
back as the port's stream of its platform; a forged one answers 40102; PandaPon's CALLBACK_TEST
(sent before it shows the secret) is answered and kept nowhere; without a secret, 40401."""

from __future__ import annotations

import base64
import time

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.pandapon.inbox import Inbox, receive
from daigou.messages.signing import delivery_body, headers
from tests.support.gateway import make_settings

SECRET = "whsec_" + base64.b64encode(b"p" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"q" * 32).decode()
PATH = "/callbacks/pandapon"


@pytest.fixture
def settings(tmp_path, db_url):
    return make_settings(tmp_path, db_url, pandapon_callback_secret=SECRET)


def delivery(message_id: str, order_id: str, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    body = delivery_body(
        message_id,
        "ORDER_BUYER_VIEW_ORDER_PAY",
        1,
        1_767_225_600_000,
        {"orderId": order_id, "currentStatus": "waitsellersend"},
    )
    return body, headers([secret], message_id, int(time.time()), body)


def post(client, body: bytes, hdrs: dict[str, str]):
    r = client.post(PATH, content=body, headers=hdrs)
    return r, r.json()


def test_a_signed_delivery_is_kept_once_and_read_as_its_platforms_stream(client, db):
    body, hdrs = delivery("msg_a1", "3001")
    r, envelope = post(client, body, hdrs)
    assert r.status_code == 200 and envelope["data"] == {"received": True}, envelope
    r, envelope = post(client, body, hdrs)  # PandaPon retries: kept once
    assert envelope["data"] == {"received": False}
    post(client, *delivery("msg_a2", "3002"))
    inbox = Inbox(db)
    first = inbox.read(P.Platform.ALIBABA, None, 1)
    assert [(m.message_id, m.order_id, m.status) for m in first.messages] == [
        ("msg_a1", "3001", "waitsellersend")
    ]
    rest = inbox.read(P.Platform.ALIBABA, first.cursor, 10)
    assert [m.message_id for m in rest.messages] == ["msg_a2"]
    assert inbox.read(P.Platform.ALIBABA, rest.cursor, 10).messages == ()
    assert inbox.read(P.Platform.TAOBAO, None, 10).messages == ()


def test_a_forged_or_unsigned_delivery_answers_40102_and_is_not_kept(client, db):
    body, hdrs = delivery("msg_b1", "3003", secret=OTHER)
    r, envelope = post(client, body, hdrs)
    assert (r.status_code, envelope["code"]) == (401, 40102), envelope
    r, envelope = post(client, body, {"content-type": "application/json"})
    assert envelope["code"] == 40102
    assert Inbox(db).read(P.Platform.ALIBABA, None, 10).messages == ()


def test_pandapons_callback_test_is_answered_and_kept_nowhere(client, db):
    body = delivery_body("msg_t1", "CALLBACK_TEST", 2, 1_767_225_600_000, {})
    r, envelope = post(client, body, {"content-type": "application/json"})
    assert r.status_code == 200 and envelope["data"] == {"received": False}, envelope
    assert Inbox(db).read(P.Platform.ALIBABA, None, 10).messages == ()


def test_without_a_callback_secret_nothing_is_kept(db):
    body, hdrs = delivery("msg_c1", "3004")
    with pytest.raises(LookupError):
        receive(db, None, hdrs, body, int(time.time() * 1000))
