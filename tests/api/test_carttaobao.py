"""The Taobao cart through the signed API (ENDPOINTS 4.1-4.6): add by PandaPon's mpId pair or by
our ids and merge, hints kept but never trusted, stock, sale and size limits, the list re-read
from the marketplace with `available`, delete per id, edit, whose cart a line belongs to, and
cart lines priced (as 2.1) and ordered (as 2.2) with the ordered lines leaving the cart."""

from __future__ import annotations

import json

import pytest

from daigou.carttaobao import service
from daigou.carttaobao.models import CartTaobaoLine
from tests.support.api import assert_error, assert_ok, field_names
from tests.support.databases import ONE_BACKEND
from tests.support.taobao import (
    DETAIL,
    RECEIVER,
    RENDER,
    create,
    mp,
    off_sale,
    orderable,
    shop_lines,
)

ADD = "/open/cart/add"
LIST = "/open/cart/list"
DELETE = "/open/cart/delete"
EDIT = "/open/cart/edit-quantity"
UPDATE = "/admin/sandbox/product/update"
SUB = "/open/subaccount/addOrUpdate"
PAGE_KEYS = {"totalRecords", "totalPage", "pageSize", "currentPage", "data", "nextCursor"}
LINE_KEYS = {
    "id", "itemId", "skuId", "mpId", "mpSkuId", "itemTitle", "itemPic", "price",
    "promotionPrice", "quantity", "skuQuantity", "properties", "shopId", "shopName",
    "available", "createTime",
}  # fmt: skip
HINTS = {
    "itemTitle": "a title the client made up",
    "itemPic": "https://example.com/made-up.jpg",
    "price": 1,
    "promotionPrice": 1,
    "properties": json.dumps([{"propId": 1, "propName": "颜色", "valueId": 2, "valueName": "红"}]),
    "shopId": 42,
    "shopName": "英皇保罗旗舰店",
    "skuQuantity": "94",
    "userNick": "介安琪",
    "platform": 1,
}


def add(api, dev, item, sku, quantity, user_id=None, **extra):
    body = {"itemId": item.offer_id, "skuId": sku.sku_id, "quantity": quantity, **extra}
    return api.call(dev, "POST", ADD, body=body, user_id=user_id)


def add_mp(api, dev, item, sku, quantity, **extra):
    body = {"mpId": mp(item.offer_id), "mpSkuId": mp(sku.sku_id), "quantity": quantity, **extra}
    return api.call(dev, "POST", ADD, body=body)


def listing(api, dev, user_id=None, **params):
    page = assert_ok(api.call(dev, "GET", LIST, params=params, user_id=user_id))
    assert set(page) == PAGE_KEYS, page
    return page


def lines(page):
    return {line["id"]: line for line in page["data"]}


def edit(api, dev, line_id, quantity, user_id=None):
    body = {"id": line_id, "quantity": quantity}
    return api.call(dev, "POST", EDIT, body=body, user_id=user_id)


def update(api, item, **change):
    r = api.admin("POST", UPDATE, {"platform": 0, "itemId": item.offer_id, **change})
    assert r.status_code == 200, r.text


# --- 4.1 add, 4.2 list -------------------------------------------------------------------------


