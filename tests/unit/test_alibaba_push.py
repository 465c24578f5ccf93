"""A 1688 push delivery: the signature over `message` checked (constant time), the envelope
parsed, anything malformed refused with a reason."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from daigou.marketplace.alibaba1688.push import PushRejected, parse, sign, verify

SECRET = "app-secret"
PAY = {
    "bizKey": "2002",
    "data": {"orderId": 2002, "currentStatus": "waitsellersend", "buyerMemberId": "b2b-1"},
    "gmtBorn": 1_700_000_000_123,
    "msgId": 123456789,
    "type": "ORDER_BUYER_VIEW_ORDER_PAY",
    "userInfo": "b2b-1",
}


def delivery(body: dict | str, secret: str = SECRET) -> dict[str, str]:
    message = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return {"message": message, "_aop_signature": sign(message, secret)}


def test_the_signature_is_the_parameter_signature_of_the_message_field():
    message = json.dumps(PAY)
    expected = hmac.new(SECRET.encode(), ("message" + message).encode(), hashlib.sha1)
    assert sign(message, SECRET) == expected.hexdigest().upper()


def test_a_signed_delivery_is_parsed():
    pushed = verify(delivery(PAY), SECRET)
    assert pushed.msg_id == "123456789"
    assert pushed.type == "ORDER_BUYER_VIEW_ORDER_PAY"
    assert pushed.born_at == 1_700_000_000_123
    assert pushed.data["orderId"] == 2002 and pushed.member_id == "b2b-1"


def test_a_lower_case_signature_is_accepted():
    form = delivery(PAY)
    form["_aop_signature"] = form["_aop_signature"].lower()
    assert verify(form, SECRET).msg_id == "123456789"


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"_aop_signature": "AB"}, "no message"),
        ({"message": "{}"}, "no _aop_signature"),
        ({**delivery(PAY), "_aop_signature": "0" * 40}, "bad signature"),
        (delivery(PAY, secret="another app"), "bad signature"),
        (
            {**delivery(PAY), "message": json.dumps({**PAY, "data": {"orderId": 1}})},
            "bad signature",
        ),
        (delivery("not json"), "not JSON"),
        (delivery({**PAY, "msgId": None}), "no msgId"),
        (delivery({k: v for k, v in PAY.items() if k != "type"}), "no type"),
        (delivery({**PAY, "gmtBorn": "yesterday"}), "gmtBorn"),
        (delivery({**PAY, "data": [1]}), "not a JSON object"),
    ],
)
def test_a_bad_delivery_is_refused_with_its_reason(form, reason):
    with pytest.raises(PushRejected, match=reason):
        verify(form, SECRET)


def test_a_payload_nested_as_a_json_string_is_opened():
    pushed = parse(json.dumps({**PAY, "data": json.dumps({"orderId": 7})}))
    assert pushed.data == {"orderId": 7}


def test_a_raw_form_body_is_verified():
    from urllib.parse import urlencode

    from daigou.marketplace.alibaba1688.push import verify_body

    body = urlencode(delivery(PAY)).encode()
    assert verify_body(body, SECRET).msg_id == "123456789"
    with pytest.raises(PushRejected, match="bad signature"):
        verify_body(body.replace(b"2002", b"2003"), SECRET)
    with pytest.raises(PushRejected, match="UTF-8"):
        verify_body(b"\xff\xfe", SECRET)
