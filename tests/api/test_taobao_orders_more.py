"""Taobao purchase orders beyond the happy path (ENDPOINTS 2.3, 2.4, 2.8, 2.9, S7): the
consignee changed before shipment, the chat link and its public landing, reading by
sellerOrderNumber, the page's filters and cursor, sellerOrderNumber between sub-accounts, and
what the sandbox seller and the clock do to an order (a price change, a shop closing its order,
the pay timeout, the automatic confirmation of receipt)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import balance
from tests.support.taobao import (
    CANCEL,
    CHAT_LINK,
    DETAIL,
    PAGE,
    PRICE_MODIFY,
    RECEIVER,
    UPDATE_WAREHOUSE,
    advance,
    create,
    created,
    detail,
    messages_of,
    pay,
    run_feed,
    seller_close,
    seller_price,
    ship,
    shop_lines,
    status_moves,
    upload,
)

NEW_RECEIVER = {
    "name": "李四",
    "mobilePhone": "13900000000",
    "zip": "200000",
    "state": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "address": "世纪大道 100 号",
}


def one_shop_order(api, dev, settings, **kw):
    (lines,) = shop_lines(settings, shops=1, per=1)
    return created(api, dev, lines, **kw)


def update_warehouse(api, dev, **body):
    return api.call(dev, "POST", UPDATE_WAREHOUSE, body=body)


def shipped_order(api, dev, settings, app):
    """A one-shop order, paid and shipped (status 11 once the feed ran)."""
    order = one_shop_order(api, dev, settings)
    assert assert_ok(pay(api, dev, order["orderId"]))["status"] == 10
    ship(api, order["salesOrderIds"][0])
    run_feed(app)
    seen = detail(api, dev, order["orderId"])
    assert seen["status"] == 11
    return seen


# --- 2.8 updateWarehouse ------------------------------------------------------------------------
def test_update_warehouse_takes_a_receiver_as_json_text_or_an_object(api, dev, settings):
    order = one_shop_order(api, dev, settings)
    assert order["receiver"]["name"] == RECEIVER["name"]
    advance(api, 5)
    out = assert_ok(
        update_warehouse(
            api, dev, orderId=order["orderId"], receiver=json.dumps(NEW_RECEIVER), remark="moved"
        )
    )
    assert out["receiver"]["name"] == "李四"
    assert out["receiver"]["mobile_phone"] == "13900000000"  # mobilePhone accepted
    assert out["receiver"]["address"] == "世纪大道 100 号"
    assert out["remark"] == "moved" and out["status"] == 0
    assert out["modifyTime"] > order["modifyTime"]
    assert detail(api, dev, order["orderId"])["receiver"] == out["receiver"]
    # as an object, and once paid (10: not shipped yet)
    assert assert_ok(pay(api, dev, order["orderId"]))["status"] == 10
    back = {**RECEIVER, "address": "文三路 2 号"}
    out = assert_ok(update_warehouse(api, dev, orderId=order["orderId"], receiver=back))
    assert out["receiver"]["address"] == "文三路 2 号" and out["receiver"]["name"] == "张三"
    assert out["remark"] == "moved"  # kept when not given
    assert detail(api, dev, order["orderId"])["receiver"]["address"] == "文三路 2 号"


def test_update_warehouse_to_a_consolidation_warehouse_carries_the_callers_mark(api, dev, settings):
    """2.8 with a warehouseCode of 11.8: the consignee becomes the warehouse's, the name carrying
    the caller's mark as 11.8 lists it; an explicit receiver afterwards clears the code."""
    order = one_shop_order(api, dev, settings)
    (house, *_) = assert_ok(api.call(dev, "GET", "/open/pp/logistics/warehouse/list"))["data"]
    out = assert_ok(
        update_warehouse(api, dev, orderId=order["orderId"], warehouseCode=house["warehouseCode"])
    )
    assert out["warehouseCode"] == house["warehouseCode"]
    assert out["receiver"]["name"] == house["receiver"]["fullName"]
    assert out["receiver"]["name"].endswith(house["markCode"])
    assert out["receiver"]["district"] == house["receiver"]["areaText"]
    assert out["receiver"]["address"] == house["receiver"]["address"]
    assert detail(api, dev, order["orderId"])["receiver"] == out["receiver"]
    back = assert_ok(update_warehouse(api, dev, orderId=order["orderId"], receiver=RECEIVER))
    assert back["warehouseCode"] is None and back["receiver"]["name"] == RECEIVER["name"]