def test_the_mp_pair_and_our_ids_name_one_line_listed_from_the_marketplace(api, dev, settings):
    item, sku = orderable(settings, multi_sku=True)[0]
    first = assert_ok(add_mp(api, dev, item, sku, 2, **HINTS))
    assert set(first) == {"id", "quantity"} and first["quantity"] == 2
    assert isinstance(first["id"], int)
    # our ids, as integers, and the paired form in our fields: all the same line
    again = assert_ok(
        api.call(
            dev,
            "POST",
            ADD,
            body={"itemId": int(item.offer_id), "skuId": int(sku.sku_id), "quantity": 1},
        )
    )
    assert again == {"id": first["id"], "quantity": 3}
    body = {"itemId": mp(item.offer_id), "mpSkuId": mp(sku.sku_id), "quantity": 1}
    assert assert_ok(api.call(dev, "POST", ADD, body=body)) == {"id": first["id"], "quantity": 4}
    page = listing(api, dev)
    assert (page["totalRecords"], page["totalPage"], page["currentPage"]) == (1, 1, 1)
    assert page["pageSize"] == 20 and page["nextCursor"] is None
    (line,) = page["data"]
    assert set(line) == LINE_KEYS
    assert line["id"] == first["id"] and line["quantity"] == 4
    assert (line["itemId"], line["skuId"]) == (item.offer_id, sku.sku_id)
    assert (line["mpId"], line["mpSkuId"]) == (mp(item.offer_id), mp(sku.sku_id))
    # the marketplace's price, title, stock and shop; never the hints
    assert (line["price"], line["promotionPrice"]) == (sku.price_fen, sku.promotion_price_fen)
    assert line["skuQuantity"] == sku.stock and line["available"] is True
    assert line["itemTitle"] and line["itemTitle"] != HINTS["itemTitle"]
    assert line["itemPic"] and line["itemPic"] != HINTS["itemPic"]
    assert line["shopId"] == item.shop_id and line["shopName"] != HINTS["shopName"]
    assert len(line["properties"]) == len(sku.attributes)
    assert set(line["properties"][0]) == {"propId", "propName", "valueId", "valueName"}
    assert isinstance(line["createTime"], int) and line["createTime"] > 0


def test_the_list_follows_the_marketplace_price(api, dev, settings):
    item, sku = orderable(settings)[0]
    line = assert_ok(add(api, dev, item, sku, 1, price=sku.price_fen))
    update(api, item, skuId=sku.sku_id, price=sku.price_fen + 500)
    got = lines(listing(api, dev))[line["id"]]
    assert got["price"] == sku.price_fen + 500 and got["available"] is True


def test_naming_the_item_and_its_sku(api, dev, settings):
    multi, msku = orderable(settings, multi_sku=True)[0]
    alone = {"itemId": multi.offer_id, "quantity": 1}
    assert field_names(assert_error(api.call(dev, "POST", ADD, body=alone), 40001)) == ["skuId"]
    unknown_sku = {**alone, "skuId": multi.offer_id + "99"}
    assert_error(api.call(dev, "POST", ADD, body=unknown_sku), 40904)
    unknown_item = {"itemId": "799999999999", "skuId": "79999999999900", "quantity": 1}
    assert_error(api.call(dev, "POST", ADD, body=unknown_item), 40401)
    for body in (
        {"quantity": 1},  # no item
        {"mpSkuId": mp(msku.sku_id), "quantity": 1},  # a SKU without its item
        {"itemId": multi.offer_id, "mpId": mp("700000000001"), "skuId": msku.sku_id, "quantity": 1},
        {"itemId": multi.offer_id, "skuId": msku.sku_id, "mpSkuId": mp("1" * 14), "quantity": 1},
        {"itemId": multi.offer_id, "skuId": msku.sku_id, "quantity": 0},
        {"itemId": multi.offer_id, "skuId": msku.sku_id, "quantity": 1.0},
        {"itemId": multi.offer_id, "skuId": msku.sku_id, "quantity": "2"},
        {"itemId": multi.offer_id, "skuId": msku.sku_id, "quantity": 100_001},
        {"itemId": "x1", "skuId": msku.sku_id, "quantity": 1},
        {"itemId": True, "skuId": msku.sku_id, "quantity": 1},
    ):
        assert_error(api.call(dev, "POST", ADD, body=body), 40001)
    assert listing(api, dev)["totalRecords"] == 0
    single = orderable(settings, multi_sku=False)
    assert single, "the test catalogue has items of one SKU"
    item, sku = single[0]
    by_item = assert_ok(api.call(dev, "POST", ADD, body={"mpId": mp(item.offer_id), "quantity": 1}))
    assert assert_ok(add(api, dev, item, sku, 1)) == {"id": by_item["id"], "quantity": 2}


