"""9.1: the shop promotions a merchant offers for some lines (the values `shopPromotionId`
takes in 6.2/6.4). The marketplace prices the lines (a preview) and names the promotions that
apply; nothing is written."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.orders1688 import schemas as S
from daigou.orders1688.preview import merchant_of

NO_ADDRESS = P.Address(full_name="-", mobile="-", address="-")


class PromotionQuery(S.RequestBody):
    cargoParamList: list[S.Cargo] = Field(min_length=1, max_length=S.MAX_LINES)
    addressParam: S.AddressParam | None = None


def shop_promotions(
    market: P.Marketplace, develop_id: str | None, body: PromotionQuery
) -> dict[str, Any]:
    with acting_for(develop_id):
        seller = merchant_of(market, body.cargoParamList)
        preview = market.preview(
            P.OrderDraft(
                platform=P.Platform.ALIBABA,
                seller_open_id=seller,
                lines=S.to_port_lines(body.cargoParamList),
                address=body.addressParam.to_port() if body.addressParam else NO_ADDRESS,
                buyer_ref=develop_id or "",
            )
        )
    seen: dict[str, dict[str, Any]] = {}
    for order in preview.orders:
        for p in order.promotions:
            seen.setdefault(
                p.promotion_id,
                {
                    "promotionId": p.promotion_id,
                    "promotionName": p.name,
                    "discountFee": p.discount_fen,
                    "selected": p.selected,
                },
            )
    return {"sellerOpenId": seller, "shopPromotionList": list(seen.values())}
