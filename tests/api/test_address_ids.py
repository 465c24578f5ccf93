"""``addressId`` in place of an order's address (ENDPOINTS S3 addressParam, S4 receiver /
orderAddress): the saved address (10.1) reaches the marketplace in full, with its district code;
an id the buyer does not see, or an id with address fields beside it, answers 40001 on
``<field>.addressId`` and makes nothing."""

from __future__ import annotations

from sqlalchemy import select

from daigou.purchasing.models import PurchaseOrder
from daigou.purchasing.records import snapshot_of
from tests.support import orders1688 as O
from tests.support import taobao as T
from tests.support.addresses import saved, sub_account
from tests.support.api import assert_error, assert_ok, field_names

PREVIEW_1688 = "/alibaba/order/create/preview"
PAGE_1688 = "/alibaba/order/page"
TAOBAO_CART_PREVIEW = "/open/cart/preview/order"


def _order_1688(lines, address, **extra):
    return {"flow": "general", "addressParam": address, "cargoParamList": lines, **extra}


def _taobao(lines, receiver, amount=None):
    body = {"receiver": receiver, "orderLineList": lines}
    return body if amount is None else {**body, "purchaseAmount": amount}


def test_a_1688_order_by_address_id_ships_to_the_saved_address(api, dev, settings):
    ((_, lines),) = O.merchants(settings, 1, 1)
    home = saved(api, dev)
    by_id = {"addressId": home["id"]}
    preview = assert_ok(api.call(dev, "POST", PREVIEW_1688, body=_order_1688(lines, by_id)))
    assert preview["orderPreviewResuslt"][0]["success"] is True
    made = assert_ok(api.call(dev, "POST", O.CREATE, body=_order_1688(lines, by_id)))
    order = assert_ok(api.call(dev, "POST", O.DETAIL, body={"orderId": made["orderId"]}))
    shipping = order["nativeLogistics"]
    assert {k: shipping[k] for k in ("contactPerson", "mobile", "zip", "address")} == {
        "contactPerson": "张三",
        "mobile": "13800138000",
        "zip": "518057",
        "address": home["address"],
    }
    assert (shipping["province"], shipping["city"], shipping["area"]) == (
        "广东省",
        "深圳市",
        "南山区",
    )
    assert (shipping["areaCode"], shipping["town"]) == ("440305", "粤海街道")


def test_a_taobao_order_by_address_id_records_and_sends_the_saved_address(api, dev, settings, db):
    (lines,) = T.shop_lines(settings, 1, 1)
    home = saved(api, dev, town=None)
    by_id = {"addressId": home["id"]}
    rendered = assert_ok(api.call(dev, "POST", T.RENDER, body=_taobao(lines, by_id)))
    body = _taobao(lines, by_id, rendered["purchaseAmount"])
    order = assert_ok(api.call(dev, "POST", T.CREATE, body=body))
    assert order["receiver"] == {
        "name": "张三",
        "mobile_phone": "13800138000",
        "phone": None,
        "zip": "518057",
        "country": "中国",
        "state": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "address": home["address"],
        "addressId": home["id"],
    }
    assert T.detail(api, dev, order["orderId"])["receiver"] == order["receiver"]
    # what the marketplace was given, as its shop order shows it
    with db.reading() as conn:
        rows = conn.execute(
            select(PurchaseOrder.__table__).where(PurchaseOrder.group_id == order["orderId"])
        ).all()
    assert rows
    for row in rows:
        sent = snapshot_of(row).address
        assert sent is not None
        assert (sent.full_name, sent.mobile, sent.province, sent.area, sent.district_code) == (
            "张三",
            "13800138000",
            "广东省",
            "南山区",
            "440305",
        )
    # 2.8: the consignee changes to another saved address
    office = saved(api, dev, city="广州", district="天河", name="李四", town=None)
    moved = assert_ok(
        api.call(
            dev,
            "POST",
            T.UPDATE_WAREHOUSE,
            body={"orderId": order["orderId"], "receiver": {"addressId": office["id"]}},
        )
    )
    assert (moved["receiver"]["name"], moved["receiver"]["district"]) == ("李四", "天河区")
    assert moved["receiver"]["addressId"] == office["id"]


