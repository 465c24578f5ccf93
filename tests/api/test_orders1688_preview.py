"""1688 previews through the signed API: 6.1 (one merchant) and 6.3 (one result per merchant,
in order of first appearance), against the sandbox seller."""

from __future__ import annotations

import time

import pytest

from daigou.marketplace.sandbox.orders import Seller
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import ADDRESS, merchants

PREVIEW = "/alibaba/order/create/preview"
BATCH = "/alibaba/order/create/previewbatch"


def post(api, dev, path, body):
    return api.call(dev, "POST", path, body=body)


def test_a_single_merchant_preview_prices_every_line(api, dev, settings):
    ((seller, lines),) = merchants(settings, 1)
    data = assert_ok(
        post(
            api,
            dev,
            PREVIEW,
            {"addressParam": ADDRESS, "cargoParamList": lines, "outOrderId": "po-1"},
        )
    )
    assert data["outOrderId"] == "po-1"
    (result,) = data["orderPreviewResuslt"]  # one warehouse: one order
    assert result["success"] is True and result["currency"] == "CNY"
    assert result["sumPayment"] == result["sumPaymentNoCarriage"] + result["sumCarriage"]
    assert result["sumCarriage"] > 0
    priced = {(c["offerId"], c["specId"]): c for c in result["cargoList"]}
    assert set(priced) == {(ln["offerId"], ln["specId"]) for ln in lines}
    goods = sum(c["finalUnitPrice"] * c["amount"] for c in result["cargoList"])
    assert result["sumPaymentNoCarriage"] == goods - result["discountFee"]


def test_lines_of_two_merchants_need_the_batch_preview(api, dev, settings):
    (_, a), (_, b) = merchants(settings, 2, 1)
    r = post(api, dev, PREVIEW, {"addressParam": ADDRESS, "cargoParamList": a + b})
    assert_error(r, 40001)
    assert r.json()["data"]["errors"][0]["field"] == "cargoParamList"


def test_a_preview_with_no_orderable_line_is_40904_and_says_why(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 1)
    too_many = [{**lines[0], "quantity": 999_999}]
    r = post(api, dev, PREVIEW, {"addressParam": ADDRESS, "cargoParamList": too_many})
    assert_error(r, 40904)
    (failed,) = r.json()["data"]["orderPreviewResuslt"]
    assert failed["success"] is False and failed["errorCode"] == "STOCK_NOT_ENOUGH"


def test_previews_validate_their_input(api, dev, settings):
    ((_, lines),) = merchants(settings, 1, 1)
    no_phone = {k: v for k, v in ADDRESS.items() if k != "mobile"}
    assert_error(
        post(api, dev, PREVIEW, {"addressParam": no_phone, "cargoParamList": lines}), 40001
    )
    bad_qty = [{**lines[0], "quantity": 0}]
    r = post(api, dev, PREVIEW, {"addressParam": ADDRESS, "cargoParamList": bad_qty})
    assert_error(r, 40001)
    assert r.json()["data"]["errors"][0]["field"] == "cargoParamList[0].quantity"
    r = post(
        api,
        dev,
        PREVIEW,
        {"addressParam": ADDRESS, "cargoParamList": [{**lines[0], "quantity": "2"}]},
    )
    assert_error(r, 40001)
    unknown = [{"offerId": "600000000001", "specId": "x", "quantity": 1}]
    assert_error(
        post(api, dev, PREVIEW, {"addressParam": ADDRESS, "cargoParamList": unknown}), 40401
    )


def test_the_batch_preview_answers_per_merchant_in_order_of_first_appearance(api, dev, settings):
    (sa, a), (sb, b) = merchants(settings, 2, 2)
    lines = [
        {**b[0], "sellerOpenId": sb, "outOrderId": "B-1"},
        {**a[0], "sellerOpenId": sa},
        {**b[1], "sellerOpenId": sb, "outOrderId": "B-1"},
        {**a[1], "sellerOpenId": sa, "quantity": 999_999},  # a line the seller refuses
    ]
    data = assert_ok(post(api, dev, BATCH, {"addressParam": ADDRESS, "cargoParamList": lines}))
    first, second = data["results"]
    assert (first["index"], first["key"], first["sellerOpenId"]) == (0, sb, sb)
    assert first["lineIndexes"] == [0, 2] and first["outOrderId"] == "B-1"
    assert first["success"] is True and first["code"] == 200
    assert second["lineIndexes"] == [1, 3] and second["success"] is True
    outcomes = [r["success"] for r in second["orderPreviewResuslt"]]
    assert outcomes.count(False) == 1  # the refused line is reported beside the order


