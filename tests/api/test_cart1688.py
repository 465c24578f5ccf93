"""The 1688 cart through the signed API (ENDPOINTS 8.1-8.4): add and merge, stock and size
limits, the list grouped by store with orderable and unavailable lines, delete, edit, and whose
cart a line belongs to."""

from __future__ import annotations

import pytest

from daigou.cart1688 import service
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import orderable

ADD = "/alibaba/cart/add"
LIST = "/alibaba/cart/list"
DELETE = "/alibaba/cart/delete"
EDIT = "/alibaba/cart/edit-quantity"
UPDATE = "/admin/sandbox/product/update"
PAGE_KEYS = {
    "totalRecords", "totalPage", "pageSize", "currentPage", "enableList", "disableList",
    "nextCursor",
}  # fmt: skip
ITEM_KEYS = {
    "id", "offerId", "specId", "skuId", "itemTitle", "itemPic", "price", "quantity",
    "amountOnSale", "properties", "productNo", "container",
}  # fmt: skip


def add(api, dev, offer, sku, quantity, user_id=None, **extra):
    body = {"offerId": offer.offer_id, "specId": sku.spec_id, "quantity": quantity, **extra}
    return api.call(dev, "POST", ADD, body=body, user_id=user_id)


def listing(api, dev, user_id=None, **params):
    page = assert_ok(api.call(dev, "GET", LIST, params=params, user_id=user_id))
    assert set(page) == PAGE_KEYS, page
    return page


def lines(page, which="enableList"):
    return {
        i["id"]: (store["sellerOpenId"], i) for store in page[which] for i in store["cartItemInfos"]
    }


def test_add_merges_quantities_and_lists_the_line_repriced(api, dev, settings):
    offer, sku, seller = orderable(settings)[0]
    moq = offer.min_order_quantity
    first = assert_ok(add(api, dev, offer, sku, moq, productNo="P-1"))
    assert set(first) == {"id", "quantity"} and first["quantity"] == moq
    again = assert_ok(add(api, dev, offer, sku, 2, container="C-9"))
    assert again == {"id": first["id"], "quantity": moq + 2}
    page = listing(api, dev)
    assert (page["totalRecords"], page["totalPage"], page["currentPage"]) == (1, 1, 1)
    assert page["pageSize"] == 20 and page["disableList"] == []
    (store,) = page["enableList"]
    assert store["sellerOpenId"] == seller and store["sellerNickName"]
    (item,) = store["cartItemInfos"]
    assert set(item) == ITEM_KEYS
    assert item["id"] == first["id"] and item["offerId"] == offer.offer_id
    assert (item["specId"], item["skuId"]) == (sku.spec_id, sku.sku_id)
    assert item["quantity"] == moq + 2 and item["amountOnSale"] == sku.stock
    assert isinstance(item["price"], int) and item["price"] > 0
    assert (item["productNo"], item["container"]) == ("P-1", "C-9")
    assert item["itemTitle"] and item["itemPic"]
    assert len(item["properties"]) == len(sku.attributes)


def test_spec_id_is_required_for_multi_sku_offers_and_optional_for_one(api, dev, settings):
    multi, _, _ = orderable(settings, multi_sku=True)[0]
    body = {"offerId": multi.offer_id, "quantity": 1}
    assert_error(api.call(dev, "POST", ADD, body=body), 40001)
    body["specId"] = "f" * 32
    assert_error(api.call(dev, "POST", ADD, body=body), 40401)
    assert_error(api.call(dev, "POST", ADD, body={"offerId": "999999999999", "quantity": 1}), 40401)
    assert_error(api.call(dev, "POST", ADD, body={"offerId": multi.offer_id, "quantity": 0}), 40001)
    single = orderable(settings, multi_sku=False)
    if single:
        offer, sku, _ = single[0]
        by_offer = assert_ok(
            api.call(dev, "POST", ADD, body={"offerId": int(offer.offer_id), "quantity": 1})
        )
        assert assert_ok(add(api, dev, offer, sku, 1)) == {"id": by_offer["id"], "quantity": 2}


