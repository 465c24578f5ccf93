"""8.6: order cart lines, as 6.4 orders lines given in the request; each merchant's result also
lists the cart lines it covers (``cartIds``), and the lines ordered leave the cart.

The orders are recorded in each merchant's create transaction (6.4's core); the ordered lines
are deleted right after, in one transaction of their own, for the merchants whose create made
orders in this call: every line of such a merchant except those named in its
``failedOfferList``. A merchant that failed, or whose orders were replayed (made earlier), keeps
its lines. Should the process die between the two, the orders exist and the lines stay in the
cart (nothing is ordered twice: ordering them again is a new, deliberate call).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daigou.cart1688.models import Cart1688Line
from daigou.carts import service as carts
from daigou.carts.schemas import LineId, Strict
from daigou.db.session import Database
from daigou.developers.schemas import USER_ID_PATTERN
from daigou.marketplace import port as P
from daigou.orders1688 import batch_create
from daigou.orders1688 import schemas as OS


class CartCreate(Strict):
    flow: OS.Flow
    message: str | None = Field(default=None, max_length=500)
    shopPromotionId: str | None = Field(default=None, min_length=1, max_length=64)
    tradeType: str | None = Field(default=None, pattern="^assureTrade$")
    addressParam: OS.AddressParam
    cartIds: list[LineId] = Field(
        min_length=1, max_length=OS.MAX_LINES * OS.MAX_MERCHANTS, description="cart line ids"
    )
    userId: str | None = Field(default=None, pattern=USER_ID_PATTERN)
    staffName: str | None = Field(default=None, min_length=1, max_length=64)


def _ordered(result: dict[str, Any], lines: list[Cart1688Line]) -> list[int]:
    """The cart lines a merchant's result ordered in this call."""
    if not result["success"] or result["replayed"]:
        return []
    refused = {(f["offerId"], f["specId"] or None) for f in result["failedOfferList"]}
    return [
        lines[i].id
        for i in result["lineIndexes"]
        if (lines[i].offer_id, lines[i].spec_id or None) not in refused
    ]


def create_from_cart(
    db: Database, market: P.Marketplace, buyer: OS.Buyer, body: CartCreate, now_ms: int
) -> dict[str, Any]:
    """8.6 for ``buyer`` (the body's userId applied): 40401 for an id that is not a line of
    the buyer's cart (as 8.5), 40003 over 6.4's limits, else one result per store."""
    owner = carts.owner_of(buyer)
    lines = carts.lines_of(db, Cart1688Line, owner, body.cartIds)
    request = batch_create.BatchCreateRequest(
        flow=body.flow,
        message=body.message,
        shopPromotionId=body.shopPromotionId,
        tradeType=body.tradeType,
        addressParam=body.addressParam,
        staffName=body.staffName,
        cargoParamList=[
            # read from the cart, valid already (a cart quantity may exceed a request's bound)
            OS.MerchantCargo.model_construct(
                offerId=ln.offer_id,
                specId=ln.spec_id or None,
                quantity=ln.quantity,
                sellerOpenId=ln.seller_open_id,
                outOrderId=None,
            )
            for ln in lines
        ],
    )
    data = batch_create.create_batch(db, market, buyer, body=request, now_ms=now_ms)
    ordered: list[int] = []
    for result in data["results"]:
        result["cartIds"] = [lines[i].id for i in result["lineIndexes"]]
        ordered += _ordered(result, lines)
    carts.remove_lines(db, Cart1688Line, owner, ordered)
    return data