def test_quantity_over_stock_answers_40904_and_changes_nothing(api, dev, settings):
    item, sku = orderable(settings)[0]
    line = assert_ok(add(api, dev, item, sku, sku.stock - 1))
    body = assert_error(add(api, dev, item, sku, 2), 40904)
    assert "stock" in body["msg"]
    assert_error(add(api, dev, item, sku, sku.stock + 1), 40904)
    assert lines(listing(api, dev))[line["id"]]["quantity"] == sku.stock - 1
    assert_error(edit(api, dev, line["id"], sku.stock + 1), 40904)
    assert assert_ok(edit(api, dev, line["id"], sku.stock)) is True
    assert lines(listing(api, dev))[line["id"]]["quantity"] == sku.stock
    # the stock falls under the line: listed, but no longer available
    update(api, item, skuId=sku.sku_id, stock=sku.stock - 1)
    got = lines(listing(api, dev))[line["id"]]
    assert got["available"] is False and got["skuQuantity"] == sku.stock - 1


def test_off_sale_items_and_skus_cannot_be_added_and_are_listed_unavailable(api, dev, settings):
    (a, sa), (b, sb) = orderable(settings, multi_sku=True)[:2]
    la = assert_ok(add(api, dev, a, sa, 1))
    lb = assert_ok(add(api, dev, b, sb, 1))
    update(api, a, onSale=False)
    update(api, b, skuId=sb.sku_id, onSale=False)
    page = lines(listing(api, dev))
    assert page[la["id"]]["available"] is False and page[la["id"]]["price"] == sa.price_fen
    assert page[lb["id"]]["available"] is False
    for item, sku, line in ((a, sa, la), (b, sb, lb)):
        assert "on sale" in assert_error(add(api, dev, item, sku, 1), 40904)["msg"]
        assert_error(edit(api, dev, line["id"], 1), 40904)
    # another SKU of b is still on sale
    other = next(s for s in b.skus if s.sku_id != sb.sku_id)
    if other.stock:
        assert_ok(add(api, dev, b, other, 1))
    (gone,) = off_sale(settings)[:1]
    assert_error(add(api, dev, gone, gone.skus[0], 1), 40904)


def test_below_the_minimum_quantity_is_listed_unavailable(api, dev, settings):
    picks = [p for p in orderable(settings) if p[0].min_order_quantity > 1]
    if not picks:
        pytest.skip("no item with a minimum above 1")
    item, sku = picks[0]
    line = assert_ok(add(api, dev, item, sku, 1))
    assert lines(listing(api, dev))[line["id"]]["available"] is False
    assert_ok(edit(api, dev, line["id"], item.min_order_quantity))
    assert lines(listing(api, dev))[line["id"]]["available"] is True


def test_a_line_whose_item_is_gone_shows_its_hints_and_is_unavailable(api, dev, settings, db):
    item, sku = orderable(settings)[0]
    kept = assert_ok(add_mp(api, dev, item, sku, 1, **HINTS))
    with db.transaction() as s:  # the marketplace forgot the item (an id it never had)
        line = s.get(CartTaobaoLine, kept["id"])
        line.item_id, line.sku_id = "799999999999", "79999999999900"
    (got,) = listing(api, dev)["data"]
    assert got["available"] is False
    assert (got["itemId"], got["mpId"]) == ("799999999999", mp("799999999999"))
    assert (got["itemTitle"], got["itemPic"]) == (HINTS["itemTitle"], HINTS["itemPic"])
    assert (got["shopId"], got["shopName"]) == ("42", HINTS["shopName"])
    assert got["properties"] == [
        {"propId": "1", "propName": "颜色", "valueId": "2", "valueName": "红"}
    ]
    # nothing the client said about price or stock is shown as the marketplace's
    assert got["price"] is got["promotionPrice"] is got["skuQuantity"] is None
    assert_error(edit(api, dev, kept["id"], 2), 40904)
    assert assert_ok(api.call(dev, "POST", DELETE, body={"ids": [kept["id"]]}))["results"][0][
        "success"
    ]