def test_quantity_over_stock_answers_40904_and_changes_nothing(api, dev, settings):
    offer, sku, _ = orderable(settings)[0]
    line = assert_ok(add(api, dev, offer, sku, sku.stock - 1))
    body = assert_error(add(api, dev, offer, sku, 2), 40904)
    assert "stock" in body["msg"]
    assert_error(add(api, dev, offer, sku, sku.stock + 1), 40904)
    assert lines(listing(api, dev))[line["id"]][1]["quantity"] == sku.stock - 1
    assert_error(
        api.call(dev, "POST", EDIT, body={"id": line["id"], "quantity": sku.stock + 1}), 40904
    )
    assert (
        assert_ok(api.call(dev, "POST", EDIT, body={"id": line["id"], "quantity": sku.stock}))
        is True
    )


def test_off_sale_offer_cannot_be_added_and_its_line_moves_to_disable_list(api, dev, settings):
    (a, sa_, seller_a), (b, sb, _) = orderable(settings)[:2]
    la = assert_ok(add(api, dev, a, sa_, a.min_order_quantity))
    lb = assert_ok(add(api, dev, b, sb, b.min_order_quantity))
    r = api.admin("POST", UPDATE, {"platform": 1, "itemId": a.offer_id, "onSale": False})
    assert r.status_code == 200, r.text
    page = listing(api, dev)
    disabled, enabled = lines(page, "disableList"), lines(page, "enableList")
    assert la["id"] in disabled and disabled[la["id"]][0] == seller_a
    assert lb["id"] in enabled and la["id"] not in enabled
    assert_error(add(api, dev, a, sa_, 1), 40904)
    assert_error(api.call(dev, "POST", EDIT, body={"id": la["id"], "quantity": 1}), 40904)


def test_below_minimum_quantity_is_listed_as_unavailable(api, dev, settings):
    picks = [p for p in orderable(settings) if p[0].min_order_quantity > 1]
    if not picks:
        pytest.skip("no offer with a minimum order quantity above 1")
    offer, sku, _ = picks[0]
    line = assert_ok(add(api, dev, offer, sku, 1))
    assert line["id"] in lines(listing(api, dev), "disableList")
    assert_ok(
        api.call(dev, "POST", EDIT, body={"id": line["id"], "quantity": offer.min_order_quantity})
    )
    assert line["id"] in lines(listing(api, dev), "enableList")


def test_list_groups_by_store_and_pages_by_store(api, dev, settings):
    by_store: dict[str, list] = {}
    for o, s, seller in orderable(settings):
        by_store.setdefault(seller, []).append((o, s))
    stores = sorted(by_store.values(), key=len, reverse=True)[:3]
    assert len(stores[0]) >= 2  # one store with two lines
    added = 0
    for picks in stores:
        for o, s in picks[:2]:
            assert_ok(add(api, dev, o, s, o.min_order_quantity))
            added += 1
    page = listing(api, dev)
    assert page["totalRecords"] == 3 and len(page["enableList"]) == 3
    assert sum(len(store["cartItemInfos"]) for store in page["enableList"]) == added
    for store in page["enableList"]:
        sellers = {
            seller
            for o, s, seller in orderable(settings)
            if o.offer_id in {i["offerId"] for i in store["cartItemInfos"]}
        }
        assert sellers == {store["sellerOpenId"]}
    seen = []
    for n in (1, 2, 3):
        p = listing(api, dev, pageNo=n, pageSize=1)
        assert (p["totalRecords"], p["totalPage"], p["currentPage"]) == (3, 3, n)
        assert len(p["enableList"]) == 1
        seen.append(p["enableList"][0]["sellerOpenId"])
    assert len(set(seen)) == 3
    assert listing(api, dev, pageNo=4, pageSize=1)["enableList"] == []


def test_delete_answers_per_item_in_input_order(api, dev, settings):
    (a, sa_, _), (b, sb, _) = orderable(settings)[:2]
    la = assert_ok(add(api, dev, a, sa_, a.min_order_quantity))
    lb = assert_ok(add(api, dev, b, sb, b.min_order_quantity))
    other = api.create_developer()
    lo = assert_ok(add(api, other, a, sa_, a.min_order_quantity))
    ids = [lb["id"], 987654321, lo["id"], la["id"], lb["id"]]
    results = assert_ok(api.call(dev, "POST", DELETE, body={"ids": ids}))["results"]
    assert [(r["index"], r["key"], r["success"], r["code"]) for r in results] == [
        (0, lb["id"], True, 200),
        (1, 987654321, False, 40401),
        (2, lo["id"], False, 40401),
        (3, la["id"], True, 200),
        (4, lb["id"], False, 40401),
    ]
    page = listing(api, dev)
    assert page["totalRecords"] == 0 and page["enableList"] == page["disableList"] == []
    assert lo["id"] in lines(listing(api, other))
    assert_error(api.call(dev, "POST", DELETE, body={"ids": list(range(1, 102))}), 40003)
    assert_error(api.call(dev, "POST", DELETE, body={"ids": []}), 40001)


