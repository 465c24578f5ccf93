"""6.4: create orders across merchants, one S2 result per merchant.

The lines are grouped by ``sellerOpenId`` in order of first appearance (as 6.3 does); each
merchant's group is one 6.2 create (``create.create_for_merchant``: its own ``outOrderId`` claim,
replay and unknown outcome), run concurrently with the others through ``fan_out``. A merchant
that fails is reported in its own result; the call fails as a whole only on its input (40001,
40003, 40301).

``shopPromotionId`` belongs to one merchant. The port has no promotion lookup but the preview
(as 9.1 does): when the request names a promotion, each merchant's lines are previewed first
and the promotion is sent only with the merchant whose preview lists it. Sending it to every
merchant is not an option: a marketplace given another seller's promotion does not refuse it,
it applies none (the seller's own automatic promotion is lost too).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daigou.core.errors import ApiError, validation_error
from daigou.core.pagination import page_request
from daigou.db.session import Database
from daigou.developers import service as developers
from daigou.developers.schemas import USER_ID_PATTERN
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.marketplace.fanout import fan_out
from daigou.orders1688 import create
from daigou.orders1688 import schemas as S
from daigou.orders1688.preview import group_by_merchant
from daigou.purchasing.records import order_out

# an item's own fields: what an error's data cannot override
ITEM_FIELDS = {"index", "key", "success", "code", "msg", "sellerOpenId", "lineIndexes"}


class BatchCreateRequest(S.RequestBody):
    """6.4 (limits checked per merchant by the service: 40003)"""

    flow: S.Flow = "general"
    message: str | None = Field(default=None, max_length=500)
    shopPromotionId: str | None = Field(default=None, min_length=1, max_length=64)
    tradeType: str | None = Field(default=None, pattern="^assureTrade$")
    addressParam: S.AddressParam
    cargoParamList: list[S.MerchantCargo] = Field(
        min_length=1, max_length=S.MAX_LINES * S.MAX_MERCHANTS
    )
    userId: str | None = Field(default=None, pattern=USER_ID_PATTERN)
    staffName: str | None = Field(default=None, min_length=1, max_length=64)


def acting_buyer(db: Database, caller: Any, user_id: str | None) -> S.Buyer:
    """The buyer, with a body's ``userId`` acting as the ``user-id`` header (ENDPOINTS
    Conventions): both given and different is 40001; given alone, it must be an enabled
    sub-account of the developer (40301, as for the header)."""
    buyer = S.Buyer.of(caller)
    if user_id and user_id == caller.main_user_id:  # the main account, named
        if buyer.user_id is not None:
            raise validation_error("userId", "differs from the user-id header")
        return buyer
    if not user_id or user_id == buyer.user_id:
        return buyer
    if buyer.user_id is not None:
        raise validation_error("userId", "differs from the user-id header")
    found = developers.list_sub_accounts(db, caller, "enabled", user_id, page_request(1, 1, None))
    if not found.items or found.items[0].userId != user_id:
        raise ApiError(40301, "userId is not an enabled sub-account of this developer")
    return S.Buyer(buyer.developer_id, buyer.develop_id, user_id)


def merchants(lines: list[S.MerchantCargo]) -> list[tuple[str, list[int]]]:
    """Line indexes per merchant, in order of first appearance (6.3's grouping and limits).
    40001 names the first line whose ``outOrderId`` differs from its merchant's first line, or
    that reuses another merchant's (one key makes one merchant's orders)."""
    key_of: dict[str, str | None] = {}
    owner: dict[str, str] = {}
    for i, line in enumerate(lines):
        seller, key = line.sellerOpenId, line.outOrderId
        if seller not in key_of:
            key_of[seller] = key
            if key is not None and owner.setdefault(key, seller) != seller:
                raise validation_error(
                    f"cargoParamList[{i}].outOrderId",
                    f"outOrderId {key} is already the key of merchant {owner[key]}",
                )
        elif key_of[seller] != key:
            raise validation_error(
                f"cargoParamList[{i}].outOrderId",
                "every line of a merchant carries the same outOrderId",
            )
    return group_by_merchant(lines)


def _promotion_for(market: P.Marketplace, draft: P.OrderDraft, promotion_id: str) -> str | None:
    """``promotion_id`` when the marketplace lists it for this merchant's lines, else None."""
    preview = market.preview(draft)
    listed = {p.promotion_id for order in preview.orders for p in order.promotions}
    return promotion_id if promotion_id in listed else None