def test_the_list_pages_most_recently_changed_first(api, dev, settings):
    picks = orderable(settings)[:3]
    ids = [assert_ok(add(api, dev, i, s, 1))["id"] for i, s in picks]
    assert_ok(add(api, dev, *picks[0], 1))  # the first line changes last
    p1 = listing(api, dev, pageNo=1, pageSize=2)
    assert (p1["totalRecords"], p1["totalPage"], p1["pageSize"], p1["currentPage"]) == (3, 2, 2, 1)
    p2 = listing(api, dev, pageNo=2, pageSize=2)
    assert [line["id"] for line in p1["data"] + p2["data"]] == [ids[0], ids[2], ids[1]]
    assert listing(api, dev, pageNo=3, pageSize=2)["data"] == []
    for bad in ({"pageSize": 0}, {"pageSize": 101}, {"pageNo": 0}, {"pageNo": "x"}):
        assert_error(api.call(dev, "GET", LIST, params=bad), 40001)


# --- 4.3 delete, 4.4 edit ----------------------------------------------------------------------


def test_delete_answers_per_item_in_input_order(api, dev, settings):
    (a, sa), (b, sb) = orderable(settings)[:2]
    la = assert_ok(add(api, dev, a, sa, 1))
    lb = assert_ok(add(api, dev, b, sb, 1))
    other = api.create_developer()
    lo = assert_ok(add(api, other, a, sa, 1))
    ids = [lb["id"], 987654321, lo["id"], la["id"], lb["id"]]
    results = assert_ok(api.call(dev, "POST", DELETE, body={"ids": ids}))["results"]
    assert [(r["index"], r["key"], r["success"], r["code"]) for r in results] == [
        (0, lb["id"], True, 200),
        (1, 987654321, False, 40401),
        (2, lo["id"], False, 40401),
        (3, la["id"], True, 200),
        (4, lb["id"], False, 40401),
    ]
    assert listing(api, dev)["totalRecords"] == 0
    assert lo["id"] in lines(listing(api, other))
    assert_error(api.call(dev, "POST", DELETE, body={"ids": list(range(1, 102))}), 40003)
    assert_error(api.call(dev, "POST", DELETE, body={"ids": []}), 40001)
    assert_error(api.call(dev, "POST", DELETE, body={"ids": ["1"]}), 40001)
    assert_error(api.call(dev, "POST", DELETE, body={}), 40001)


def test_a_deleted_line_id_is_never_reused(api, dev, settings):
    (a, sa), (b, sb) = orderable(settings)[:2]
    first = assert_ok(add(api, dev, a, sa, 1))["id"]
    assert_ok(api.call(dev, "POST", DELETE, body={"ids": [first]}))
    second = assert_ok(add(api, dev, b, sb, 1))["id"]
    assert second > first


def test_edit_quantity_and_unknown_ids(api, dev, settings):
    item, sku = orderable(settings)[0]
    line = assert_ok(add(api, dev, item, sku, 1))
    assert assert_ok(edit(api, dev, line["id"], 5)) is True
    assert lines(listing(api, dev))[line["id"]]["quantity"] == 5
    assert_error(edit(api, dev, 987654321, 1), 40401)
    other = api.create_developer()
    assert_error(edit(api, other, line["id"], 1), 40401)
    for body in (
        {"id": line["id"], "quantity": 0},
        {"id": line["id"]},
        {"id": str(line["id"]), "quantity": 1},
        {"id": line["id"], "quantity": 100_001},
        {"id": 2**63, "quantity": 1},
    ):
        assert_error(api.call(dev, "POST", EDIT, body=body), 40001)
    assert lines(listing(api, dev))[line["id"]]["quantity"] == 5