def test_edit_quantity_and_labels_and_unknown_ids(api, dev, settings):
    offer, sku, _ = orderable(settings)[0]
    line = assert_ok(add(api, dev, offer, sku, offer.min_order_quantity))
    q = offer.min_order_quantity + 3
    body = {"id": line["id"], "quantity": q, "productNo": "X1"}
    assert assert_ok(api.call(dev, "POST", EDIT, body=body)) is True
    item = lines(listing(api, dev))[line["id"]][1]
    assert (item["quantity"], item["productNo"]) == (q, "X1")
    assert_error(api.call(dev, "POST", EDIT, body={"id": 987654321, "quantity": 1}), 40401)
    other = api.create_developer()
    assert_error(api.call(other, "POST", EDIT, body={"id": line["id"], "quantity": 1}), 40401)
    assert_error(api.call(dev, "POST", EDIT, body={"id": line["id"], "quantity": 0}), 40001)


def test_a_sub_account_has_its_own_cart(api, dev, settings):
    offer, sku, _ = orderable(settings)[0]
    assert_ok(
        api.call(
            dev, "POST", "/open/subaccount/addOrUpdate", body={"userId": "buyer-a", "userName": "A"}
        )
    )
    main = assert_ok(add(api, dev, offer, sku, offer.min_order_quantity))
    sub = assert_ok(add(api, dev, offer, sku, offer.min_order_quantity, user_id="buyer-a"))
    assert sub["id"] != main["id"] and sub["quantity"] == offer.min_order_quantity
    assert set(lines(listing(api, dev))) == {main["id"]}
    assert set(lines(listing(api, dev, user_id="buyer-a"))) == {sub["id"]}
    # each account keeps its own cart: another account's line of the same developer is 40302
    assert_error(
        api.call(dev, "POST", EDIT, body={"id": main["id"], "quantity": 1}, user_id="buyer-a"),
        40302,
    )
    r = assert_ok(api.call(dev, "POST", DELETE, body={"ids": [sub["id"]]}))
    assert r["results"][0]["code"] == 40302
    assert_error(add(api, dev, offer, sku, 1, user_id="nobody"), 40301)


def test_cart_full_answers_40901(api, dev, settings, monkeypatch):
    monkeypatch.setattr(service, "MAX_LINES", 3)
    picks = orderable(settings)[:4]
    ids = [assert_ok(add(api, dev, o, s, o.min_order_quantity))["id"] for o, s, _ in picks[:3]]
    body = assert_error(add(api, dev, *picks[3][:2], picks[3][0].min_order_quantity), 40901)
    assert "cart full" in body["msg"]
    o, s, _ = picks[0]
    assert assert_ok(add(api, dev, o, s, 1))["id"] == ids[0]  # an existing line still grows


PREVIEW = "/alibaba/cart/preview/order"
ADDRESS = {"fullName": "李四", "mobile": "13900000000", "address": "义乌国际商贸城 1 区"}


def test_cart_preview_answers_per_store_with_its_cart_ids(api, dev, settings):
    offers = orderable(settings)
    by_seller: dict[str, list] = {}
    for offer, sku, seller in offers:
        by_seller.setdefault(seller, []).append((offer, sku))
    (sa, a), (sb, b) = [(s, v) for s, v in by_seller.items() if len(v) >= 2][:2]
    ids = []
    for offer, sku in (a[0], b[0], a[1]):
        ids.append(assert_ok(add(api, dev, offer, sku, offer.min_order_quantity))["id"])
    body = {"cartIds": ids, "addressParam": ADDRESS}
    data = assert_ok(api.call(dev, "POST", PREVIEW, body=body))
    first, second = data["results"]
    assert first["sellerOpenId"] == sa and first["cartIds"] == [ids[0], ids[2]]
    assert second["sellerOpenId"] == sb and second["cartIds"] == [ids[1]]
    assert first["success"] and second["success"]
    priced = [c["offerId"] for r in first["orderPreviewResuslt"] for c in r["cargoList"]]
    assert sorted(priced) == sorted([a[0][0].offer_id, a[1][0].offer_id])
    # a line of another cart is not found
    other = api.create_developer()
    r = api.call(other, "POST", PREVIEW, body=body)
    assert r.json()["code"] == 40401


