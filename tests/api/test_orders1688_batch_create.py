"""6.4 batch create through the signed API, against the sandbox seller: one result per merchant
in order of first appearance, per-merchant business keys and replays, per-merchant failures
(unorderable lines, another sub-account's key, a lost answer), limits, staffName, userId, and the
shop promotion sent only to its merchant."""

from __future__ import annotations

from sqlalchemy import func, select

from daigou.marketplace.sandbox.orders import Seller
from daigou.messages.models import OutboxMessage
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import ADDRESS, merchants

BATCH = "/alibaba/order/batch/create"
PAGE = "/alibaba/order/page"
FAULT = "/admin/sandbox/fault/inject"


def batch(api, dev, lines, user_id=None, **extra):
    body = {"addressParam": ADDRESS, "cargoParamList": lines, **extra}
    return api.call(dev, "POST", BATCH, body=body, user_id=user_id)


def tagged(chosen, keys=None):
    """Every merchant's lines with its sellerOpenId (and outOrderId when `keys` names one)."""
    out = []
    for n, (seller, lines) in enumerate(chosen):
        key = {"outOrderId": keys[n]} if keys and keys[n] else {}
        out.append([{**ln, "sellerOpenId": seller, **key} for ln in lines])
    return out


def messages_of(db, order_ids):
    with db.reading() as conn:
        return conn.execute(
            select(OutboxMessage.object_id, OutboxMessage.message_type).where(
                OutboxMessage.object_id.in_(order_ids)
            )
        ).all()


def order_count(db) -> int:
    with db.reading() as conn:
        return conn.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.message_type == "ORDER_BUYER_VIEW_BUYER_MAKE")
        ).scalar_one()


def test_three_merchants_answer_in_order_of_first_appearance_with_their_orders(
    api, dev, settings, db
):
    a, b, c = tagged(merchants(settings, 3, 2))
    lines = [b[0], a[0], c[0], b[1], a[1], c[1]]
    data = assert_ok(batch(api, dev, lines, staffName="Lan", message="pack well"))
    results = data["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert [r["sellerOpenId"] for r in results] == [
        b[0]["sellerOpenId"],
        a[0]["sellerOpenId"],
        c[0]["sellerOpenId"],
    ]
    assert [r["key"] for r in results] == [r["sellerOpenId"] for r in results]
    assert [r["lineIndexes"] for r in results] == [[0, 3], [1, 4], [2, 5]]
    order_ids = []
    for r in results:
        assert (r["success"], r["code"], r["msg"]) == (True, 200, "success")
        assert r["replayed"] is False and r["failedOfferList"] == [] and r["outOrderId"] is None
        assert r["orderIds"] == [o["baseInfo"]["id"] for o in r["orders"]]
        for order in r["orders"]:
            assert order["baseInfo"]["sellerOpenId"] == r["sellerOpenId"]
            assert order["baseInfo"]["status"] == "waitbuyerpay"
            assert order["gatewayInfo"]["staffName"] == "Lan"
            assert order["gatewayInfo"]["sequence"] == 1
        order_ids += r["orderIds"]
    assert len(order_ids) >= 3
    made = messages_of(db, order_ids)
    assert sorted(made) == sorted((oid, "ORDER_BUYER_VIEW_BUYER_MAKE") for oid in order_ids)
    # staffName is kept on the order record, as the detail shows it
    detail = assert_ok(
        api.call(dev, "POST", "/alibaba/order/detail", body={"orderId": order_ids[0]})
    )
    assert detail["gatewayInfo"]["staffName"] == "Lan"


def test_one_merchant_failing_does_not_fail_the_others(api, dev, settings):
    a, b, c = tagged(merchants(settings, 3, 1))
    unorderable = {**b[0], "quantity": 999_999}
    wrong_seller = {**c[0], "sellerOpenId": a[0]["sellerOpenId"]}  # c's offer under a
    data = assert_ok(batch(api, dev, [a[0], unorderable, wrong_seller]))
    first, second = data["results"]
    assert second["code"] == 40904 and second["success"] is False
    assert second["orderIds"] == [] and second["orders"] == []
    (failed,) = second["failedOfferList"]
    assert failed["offerId"] == b[0]["offerId"] and failed["errorCode"] == "STOCK_NOT_ENOUGH"
    # the sandbox refuses an offer of another seller as a line, beside the merchant's order
    assert first["success"] is True and first["lineIndexes"] == [0, 2]
    (mismatch,) = first["failedOfferList"]
    assert mismatch["offerId"] == c[0]["offerId"] and mismatch["errorCode"] == "SELLER_MISMATCH"


