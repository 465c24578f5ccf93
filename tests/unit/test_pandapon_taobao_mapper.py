"""PandaPon's Taobao answers as the port's objects (marketplace/pandapon/taobao_mapper.py): the
shapes of ENDPOINTS S6 (TaobaoItem, TaobaoOrder, TaobaoRefund), the statuses as the sandbox
reports Taobao's, and a missing or mistyped field answered as a BAD_ANSWER MarketplaceError."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from daigou.core.errors import ApiError
from daigou.http.routing import _answer_marketplace_errors
from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.adapter import Unsupported as AlibabaUnsupported
from daigou.marketplace.pandapon import mapper as M
from daigou.marketplace.pandapon import taobao_mapper as T
from daigou.marketplace.pandapon.adapter import _unsupported

ITEM: dict[str, Any] = {
    "itemId": "7001",
    "title": "短袖衬衫",
    "titleTrans": "short-sleeved shirt",
    "description": "棉",
    "picUrls": ["https://img.example/1.jpg"],
    "beginAmount": 2,
    "status": "active",
    "categoryId": "50000436",
    "categoryName": "Shirts",
    "shopId": "s-9",
    "shopName": "Good Shop",
    "userNick": "good",
    "currency": "CNY",
    "skuList": [
        {
            "skuId": "88",
            "picUrl": "https://img.example/88.jpg",
            "quantity": 40,
            "price": 3990,
            "promotionPrice": 3590,
            "postFee": 600,
            "status": "active",
            "properties": [{"propName": "颜色", "valueName": "白"}],
        },
        {"skuId": "89", "quantity": 0, "price": 3990, "status": "inactive"},
    ],
}

ORDER: dict[str, Any] = {
    "orderId": "PO-1",
    "salesOrderIds": ["S-1"],
    "sellerOrderNumber": "key-1",
    "status": 11,
    "purchaseAmount": 8580,
    "productAmount": 7980,
    "postFee": 600,
    "receiver": {"name": "Lin", "mobile_phone": "138", "state": "浙江省", "address": "1 号"},
    "subOrders": [
        {
            "subOrderId": "E-1",
            "orderLineNo": "L1",
            "itemId": "7001",
            "skuId": "88",
            "title": "短袖衬衫",
            "picUrl": "https://img.example/88.jpg",
            "quantity": 2,
            "price": 3990,
            "productAmount": 7980,
            "refundStatus": 10,
            "logisticCompanyName": "中通快递",
            "logisticNumber": "ZTO1",
        },
        {"subOrderId": None, "orderLineNo": "L2", "itemId": "7002", "quantity": 1},
    ],
    "remark": "fast",
    "createTime": 1000,
    "payTime": 2000,
    "shipTime": 3000,
    "modifyTime": 3000,
}

REFUND: dict[str, Any] = {
    "refundOrder": {
        "refundId": "TQ1",
        "platformRefundId": "TQ1",
        "payOrderId": "S-1",
        "purchaseOrderId": "PO-1",
        "subOrderId": "E-1",
        "refundStatus": 20,
        "refundType": 2,
        "goodsStatus": 2,
        "refundFee": 500,
        "refundedFee": 0,
        "reasonId": 3,
        "reasonDesc": "商品破损",
        "refundDesc": "broken",
        "refundImages": ["https://img.example/e.jpg"],
        "createTime": 4000,
        "modifyTime": 5000,
    },
    "logistics": {
        "logisticsCompany": {"logisticsCompanyCode": "SF", "logisticsCompanyName": "顺丰"},
        "logisticsNo": None,
        "receiverAddress": {"receiver": "王", "phone": "139", "detailAddress": "杭州 2 号"},
        "sellerAgreeReturnDescribe": "请寄回",
    },
}


def without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    node = copied
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return copied


def test_an_item_is_an_offer_with_its_skus_and_shop():
    offer = T.offer(ITEM)
    assert (offer.platform, offer.offer_id, offer.min_order_quantity) == (
        P.Platform.TAOBAO,
        "7001",
        2,
    )
    assert offer.title == P.Text("短袖衬衫", "short-sleeved shirt")
    assert offer.seller.seller_open_id == offer.seller.shop_id == "s-9"
    assert (offer.category_id, offer.category_name.original) == (50000436, "Shirts")
    first, second = offer.skus
    assert (first.sku_id, first.spec_id, first.price_fen, first.promotion_price_fen) == (
        "88",
        "88",
        3990,
        3590,
    )
    assert first.attributes[0].value.original == "白" and first.on_sale
    assert not second.on_sale and offer.price_tiers == ()
    assert offer.shipping.first_fee_fen == 600
    assert offer.sku_by_spec("88") is first


def test_an_order_is_the_purchase_order_with_its_placed_sub_orders():
    order = T.order(ORDER)
    assert (order.order_id, order.out_order_id, order.status) == ("PO-1", "key-1", "11")
    assert [ln.entry_id for ln in order.lines] == ["E-1"]  # L2 was left out when placed
    line = order.lines[0]
    assert (line.offer_id, line.spec_id, line.amount_fen, line.refund_status) == (
        "7001",
        "88",
        7980,
        "10",
    )
    assert (order.total_fen, order.discount_fen, order.shipped_ms) == (8580, 0, 3000)
    assert order.parcels[0].bill_no == "ZTO1" and order.parcels[0].entry_ids == ("E-1",)
    assert order.address is not None and order.address.full_name == "Lin"


@pytest.mark.parametrize(
    ("upstream", "port"), [(0, "0"), (3, "0"), (10, "10"), (20, "20"), (4, "4"), (9, "4")]
)
def test_statuses_are_the_sandboxs_taobao_codes(upstream, port):
    assert T.order({**ORDER, "status": upstream}).status == port


def test_an_order_still_being_placed_is_not_an_order_yet():
    with pytest.raises(P.MarketplaceError, match="ORDER_BEING_PLACED"):
        T.order({**ORDER, "status": 12})


def test_a_refund_is_one_sub_order_of_the_purchase_order():
    refund = T.refund(REFUND)
    assert (refund.refund_id, refund.order_id, refund.entry_ids) == ("TQ1", "PO-1", ("E-1",))
    assert (refund.status, refund.dispute_request, refund.goods_status) == (
        "20",
        "returnRefund",
        "2",
    )
    assert (refund.apply_payment_fen, refund.apply_carriage_fen) == (500, 0)
    assert refund.vouchers == ("https://img.example/e.jpg",)
    assert refund.return_address == P.Address("王", "139", address="杭州 2 号")
    assert (refund.return_company_no, refund.seller_agree_describe) == ("SF", "请寄回")


def test_render_prices_the_available_lines_and_names_the_others():
    preview = T.preview(
        {
            "purchaseAmount": 8580,
            "productAmount": 7980,
            "postFee": 600,
            "discount": 0,
            "lines": [
                {"itemId": "7001", "skuId": "88", "quantity": 2, "price": 3990, "available": True},
                {
                    "itemId": "7002",
                    "skuId": None,
                    "quantity": 1,
                    "available": False,
                    "reasonCode": "STOCK_NOT_ENOUGH",
                    "msg": "only 0 in stock",
                },
            ],
        }
    )
    assert preview.orders[0].total_fen == 8580
    assert preview.orders[0].lines == (P.PricedLine("7001", "88", 2, 3990),)
    assert preview.failures == (P.LineFailure("7002", None, "STOCK_NOT_ENOUGH", "only 0 in stock"),)


def test_messages_name_the_purchase_order_of_either_kind():
    order = M.message(
        {
            "messageId": "m1",
            "messageType": "TAOBAO_ORDER_STATUS_CHANGE",
            "messagePlatform": 0,
            "timestamp": 7,
            "messageBody": {"orderId": "PO-1", "status": 10, "previousStatus": 0},
        }
    )
    assert (order.platform, order.order_id, order.status) == (P.Platform.TAOBAO, "PO-1", "10")
    refund = M.message(
        {
            "messageId": "m2",
            "messageType": "TAOBAO_ORDER_REFUND",
            "messagePlatform": 0,
            "messageBody": {
                "refundId": "TQ1",
                "purchaseOrderId": "PO-1",
                "salesOrderId": "S-1",
                "refundStatus": 100,
            },
        }
    )
    assert (refund.order_id, refund.refund_id, refund.status) == ("PO-1", "TQ1", "100")


@pytest.mark.parametrize(
    ("mapping", "answer", "named"),
    [
        (T.offer, without(ITEM, "itemId"), "itemId"),
        (T.offer, without(ITEM, "skuList"), "skuList"),
        (T.offer, {**ITEM, "skuList": "none"}, "skuList is not a list"),
        (T.offer, {**ITEM, "skuList": [without(ITEM["skuList"][0], "price")]}, "price"),
        (T.order, without(ORDER, "purchaseAmount"), "purchaseAmount"),
        (T.order, without(ORDER, "subOrders"), "subOrders"),
        (T.order, {**ORDER, "orderId": None}, "id is empty"),
        (T.order, {**ORDER, "purchaseAmount": 85.8}, "not an amount in fen"),
        (T.refund, without(REFUND, "refundOrder", "purchaseOrderId"), "purchaseOrderId"),
        (T.refund, {"refundOrder": None}, "refundOrder is not an object"),
        (T.reasons, {}, "refundOrderTemplate"),
        (T.summary, {"title": "x"}, "itemId"),
    ],
)
def test_a_bad_answer_is_a_marketplace_error_naming_the_field(mapping, answer, named):
    with pytest.raises(P.MarketplaceError, match=named) as caught:
        mapping(answer)
    assert not isinstance(caught.value, P.MarketplaceRefused | P.MarketplaceNotFound)
    assert caught.value.code in {"BAD_ANSWER", "BAD_AMOUNT"}


def test_the_port_draft_is_taobaos_request():
    lines = (P.CargoLine("7001", "88", 2), P.CargoLine("7002", None, 1))
    assert T.order_lines(lines) == [
        {"itemId": "7001", "skuId": "88", "quantity": 2, "orderLineNo": "L1"},
        {"itemId": "7002", "quantity": 1, "orderLineNo": "L2"},
    ]
    failed = T.line_failures(
        [{"orderLineNo": "L2", "errorCode": "OFFER_NOT_ON_SALE", "msg": "off"}], lines
    )
    assert failed == (P.LineFailure("7002", None, "OFFER_NOT_ON_SALE", "off"),)
    assert [
        T.goods_status(g) for g in ("1", "2", "refundBuyerReceived", "refundWaitSellerSend")
    ] == [
        1,
        2,
        2,
        1,
    ]
    body = T.receiver(P.Address("Lin", "138", province="浙江省", town="西湖", address="1 号"))
    assert body == {
        "name": "Lin",
        "mobile_phone": "138",
        "country": "CN",
        "state": "浙江省",
        "address": "西湖 1 号",
    }


@pytest.mark.parametrize(
    "refusal",
    [
        P.Unsupported("no call for it"),
        AlibabaUnsupported("modifying a refund request"),
        _unsupported(P.Platform.ALIBABA, "a negotiation note"),
    ],
)
def test_what_no_platform_api_does_is_one_refusal_the_gateway_answers_40901(refusal):
    """Both adapters' UNSUPPORTED are the port's one refusal: 40901, the code riding along."""
    with pytest.raises(ApiError) as answered:
        _answer_marketplace_errors(lambda _caller: (_ for _ in ()).throw(refusal), None)
    assert answered.value.code == 40901
    assert answered.value.data["upstreamCode"] == "UNSUPPORTED"
