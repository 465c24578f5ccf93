"""6.2: create a single-merchant 1688 order, through the core's create with a business key
(``daigou.purchasing.creates``: the ``outOrderId`` claim, replay, unknown outcomes).

``create_for_merchant`` is that whole path for one merchant's lines; 6.2 calls it once, the
multi-merchant creates (6.4, 8.6: ``batch_create``) once per merchant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orders1688 import schemas as S
from daigou.orders1688.preview import merchant_of
from daigou.orders1688.profile import PROFILE
from daigou.purchasing import creates
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.creates import Created
from daigou.purchasing.models import PurchaseOrder


class CreateRequest(S.RequestBody):
    flow: S.Flow
    message: str | None = Field(default=None, max_length=500)
    shopPromotionId: str | None = Field(default=None, min_length=1, max_length=64)
    tradeType: str | None = Field(default=None, pattern="^assureTrade$")
    addressParam: S.AddressParam
    cargoParamList: list[S.Cargo] = Field(min_length=1, max_length=S.MAX_LINES)
    outOrderId: str | None = Field(default=None, min_length=1, max_length=64)


def _answer(
    rows: list[PurchaseOrder],
    out_order_id: str | None,
    failed: list[dict[str, Any]],
    replayed: bool,
) -> dict[str, Any]:
    return {
        "orderId": rows[0].order_id,
        "orderList": [
            {
                "orderId": r.order_id,
                "totalAmount": r.total_fen,
                "postFee": r.shipping_fen,
                "status": r.status,
            }
            for r in rows
        ],
        "outOrderId": out_order_id,
        "status": rows[0].status,
        "totalSuccessAmount": sum(r.total_fen for r in rows),
        "postFee": sum(r.shipping_fen for r in rows),
        "failedOfferList": failed,
        "replayed": replayed,
    }


def create_for_merchant(
    db: Database,
    market: P.Marketplace,
    buyer: Buyer,
    *,
    seller_open_id: str | Callable[[], str],
    lines: tuple[P.CargoLine, ...],
    address: P.Address,
    flow: str,
    message: str | None,
    shop_promotion_id: str | None,
    out_order_id: str | None,
    staff_name: str | None,
    now_ms: int,
) -> Created:
    """One merchant's 1688 create through the core (``purchasing.creates``): ``outOrderId``
    claim, replay, 40902, 40904 and 50401 ``pendingOperation: create``. ``seller_open_id`` may
    be a callable, asked only when the marketplace has to be asked to create (6.2 learns the
    seller from the lines' offers)."""
    draft = P.OrderDraft(
        platform=P.Platform.ALIBABA,
        seller_open_id=seller_open_id if isinstance(seller_open_id, str) else "",
        lines=lines,
        address=address,
        message=message or "",
        flow=flow,
        shop_promotion_id=shop_promotion_id,
    )
    return creates.create_for_merchant(
        db,
        market,
        PROFILE,
        buyer,
        draft=draft,
        seller_of=None if isinstance(seller_open_id, str) else seller_open_id,
        out_order_id=out_order_id,
        staff_name=staff_name,
        now_ms=now_ms,
    )


def create(
    db: Database,
    market: P.Marketplace,
    buyer: Buyer,
    *,
    body: CreateRequest,
    now_ms: int,
) -> dict[str, Any]:
    """6.2"""
    made = create_for_merchant(
        db,
        market,
        buyer,
        seller_open_id=lambda: merchant_of(market, body.cargoParamList),
        lines=S.to_port_lines(body.cargoParamList),
        address=S.address_of(db, buyer, body.addressParam),
        flow=body.flow,
        message=body.message,
        shop_promotion_id=body.shopPromotionId,
        out_order_id=body.outOrderId,
        staff_name=None,
        now_ms=now_ms,
    )
    return _answer(made.rows, body.outOrderId, made.failed, made.replayed)