# --- whose cart --------------------------------------------------------------------------------


def test_a_sub_account_has_its_own_cart(api, dev, settings):
    item, sku = orderable(settings)[0]
    for user in ("buyer-a", "buyer-b"):
        assert_ok(api.call(dev, "POST", SUB, body={"userId": user, "userName": user}))
    main = assert_ok(add(api, dev, item, sku, 1))
    sub = assert_ok(add(api, dev, item, sku, 2, user_id="buyer-a"))
    assert sub["id"] != main["id"] and sub["quantity"] == 2
    # PandaPon's body userId acts as the header
    body = {"itemId": item.offer_id, "skuId": sku.sku_id, "quantity": 1, "userId": "buyer-a"}
    assert assert_ok(api.call(dev, "POST", ADD, body=body)) == {"id": sub["id"], "quantity": 3}
    assert_error(api.call(dev, "POST", ADD, body=body, user_id="buyer-b"), 40001)
    assert_error(api.call(dev, "POST", ADD, body={**body, "userId": "nobody"}), 40301)
    assert_error(add(api, dev, item, sku, 1, user_id="nobody"), 40301)
    assert set(lines(listing(api, dev))) == {main["id"]}
    assert set(lines(listing(api, dev, user_id="buyer-a"))) == {sub["id"]}
    assert listing(api, dev, user_id="buyer-b")["data"] == []
    # a sibling's line, or the main account's, is another cart: never seen or changed
    assert_error(edit(api, dev, sub["id"], 1, user_id="buyer-b"), 40302)
    assert_error(edit(api, dev, main["id"], 1, user_id="buyer-a"), 40302)
    results = assert_ok(
        api.call(dev, "POST", DELETE, body={"ids": [sub["id"], main["id"]]}, user_id="buyer-b")
    )["results"]
    assert [(r["success"], r["code"]) for r in results] == [(False, 40302), (False, 40302)]
    assert lines(listing(api, dev, user_id="buyer-a"))[sub["id"]]["quantity"] == 3
    assert lines(listing(api, dev))[main["id"]]["quantity"] == 1


def test_cart_full_answers_40901(api, dev, settings, monkeypatch):
    monkeypatch.setattr(service, "MAX_LINES", 3)
    picks = orderable(settings)[:4]
    ids = [assert_ok(add(api, dev, i, s, 1))["id"] for i, s in picks[:3]]
    body = assert_error(add(api, dev, *picks[3], 1), 40901)
    assert "cart full" in body["msg"]
    assert assert_ok(add(api, dev, *picks[0], 1))["id"] == ids[0]  # an existing line still grows
    # each account has its own 200 (here 3)
    assert_ok(api.call(dev, "POST", SUB, body={"userId": "sub-1", "userName": "S"}))
    assert_ok(add(api, dev, *picks[3], 1, user_id="sub-1"))


def test_a_cart_holds_200_lines(api, dev, settings):
    skus = [
        (item, sku)
        for item, _ in orderable(settings)
        for sku in item.skus
        if sku.stock >= item.min_order_quantity
    ]
    assert len(skus) > 200
    for item, sku in skus[:200]:
        assert_ok(add(api, dev, item, sku, item.min_order_quantity))
    assert_error(add(api, dev, *skus[200], skus[200][0].min_order_quantity), 40901)
    assert listing(api, dev, pageSize=100)["totalRecords"] == 200


