"""8.5: preview orders from cart lines, as 6.3 does for lines given in the request; each
merchant's result also lists the cart lines it covers (`cartIds`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daigou.cart1688.models import Cart1688Line
from daigou.carts import service as carts
from daigou.carts.schemas import LineId, Strict
from daigou.carts.service import Owner
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.orders1688 import preview
from daigou.orders1688 import schemas as OS


class CartPreview(Strict):
    cartIds: list[LineId] = Field(
        min_length=1, max_length=OS.MAX_LINES * OS.MAX_MERCHANTS, description="cart line ids"
    )
    addressParam: OS.AddressParam
    flow: OS.Flow = "general"


def preview_cart(
    db: Database, market: P.Marketplace, owner: Owner, body: CartPreview
) -> dict[str, Any]:
    lines = carts.lines_of(db, Cart1688Line, owner, body.cartIds)
    request = OS.PreviewBatchRequest(
        addressParam=body.addressParam,
        flow=body.flow,
        cargoParamList=[
            OS.MerchantCargo(
                offerId=ln.offer_id,
                specId=ln.spec_id or None,
                quantity=ln.quantity,
                sellerOpenId=ln.seller_open_id,
            )
            for ln in lines
        ],
    )
    buyer = OS.Buyer(owner.developer_id, owner.develop_id, owner.user_id or None)
    data = preview.preview_batch(db, market, buyer, request)
    for result in data["results"]:
        result["cartIds"] = [lines[i].id for i in result["lineIndexes"]]
    return data
