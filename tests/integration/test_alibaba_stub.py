"""The 1688 protocol stub (tests/support/alibaba_stub.py) through raw HTTP: its own signature
check against the official vector, the gateway's refusals (signature, app key, token), the token
endpoint, a preview -> create -> buyerView -> pay -> ship -> refund flow with the official
answer shapes (units, times, names), each fault mode, and the push with its compensation pull.

The gateway-level tests need no database (the stub never reaches its marketplace); the flow,
fault and push tests run over the sandbox on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from typing import Any

import httpx
import pytest

from daigou.core.clock import ManualClock
from daigou.marketplace.port import Platform
from daigou.marketplace.sandbox.adapter import SandboxMarketplace
from daigou.marketplace.sandbox.clock import SandboxClock
from daigou.marketplace.sandbox.controls import SandboxOperator
from tests.support.alibaba_stub import (
    OFFICIAL_VECTOR,
    AlibabaStub,
    StubClient,
    aop_signature,
    push_signature,
)
from tests.support.receiver import Receiver

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
ALI_TIME = re.compile(r"^\d{17}\+0800$")  # yyyyMMddHHmmssSSS+0800
NAIVE_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
ADDRESS = {
    "fullName": "张三",
    "mobile": "13800000000",
    "postCode": "310000",
    "provinceText": "浙江省",
    "cityText": "杭州市",
    "areaText": "西湖区",
    "address": "文三路 1 号",
}


# --- the signature rule, alone ----------------------------------------------------------------
def test_the_official_vector_signs_as_published():
    v = OFFICIAL_VECTOR
    assert aop_signature(v["secret"], v["url_path"], v["params"]) == v["signature"]


def test_key_value_strings_are_sorted_not_keys():
    # {a: "z", ab: "c"}: sorting "az" and "abc" gives "abcaz"; sorting keys would give "azabc"
    signed = aop_signature("s", "p", {"a": "z", "ab": "c"})
    expected = hmac.new(b"s", b"pabcaz", hashlib.sha1).hexdigest().upper()
    wrong = hmac.new(b"s", b"pazabc", hashlib.sha1).hexdigest().upper()
    assert signed == expected != wrong


# --- the gateway's own checks (no database) ---------------------------------------------------
@pytest.fixture
def bare_stub():
    with AlibabaStub(None, app_key="1000000", app_secret="test123") as stub:
        yield stub


def test_the_official_vector_is_accepted_as_a_real_call(bare_stub):
    v = OFFICIAL_VECTOR
    form = {**v["params"], "_aop_signature": v["signature"]}
    r = httpx.post(f"{bare_stub.url}/openapi/{v['url_path']}", data=form, timeout=30)
    assert r.status_code == 200, r.text
    assert ALI_TIME.match(r.json()["result"])


def test_a_wrong_signature_is_refused_with_the_gateway_shape(bare_stub):
    v = OFFICIAL_VECTOR
    form = {**v["params"], "b": "3", "_aop_signature": v["signature"]}  # signed b=2
    r = httpx.post(f"{bare_stub.url}/openapi/{v['url_path']}", data=form, timeout=30)
    assert r.status_code == 400
    assert r.json()["error_code"] == "gw.SignatureInvalid" and r.json()["error_message"]


def test_a_wrong_app_key_is_refused(bare_stub):
    path = "param2/1/system/currentTime/999"
    form = {"a": "1", "_aop_signature": aop_signature("test123", path, {"a": "1"})}
    r = httpx.post(f"{bare_stub.url}/openapi/{path}", data=form, timeout=30)
    assert r.status_code == 400 and r.json()["error_code"] == "gw.AppKeyNotExist"


def test_an_expired_or_unknown_token_is_refused(bare_stub):
    client = StubClient(bare_stub)
    bare_stub.expire_token()
    r = client.call("alibaba.trade.get.buyerView", orderId="1", webSite="1688")
    assert r.status_code == 401 and r.json()["error_code"] == "401"
    assert "expired" in r.json()["error_message"]
    client.access_token = "never-issued"
    r = client.call("alibaba.trade.get.buyerView", orderId="1", webSite="1688")
    assert r.status_code == 401 and r.json()["error_code"] == "401"
    assert "expired" not in r.json()["error_message"]
    assert [c.answered for c in bare_stub.calls_to("alibaba.trade.get.buyerView")] == [401, 401]


def test_tokens_from_a_code_and_from_a_refresh(bare_stub):
    form = {
        "grant_type": "authorization_code",
        "need_refresh_token": "true",
        "client_id": "1000000",
        "client_secret": "test123",
        "redirect_uri": "http://127.0.0.1/cb",
        "code": bare_stub.issue_auth_code(),
    }
    first = httpx.post(bare_stub.token_url(), data=form, timeout=30)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["access_token"] and body["refresh_token"] and body["expires_in"] == "36000"
    assert ALI_TIME.match(body["refresh_token_timeout"])
    again = httpx.post(bare_stub.token_url(), data=form, timeout=30)  # a code is used once
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    refresh = {
        "grant_type": "refresh_token",
        "client_id": "1000000",
        "client_secret": "test123",
        "refresh_token": body["refresh_token"],
    }
    renewed = httpx.post(bare_stub.token_url(), data=refresh, timeout=30).json()
    assert renewed["access_token"] not in (body["access_token"], bare_stub.access_token)
    # the new token is accepted by the gateway check (the API then answers its own error)
    client = StubClient(bare_stub, access_token=renewed["access_token"])
    bare_stub.fail("alibaba.trade.get.buyerView", "error", code="NOT_FOUND", message="none")
    r = client.call("alibaba.trade.get.buyerView", orderId="1", webSite="1688")
    assert r.status_code == 200 and r.json() == {
        "success": False,
        "errorCode": "NOT_FOUND",
        "errorMessage": "none",
    }


# --- over the sandbox (both databases) --------------------------------------------------------
@pytest.fixture
def sandbox(settings, db):
    return SandboxMarketplace(db, settings, SandboxClock(db, ManualClock(START_MS)))


@pytest.fixture
def stub(sandbox):
    with AlibabaStub(sandbox, hold_s=2.0) as s:
        yield s


@pytest.fixture
def client(stub):
    return StubClient(stub)


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def orderable(client: StubClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """An offer found by keywordQuery and its detail, with a SKU in stock for twice the MOQ."""
    for page in (1, 2, 3):
        q = {"keyword": "", "beginPage": page, "pageSize": 20, "country": "en"}
        found = ok(client.call("product.search.keywordQuery", offerQueryParam=q))
        assert found["result"]["success"] is True
        for item in found["result"]["result"]["data"]:
            detail_q = {"offerId": item["offerId"], "country": "en"}
            r = client.call("product.search.queryProductDetail", offerDetailParam=detail_q)
            detail = ok(r)["result"]["result"]
            moq = detail["minOrderQuantity"]
            for sku in detail["productSkuInfos"]:
                if detail["status"] == "published" and sku["amountOnSale"] >= 2 * moq:
                    return detail, sku
    pytest.fail("no orderable offer through keywordQuery")


def cargo(detail: dict[str, Any], sku: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "offerId": detail["offerId"],
            "specId": sku["specId"],
            "quantity": detail["minOrderQuantity"],
        }
    ]


def create(client: StubClient, out: str | None = None) -> tuple[str, dict[str, Any]]:
    detail, sku = orderable(client)
    return create_with(client, detail, sku, out or f"out-{secrets.token_hex(6)}")


def create_with(
    client: StubClient, detail: dict[str, Any], sku: dict[str, Any], out: str
) -> tuple[str, dict[str, Any]]:
    body = ok(
        client.call(
            "alibaba.trade.createCrossOrder",
            flow="general",
            addressParam=ADDRESS,
            cargoParamList=cargo(detail, sku),
            outOrderId=out,
            tradeType="assureTrade",
            isvBizType="cross_daigou",
        )
    )
    assert body["result"]["success"] is True, body
    return str(body["result"]["orderId"]), body


def buyer_view(client: StubClient, order_id: str) -> dict[str, Any]:
    body = ok(client.call("alibaba.trade.get.buyerView", orderId=order_id, webSite="1688"))
    assert body["success"] is True, body
    result: dict[str, Any] = body["result"]
    return result


def test_goods_answer_in_the_cross_border_shape(client):
    detail, sku = orderable(client)
    assert isinstance(detail["offerId"], int) and detail["subject"] and detail["subjectTrans"]
    assert re.match(r"^\d+\.\d\d$", sku["price"])  # yuan text
    assert sku["specId"] and isinstance(sku["skuAttributes"], list)
    tiers = detail["productSaleInfo"]["priceRangeList"]
    assert all(re.match(r"^\d+\.\d\d$", t["price"]) for t in tiers)


def test_preview_create_view_pay_ship_confirm_refund(stub, client, sandbox):
    detail, sku = orderable(client)
    out = f"out-{secrets.token_hex(6)}"

    # preview: fen integers, the documented misspelling
    preview = ok(
        client.call(
            "alibaba.createOrder.preview",
            addressParam=ADDRESS,
            cargoParamList=cargo(detail, sku),
            flow="general",
        )
    )
    assert preview["success"] is True
    first = preview["orderPreviewResuslt"][0]
    assert isinstance(first["sumPayment"], int) and isinstance(first["sumCarriage"], int)
    assert first["sumPayment"] == first["sumPaymentNoCarriage"] + first["sumCarriage"]
    assert "assureTrade" in first["tradeModeNameList"]
    assert first["cargoList"][0]["specId"] == sku["specId"]

    # create with outOrderId: fen totals
    order_id, created = create_with(client, detail, sku, out)
    assert created["result"]["totalSuccessAmount"] == first["sumPayment"]
    assert isinstance(created["result"]["postFee"], int)

    # buyerView: yuan decimals, 1688 times, names
    view = buyer_view(client, order_id)
    base = view["baseInfo"]
    assert base["idOfStr"] == order_id and base["status"] == "waitbuyerpay"
    assert base["outOrderId"] == out
    assert base["totalAmount"] == first["sumPayment"] / 100  # yuan
    assert base["shippingFee"] == first["sumCarriage"] / 100
    assert ALI_TIME.match(base["createTime"]) and base["payTime"] is None
    item = view["productItems"][0]
    assert item["quantity"] == detail["minOrderQuantity"] and item["specId"] == sku["specId"]
    assert isinstance(item["subItemID"], int)
    by_out = ok(client.call("alibaba.trade.get.buyerView", outOrderId=out, webSite="1688"))
    assert by_out["result"]["baseInfo"]["idOfStr"] == order_id

    # the pay URL, then password-free pay in fen with opRequestId
    url = ok(client.call("alibaba.alipay.url.get", orderIdList=[int(order_id), 1]))
    assert url["success"] is True and order_id in url["payUrl"]
    assert [f["orderId"] for f in url["payFailureOrderList"]] == [1]
    pay = {
        "orderId": int(order_id),
        "payChannel": "alipay",
        "payAmount": first["sumPayment"],
        "opRequestId": f"pay-{secrets.token_hex(4)}",
    }
    paid = ok(
        client.call("alibaba.trade.pay.protocolPay.preparePay", tradeWithholdPreparePayParam=pay)
    )
    assert paid == {"success": True, "result": {"payChannel": "alipay", "paySuccess": True}}
    base = buyer_view(client, order_id)["baseInfo"]
    assert base["status"] == "waitsellersend" and ALI_TIME.match(base["payTime"])

    listed = ok(client.call("alibaba.trade.getBuyerOrderList", page=1, pageSize=20))
    assert "success" not in listed and listed["totalRecord"] == 1
    assert listed["result"][0]["baseInfo"]["idOfStr"] == order_id

    # the seller ships: the trace answers steps in the naive Shanghai spelling
    no_trace = ok(client.call("alibaba.trade.getLogisticsTraceInfo.buyerView", orderId=order_id))
    assert no_trace["success"] is False and no_trace["errorCode"] == "404"
    SandboxOperator(sandbox).ship(Platform.ALIBABA, order_id)
    trace = ok(
        client.call(
            "alibaba.trade.getLogisticsTraceInfo.buyerView", orderId=order_id, webSite="1688"
        )
    )
    parcel = trace["logisticsTrace"][0]
    assert trace["success"] is True and parcel["logisticsBillNo"]
    assert all(NAIVE_TIME.match(s["acceptTime"]) for s in parcel["logisticsSteps"])
    view = buyer_view(client, order_id)
    assert view["baseInfo"]["status"] == "waitbuyerreceive"
    assert (
        view["nativeLogistics"]["logisticsItems"][0]["logisticsBillNo"] == parcel["logisticsBillNo"]
    )

    ok(client.call("trade.receivegoods.confirm", orderId=order_id))
    assert buyer_view(client, order_id)["baseInfo"]["status"] == "confirm_goods"

    # refund: reasons, create (fen), detail (fen, times), cancel
    entry = str(view["productItems"][0]["subItemID"])
    reasons = ok(
        client.call(
            "alibaba.trade.getRefundReasonList",
            orderId=order_id,
            orderEntryIds=[int(entry)],
            goodsStatus="refundBuyerReceived",
        )
    )["result"]
    assert reasons["success"] is True
    reason = next(r for r in reasons["result"]["reasons"] if not r["needVoucher"])
    apply_fen = max(1, round(view["productItems"][0]["itemAmount"] * 100) // 2)
    made = ok(
        client.call(
            "alibaba.trade.createRefund",
            orderId=order_id,
            orderEntryIds=[int(entry)],
            disputeRequest="refund",
            applyPayment=apply_fen,
            applyCarriage=0,
            applyReasonId=reason["id"],
            description="stub flow refund",
            goodsStatus="refundBuyerReceived",
            vouchers=["https://img.example/v1.jpg"],
        )
    )["result"]
    assert made["success"] is True and made["result"]["refundId"].startswith("TQ")
    refund_id = made["result"]["refundId"]
    got = ok(client.call("alibaba.trade.refund.OpQueryOrderRefund", refundId=refund_id))
    detail_r = got["result"]["opOrderRefundModelDetail"]
    assert detail_r["refundId"] == refund_id and detail_r["applyPayment"] == apply_fen  # fen
    assert detail_r["status"] == "waitselleragree" and ALI_TIME.match(detail_r["gmtCreate"])
    cancelled = ok(client.call("alibaba.trade.cancelRefund", refundId=refund_id))
    assert cancelled["result"]["success"] is True
    got = ok(client.call("alibaba.trade.refund.OpQueryOrderRefund", refundId=refund_id))
    assert got["result"]["opOrderRefundModelDetail"]["status"] == "refundclose"

    # every write went out once
    for api in ("alibaba.trade.createCrossOrder", "alibaba.trade.pay.protocolPay.preparePay"):
        assert len(stub.calls_to(api)) == 1, api


def test_cancel_an_unpaid_order(client):
    order_id, _ = create(client)
    assert ok(
        client.call(
            "alibaba.trade.cancel", tradeID=order_id, webSite="1688", cancelReason="buyerCancel"
        )
    ) == {"success": True}
    assert buyer_view(client, order_id)["baseInfo"]["status"] == "cancel"


def test_a_refused_preview_answers_the_documented_error_shape(client):
    detail, sku = orderable(client)
    lines = [{**cargo(detail, sku)[0], "quantity": sku["amountOnSale"] + 1_000_000}]
    body = ok(
        client.call("alibaba.createOrder.preview", addressParam=ADDRESS, cargoParamList=lines)
    )
    assert body["success"] is False and body["errorCode"] and body["errorMsg"]
    assert body["orderPreviewResuslt"] == []


# --- faults -----------------------------------------------------------------------------------
def test_an_injected_business_error_answers_the_apis_own_shape(stub, client):
    stub.fail("alibaba.trade.createCrossOrder", "error", code="500_004", message="库存不足")
    detail, sku = orderable(client)
    body = ok(
        client.call(
            "alibaba.trade.createCrossOrder",
            addressParam=ADDRESS,
            cargoParamList=cargo(detail, sku),
            outOrderId=f"out-{secrets.token_hex(6)}",
        )
    )
    assert body == {
        "success": False,
        "result": {"success": False, "code": "500_004", "message": "库存不足"},
    }
    out = json.loads(stub.calls_to("alibaba.trade.createCrossOrder")[0].params["cargoParamList"])
    assert out[0]["specId"] == sku["specId"]  # the call is recorded with its parameters


def test_rate_limit_answers_for_its_count_then_the_api_answers(stub, client):
    stub.fail("product.search.keywordQuery", "rate_limit", count=2)
    q = {"keyword": "", "beginPage": 1, "pageSize": 5}
    answers = [client.call("product.search.keywordQuery", offerQueryParam=q) for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 200]
    assert answers[0].json()["error_code"] == "gw.QosAppFrequencyLimit"
    assert answers[2].json()["result"]["success"] is True


def test_5xx_answers_a_bad_gateway_once(stub, client):
    stub.fail("alibaba.trade.get.buyerView", "5xx")
    r = client.call("alibaba.trade.get.buyerView", orderId="1", webSite="1688")
    assert r.status_code == 502
    r = client.call("alibaba.trade.get.buyerView", orderId="1", webSite="1688")
    assert r.status_code == 200 and r.json()["success"] is False  # no such order


@pytest.mark.parametrize("mode, committed", [("timeout", False), ("timeout_after_commit", True)])
def test_a_held_create_with_and_without_the_work_done(stub, client, mode, committed):
    detail, sku = orderable(client)
    out = f"out-{secrets.token_hex(6)}"
    stub.fail("alibaba.trade.createCrossOrder", mode)
    client.timeout = 0.5  # the stub holds for 2 s
    with pytest.raises(httpx.ReadTimeout):
        client.call(
            "alibaba.trade.createCrossOrder",
            addressParam=ADDRESS,
            cargoParamList=cargo(detail, sku),
            outOrderId=out,
        )
    client.timeout = 5
    found = ok(client.call("alibaba.trade.get.buyerView", outOrderId=out, webSite="1688"))
    assert found["success"] is committed, found
    if committed:
        assert found["result"]["baseInfo"]["outOrderId"] == out
    calls = stub.calls_to("alibaba.trade.createCrossOrder")
    assert len(calls) == 1 and calls[0].answered is None  # sent once, never answered


# --- push and the compensation pull -----------------------------------------------------------
def test_push_is_signed_kept_and_pulled_until_confirmed(stub, client):
    with Receiver() as rx:
        rx.status = 500  # the receiver fails: the message waits for the pull
        data = {
            "orderId": 123,
            "currentStatus": "waitsellersend",
            "msgSendTime": "2026-01-01 08:00:00",
        }
        assert stub.push(rx.url, "ORDER_BUYER_VIEW_ORDER_PAY", data) == 500
        rx.wait_for(1, timeout=5)
        got = dict(httpx.QueryParams(rx.requests[0].body.decode()))
    assert set(got) == {"message", "_aop_signature"}
    assert got["_aop_signature"] == push_signature(stub.app_secret, got["message"])
    envelope = json.loads(got["message"])
    assert envelope["type"] == "ORDER_BUYER_VIEW_ORDER_PAY" and envelope["data"] == data
    assert isinstance(envelope["msgId"], int) and isinstance(envelope["gmtBorn"], int)
    assert envelope["userInfo"] == stub.member_id

    page = ok(client.call("push.query.messageList", page=1, pageSize=20))["pushMessagePage"]
    assert [m["msgId"] for m in page["datas"]] == [envelope["msgId"]]
    assert ok(client.call("push.message.confirm", msgIdList=[envelope["msgId"]])) == {
        "isSuccess": True
    }
    page = ok(client.call("push.query.messageList", page=1, pageSize=20))["pushMessagePage"]
    assert page["datas"] == [] and page["totalCount"] == 0


def test_a_missing_argument_and_an_unknown_api_are_gateway_refusals(bare_stub):
    r = StubClient(bare_stub).call("alibaba.trade.cancel", webSite="1688")  # no tradeID
    assert r.status_code == 400 and r.json()["error_code"] == "gw.ParamMissing"
    assert "tradeID" in r.json()["error_message"]
    path = "param2/1/com.alibaba.trade/alibaba.trade.noSuchApi/1000000"
    form = {"_aop_signature": aop_signature("test123", path, {})}
    r = httpx.post(f"{bare_stub.url}/openapi/{path}", data=form, timeout=30)
    assert r.status_code == 400 and r.json()["error_code"] == "gw.APIUnsupported"


def test_a_return_refund_goes_back_with_a_waybill(client, sandbox):
    order_id, created = create(client)
    pay = {
        "orderId": int(order_id),
        "payChannel": "alipay",
        "payAmount": created["result"]["totalSuccessAmount"],
        "opRequestId": f"pay-{secrets.token_hex(4)}",
    }
    ok(client.call("alibaba.trade.pay.protocolPay.preparePay", tradeWithholdPreparePayParam=pay))
    seller = SandboxOperator(sandbox)
    seller.ship(Platform.ALIBABA, order_id)
    item = buyer_view(client, order_id)["productItems"][0]
    reasons = ok(
        client.call(
            "alibaba.trade.getRefundReasonList",
            orderId=order_id,
            orderEntryIds=[item["subItemID"]],
            goodsStatus="refundBuyerReceived",
        )
    )["result"]["result"]["reasons"]
    made = ok(
        client.call(
            "alibaba.trade.createRefund",
            orderId=order_id,
            orderEntryIds=[item["subItemID"]],
            disputeRequest="returnRefund",
            applyPayment=round(item["itemAmount"] * 100),
            applyCarriage=0,
            applyReasonId=next(r["id"] for r in reasons if not r["needVoucher"]),
            description="wrong colour, sending it back",
            goodsStatus="refundBuyerReceived",
        )
    )["result"]["result"]
    refund_id = made["refundId"]
    seller.refund_act(Platform.ALIBABA, refund_id, "agree")
    sent = ok(
        client.call(
            "alibaba.trade.refund.returnGoods",
            refundId=refund_id,
            logisticsCompanyNo="SF",
            freightBill="SF1234567890",
            description="sent back",
            vouchers=["https://img.example/waybill.jpg"],
        )
    )
    assert sent["result"]["success"] is True
    detail = ok(client.call("alibaba.trade.refund.OpQueryOrderRefund", refundId=refund_id))
    got = detail["result"]["opOrderRefundModelDetail"]
    assert got["status"] == "waitsellerreceive" and got["disputeRequest"] == "returnRefund"
    assert got["freightBill"] == "SF1234567890" and got["applyPayment"] == round(
        item["itemAmount"] * 100
    )


def test_the_apps_rate_limit_refuses_calls_beyond_it(bare_stub):
    bare_stub.calls_per_second = 2
    path = OFFICIAL_VECTOR["url_path"]
    form = {**OFFICIAL_VECTOR["params"], "_aop_signature": OFFICIAL_VECTOR["signature"]}
    answers = [
        httpx.post(f"{bare_stub.url}/openapi/{path}", data=form, timeout=30) for _ in range(8)
    ]
    statuses = [a.status_code for a in answers]
    assert statuses[:2] == [200, 200] and 400 in statuses, statuses
    refused = answers[statuses.index(400)].json()
    assert refused["error_code"] == "gw.QosAppFrequencyLimit"


def test_answers_carry_the_documented_names(client):
    """Names from the official samples (buyerView, preview): a typo in the stub fails here."""
    order_id, _ = create(client)
    view = buyer_view(client, order_id)
    assert {
        "id",
        "idOfStr",
        "status",
        "createTime",
        "modifyTime",
        "totalAmount",
        "sumProductPayment",
        "shippingFee",
        "discount",
        "refund",
        "refundPayment",
        "sellerID",
        "buyerID",
        "tradeType",
        "receiverInfo",
        "stepPayAll",
    } <= set(view["baseInfo"])
    assert {"toFullName", "toDivisionCode", "toPost", "toArea"} <= set(
        view["baseInfo"]["receiverInfo"]
    )
    assert {
        "itemAmount",
        "name",
        "price",
        "productID",
        "productImgUrl",
        "quantity",
        "subItemID",
        "status",
    } <= set(view["productItems"][0])
    assert {
        "address",
        "area",
        "areaCode",
        "city",
        "contactPerson",
        "mobile",
        "province",
        "zip",
        "logisticsItems",
    } <= set(view["nativeLogistics"])


def test_relay_pushes_what_the_sandbox_seller_emitted(stub, client):
    order_id, created = create(client)
    pay = {
        "orderId": int(order_id),
        "payChannel": "alipay",
        "payAmount": created["result"]["totalSuccessAmount"],
        "opRequestId": f"pay-{secrets.token_hex(4)}",
    }
    ok(client.call("alibaba.trade.pay.protocolPay.preparePay", tradeWithholdPreparePayParam=pay))
    with Receiver() as rx:
        statuses = stub.relay(rx.url)
        rx.wait_for(len(statuses), timeout=5)
        forms = [dict(httpx.QueryParams(r.body.decode())) for r in rx.requests]
    assert statuses and set(statuses) == {200}
    envelopes = [json.loads(f["message"]) for f in forms]
    assert all(f["_aop_signature"] == push_signature(stub.app_secret, f["message"]) for f in forms)
    mine = [e for e in envelopes if e["data"]["orderId"] == int(order_id)]
    assert [e["type"] for e in mine] == [
        "ORDER_BUYER_VIEW_BUYER_MAKE",
        "ORDER_BUYER_VIEW_ORDER_PAY",
    ]
    assert mine[1]["data"]["currentStatus"] == "waitsellersend"
    assert mine[1]["data"]["sellerMemberId"] and mine[1]["data"]["buyerMemberId"] == stub.member_id
    assert NAIVE_TIME.match(mine[1]["data"]["msgSendTime"])
    with Receiver() as rx:
        assert stub.relay(rx.url) == []  # nothing new: the relay keeps its cursor
