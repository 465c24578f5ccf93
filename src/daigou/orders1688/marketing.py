"""1688 marketing (ENDPOINTS 9), read from the marketplace; nothing is written.

- 9.1: the shop promotions a merchant offers for some lines (the values `shopPromotionId`
  takes in 6.2/6.4). The marketplace prices the lines (a preview) and names the promotions
  that apply.
- 9.2: the activities (special prices per SKU, for a while) of one offer, running now or
  announced, named in the language `country` asks for (CONTRACT section 5)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daigou.core.errors import validation_error
from daigou.core.wire import DecimalId
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.orders1688 import schemas as S
from daigou.orders1688.preview import merchant_of

NO_ADDRESS = P.Address(full_name="-", mobile="-", address="-")
DEFAULT_LANGUAGE = "en"


class PromotionQuery(S.RequestBody):
    cargoParamList: list[S.Cargo] = Field(min_length=1, max_length=S.MAX_LINES)
    addressParam: S.AddressParam | None = None


def shop_promotions(
    db: Database, market: P.Marketplace, buyer: S.Buyer, body: PromotionQuery
) -> dict[str, Any]:
    develop_id = buyer.develop_id
    address = S.address_of(db, buyer, body.addressParam) if body.addressParam else NO_ADDRESS
    with acting_for(develop_id):
        seller = merchant_of(market, body.cargoParamList)
        preview = market.preview(
            P.OrderDraft(
                platform=P.Platform.ALIBABA,
                seller_open_id=seller,
                lines=S.to_port_lines(body.cargoParamList),
                address=address,
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


class ActivityQuery(S.RequestBody):
    offerId: DecimalId
    country: str | None = Field(
        default=None, max_length=16, description="zh, en, vi, th or es (default en)"
    )


def _language(country: str | None) -> str:
    if country is None or not country.strip():
        return DEFAULT_LANGUAGE
    language = country.strip().lower()
    if language not in P.LANGUAGES:
        raise validation_error("country", "must be one of " + ", ".join(P.LANGUAGES))
    return language


def offer_activities(
    market: P.Marketplace, develop_id: str | None, body: ActivityQuery
) -> dict[str, Any]:
    language = _language(body.country)
    with acting_for(develop_id):
        found = market.offer_activities(P.Platform.ALIBABA, body.offerId, language)
    return {
        "offerId": body.offerId,
        "activities": [
            {
                "activityId": a.activity_id,
                "activityName": a.name.translated or a.name.original,
                "startTime": a.start_ms,
                "endTime": a.end_ms,
                "promotionPrices": [{"specId": p.spec_id, "price": p.price_fen} for p in a.prices],
                "limitQuantity": a.limit_quantity,
                "activityStock": a.stock,
            }
            for a in found
        ],
    }