@ONE_BACKEND
@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b'"x"',
        b'{"itemId": {"a": 1}, "quantity": 1}',
        b'{"itemId": "700000000001", "quantity": 1, "properties": "not json"}',
        b'{"itemId": "700000000001", "quantity": 1, "properties": "{\\"a\\": 1}"}',
        b'{"itemId": "700000000001", "quantity": 1, "price": 1.5}',
        b'{"itemId": "700000000001", "quantity": 1, "price": "633.69"}',
        b'{"itemId": "700000000001", "quantity": 1, "skuQuantity": -1}',
        b'{"itemId": "700000000001", "quantity": 1, "userId": "a b"}',
        b'{"itemId": "99999999999999999999", "quantity": 1}',
        b'{"itemId": "700000000001", "quantity": 99999999999999999999999}',
    ],
)
def test_bad_input_answers_40001_never_500(api, dev, raw):
    r = api.call(dev, "POST", ADD, raw=raw)
    assert_error(r, 40001)


# --- 4.5 preview, 4.6 create -------------------------------------------------------------------
PREVIEW = "/open/cart/preview/order"
CREATE = "/open/cart/create/order"
RENDER_KEYS = {"purchaseAmount", "productAmount", "postFee", "discount", "currency", "lines"}


def cart_of(api, dev, lines, user_id=None):
    """The order lines (2.2's shape) put in the cart: their cart line ids, in order."""
    out = []
    for ln in lines:
        body = {"itemId": ln["itemId"], "skuId": ln["skuId"], "quantity": ln["quantity"]}
        out.append(assert_ok(api.call(dev, "POST", ADD, body=body, user_id=user_id))["id"])
    return out


def in_cart(api, dev, user_id=None):
    return set(lines(listing(api, dev, user_id=user_id)))


def test_preview_prices_cart_lines_as_render_does_with_their_cart_ids(api, dev, settings):
    a, b = shop_lines(settings, shops=2, per=2)
    ids = cart_of(api, dev, a + b)
    chosen = [ids[2], ids[0], ids[3]]
    body = {"ids": chosen, "orderAddress": json.dumps(RECEIVER, ensure_ascii=False)}
    data = assert_ok(api.call(dev, "POST", PREVIEW, body=body))
    assert set(data) == RENDER_KEYS
    assert [ln["id"] for ln in data["lines"]] == chosen
    assert [ln["key"] for ln in data["lines"]] == [str(i) for i in chosen]
    assert all(ln["success"] and ln["available"] for ln in data["lines"])
    # the same as 2.1 pricing the same lines
    same = [{**(a + b)[ids.index(i)], "orderLineNo": str(i)} for i in chosen]
    priced = assert_ok(
        api.call(dev, "POST", RENDER, body={"receiver": RECEIVER, "orderLineList": same})
    )
    assert data["purchaseAmount"] == priced["purchaseAmount"] > 0
    assert [ln["price"] for ln in data["lines"]] == [ln["price"] for ln in priced["lines"]]
    # a line that can no longer be ordered is priced as failed, the others still are
    update(api, orderable_item(settings, a[0]["itemId"]), onSale=False)
    data = assert_ok(api.call(dev, "POST", PREVIEW, body={**body, "ids": ids[:2]}))
    first, second = data["lines"]
    assert (first["success"], first["code"], first["available"]) == (False, 40904, False)
    assert second["success"] is True
    assert in_cart(api, dev) == set(ids)  # a preview changes nothing


def orderable_item(settings, item_id):
    return next(i for i, _ in orderable(settings) if i.offer_id == item_id)


def test_preview_and_create_refuse_bad_input(api, dev, settings):
    (a,) = shop_lines(settings, shops=1, per=1)
    ids = cart_of(api, dev, a)
    good = {"ids": ids, "orderAddress": RECEIVER}
    for path in (PREVIEW, CREATE):
        for body in (
            {**good, "ids": []},
            {**good, "ids": ids * 51},
            {**good, "ids": [str(ids[0])]},
            {"ids": ids},
            {**good, "orderAddress": "{not json"},
            {**good, "orderAddress": {"name": "x", "address": "y"}},  # no phone
            {**good, "orderAddress": {**RECEIVER, "name": ""}},
        ):
            assert_error(api.call(dev, "POST", path, body=body), 40001)
    for body in (
        {**good, "purchaseAmount": 1.5},
        {**good, "purchaseAmount": "633.69"},
        {**good, "purchaseAmount": -1},
        {**good, "userId": "a b"},
        {**good, "sellerOrderNumber": "x" * 65},
        {**good, "orderSource": "x" * 33},
    ):
        assert_error(api.call(dev, "POST", CREATE, body=body), 40001)
    assert in_cart(api, dev) == set(ids)