def test_update_warehouse_refusals(api, dev, settings, app):
    order = one_shop_order(api, dev, settings)
    oid = order["orderId"]
    # a warehouse code no warehouse has (11.8)
    err = assert_error(update_warehouse(api, dev, orderId=oid, warehouseCode="WH-HZ-1"), 40001)
    assert err["data"]["errors"][0]["field"] == "warehouseCode"
    # exactly one of the two
    both = update_warehouse(api, dev, orderId=oid, warehouseCode="WH-HZ-1", receiver=NEW_RECEIVER)
    assert_error(both, 40001)
    assert_error(update_warehouse(api, dev, orderId=oid, remark="nothing to change"), 40001)
    # a receiver without a phone is no receiver
    bad = {k: v for k, v in NEW_RECEIVER.items() if k != "mobilePhone"}
    assert_error(update_warehouse(api, dev, orderId=oid, receiver=bad), 40001)
    assert detail(api, dev, oid)["receiver"]["name"] == RECEIVER["name"]
    # another developer's order does not exist for them
    other = api.create_developer()
    assert_error(update_warehouse(api, other, orderId=oid, receiver=NEW_RECEIVER), 40401)
    # after shipment, and once cancelled
    shipped = shipped_order(api, dev, settings, app)
    err = assert_error(
        update_warehouse(api, dev, orderId=shipped["orderId"], receiver=NEW_RECEIVER), 40901
    )
    assert "11" in err["msg"]
    assert detail(api, dev, shipped["orderId"])["receiver"]["name"] == RECEIVER["name"]
    assert assert_ok(api.call(dev, "POST", CANCEL, body={"orderId": oid}))["status"] == 4
    assert_error(update_warehouse(api, dev, orderId=oid, receiver=NEW_RECEIVER), 40901)


# --- 2.9 the chat link --------------------------------------------------------------------------
def chat_link(api, dev, **body):
    return api.call(dev, "POST", CHAT_LINK, body=body)


def landing(api, url):
    """GET the link's target (public: no signature)."""
    parts = urlsplit(url)
    return api.http.get(parts.path, params={"token": parse_qs(parts.query)["token"][0]})


