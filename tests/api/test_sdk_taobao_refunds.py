"""The SDK's reverse-order methods (ENDPOINTS 3.1-3.10) against the gateway over real HTTP on
loopback: the form, a reverse order opened, read, listed, talked about, changed and withdrawn
(by POST, its path built from the id), and the errors raised as their classes."""

from __future__ import annotations

import httpx
import pytest

from daigou_sdk import Client, ConflictError, InvalidRequestError, NotFoundError
from tests.support.gateway import Api
from tests.support.taobao_refunds import paid_order, subs


def test_a_reverse_order_through_the_sdk_methods(live_server, settings):
    with httpx.Client(base_url=live_server, timeout=30) as http:
        api = Api(http)
        dev = api.create_developer(topup=1_000_000)
        order = paid_order(api, dev, settings)
    a, b = subs(order)
    with Client(live_server, dev.access_key, dev.secret) as sdk:
        form = sdk.taobao_refund_render(a["subOrderId"])
        most = form["refundOrderTemplate"]["maxRefundFee"]["refundFee"]
        reason = form["refundOrderTemplate"]["refundReasons"][0]["reasonId"]
        assert most == a["productAmount"] and form["saleFlag"]
        made = sdk.taobao_refund_submit(a["subOrderId"], 100, reason, refundDesc="too big")
        rid = made["refundOrder"]["refundId"]
        assert made["refundOrder"]["refundStatus"] == 10
        assert sdk.taobao_refund(rid)["refundOrderAggregate"] == made
        assert [r["refundOrder"]["refundId"] for r in sdk.taobao_refunds(page_size=1)] == [rid]
        assert sdk.taobao_refunds_page(refundStatus=10)["totalRecords"] == 1

        note = sdk.taobao_refund_message(rid, "hello", images=["https://img.example.com/1.jpg"])
        assert note["refundStatus"] == 10
        (seen,) = sdk.taobao_refund_messages(rid)["data"]
        assert (seen["id"], seen["owner"], seen["images"]) == (
            note["id"],
            "buyer",
            ["https://img.example.com/1.jpg"],
        )
        assert sdk.taobao_refund_modify(rid, refundFee=200)["refundOrder"]["refundFee"] == 200
        with pytest.raises(ConflictError):
            sdk.taobao_refund_return_render(rid)  # no return was agreed
        with pytest.raises(ConflictError):
            sdk.taobao_refund_return(rid, "SF", "SF123456")
        out = sdk.taobao_refund_cancel(rid)
        assert (
            out["cancelSuccess"]
            and out["refundOrderAggregate"]["refundOrder"]["refundStatus"] == -20
        )

        with pytest.raises(InvalidRequestError) as bad:
            sdk.taobao_refund_submit(b["subOrderId"], b["productAmount"] + 1, reason)
        assert bad.value.errors[0]["field"] == "refundFee"
        with pytest.raises(NotFoundError):
            sdk.taobao_refund_cancel("TQ1/../x")  # the id travels as one path segment
        with pytest.raises(NotFoundError):
            sdk.taobao_refund("TQ1")