def test_create_orders_the_chosen_lines_and_only_they_leave_the_cart(api, dev, settings):
    a, b = shop_lines(settings, shops=2, per=2)
    ids = cart_of(api, dev, a + b)
    chosen = [ids[0], ids[2], ids[3]]
    body = {"ids": chosen, "orderAddress": RECEIVER}
    amount = assert_ok(api.call(dev, "POST", PREVIEW, body=body))["purchaseAmount"]
    order = assert_ok(
        api.call(
            dev,
            "POST",
            CREATE,
            body={**body, "purchaseAmount": amount, "orderSource": "lazada"},
        )
    )
    assert order["status"] == 0 and order["replayed"] is False
    assert order["purchaseAmount"] == amount and order["orderSource"] == "lazada"
    assert [s["orderLineNo"] for s in order["subOrders"]] == [str(i) for i in chosen]
    assert all(s["subOrderId"] for s in order["subOrders"])
    cart_lines = a + b
    assert [(s["itemId"], s["skuId"], s["quantity"]) for s in order["subOrders"]] == [
        (cart_lines[ids.index(i)]["itemId"], cart_lines[ids.index(i)]["skuId"],
         cart_lines[ids.index(i)]["quantity"])
        for i in chosen
    ]  # fmt: skip
    assert len(order["salesOrderIds"]) == 2 and order["userId"] is None
    seen = assert_ok(api.call(dev, "GET", DETAIL, params={"orderId": order["orderId"]}))
    assert seen["orderId"] == order["orderId"]
    assert in_cart(api, dev) == {ids[1]}
    # the ordered lines are gone: ordering them again is 40401, without a sellerOrderNumber
    assert_error(api.call(dev, "POST", CREATE, body=body), 40401)


def test_lines_of_a_shop_the_marketplace_refused_stay_in_the_cart(api, dev, settings):
    a, b = shop_lines(settings, shops=2, per=2)
    ids = cart_of(api, dev, a + b)
    fault = {"operation": "taobao.order.create", "mode": "error", "count": 1}
    assert_ok(api.admin("POST", "/admin/sandbox/fault/inject", fault))
    order = assert_ok(api.call(dev, "POST", CREATE, body={"ids": ids, "orderAddress": RECEIVER}))
    # one shop placed, the other refused (which one: the two are made concurrently)
    assert len(order["salesOrderIds"]) == 1
    unplaced = {int(s["orderLineNo"]) for s in order["subOrders"] if s["subOrderId"] is None}
    assert unplaced in ({ids[0], ids[1]}, {ids[2], ids[3]})
    assert in_cart(api, dev) == unplaced


def test_a_line_that_cannot_be_ordered_fails_the_create_and_every_line_stays(api, dev, settings):
    (a,) = shop_lines(settings, shops=1, per=2)
    ids = cart_of(api, dev, a)
    body = {"ids": ids, "orderAddress": RECEIVER}
    amount = assert_ok(api.call(dev, "POST", PREVIEW, body=body))["purchaseAmount"]
    wrong = assert_error(
        api.call(dev, "POST", CREATE, body={**body, "purchaseAmount": amount + 1}), 40001
    )
    assert "purchaseAmount" in wrong["msg"]
    update(api, orderable_item(settings, a[1]["itemId"]), onSale=False)
    refused = assert_error(api.call(dev, "POST", CREATE, body=body), 40904)
    assert [e["orderLineNo"] for e in refused["data"]["errors"]] == [str(ids[1])]
    assert in_cart(api, dev) == set(ids)