def _as_api_error(exc: BaseException) -> ApiError:
    """A marketplace failure as the CONTRACT code its merchant's result carries."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, P.MarketplaceTimeout):
        return ApiError(50401, f"{exc.operation}: the marketplace did not answer in time")
    assert isinstance(exc, P.MarketplaceError)
    if isinstance(exc, P.MarketplaceNotFound):
        return ApiError(40401, exc.message)
    data = {"upstreamCode": exc.code, "upstreamMessage": exc.message}
    if isinstance(exc, P.MarketplaceRefused):
        return ApiError(40904 if exc.stock_problem else 40901, exc.message, data)
    return ApiError(50201, f"the marketplace answered {exc.code}", data)


def merchant_result(
    index: int,
    seller: str,
    out_order_id: str | None,
    idx: list[int],
    outcome: create.Created | BaseException,
) -> dict[str, Any]:
    """One merchant's S2 item: its orders, or the error that stopped its create."""
    base: dict[str, Any] = {
        "index": index,
        "key": seller,
        "sellerOpenId": seller,
        "outOrderId": out_order_id,
        "lineIndexes": idx,
    }
    if isinstance(outcome, BaseException):
        error = _as_api_error(outcome)
        extra = error.data if isinstance(error.data, dict) else {}
        return {
            **base,
            "success": False,
            "code": error.code,
            "msg": error.msg,
            "orderIds": [],
            "orders": [],
            "failedOfferList": [],
            "replayed": False,
            **{k: v for k, v in extra.items() if k not in ITEM_FIELDS},
        }
    return {
        **base,
        "success": True,
        "code": 200,
        "msg": "success",
        "orderIds": [r.order_id for r in outcome.rows],
        "orders": [order_out(r) for r in outcome.rows],
        "failedOfferList": outcome.failed,
        "replayed": outcome.replayed,
    }


def create_batch(
    db: Database,
    market: P.Marketplace,
    buyer: S.Buyer,
    *,
    body: BatchCreateRequest,
    now_ms: int,
) -> dict[str, Any]:
    """6.4 for ``buyer`` (``acting_buyer`` has applied the body's userId): one S2 result per
    merchant, in order of first appearance; never fails as a whole for one merchant."""
    lines = body.cargoParamList
    groups = merchants(lines)
    address = S.address_of(db, buyer, body.addressParam)

    def one(seller: str, idx: list[int]) -> create.Created:
        port_lines = S.to_port_lines([lines[i] for i in idx])
        promotion = None
        if body.shopPromotionId:
            draft = P.OrderDraft(
                platform=P.Platform.ALIBABA,
                seller_open_id=seller,
                lines=port_lines,
                address=address,
                flow=body.flow,
                buyer_ref=buyer.develop_id,
            )
            promotion = _promotion_for(market, draft, body.shopPromotionId)
        return create.create_for_merchant(
            db,
            market,
            buyer,
            seller_open_id=seller,
            lines=port_lines,
            address=address,
            flow=body.flow,
            message=body.message,
            shop_promotion_id=promotion,
            out_order_id=lines[idx[0]].outOrderId,
            staff_name=body.staffName,
            now_ms=now_ms,
        )

    with acting_for(buyer.develop_id):
        outcomes = fan_out(
            [(lambda s=seller, i=idx: one(s, i)) for seller, idx in groups],
            catch=(ApiError, P.MarketplaceError, P.MarketplaceTimeout),
        )
    return {
        "results": [
            merchant_result(n, seller, lines[idx[0]].outOrderId, idx, outcome)
            for n, ((seller, idx), outcome) in enumerate(zip(groups, outcomes, strict=True))
        ]
    }