def test_the_batch_preview_never_fails_as_a_whole(api, dev, settings):
    (sa, a), (sb, b) = merchants(settings, 2, 1)
    lines = [
        {**a[0], "sellerOpenId": sa, "quantity": 999_999},
        {**b[0], "sellerOpenId": sb},
        {**a[0], "sellerOpenId": "BBBnobodyxxxxxxxxxxxxxxxx"},
    ]
    data = assert_ok(post(api, dev, BATCH, {"addressParam": ADDRESS, "cargoParamList": lines}))
    codes = [r["code"] for r in data["results"]]
    assert codes[0] == 40904 and codes[1] == 200 and codes[2] == 40904


def test_batch_limits_answer_40003(api, dev, settings):
    ((seller, lines),) = merchants(settings, 1, 1)
    many_merchants = [{**lines[0], "sellerOpenId": f"BBBseller{i:017d}"} for i in range(21)]
    r = post(api, dev, BATCH, {"addressParam": ADDRESS, "cargoParamList": many_merchants})
    assert_error(r, 40003)
    many_lines = [{**lines[0], "sellerOpenId": seller}] * 51
    assert_error(
        post(api, dev, BATCH, {"addressParam": ADDRESS, "cargoParamList": many_lines}), 40003
    )


def test_merchants_are_previewed_concurrently_and_faults_stay_per_merchant(api, dev, settings):
    chosen = merchants(settings, 4, 1)
    lines = [{**ln[0], "sellerOpenId": s} for s, ln in chosen]
    fault = {"operation": "1688.order.preview", "mode": "latency", "latencyMs": 400, "count": 0}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    started = time.monotonic()
    data = assert_ok(post(api, dev, BATCH, {"addressParam": ADDRESS, "cargoParamList": lines}))
    took = time.monotonic() - started
    assert [r["code"] for r in data["results"]] == [200] * 4
    assert took < 4 * 0.4  # not one after the other
    assert_ok(api.admin("POST", "/admin/sandbox/fault/clear", {}))
    timeout = {"operation": "1688.order.preview", "mode": "timeout", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", timeout))
    data = assert_ok(post(api, dev, BATCH, {"addressParam": ADDRESS, "cargoParamList": lines}))
    assert sorted(r["code"] for r in data["results"]) == [200, 200, 200, 50401]


@pytest.mark.parametrize("path", [PREVIEW, BATCH])
def test_previews_need_a_signature(client, path):
    r = client.post(path, json={})
    assert r.json()["code"] == 40100


PROMOTIONS = "/alibaba/marketing/shop/promotion/query"


def test_shop_promotions_name_the_seller_and_apply_above_their_threshold(api, dev, settings):
    ((seller, lines),) = merchants(settings, 1, 3)
    _, threshold, discount = Seller.promotion_of(seller)
    small = [{**lines[0], "quantity": lines[0]["quantity"]}]
    data = assert_ok(post(api, dev, PROMOTIONS, {"cargoParamList": small}))
    assert data["sellerOpenId"] == seller
    preview = assert_ok(post(api, dev, PREVIEW, {"addressParam": ADDRESS, "cargoParamList": small}))
    goods = sum(
        c["finalUnitPrice"] * c["amount"]
        for r in preview["orderPreviewResuslt"]
        for c in r["cargoList"]
    )
    if goods >= threshold:
        (promo,) = data["shopPromotionList"]
        assert promo["discountFee"] == discount and promo["selected"] is True
    else:
        assert data["shopPromotionList"] == []
    # enough pieces to pass the threshold (every piece costs at least 1 fen) always qualify
    stock = {"platform": 1, "itemId": lines[0]["offerId"], "stock": 1_000_000}
    assert_ok(api.admin("POST", "/admin/sandbox/product/update", stock))
    big = [{**lines[0], "quantity": threshold}]
    data = assert_ok(post(api, dev, PROMOTIONS, {"cargoParamList": big}))
    (promo,) = data["shopPromotionList"]
    assert promo["discountFee"] == discount and promo["promotionId"].startswith("SP")