def test_a_chat_link_for_an_item_and_for_an_order_opens_unsigned(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    item_id = lines[0]["itemId"]
    order = created(api, dev, lines)
    now = advance(api, 0)["now"]

    url = assert_ok(chat_link(api, dev, sourceType="item", bizId=item_id))
    assert url.startswith(f"{settings.resolved_public_url}/chat?token=")
    about_item = assert_ok(landing(api, url))
    assert (about_item["sourceType"], about_item["bizId"]) == ("item", item_id)
    assert now + 600_000 <= about_item["expiresAt"] <= now + 600_000 + 60_000
    assert about_item["sellerOpenId"]

    url = assert_ok(chat_link(api, dev, sourceType="order", bizId=order["orderId"]))
    about_order = assert_ok(landing(api, url))
    assert (about_order["sourceType"], about_order["bizId"]) == ("order", order["orderId"])
    # the item's shop is the order's shop
    assert about_order["sellerOpenId"] == about_item["sellerOpenId"]

    # PandaPon's form: pageName + pageParamMap (JSON text or an object); loginName is never read
    for params in (
        json.dumps({"sourceType": "order", "bizId": order["orderId"]}),
        {"sourceType": "item", "bizId": int(item_id)},
    ):
        url = assert_ok(
            chat_link(api, dev, pageName="chat", pageParamMap=params, loginName="x", password="y")
        )
        got = assert_ok(landing(api, url))
        expected = params if isinstance(params, dict) else json.loads(params)
        assert (got["sourceType"], got["bizId"]) == (expected["sourceType"], str(expected["bizId"]))

    # neither form, or a bad sourceType
    assert_error(chat_link(api, dev, bizId=item_id), 40001)
    assert_error(chat_link(api, dev, sourceType="shop", bizId=item_id), 40001)
    assert_error(chat_link(api, dev, pageName="chat", pageParamMap="{not json"), 40001)
    # an order of another developer, an item that does not exist
    other = api.create_developer()
    assert_error(chat_link(api, other, sourceType="order", bizId=order["orderId"]), 40401)
    assert_error(chat_link(api, dev, sourceType="item", bizId="999999999999"), 40401)


def test_a_tampered_or_expired_chat_link_is_not_found(api, dev, settings):
    order = one_shop_order(api, dev, settings)
    url = assert_ok(chat_link(api, dev, sourceType="order", bizId=order["orderId"]))
    token = parse_qs(urlsplit(url).query)["token"][0]
    payload, _, mac = token.partition(".")
    assert_ok(api.http.get("/chat", params={"token": token}))
    # another payload under the same signature, a changed signature, no signature
    forged = json.dumps({"sourceType": "order", "bizId": "1", "exp": 2**50})
    forged_raw = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    for bad in (
        f"{forged_raw}.{mac}",
        f"{payload}.{'0' * len(mac)}",
        f"{payload}.",
        payload,
        f"{payload}.{mac[:-1]}é",  # not ASCII: still just not found
        f"{payload}é.{mac}",
    ):
        assert_error(api.http.get("/chat", params={"token": bad}), 40401)
    # still valid after 9 minutes; gone after 11
    advance(api, 9 * 60)
    assert assert_ok(api.http.get("/chat", params={"token": token}))["bizId"] == (order["orderId"])
    advance(api, 2 * 60)
    err = assert_error(api.http.get("/chat", params={"token": token}), 40401)
    assert "expired" in err["msg"]


# --- 2.4 detail ---------------------------------------------------------------------------------
def test_detail_by_seller_order_number(api, dev, settings):
    order = one_shop_order(api, dev, settings, sellerOrderNumber="ERP-0001", orderSource="lazada")
    got = assert_ok(api.call(dev, "GET", DETAIL, params={"sellerOrderNumber": "ERP-0001"}))
    assert got == detail(api, dev, order["orderId"])
    assert (got["orderId"], got["sellerOrderNumber"], got["orderSource"]) == (
        order["orderId"],
        "ERP-0001",
        "lazada",
    )
    assert_error(api.call(dev, "GET", DETAIL, params={"sellerOrderNumber": "ERP-0002"}), 40401)
    both = {"sellerOrderNumber": "ERP-0001", "orderId": order["orderId"]}
    assert_error(api.call(dev, "GET", DETAIL, params=both), 40001)
    assert_error(api.call(dev, "GET", DETAIL, params={}), 40001)
    # another developer's number space is its own
    other = api.create_developer()
    assert_error(api.call(other, "GET", DETAIL, params={"sellerOrderNumber": "ERP-0001"}), 40401)


# --- 2.3 page -----------------------------------------------------------------------------------
def page(api, dev, user_id=None, **params):
    return assert_ok(api.call(dev, "GET", PAGE, params=params, user_id=user_id))


def ids(p):
    return [o["orderId"] for o in p["data"]]


def test_page_filters(api, dev, settings):
    a, b = shop_lines(settings, shops=2, per=1)
    first = created(api, dev, a, sellerOrderNumber="N-1", orderSource="lazada")
    advance(api, 60)
    two_shops = created(api, dev, a + b, sellerOrderNumber="N-2", orderSource="shopee")
    advance(api, 60)
    third = created(api, dev, b, sellerOrderNumber="N-3", orderSource="lazada")
    advance(api, 60)
    fourth = created(api, dev, b)
    advance(api, 60)
    assert assert_ok(pay(api, dev, first["orderId"]))["status"] == 10
    assert (
        assert_ok(api.call(dev, "POST", CANCEL, body={"orderId": third["orderId"]}))["status"] == 4
    )
    newest_first = [fourth, third, two_shops, first]
    everything = page(api, dev)
    assert ids(everything) == [o["orderId"] for o in newest_first]
    assert everything["totalRecords"] == 4

    assert ids(page(api, dev, status="0")) == [fourth["orderId"], two_shops["orderId"]]
    assert ids(page(api, dev, status="10,4")) == [third["orderId"], first["orderId"]]
    assert ids(page(api, dev, status=" 4 , 10 ")) == [third["orderId"], first["orderId"]]
    assert page(api, dev, status="20")["data"] == []
    assert_error(api.call(dev, "GET", PAGE, params={"status": "0,7"}), 40001)

    assert ids(page(api, dev, sellerOrderNumber="N-2")) == [two_shops["orderId"]]
    assert page(api, dev, sellerOrderNumber="N-9")["data"] == []
    second_shop = two_shops["salesOrderIds"][1]
    assert ids(page(api, dev, salesOrderId=second_shop)) == [two_shops["orderId"]]
    assert ids(page(api, dev, orderSource="lazada")) == [third["orderId"], first["orderId"]]
    assert ids(page(api, dev, orderSource="lazada", status="4")) == [third["orderId"]]

    created_at = {o["orderId"]: o["createTime"] for o in everything["data"]}
    low, high = created_at[two_shops["orderId"]], created_at[third["orderId"]]
    ranged = page(api, dev, createStartTime=low, createEndTime=high)
    assert ids(ranged) == [third["orderId"], two_shops["orderId"]]
    assert ids(page(api, dev, createEndTime=low - 1)) == [first["orderId"]]

    # modified: the two orders paid or cancelled a minute after the last create was placed
    since = created_at[fourth["orderId"]] + 30_000
    assert ids(page(api, dev, modifyStartTime=since)) == [third["orderId"], first["orderId"]]
    assert ids(page(api, dev, modifyEndTime=since - 1)) == [
        fourth["orderId"],
        two_shops["orderId"],
    ]
    # another developer sees none of them
    assert page(api, api.create_developer())["data"] == []


def test_cursor_pages_have_no_gaps_or_repeats(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    made = [created(api, dev, lines)["orderId"] for _ in range(7)]
    by_number = []
    for n in (1, 2, 3):
        got = page(api, dev, pageSize=3, pageNo=n)
        assert (got["totalRecords"], got["totalPage"], got["currentPage"]) == (7, 3, n)
        by_number += ids(got)
    assert by_number == list(reversed(made))

    got = page(api, dev, pageSize=3)
    by_cursor = ids(got)
    # an order made while paging is newer than the cursor: it does not shift the pages
    late = created(api, dev, lines)["orderId"]
    while got["nextCursor"] is not None:
        got = page(api, dev, pageSize=3, cursor=got["nextCursor"])
        assert got["totalRecords"] is None
        by_cursor += ids(got)
        assert len(by_cursor) <= 7
    assert by_cursor == list(reversed(made))
    assert late not in by_cursor
    assert ids(page(api, dev, pageSize=1)) == [late]
    assert_error(api.call(dev, "GET", PAGE, params={"cursor": "not-a-cursor"}), 40001)


def test_a_sub_account_sees_its_own_orders(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    for user in ("buyer_a", "buyer_b"):
        body = {"userId": user, "userName": user}
        assert_ok(api.call(dev, "POST", "/open/subaccount/addOrUpdate", body=body))
    mine = created(api, dev, lines, user_id="buyer_a")
    theirs = created(api, dev, lines, user_id="buyer_b")
    assert mine["userId"] == "buyer_a"
    assert ids(page(api, dev, user_id="buyer_a")) == [mine["orderId"]]
    assert ids(page(api, dev)) == [theirs["orderId"], mine["orderId"]]
    r = api.call(dev, "GET", DETAIL, params={"orderId": mine["orderId"]}, user_id="buyer_b")
    assert_error(r, 40302)


# --- sellerOrderNumber between sub-accounts -----------------------------------------------------
def test_a_seller_order_number_reused_by_a_sibling_sub_account_answers_40902(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    for user in ("buyer_a", "buyer_b"):
        body = {"userId": user, "userName": user}
        assert_ok(api.call(dev, "POST", "/open/subaccount/addOrUpdate", body=body))
    order = created(api, dev, lines, user_id="buyer_a", sellerOrderNumber="SHARED-1")
    again = created(api, dev, lines, user_id="buyer_a", sellerOrderNumber="SHARED-1")
    assert again["orderId"] == order["orderId"] and again["replayed"] is True
    err = assert_error(
        create(api, dev, lines, user_id="buyer_b", sellerOrderNumber="SHARED-1"), 40902
    )
    assert "sellerOrderNumber" in err["msg"]
    # nothing was made for buyer_b; another developer may use the same number
    assert page(api, dev, user_id="buyer_b")["data"] == []
    other = api.create_developer()
    theirs = created(api, other, lines, sellerOrderNumber="SHARED-1")
    assert theirs["orderId"] != order["orderId"] and theirs["replayed"] is False


# --- the sandbox seller and the clock -----------------------------------------------------------
def test_a_seller_price_change_is_reported_with_the_new_amounts(api, dev, settings, db, app):
    a, b = shop_lines(settings, shops=2, per=1)
    order = created(api, dev, a + b)
    first_shop = order["salesOrderIds"][0]
    line = next(s for s in order["subOrders"] if s["salesOrderId"] == first_shop)
    new_price = line["price"] - 100
    seller_price(api, first_shop, lines=[{"lineId": line["subOrderId"], "price": new_price}])
    run_feed(app)

    seen = detail(api, dev, order["orderId"])
    cut = 100 * line["quantity"]
    assert seen["purchaseAmount"] == order["purchaseAmount"] - cut
    assert seen["productAmount"] == order["productAmount"] - cut
    assert seen["status"] == 0
    changed = next(s for s in seen["subOrders"] if s["subOrderId"] == line["subOrderId"])
    assert changed["price"] == new_price

    (msg,) = [m for m in messages_of(db, order["orderId"]) if m["type"] == PRICE_MODIFY]
    assert msg["purchaseOrderPriceDTO"] == {
        "productAmount": seen["productAmount"],
        "postFee": seen["postFee"],
        "totalAmount": seen["purchaseAmount"],
    }
    assert msg["salesOrderId"] == first_shop
    sub = next(s for s in msg["subOrders"] if s["subOrderId"] == line["subOrderId"])
    assert sub["price"] == new_price
    assert len(msg["subOrders"]) == 2
    assert msg["order"]["purchaseAmount"] == seen["purchaseAmount"]
    # no status moved; the message is in the order's sequence
    assert status_moves(db, order["orderId"]) == [(12, 0)]
    assert msg["sequence"] == seen["sequence"] == 2

    # the old amount is no longer what is owed
    err = assert_error(upload(api, dev, order["orderId"], order["purchaseAmount"]), 40001)
    assert str(seen["purchaseAmount"]) in err["msg"]
    paid = assert_ok(pay(api, dev, order["orderId"]))
    assert (paid["status"], paid["paidAmount"]) == (10, seen["purchaseAmount"])


def test_a_shop_closing_its_order_leaves_the_other_shop_payable(api, dev, settings, db, app):
    a, b = shop_lines(settings, shops=2, per=1)
    order = created(api, dev, a + b)
    closed, kept = order["salesOrderIds"]
    seller_close(api, closed)
    run_feed(app)
    seen = detail(api, dev, order["orderId"])
    assert seen["status"] == 0
    assert (seen["closeTime"], seen["closeReason"]) == (None, None)  # the order is not closed
    kept_total = seen["purchaseAmount"]
    assert 0 < kept_total < order["purchaseAmount"]
    start = balance(api, dev)["availableAmount"]
    paid = assert_ok(pay(api, dev, order["orderId"]))
    assert (paid["status"], paid["paidAmount"]) == (10, kept_total)
    assert balance(api, dev)["availableAmount"] == start - kept_total
    assert detail(api, dev, order["orderId"])["salesOrderIds"] == [closed, kept]
    assert status_moves(db, order["orderId"]) == [(12, 0), (0, 10)]


def test_both_shops_closing_cancel_the_order(api, dev, settings, db, app):
    a, b = shop_lines(settings, shops=2, per=1)
    order = created(api, dev, a + b)
    for sales_order_id in order["salesOrderIds"]:
        seller_close(api, sales_order_id)
    run_feed(app)
    seen = detail(api, dev, order["orderId"])
    assert seen["status"] == 4 and seen["closeTime"] is not None
    assert seen["closeReason"] == "sellerGoodsLack"  # the marketplace's reason
    assert status_moves(db, order["orderId"]) == [(12, 0), (0, 4)]
    assert_error(pay(api, dev, order["orderId"]), 40901)


def test_the_pay_timeout_cancels_an_unpaid_order(api, dev, settings, db, app):
    order = one_shop_order(api, dev, settings)
    advance(api, settings.sandbox_pay_timeout_seconds - 60)
    run_feed(app)
    assert detail(api, dev, order["orderId"])["status"] == 0
    now = advance(api, 120)["now"]
    run_feed(app)
    seen = detail(api, dev, order["orderId"])
    assert (seen["status"], seen["closeReason"]) == (4, "payTimeout")
    assert now - 120_000 <= seen["closeTime"] <= now + 60_000
    assert status_moves(db, order["orderId"]) == [(12, 0), (0, 4)]
    assert_error(pay(api, dev, order["orderId"]), 40901)
    assert balance(api, dev)["heldAmount"] == 0


def test_auto_confirm_finishes_a_shipped_order_after_ten_days(api, dev, settings, db, app):
    order = shipped_order(api, dev, settings, app)
    gateway = app.state.gateway
    days = settings.taobao_auto_confirm_days
    assert days == 10
    advance(api, (days - 1) * 86_400)
    assert gateway.auto_confirm() == 0
    assert detail(api, dev, order["orderId"])["status"] == 11
    advance(api, 86_400 + 60)
    assert gateway.auto_confirm() == 1
    done = detail(api, dev, order["orderId"])
    assert done["status"] == 20 and done["finishTime"] is not None
    assert status_moves(db, order["orderId"])[-2:] == [(10, 11), (11, 20)]
    # done once: nothing more to confirm
    assert gateway.auto_confirm() == 0
