"""Previews of 1688 orders: 6.1 (one merchant) and 6.3 (several, one result per merchant).

A preview asks the marketplace what it would create: how it would split the lines into orders,
their prices with freight and the shop promotion, and which lines it would refuse and why.
Nothing is written. Marketplace calls of one request run concurrently, a few at a time.
"""

from __future__ import annotations

from typing import Any

from daigou.core.errors import ApiError, validation_error
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.marketplace.fanout import fan_out
from daigou.orders1688 import schemas as S

STOCK_CODES = {"STOCK_NOT_ENOUGH", "QUANTITY_LESS_THAN_MIN", "OFFER_NOT_ON_SALE"}


def preview_result(order: P.PreviewOrder, flow: str) -> dict[str, Any]:
    """One `orderPreviewResuslt` entry (PandaPon's spelling) for an order that would be made."""
    return {
        "success": True,
        "errorCode": None,
        "errorMsg": None,
        "flowFlag": flow,
        "sumPayment": order.total_fen,
        "sumCarriage": order.shipping_fen,
        "sumPaymentNoCarriage": order.total_fen - order.shipping_fen,
        "discountFee": order.discount_fen,
        "currency": "CNY",
        "status": "success",
        "tradeModeNameList": ["assureTrade"],
        "shopPromotionList": [
            {
                "promotionId": p.promotion_id,
                "promotionName": p.name,
                "discountFee": p.discount_fen,
                "selected": p.selected,
            }
            for p in order.promotions
        ],
        "cargoList": [
            {
                "offerId": ln.offer_id,
                "specId": ln.spec_id,
                "amount": ln.quantity,
                "finalUnitPrice": ln.unit_price_fen,
            }
            for ln in order.lines
        ],
        "postFeeByDescOfferList": [],
        "consignOfferList": [],
        "unsupportedCrossBorderPayOfferList": [],
    }


def failure_result(f: P.LineFailure, flow: str) -> dict[str, Any]:
    """A refused line, as a preview result that did not succeed."""
    return {
        "success": False,
        "errorCode": f.code,
        "errorMsg": f.message,
        "flowFlag": flow,
        "sumPayment": 0,
        "sumCarriage": 0,
        "sumPaymentNoCarriage": 0,
        "discountFee": 0,
        "currency": "CNY",
        "status": "failed",
        "tradeModeNameList": [],
        "shopPromotionList": [],
        "cargoList": [
            {"offerId": f.offer_id, "specId": f.spec_id, "amount": None, "finalUnitPrice": None}
        ],
        "postFeeByDescOfferList": [],
        "consignOfferList": [],
        "unsupportedCrossBorderPayOfferList": [],
    }


def results_of(preview: P.Preview, flow: str) -> list[dict[str, Any]]:
    return [preview_result(o, flow) for o in preview.orders] + [
        failure_result(f, flow) for f in preview.failures
    ]


def merchant_of(market: P.Marketplace, lines: list[S.Cargo]) -> str:
    """The one merchant of 6.1's lines (40001 when they belong to several)."""
    offers = fan_out(
        [
            (lambda oid=oid: market.offer(P.Platform.ALIBABA, oid, "en"))
            for oid in dict.fromkeys(c.offerId for c in lines)
        ]
    )
    sellers: list[str] = []
    for result in offers:
        if isinstance(result, BaseException):
            raise result
        sellers.append(result.seller.seller_open_id)
    if len(set(sellers)) > 1:
        raise validation_error(
            "cargoParamList", "the lines belong to several merchants: use createPreviewBatch (6.3)"
        )
    return sellers[0]


