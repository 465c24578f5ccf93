"""6.2: create a single-merchant 1688 order.

The business key ``outOrderId`` is claimed first (``order1688_request``, unique per developer):
a repeat returns the orders it made (``replayed``), even from another process; another
sub-account's key answers 40902. The marketplace is asked with a key of ours (``market_key``)
so it can deduplicate too. When its answer is lost (timeout) the claim stays ``pending`` and the
call answers 50401 with ``pendingOperation: create``; the next call with the same key settles it
by asking the marketplace which orders carry ``market_key`` (CONTRACT section 8).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from pydantic import Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from daigou.core.errors import ApiError
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.marketplace import port as P
from daigou.orders1688 import records
from daigou.orders1688 import schemas as S
from daigou.orders1688.models import Order1688, OrderRequest1688
from daigou.orders1688.preview import merchant_of


class CreateRequest(S.RequestBody):
    flow: S.Flow
    message: str | None = Field(default=None, max_length=500)
    shopPromotionId: str | None = Field(default=None, min_length=1, max_length=64)
    tradeType: str | None = Field(default=None, pattern="^assureTrade$")
    addressParam: S.AddressParam
    cargoParamList: list[S.Cargo] = Field(min_length=1, max_length=S.MAX_LINES)
    outOrderId: str | None = Field(default=None, min_length=1, max_length=64)


def _failures(result: P.CreateResult) -> list[dict[str, Any]]:
    return [
        {"offerId": f.offer_id, "specId": f.spec_id, "errorCode": f.code, "errorMessage": f.message}
        for f in result.failures
    ]


def _answer(
    rows: list[Order1688], out_order_id: str | None, failed: list[dict[str, Any]], replayed: bool
) -> dict[str, Any]:
    return {
        "orderId": rows[0].order_id,
        "orderList": [
            {
                "orderId": r.order_id,
                "totalAmount": r.total_fen,
                "postFee": json.loads(r.body)["baseInfo"]["shippingFee"],
                "status": r.status,
            }
            for r in rows
        ],
        "outOrderId": out_order_id,
        "status": rows[0].status,
        "totalSuccessAmount": sum(r.total_fen for r in rows),
        "postFee": sum(json.loads(r.body)["baseInfo"]["shippingFee"] for r in rows),
        "failedOfferList": failed,
        "replayed": replayed,
    }


def _claim_key(
    db: Database, developer_id: int, user_id: str | None, out_order_id: str, now_ms: int
) -> tuple[OrderRequest1688, bool]:
    """The key's claim, and whether this call made it (False: an earlier call did)."""
    market_key = f"{developer_id}-{secrets.token_hex(8)}"
    with db.transaction() as s:
        fresh = insert_ignore(
            s,
            OrderRequest1688.__table__,
            {
                "developer_id": developer_id,
                "out_order_id": out_order_id,
                "user_id": user_id,
                "market_key": market_key,
                "state": "pending",
                "result": None,
                "created_at": now_ms,
                "modified_at": now_ms,
            },
            ["developer_id", "out_order_id"],
        )
        row = s.get(OrderRequest1688, (developer_id, out_order_id))
        assert row is not None
        s.expunge(row)
    if row.user_id != user_id:
        raise ApiError(40902, "outOrderId was used by another sub-account of this developer")
    return row, fresh


def _settle(
    db: Database,
    claim: OrderRequest1688,
    result: P.CreateResult,
    developer_id: int,
    user_id: str | None,
    now_ms: int,
) -> list[Order1688]:
    """`_record`, once more if a concurrent call with the same key recorded an order first."""
    try:
        return _record(db, claim, result, developer_id, user_id, now_ms)
    except IntegrityError:
        return _record(db, claim, result, developer_id, user_id, now_ms)


