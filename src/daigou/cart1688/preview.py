"""8.5: preview orders from cart lines, as 6.3 does for lines given in the request; each
merchant's result also lists the cart lines it covers (`cartIds`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import select

from daigou.cart1688.models import Cart1688Line
from daigou.cart1688.schemas import LineId, Strict
from daigou.cart1688.service import Owner, missing_line
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


def lines_of(db: Database, owner: Owner, cart_ids: list[int]) -> list[Cart1688Line]:
    """The caller's cart lines, in the order asked (a repeated id counts once); 40302 / 40401
    for an id that is not a line of this cart (`missing_line`)."""
    wanted = list(dict.fromkeys(cart_ids))
    with db.transaction() as s:
        rows = {
            r.id: r
            for r in s.execute(
                select(Cart1688Line).where(
                    Cart1688Line.id.in_(wanted),
                    Cart1688Line.developer_id == owner.developer_id,
                    Cart1688Line.user_id == owner.user_id,
                )
            ).scalars()
        }
        missing = [i for i in wanted if i not in rows]
        if missing:
            raise missing_line(s, owner, missing[0])
        s.expunge_all()
    return [rows[i] for i in wanted]


def preview_cart(
    db: Database, market: P.Marketplace, owner: Owner, body: CartPreview
) -> dict[str, Any]:
    lines = lines_of(db, owner, body.cartIds)
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
    data = preview.preview_batch(market, owner.develop_id, request)
    for result in data["results"]:
        result["cartIds"] = [lines[i].id for i in result["lineIndexes"]]
    return data