def preview_one(
    db: Database, market: P.Marketplace, buyer: S.Buyer, body: S.PreviewRequest
) -> dict[str, Any]:
    """6.1"""
    develop_id = buyer.develop_id
    address = S.address_of(db, buyer, body.addressParam)
    with acting_for(develop_id):
        seller = merchant_of(market, body.cargoParamList)
        draft = P.OrderDraft(
            platform=P.Platform.ALIBABA,
            seller_open_id=seller,
            lines=S.to_port_lines(body.cargoParamList),
            address=address,
            out_order_id=None,
            flow=body.flow,
            buyer_ref=develop_id or "",
        )
        preview = market.preview(draft)
    if not preview.orders:
        first = preview.failures[0] if preview.failures else None
        raise ApiError(
            40904,
            first.message if first else "no line can be ordered",
            {"orderPreviewResuslt": results_of(preview, body.flow)},
        )
    return {"outOrderId": body.outOrderId, "orderPreviewResuslt": results_of(preview, body.flow)}


def group_by_merchant(lines: list[S.MerchantCargo]) -> list[tuple[str, list[int]]]:
    """Line indexes per sellerOpenId, merchants in order of first appearance; 40003 over the
    limits of CONTRACT section 6; 40001 when a merchant's lines name different outOrderIds."""
    groups: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(line.sellerOpenId, []).append(i)
    if len(groups) > S.MAX_MERCHANTS:
        raise ApiError(40003, f"at most {S.MAX_MERCHANTS} merchants per call")
    for seller, idx in groups.items():
        if len(idx) > S.MAX_LINES:
            raise ApiError(40003, f"at most {S.MAX_LINES} lines per merchant ({seller})")
        keys = {lines[i].outOrderId for i in idx}
        if len(keys) > 1:
            raise validation_error(
                f"cargoParamList[{idx[0]}].outOrderId",
                "every line of a merchant carries the same outOrderId",
            )
    return list(groups.items())


def merchant_result(
    index: int, seller: str, out_order_id: str | None, idx: list[int], outcome: Any, flow: str
) -> dict[str, Any]:
    base = {
        "index": index,
        "key": seller,
        "sellerOpenId": seller,
        "outOrderId": out_order_id,
        "lineIndexes": idx,
    }
    if isinstance(outcome, P.MarketplaceTimeout):
        return {
            **base,
            "success": False,
            "code": 50401,
            "msg": "the marketplace did not answer",
            "orderPreviewResuslt": [],
        }
    if isinstance(outcome, P.MarketplaceError):
        code = 40401 if isinstance(outcome, P.MarketplaceNotFound) else 50201
        if isinstance(outcome, P.MarketplaceRefused):
            code = 40904 if outcome.stock_problem else 40901
        return {
            **base,
            "success": False,
            "code": code,
            "msg": outcome.message,
            "upstreamCode": outcome.code,
            "orderPreviewResuslt": [],
        }
    results = results_of(outcome, flow)
    if not outcome.orders:
        first = outcome.failures[0] if outcome.failures else None
        return {
            **base,
            "success": False,
            "code": 40904,
            "msg": first.message if first else "no line can be ordered",
            "orderPreviewResuslt": results,
        }
    return {**base, "success": True, "code": 200, "msg": "success", "orderPreviewResuslt": results}


def preview_batch(
    db: Database, market: P.Marketplace, buyer: S.Buyer, body: S.PreviewBatchRequest
) -> dict[str, Any]:
    """6.3: one S2 result per merchant, in order of first appearance; never fails as a whole."""
    develop_id = buyer.develop_id
    lines = body.cargoParamList
    groups = group_by_merchant(lines)
    address = S.address_of(db, buyer, body.addressParam)

    def draft(seller: str, idx: list[int]) -> P.OrderDraft:
        return P.OrderDraft(
            platform=P.Platform.ALIBABA,
            seller_open_id=seller,
            lines=S.to_port_lines([lines[i] for i in idx]),
            address=address,
            out_order_id=lines[idx[0]].outOrderId,
            flow=body.flow,
            buyer_ref=develop_id or "",
        )

    with acting_for(develop_id):
        outcomes = fan_out(
            [(lambda d=draft(seller, idx): market.preview(d)) for seller, idx in groups]
        )
    return {
        "results": [
            merchant_result(n, seller, lines[idx[0]].outOrderId, idx, outcome, body.flow)
            for n, ((seller, idx), outcome) in enumerate(zip(groups, outcomes, strict=True))
        ]
    }