def test_unknown_or_foreign_ids_and_both_forms_answer_40001_on_the_address_id(api, dev, settings):
    ((_, lines),) = O.merchants(settings, 1, 1)
    (tb_lines,) = T.shop_lines(settings, 1, 1)
    sub_account(api, dev, "alice")
    sub_account(api, dev, "bob")
    mine = saved(api, dev)
    alices = saved(api, dev, "alice")
    other = api.create_developer()
    theirs = saved(api, other)

    def refused_1688(address, user_id=None, field="addressParam.addressId"):
        for path in (PREVIEW_1688, O.CREATE):
            r = api.call(dev, "POST", path, body=_order_1688(lines, address), user_id=user_id)
            assert field_names(assert_error(r, 40001)) == [field], r.text
        return r.json()["msg"]

    def refused_taobao(receiver, user_id=None, field="receiver.addressId"):
        for body in (_taobao(tb_lines, receiver), _taobao(tb_lines, receiver, 100)):
            path = T.CREATE if "purchaseAmount" in body else T.RENDER
            r = api.call(dev, "POST", path, body=body, user_id=user_id)
            assert field_names(assert_error(r, 40001)) == [field], r.text
        return r.json()["msg"]

    unknown = 987654321
    # another developer's reads exactly as an id no one has
    no_one = refused_1688({"addressId": unknown}).replace(str(unknown), "ID")
    assert refused_1688({"addressId": theirs["id"]}).replace(str(theirs["id"]), "ID") == no_one
    refused_1688({"addressId": mine["id"]}, user_id="alice")  # the main account's, to alice
    refused_1688({"addressId": alices["id"]}, user_id="bob")  # a sibling's
    refused_1688({**O.ADDRESS, "addressId": mine["id"]})  # both forms
    refused_1688({"mobile": "13800000000", "address": "x"}, field="addressParam.fullName")
    for receiver in ({"addressId": unknown}, {"addressId": theirs["id"]}):
        refused_taobao(receiver)
    refused_taobao({"addressId": alices["id"]}, user_id="bob")
    refused_taobao({**T.RECEIVER, "addressId": mine["id"]})
    refused_taobao({"mobile_phone": "13800000000", "address": "x"}, field="receiver.name")
    both = {"ids": [1], "orderAddress": {**T.RECEIVER, "addressId": mine["id"]}}
    r = api.call(dev, "POST", TAOBAO_CART_PREVIEW, body=both)
    assert field_names(assert_error(r, 40001)) == ["orderAddress.addressId"]
    # nothing was made
    assert assert_ok(api.call(dev, "POST", PAGE_1688, body={}))["totalRecords"] == 0
    assert assert_ok(api.call(dev, "GET", T.PAGE))["totalRecords"] == 0
    # the main account sees its sub-accounts' addresses, so it may ship to alice's
    assert_ok(
        api.call(dev, "POST", PREVIEW_1688, body=_order_1688(lines, {"addressId": alices["id"]}))
    )


WAREHOUSES = "/open/pp/logistics/warehouse/list"


def test_a_1688_order_by_warehouse_code_ships_to_the_warehouse_with_the_callers_mark(
    api, dev, settings
):
    """ENDPOINTS 11.8: 1688 orders name a consolidation warehouse by its code (ours, in
    ``addressParam``): its consignee, with the caller's mark after the name, receives them."""
    ((_, lines),) = O.merchants(settings, 1, 1)
    house = assert_ok(api.call(dev, "GET", WAREHOUSES))["data"][0]
    by_code = {"warehouseCode": house["warehouseCode"]}
    made = assert_ok(api.call(dev, "POST", O.CREATE, body=_order_1688(lines, by_code)))
    order = assert_ok(api.call(dev, "POST", O.DETAIL, body={"orderId": made["orderId"]}))
    shipping = order["nativeLogistics"]
    receiver = house["receiver"]
    assert shipping["contactPerson"] == receiver["fullName"]
    assert shipping["contactPerson"].endswith(" " + house["markCode"])
    assert (shipping["address"], shipping["areaCode"]) == (
        receiver["address"],
        receiver["districtCode"],
    )

    unknown = {"warehouseCode": "NO-SUCH-01"}
    e = assert_error(api.call(dev, "POST", O.CREATE, body=_order_1688(lines, unknown)), 40001)
    assert field_names(e) == ["addressParam.warehouseCode"]
    both = {**by_code, "fullName": "张三", "mobile": "13800138000", "address": "科技园"}
    e = assert_error(api.call(dev, "POST", PREVIEW_1688, body=_order_1688(lines, both)), 40001)
    assert field_names(e) == ["addressParam.warehouseCode"]
