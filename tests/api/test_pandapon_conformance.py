"""A client written from PandaPon's own pages, against a developer created with the pandapon
dialect: the documented headers and bodies get the documented shapes.

The client below is written from PandaPon's development manual and API pages
(shared/reference/pandapon-*.md), not from this repository: every system parameter is a
header (`access-key`, `timestamp` in milliseconds, `nonce-str` at the pages' default value
`nonce-str`, `user-id` the main account's, `signature`); the signature is the uppercase MD5 of
`access-key=…&nonce-str=…&timestamp=…&secret=…` (PandaPon's signing page itself is unseen in
the stored copies; this is the rule as CONTRACT section 2 records it, and it matches the
pages: the three system parameters signed, 32 uppercase hex characters); no `sign-method`
header. PandaPon documents HTTP 200 only, so the client raises on any other status, as a
client calling `raise_for_status()` would, and reads `code` from the envelope.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

import pytest

from daigou.marketplace import port as P
from tests.support.orders1688 import merchants

REQUEST_ID_RE = re.compile(r"^[0-9a-f]{32}$")

# PandaPon's documented request examples (pandapon-1688.md; values exact where they can be:
# ids of PandaPon's own catalogue do not exist in the sandbox, and prices are fen here)
KEYWORD_QUERY_EXAMPLE = {
    "keyword": "男鞋",
    "beginPage": 1,
    "pageSize": 20,
    "country": "en",
    "filter": "shipInToday,ksCiphertext",
    "sort": '{"price":"desc"}',
    "outMemberId": "",
    "categoryId": "",
}
ADDRESS_EXAMPLE = {
    "fullName": "zhang",
    "mobile": "18600888861",
    "phone": "18600888861",
    "postCode": "100000",
    "cityText": "杭州市",
    "provinceText": "浙江省",
    "areaText": "西湖区",
    "townText": "转塘",
    "address": "xxxxxxx",
}
DOC_ORDER_IDS = ["2059624776425880794", "2060506524492880794"]  # the bulk pay example's first two
DOC_USER_ID = "2100007341207"  # the pages' default user-id: somebody else's account here


class HttpStatusError(Exception):
    pass


class PandaPonClient:
    """What a PandaPon customer writes from PandaPon's pages (see the module docstring)."""

    def __init__(self, http: Any, access_key: str, secret: str, user_id: str) -> None:
        self.http = http
        self.access_key = access_key
        self.secret = secret
        self.user_id = user_id
        self.nonce = "nonce-str"
        self._last_ms = 0

    def timestamp(self) -> str:
        now = int(time.time() * 1000)
        self._last_ms = max(now, self._last_ms + 1)  # one request per millisecond
        return str(self._last_ms)

    def sign(self, timestamp: str) -> str:
        text = (
            f"access-key={self.access_key}&nonce-str={self.nonce}"
            f"&timestamp={timestamp}&secret={self.secret}"
        )
        return hashlib.md5(text.encode("utf-8")).hexdigest().upper()

    def headers(self, timestamp: str | None = None) -> dict[str, str]:
        ts = timestamp or self.timestamp()
        return {
            "access-key": self.access_key,
            "nonce-str": self.nonce,
            "timestamp": ts,
            "user-id": self.user_id,
            "signature": self.sign(ts),
        }

    def send(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        headers = kw.pop("headers", None) or self.headers()
        if method == "GET":
            r = self.http.get(path, params=kw.get("params"), headers=headers)
        else:
            r = self.http.post(
                path,
                content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={**headers, "Content-Type": "application/json"},
            )
        if r.status_code != 200:
            raise HttpStatusError(f"HTTP {r.status_code}: {r.text}")
        envelope = r.json()
        assert set(envelope) == {"requestId", "code", "developId", "msg", "data"}, envelope
        assert REQUEST_ID_RE.match(envelope["requestId"]), envelope
        assert isinstance(envelope["code"], int) and isinstance(envelope["msg"], str)
        return envelope

    def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        envelope = self.send(method, path, body, **kw)
        assert (envelope["code"], envelope["msg"]) == (200, "成功"), envelope
        assert envelope["developId"] == self.develop_id, envelope
        return envelope["data"]

    develop_id: str = ""


@pytest.fixture
def pp(api, client) -> PandaPonClient:
    r = api.admin(
        "POST", "/admin/developer/create", {"name": "pandapon shop", "dialect": "pandapon"}
    )
    data = r.json()["data"]
    assert r.status_code == 200 and data["dialect"] == "pandapon", r.text
    r = api.admin(
        "POST",
        "/admin/wallet/adjust",
        {"developId": data["developId"], "type": "topup", "amount": 500_000, "reference": "t-1"},
    )
    assert r.status_code == 200, r.text
    c = PandaPonClient(client, data["accessKey"], data["secret"], data["userId"])
    c.develop_id = data["developId"]
    return c


def test_balance_answers_the_documented_envelope(pp):
    envelope = pp.send("GET", "/open/account/balance")
    assert (envelope["code"], envelope["msg"]) == (200, "成功")
    assert re.match(r"^[0-9]{19}$", envelope["developId"])
    data = envelope["data"]
    assert data["currency"] == "CNY" and data["availableAmount"] == 500_000
    assert data["totalAmount"] == data["availableAmount"] + data["heldAmount"]


def test_goods_keyword_search_and_detail_answer_the_documented_shapes(pp):
    for keyword in ("男鞋", "bag"):  # the example's keyword, then one the sandbox surely has
        page = pp.ok(
            "POST", "/alibaba/product/keywords/query", {**KEYWORD_QUERY_EXAMPLE, "keyword": keyword}
        )
        assert {"totalRecords", "totalPage", "pageSize", "currentPage", "data"} <= set(page)
        assert page["pageSize"] == 20 and page["currentPage"] == 1
    assert page["data"], "the sandbox has bags"
    hit = page["data"][0]
    assert hit["imageUrl"].startswith("http") and hit["subject"]
    # detail: offerId as the documented integer
    offer = pp.ok(
        "POST",
        "/alibaba/product/detail/get",
        {"offerId": int(hit["offerId"]), "country": "en", "outMemberId": "string"},
    )
    assert str(offer["offerId"]) == str(hit["offerId"])
    for field in ("categoryId", "categoryName", "subject", "subjectTrans", "description"):
        assert field in offer, field
    # Taobao: search, then the item by its id (GET, query parameter)
    found = pp.ok(
        "POST", "/open/product/item/search", {"keyword": "shirt", "pageSize": 5, "pageNo": 1}
    )
    item_id = found["data"][0]["itemId"]
    item = pp.ok("GET", "/open/product/get", params={"itemId": item_id})
    assert str(item["itemId"]) == str(item_id)
    for field in ("mpId", "title", "picUrls", "price", "quantity", "shopId", "shopName", "skuList"):
        assert field in item, field
    sku = item["skuList"][0]
    assert {"skuId", "price", "quantity", "picUrl"} <= set(sku)
    # the batch check with PandaPon's JSON-string `params`
    params = json.dumps([{"itemId": str(item_id), "skuIds": [sku["skuId"]]}])
    checked = pp.ok("POST", "/open/product/batch/check", {"params": params})
    assert {"mpProducts", "noMpProductItemIds", "noMpReasonList"} <= set(checked)


def test_1688_order_create_detail_and_bulk_pay(pp, settings):
    ((seller, lines),) = merchants(settings, 1, 2)
    cargo = [
        {"offerId": int(line["offerId"]), "specId": line["specId"], "quantity": line["quantity"]}
        for line in lines
    ]
    made = pp.ok(
        "POST",
        "/alibaba/order/create",
        {
            "flow": "general",
            "message": "备注",
            "addressParam": ADDRESS_EXAMPLE,
            "cargoParamList": cargo,
        },
    )
    order_id = made["orderId"]
    assert re.match(r"^[0-9]{1,19}$", order_id) and made["status"] == "waitbuyerpay"

    order = pp.ok("POST", "/alibaba/order/detail", {"webSite": "1688", "orderId": order_id})
    assert order["baseInfo"]["id"] == order_id and order["baseInfo"]["status"] == "waitbuyerpay"
    assert order["baseInfo"]["sellerOpenId"] == seller
    assert {"guaranteesTerms", "internationalLogistics", "nativeLogistics", "productItems"} <= set(
        order
    )
    logistics = order["nativeLogistics"]
    assert (logistics["contactPerson"], logistics["mobile"]) == ("zhang", "18600888861")
    assert (logistics["province"], logistics["city"], logistics["area"]) == (
        "浙江省",
        "杭州市",
        "西湖区",
    )
    for product in order["productItems"]:
        assert {"productID", "name", "price", "itemAmount", "productImgUrl", "cargoNumber"} <= set(
            product
        )
        assert isinstance(product["productImgUrl"], list)

    # bulk pay: the new order and one of the example's ids (not an order of ours)
    paid = pp.ok(
        "POST", "/alibaba/order/batch/submit/to/pay", {"orderIds": [order_id, DOC_ORDER_IDS[0]]}
    )
    assert paid["successOrderIds"] == [order_id]
    (failed,) = paid["payFailOrders"]
    assert failed["orderId"] == DOC_ORDER_IDS[0]
    assert isinstance(failed["errorReason"], str) and failed["errorReason"]
    after = pp.ok("POST", "/alibaba/order/detail", {"webSite": "1688", "orderId": order_id})
    assert after["baseInfo"]["status"] == "waitsellersend"

    # cancel before payment, with the documented body (orderId as an integer)
    other = pp.ok(
        "POST",
        "/alibaba/order/create",
        {"flow": "general", "addressParam": ADDRESS_EXAMPLE, "cargoParamList": cargo[:1]},
    )
    cancelled = pp.ok(
        "POST",
        "/alibaba/order/cancel",
        {"webSite": "1688", "orderId": int(other["orderId"]), "cancelReason": "不想要了"},
    )
    assert cancelled["success"] is True


def test_errors_travel_as_http_200_with_the_code(pp):
    def code(method: str, path: str, body: Any = None, **kw: Any) -> int:
        return int(pp.send(method, path, body, **kw)["code"])

    balance = "/open/account/balance"
    # a request sent twice as is (same nonce-str and timestamp): a replay
    replayed = pp.headers()
    assert code("GET", balance, headers=replayed) == 200
    assert code("GET", balance, headers=replayed) == 40104
    # a wrong secret, a clock an hour off, a signature left out
    ts = pp.timestamp()
    assert (
        code(
            "GET",
            balance,
            headers={**pp.headers(ts), "signature": "B7F83FE2ADC8D8F044F2E01F0FFE8C80"},
        )
        == 40102
    )
    stale = str(int(time.time() * 1000) - 3_600_000)
    assert code("GET", balance, headers=pp.headers(stale)) == 40103
    unsigned = {k: v for k, v in pp.headers().items() if k != "signature"}
    assert code("GET", balance, headers=unsigned) == 40100
    # the pages' default user-id is not an account of this developer
    assert code("GET", balance, headers={**pp.headers(), "user-id": DOC_USER_ID}) == 40301
    # an empty cargo list (商品信息不能为空), an unknown order, an unpaid single payment
    body = {"flow": "general", "addressParam": ADDRESS_EXAMPLE, "cargoParamList": []}
    envelope = pp.send("POST", "/alibaba/order/create", body)
    assert envelope["code"] == 40001
    assert envelope["data"]["errors"][0]["field"] == "cargoParamList"
    assert (
        code("POST", "/alibaba/order/detail", {"webSite": "1688", "orderId": DOC_ORDER_IDS[1]})
        == 40401
    )
    # nothing answered with another status on the way


def test_1688_refund_create_and_goods_return_take_the_documented_bodies(pp, api, settings, app):
    """PandaPon's own 1688 after-sales endpoints (pandapon-1688.md 3.4, 3.5): ids as integers,
    null for the optional lists; refundId a string starting TQ."""
    ((_, lines),) = merchants(settings, 1, 1)
    cargo = [{**line, "offerId": int(line["offerId"])} for line in lines]
    body = {"flow": "general", "addressParam": ADDRESS_EXAMPLE, "cargoParamList": cargo}
    order_id = pp.ok("POST", "/alibaba/order/create", body)["orderId"]
    assert pp.ok("POST", "/alibaba/order/batch/submit/to/pay", {"orderIds": [order_id]})[
        "successOrderIds"
    ] == [order_id]
    ship = {"platform": 1, "orderId": order_id}
    assert api.admin("POST", "/admin/sandbox/order/ship", ship).status_code == 200
    order = pp.ok("POST", "/alibaba/order/detail", {"webSite": "1688", "orderId": order_id})
    entry = int(order["productItems"][0]["subItemID"])
    created = pp.ok(
        "POST",
        "/alibaba/refund/detail/create",
        {
            "orderId": int(order_id),
            "orderEntryIds": [entry],
            "disputeRequest": "returnRefund",
            "applyPayment": 100,
            "applyCarriage": 0,
            "applyReasonId": 1,
            "description": "不想要了",
            "goodsStatus": "refundBuyerReceived",
            "vouchers": None,
            "orderEntryCountList": None,
        },
    )
    refund_id = created["refundId"]
    assert isinstance(refund_id, str) and refund_id.startswith("TQ")
    act = {"platform": 1, "refundId": refund_id, "action": "agree"}
    assert api.admin("POST", "/admin/sandbox/refund/act", act).status_code == 200
    app.state.gateway.feeds[P.Platform.ALIBABA].run_once()
    returned = pp.ok(
        "POST",
        "/alibaba/refund/goods/return",
        {
            "refundId": refund_id,
            "logisticsCompanyNo": "YTO",
            "freightBill": "YT7512345678901",
            "description": None,
            "vouchers": None,
        },
    )
    assert returned == {"refundId": refund_id, "refundStatus": "waitsellerreceive"}
    # a refused one travels as HTTP 200 with its code, the field named
    bad = pp.send("POST", "/alibaba/refund/goods/return", {"refundId": refund_id})
    assert bad["code"] == 40001
    assert {e["field"] for e in bad["data"]["errors"]} == {"logisticsCompanyNo", "freightBill"}


def test_reverse_order_calls_as_the_pages_document_them(pp):
    """PandaPon's reverse-order pages (pandapon-manual-and-taobao.md 4.8, 4.10, 4.11): the list
    with the documented body, the cancel with a documented numeric id in the path, the v1 query
    by refundId; answered in the envelope with HTTP 200."""
    example = {
        "refundId": "111",
        "purchaseOrderId": "111",
        "salesOrderId": "11111",
        "refundStartTime": 121312131313,
        "refundEndTime": 3323232,
        "pageNo": 1,
        "pageSize": 1,
    }
    page = pp.ok("POST", "/open/order/refund/queryList", example)
    assert page["data"] == [] and page["pageSize"] == 1 and page["nextCursor"] is None
    # the pages' refundStatus example (1) is not a status here (CONTRACT section 7 codes)
    envelope = pp.send("POST", "/open/order/refund/queryList", {**example, "refundStatus": 1})
    assert envelope["code"] == 40001
    assert [e["field"] for e in envelope["data"]["errors"]] == ["refundStatus"]
    # the documented ids are somebody else's: not found, in the envelope
    assert pp.send("GET", "/open/order/refund/cancel/110000235001")["code"] == 40401
    envelope = pp.send("GET", "/open/order/refund/query", params={"refundId": "110002685755"})
    assert envelope["code"] == 40401