def _record(
    db: Database,
    claim: OrderRequest1688,
    result: P.CreateResult,
    developer_id: int,
    user_id: str | None,
    now_ms: int,
) -> list[Order1688]:
    """Record the orders a create made (those not recorded yet) and close the claim."""
    with db.transaction() as s:
        rows = []
        for order in result.orders:
            row = s.get(Order1688, order.order_id)
            if row is None:
                row = records.record_created(
                    s,
                    developer_id=developer_id,
                    user_id=user_id,
                    out_order_id=claim.out_order_id or None,
                    order=order,
                    now_ms=now_ms,
                )
            rows.append(row)
        if claim.out_order_id:
            s.execute(
                OrderRequest1688.__table__.update()
                .where(
                    OrderRequest1688.developer_id == developer_id,
                    OrderRequest1688.out_order_id == claim.out_order_id,
                )
                .values(
                    state="done",
                    result=json.dumps(
                        {
                            "orderIds": [o.order_id for o in result.orders],
                            "failedOfferList": _failures(result),
                        }
                    ),
                    modified_at=now_ms,
                )
            )
        s.flush()
        for row in rows:
            s.refresh(row)
        s.expunge_all()
    return rows


def _release(db: Database, developer_id: int, out_order_id: str) -> None:
    """Nothing was made: the key may be used again."""
    with db.transaction() as s:
        s.execute(
            delete(OrderRequest1688).where(
                OrderRequest1688.developer_id == developer_id,
                OrderRequest1688.out_order_id == out_order_id,
                OrderRequest1688.state == "pending",
            )
        )


def _existing(db: Database, developer_id: int, claim: OrderRequest1688) -> dict[str, Any]:
    stored = json.loads(claim.result or "{}")
    with db.transaction() as s:
        rows = list(
            s.execute(
                select(Order1688).where(Order1688.order_id.in_(stored.get("orderIds", [])))
            ).scalars()
        )
        s.expunge_all()
    rows.sort(key=lambda r: stored["orderIds"].index(r.order_id))
    return _answer(rows, claim.out_order_id, stored.get("failedOfferList", []), True)


def create(
    db: Database,
    market: P.Marketplace,
    buyer: S.Buyer,
    *,
    body: CreateRequest,
    now_ms: int,
) -> dict[str, Any]:
    developer_id, develop_id, user_id = buyer.developer_id, buyer.develop_id, buyer.user_id
    claim: OrderRequest1688 | None = None
    if body.outOrderId:
        claim, fresh = _claim_key(db, developer_id, user_id, body.outOrderId, now_ms)
        if claim.state == "done":
            return _existing(db, developer_id, claim)
        if not fresh:
            # an earlier create with this key has no known outcome: ask the marketplace
            with P.acting_for(develop_id):
                made = market.orders_by_out_order_id(P.Platform.ALIBABA, claim.market_key)
            if made:
                rows = _settle(db, claim, P.CreateResult(made), developer_id, user_id, now_ms)
                return _answer(rows, claim.out_order_id, [], True)
    market_key = claim.market_key if claim else f"{developer_id}-{secrets.token_hex(8)}"
    with P.acting_for(develop_id):
        seller = merchant_of(market, body.cargoParamList)
        draft = P.OrderDraft(
            platform=P.Platform.ALIBABA,
            seller_open_id=seller,
            lines=S.to_port_lines(body.cargoParamList),
            address=body.addressParam.to_port(),
            out_order_id=market_key,
            message=body.message or "",
            flow=body.flow,
            shop_promotion_id=body.shopPromotionId,
            buyer_ref=develop_id,
        )
        try:
            result = market.create_order(draft)
        except P.MarketplaceTimeout as exc:
            raise ApiError(
                50401,
                "the marketplace did not answer: the outcome of this create is unknown; "
                "call again with the same outOrderId to learn it",
                {"outOrderId": body.outOrderId, "pendingOperation": "create"},
            ) from exc
        except P.MarketplaceError:
            if body.outOrderId:
                _release(db, developer_id, body.outOrderId)
            raise
    if not result.orders:
        if body.outOrderId:
            _release(db, developer_id, body.outOrderId)
        failed = _failures(result)
        raise ApiError(
            40904,
            failed[0]["errorMessage"] if failed else "no line can be ordered",
            {"failedOfferList": failed},
        )
    rows = _settle(
        db,
        claim or OrderRequest1688(out_order_id="", market_key=market_key),
        result,
        developer_id,
        user_id,
        now_ms,
    )
    return _answer(rows, body.outOrderId, _failures(result), result.replayed)
