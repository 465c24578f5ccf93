"""POST /callbacks/alibaba: the pushes of the 1688 app's message centre (form fields ``message``
and ``_aop_signature``), verified with the app secret and kept once by ``msgId`` as the 1688
adapter's feed. A repeat answers 200 (1688 re-sends what was not answered 200), two identical
deliveries at once keep one row, a message about another member is answered 200 and kept out of
the stream; a forged or unsigned delivery answers 40102, a signed body that is not a 1688
message 40001 (data.errors), and a gateway whose 1688 is not on ``alibaba`` 40401."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from daigou.app import create_app
from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.inbox import Inbox
from daigou.marketplace.alibaba1688.push import sign
from tests.support.gateway import make_settings

SECRET = "push-app-secret"
MEMBER = "b2b-2212345678901"
PATH = "/callbacks/alibaba"


@pytest.fixture
def settings(tmp_path, db_url):
    return make_settings(
        tmp_path,
        db_url,
        marketplace_1688="alibaba",
        alibaba_app_key="7654321",
        alibaba_app_secret=SECRET,
        alibaba_member_id=MEMBER,
        alibaba_base_url="http://127.0.0.1:9/openapi",  # never called: no worker, no pull
    )


def envelope(msg_id: int, order_id: int, member: str | None = MEMBER) -> dict:
    return {  # the reference's ORDER_BUYER_VIEW_ORDER_PAY example (section 2.6)
        "bizKey": str(order_id),
        "data": {
            "orderId": order_id,
            "currentStatus": "waitsellersend",
            "msgSendTime": "2026-01-01 08:00:00",
            "buyerMemberId": MEMBER,
            "sellerMemberId": "b2b-seller",
        },
        "gmtBorn": 1_767_225_600_000,
        "msgId": msg_id,
        "type": "ORDER_BUYER_VIEW_ORDER_PAY",
        "userInfo": member,
    }


def form(body: dict | str, secret: str = SECRET) -> dict[str, str]:
    message = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return {"message": message, "_aop_signature": sign(message, secret)}


def kept(db) -> list[tuple[str, str | None, str | None]]:
    batch = Inbox(db, MEMBER).read(None, 100)
    assert all(m.platform is P.Platform.ALIBABA for m in batch.messages)
    return [(m.message_id, m.order_id, m.status) for m in batch.messages]


def test_a_push_is_kept_once_and_a_repeat_answers_200(client, db):
    r = client.post(PATH, data=form(envelope(9001, 3001)))
    assert (r.status_code, r.json()["code"], r.json()["data"]) == (200, 200, {"received": True})
    r = client.post(PATH, data=form(envelope(9001, 3001)))  # 1688 re-sends it
    assert (r.status_code, r.json()["data"]) == (200, {"received": False}), r.json()
    client.post(PATH, data=form(envelope(9002, 3002)))
    assert kept(db) == [("9001", "3001", "waitsellersend"), ("9002", "3002", "waitsellersend")]
    first = Inbox(db, MEMBER).read(None, 1)
    assert Inbox(db, MEMBER).read(first.cursor, 10).messages[0].message_id == "9002"


def test_two_identical_deliveries_at_once_keep_one_row(live_server, db):
    body = form(envelope(9101, 3101))
    start = threading.Barrier(2)

    def deliver(_: int) -> tuple[int, bool]:
        start.wait()
        r = httpx.post(live_server + PATH, data=body, timeout=30)
        return r.status_code, r.json()["data"]["received"]

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(deliver, range(2)))
    assert answers == [(200, False), (200, True)]
    assert kept(db) == [("9101", "3101", "waitsellersend")]


def test_a_message_about_another_member_is_answered_and_not_kept(client, db):
    r = client.post(PATH, data=form(envelope(9201, 3201, member="b2b-someone-else")))
    assert (r.status_code, r.json()["data"]) == (200, {"received": False}), r.json()
    assert kept(db) == []


REFUSED = {  # case: (form fields, code, data.errors[0].field)
    "bad signature": (
        {"message": json.dumps(envelope(9301, 3301)), "_aop_signature": "0" * 40},
        40102,
        None,
    ),
    "another app's secret": (form(envelope(9302, 3302), secret="another-app"), 40102, None),
    "unsigned": ({"message": json.dumps(envelope(9303, 3303))}, 40102, None),
    "no message": ({"_aop_signature": sign("{}", SECRET)}, 40001, "message"),
    "malformed JSON": (form('{"msgId": 9304, "type": '), 40001, "message"),
    "no msgId": (form({**envelope(9305, 3305), "msgId": None}), 40001, "message.msgId"),
}


def test_a_refused_delivery_is_not_200_and_not_kept(client, db):
    for case, (fields, code, field) in REFUSED.items():
        r = client.post(PATH, data=fields)
        answer = r.json()
        assert (r.status_code, answer["code"]) == (code // 100, code), (case, answer)
        if field is not None:
            assert answer["data"]["errors"][0]["field"] == field, (case, answer)
    assert kept(db) == []


def test_a_gateway_whose_1688_is_not_on_alibaba_answers_40401(tmp_path, db_url, db):
    app = create_app(make_settings(tmp_path / "sandbox", db_url), db, worker=False)
    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            r = c.post(PATH, data=form(envelope(9401, 3401)))
    finally:
        app.state.gateway.close()
    assert (r.status_code, r.json()["code"]) == (404, 40401), r.json()
    assert kept(db) == []