def test_each_merchant_replays_its_own_out_order_id(api, dev, settings, db):
    a, b = tagged(merchants(settings, 2, 2), ["PO-A", "PO-B"])
    first = assert_ok(batch(api, dev, a + b))["results"]
    assert [r["outOrderId"] for r in first] == ["PO-A", "PO-B"]
    assert [r["replayed"] for r in first] == [False, False]
    made = order_count(db)
    again = assert_ok(batch(api, dev, a + b))["results"]
    assert [r["replayed"] for r in again] == [True, True]
    assert [r["orderIds"] for r in again] == [r["orderIds"] for r in first]
    assert order_count(db) == made  # nothing new
    page = assert_ok(api.call(dev, "POST", PAGE, body={"outOrderId": "PO-A"}))
    assert page["totalRecords"] == len(first[0]["orderIds"])
    # a key made by 6.4 is the same business key for 6.2
    single = {"flow": "general", "addressParam": ADDRESS, "outOrderId": "PO-B"}
    single["cargoParamList"] = [
        {k: v for k, v in ln.items() if k in ("offerId", "specId", "quantity")} for ln in b
    ]
    replay = assert_ok(api.call(dev, "POST", "/alibaba/order/create", body=single))
    assert replay["replayed"] is True and replay["orderId"] == first[1]["orderIds"][0]


def test_one_merchant_with_two_out_order_ids_or_one_key_for_two_merchants_is_40001(
    api, dev, settings
):
    a, b = tagged(merchants(settings, 2, 2))
    lines = [
        {**a[0], "outOrderId": "K-1"},
        {**b[0], "outOrderId": "K-2"},
        {**b[1], "outOrderId": "K-2"},
        {**a[1], "outOrderId": "K-9"},
    ]
    r = batch(api, dev, lines)
    body = assert_error(r, 40001)
    assert body["data"]["errors"][0]["field"] == "cargoParamList[3].outOrderId"
    lines[3] = {**a[1]}  # no key on one line of a merchant that has one
    body = assert_error(batch(api, dev, lines), 40001)
    assert body["data"]["errors"][0]["field"] == "cargoParamList[3].outOrderId"
    shared = [{**a[0], "outOrderId": "K-1"}, {**b[0], "outOrderId": "K-1"}]
    body = assert_error(batch(api, dev, shared), 40001)
    assert body["data"]["errors"][0]["field"] == "cargoParamList[1].outOrderId"


def test_limits_answer_40003_and_input_is_validated(api, dev, settings):
    ((seller, lines),) = merchants(settings, 1, 1)
    many = [{**lines[0], "sellerOpenId": f"BBBseller{i:017d}"} for i in range(21)]
    assert_error(batch(api, dev, many), 40003)
    assert_error(batch(api, dev, [{**lines[0], "sellerOpenId": seller}] * 51), 40003)
    one = [{**lines[0], "sellerOpenId": seller}]
    assert_error(batch(api, dev, []), 40001)
    assert_error(batch(api, dev, one, staffName="x" * 65), 40001)
    assert_error(batch(api, dev, one, tradeType="fxassure"), 40001)
    assert_error(batch(api, dev, [{**lines[0]}]), 40001)  # sellerOpenId is required


def test_another_sub_accounts_key_fails_only_that_merchant(api, dev, settings):
    for user in ("alice", "bob"):
        assert_ok(
            api.call(
                dev, "POST", "/open/subaccount/addOrUpdate", body={"userId": user, "userName": user}
            )
        )
    a, b = tagged(merchants(settings, 2, 1), ["ALICE-1", "BOB-1"])
    assert_ok(batch(api, dev, a, user_id="alice"))
    results = assert_ok(batch(api, dev, a + b, user_id="bob"))["results"]
    assert [r["code"] for r in results] == [40902, 200]
    assert results[0]["success"] is False and results[0]["orderIds"] == []
    assert results[1]["orders"][0]["gatewayInfo"]["userId"] == "bob"