def test_the_same_seller_order_number_returns_the_order_made(api, dev, settings):
    (a,) = shop_lines(settings, shops=1, per=2)
    ids = cart_of(api, dev, a)
    body = {"ids": ids, "orderAddress": RECEIVER, "sellerOrderNumber": "SO-CART-1"}
    order = assert_ok(api.call(dev, "POST", CREATE, body=body))
    assert order["sellerOrderNumber"] == "SO-CART-1" and in_cart(api, dev) == set()
    # a repeat (its answer lost): the same order, replayed; nothing is ordered twice
    again = assert_ok(api.call(dev, "POST", CREATE, body=body))
    assert (again["orderId"], again["replayed"]) == (order["orderId"], True)
    # the lines back in the cart, ordered under the same number: the order made, lines kept
    ids = cart_of(api, dev, a)
    again = assert_ok(api.call(dev, "POST", CREATE, body={**body, "ids": ids}))
    assert (again["orderId"], again["replayed"]) == (order["orderId"], True)
    assert in_cart(api, dev) == set(ids)
    # even when the order replayed names these very lines (made by 2.2 with them as numbers)
    lines_2_2 = [{**ln, "orderLineNo": str(i)} for ln, i in zip(a, ids, strict=True)]
    made = assert_ok(create(api, dev, lines_2_2, sellerOrderNumber="SO-CART-2"))
    again = assert_ok(
        api.call(dev, "POST", CREATE, body={**body, "ids": ids, "sellerOrderNumber": "SO-CART-2"})
    )
    assert (again["orderId"], again["replayed"]) == (made["orderId"], True)
    assert in_cart(api, dev) == set(ids)


def test_an_account_orders_only_its_own_cart(api, dev, settings):
    (a,) = shop_lines(settings, shops=1, per=2)
    for user in ("sub-1", "sub-2"):
        assert_ok(api.call(dev, "POST", SUB, body={"userId": user, "userName": user}))
    main_ids = cart_of(api, dev, a[:1])
    sub_ids = cart_of(api, dev, a[1:], user_id="sub-1")
    body = {"ids": main_ids, "orderAddress": RECEIVER}
    # another account's line of the same developer, by header or by body userId
    assert_error(api.call(dev, "POST", PREVIEW, body=body, user_id="sub-1"), 40302)
    assert_error(api.call(dev, "POST", CREATE, body=body, user_id="sub-1"), 40302)
    assert_error(api.call(dev, "POST", CREATE, body={**body, "userId": "sub-1"}), 40302)
    mine = {"ids": sub_ids, "orderAddress": RECEIVER}
    assert_error(api.call(dev, "POST", CREATE, body=mine, user_id="sub-2"), 40302)
    assert_error(api.call(dev, "POST", CREATE, body=mine), 40302)  # the main account's cart
    assert_error(
        api.call(dev, "POST", CREATE, body={**mine, "userId": "sub-2"}, user_id="sub-1"), 40001
    )
    assert_error(api.call(dev, "POST", CREATE, body={**mine, "userId": "nobody"}), 40301)
    other = api.create_developer()
    assert_error(api.call(other, "POST", PREVIEW, body=body), 40401)
    assert_error(api.call(other, "POST", CREATE, body=body), 40401)
    assert in_cart(api, dev) == set(main_ids)
    assert in_cart(api, dev, user_id="sub-1") == set(sub_ids)
    # the main account orders for sub-1 (PandaPon's body userId): the order is sub-1's
    order = assert_ok(api.call(dev, "POST", CREATE, body={**mine, "userId": "sub-1"}))
    assert order["userId"] == "sub-1"
    assert in_cart(api, dev, user_id="sub-1") == set()
    assert in_cart(api, dev) == set(main_ids)