CREATE = "/alibaba/cart/create/order"


def _two_stores(settings, per=2):
    by_seller: dict[str, list] = {}
    for offer, sku, seller in orderable(settings):
        by_seller.setdefault(seller, []).append((offer, sku))
    return [(s, v) for s, v in by_seller.items() if len(v) >= per][:2]


def test_cart_create_orders_per_store_and_removes_only_the_ordered_lines(api, dev, settings, db):
    (sa, a), (sb, b) = _two_stores(settings)
    ids = []
    for offer, sku in (a[0], b[0], a[1]):
        ids.append(assert_ok(add(api, dev, offer, sku, offer.min_order_quantity))["id"])
    keep = assert_ok(add(api, dev, *b[1], b[1][0].min_order_quantity))["id"]  # not ordered
    # a's second line and b's only line can no longer be ordered
    for offer, _ in (a[1], b[0]):
        r = api.admin("POST", UPDATE, {"platform": 1, "itemId": offer.offer_id, "onSale": False})
        assert r.status_code == 200, r.text
    body = {"flow": "general", "cartIds": ids, "addressParam": ADDRESS, "staffName": "Mai"}
    data = assert_ok(api.call(dev, "POST", CREATE, body=body))
    first, second = data["results"]
    assert (first["sellerOpenId"], first["cartIds"], first["lineIndexes"]) == (
        sa,
        [ids[0], ids[2]],
        [0, 2],
    )
    assert (second["sellerOpenId"], second["cartIds"]) == (sb, [ids[1]])
    assert first["success"] is True and first["orders"]
    assert first["orders"][0]["gatewayInfo"]["staffName"] == "Mai"
    (refused,) = first["failedOfferList"]
    assert refused["offerId"] == a[1][0].offer_id
    assert second["code"] == 40904 and second["orderIds"] == []
    ordered = {i["productID"] for o in first["orders"] for i in o["productItems"]}
    assert ordered == {a[0][0].offer_id}
    # the ordered line left the cart; the refused, the failed and the untouched lines stay
    left = set(lines(listing(api, dev), "enableList")) | set(
        lines(listing(api, dev), "disableList")
    )
    assert left == {ids[1], ids[2], keep}


def test_cart_create_needs_lines_of_the_callers_cart(api, dev, settings):
    assert_ok(
        api.call(
            dev, "POST", "/open/subaccount/addOrUpdate", body={"userId": "sub-1", "userName": "S"}
        )
    )
    offer, sku, _ = orderable(settings)[0]
    line = assert_ok(add(api, dev, offer, sku, offer.min_order_quantity))["id"]
    body = {"flow": "general", "cartIds": [line], "addressParam": ADDRESS}
    # another account's line of the same developer: answered as 8.5 answers it
    as_preview = api.call(dev, "POST", PREVIEW, body=body, user_id="sub-1").json()["code"]
    assert as_preview in (40302, 40401)
    assert_error(api.call(dev, "POST", CREATE, body=body, user_id="sub-1"), as_preview)
    assert_error(api.call(dev, "POST", CREATE, body={**body, "userId": "sub-1"}), as_preview)
    other = api.create_developer()
    assert_error(api.call(other, "POST", CREATE, body=body), 40401)
    assert_error(api.call(dev, "POST", CREATE, body={**body, "cartIds": [987654321]}), 40401)
    assert_error(api.call(dev, "POST", CREATE, body={**body, "cartIds": []}), 40001)
    no_flow = {k: v for k, v in body.items() if k != "flow"}
    assert_error(api.call(dev, "POST", CREATE, body=no_flow), 40001)
    no_address = {k: v for k, v in body.items() if k != "addressParam"}
    assert_error(api.call(dev, "POST", CREATE, body=no_address), 40001)
    assert line in lines(listing(api, dev))  # nothing was ordered
    # the sub-account orders its own cart, and its order carries its userId
    mine = assert_ok(add(api, dev, offer, sku, offer.min_order_quantity, user_id="sub-1"))["id"]
    data = assert_ok(
        api.call(dev, "POST", CREATE, body={**body, "cartIds": [mine]}, user_id="sub-1")
    )
    (result,) = data["results"]
    assert result["cartIds"] == [mine] and result["success"] is True
    assert result["orders"][0]["gatewayInfo"]["userId"] == "sub-1"
    assert lines(listing(api, dev, user_id="sub-1")) == {}
    assert line in lines(listing(api, dev))