def test_a_lost_answer_is_50401_for_that_merchant_and_settled_by_calling_again(
    api, dev, settings, db
):
    chosen = tagged(merchants(settings, 3, 1), ["L-1", "L-2", "L-3"])
    lines = [ln for group in chosen for ln in group]
    fault = {"operation": "1688.order.create", "mode": "timeout_after_commit", "count": 1}
    assert_ok(api.admin("POST", FAULT, fault))
    results = assert_ok(batch(api, dev, lines))["results"]
    assert sorted(r["code"] for r in results) == [200, 200, 50401]
    (lost,) = [r for r in results if r["code"] == 50401]
    assert lost["pendingOperation"] == "create" and lost["success"] is False
    assert lost["orderIds"] == []
    # the marketplace made it: the next call learns its orders by the key, the rest replay
    again = assert_ok(batch(api, dev, lines))["results"]
    assert [r["code"] for r in again] == [200, 200, 200]
    assert all(r["replayed"] for r in again)
    page = assert_ok(api.call(dev, "POST", PAGE, body={"outOrderId": lost["outOrderId"]}))
    assert page["totalRecords"] == len(again[lost["index"]]["orderIds"]) >= 1


def test_a_timeout_with_nothing_made_lets_the_retry_create(api, dev, settings):
    a, b = tagged(merchants(settings, 2, 1), ["T-1", "T-2"])
    fault = {"operation": "1688.order.create", "mode": "timeout", "count": 1}
    assert_ok(api.admin("POST", FAULT, fault))
    results = assert_ok(batch(api, dev, a + b))["results"]
    assert sorted(r["code"] for r in results) == [200, 50401]
    again = assert_ok(batch(api, dev, a + b))["results"]
    assert [r["code"] for r in again] == [200, 200]
    assert sorted(r["replayed"] for r in again) == [False, True]


def test_a_marketplace_error_is_50201_for_that_merchant_with_its_upstream_code(api, dev, settings):
    a, b = tagged(merchants(settings, 2, 1), ["E-1", "E-2"])
    fault = {"operation": "1688.order.create", "mode": "error", "count": 1}
    assert_ok(api.admin("POST", FAULT, fault))
    results = assert_ok(batch(api, dev, a + b))["results"]
    assert sorted(r["code"] for r in results) == [200, 50201]
    (failed,) = [r for r in results if r["code"] == 50201]
    assert failed["upstreamCode"] and failed["orderIds"] == []
    # nothing was made: the key is free, the retry creates
    again = assert_ok(batch(api, dev, a + b))["results"]
    assert again[failed["index"]]["code"] == 200
    assert again[failed["index"]]["replayed"] is False


def test_the_shop_promotion_goes_to_its_merchant_only(api, dev, settings):
    chosen = merchants(settings, 2, 1)
    lines = []
    for seller, (line,) in chosen:
        _, threshold, _ = Seller.promotion_of(seller)
        stock = {"platform": 1, "itemId": line["offerId"], "stock": 1_000_000}
        assert_ok(api.admin("POST", "/admin/sandbox/product/update", stock))
        lines.append({**line, "quantity": threshold, "sellerOpenId": seller})  # over threshold
    (sa, _), (sb, _) = chosen
    promo_a, _, discount_a = Seller.promotion_of(sa)
    _, _, discount_b = Seller.promotion_of(sb)
    results = assert_ok(batch(api, dev, lines, shopPromotionId=promo_a))["results"]
    assert [r["code"] for r in results] == [200, 200]
    discounts = [sum(o["baseInfo"]["discount"] for o in r["orders"]) for r in results]
    # a's by name; b keeps its own promotion (it was not told to use another seller's)
    assert discounts == [discount_a, discount_b]


def test_user_id_in_the_body_acts_as_the_sub_account(api, dev, settings):
    assert_ok(
        api.call(
            dev, "POST", "/open/subaccount/addOrUpdate", body={"userId": "carol", "userName": "C"}
        )
    )
    (a,) = tagged(merchants(settings, 1, 1))
    (result,) = assert_ok(batch(api, dev, a, userId="carol"))["results"]
    assert result["orders"][0]["gatewayInfo"]["userId"] == "carol"
    assert_error(batch(api, dev, a, userId="nobody"), 40301)
    assert_error(batch(api, dev, a, user_id="carol", userId="dave"), 40001)
    assert_ok(batch(api, dev, a, user_id="carol", userId="carol"))
