"""6.2: create a single-merchant 1688 order.

The business key ``outOrderId`` is claimed first (``order1688_request``, unique per developer):
a repeat returns the orders it made (``replayed``), even from another process; another
sub-account's key answers 40902. The marketplace is asked with a key of ours (``market_key``)
so it can deduplicate too. When its answer is lost (timeout) the claim stays ``pending`` and the
call answers 50401 with ``pendingOperation: create``; the next call with the same key settles it
by asking the marketplace which orders carry ``market_key`` (CONTRACT section 8).

``create_for_merchant`` is that whole path for one merchant's lines; 6.2 calls it once, the
multi-merchant creates (6.4, 8.6: ``batch_create``) once per merchant.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from daigou.core.clock import Clock
from daigou.core.errors import ApiError
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.developers.service import develop_ids
from daigou.marketplace import port as P
from daigou.orders1688 import records
from daigou.orders1688 import schemas as S
from daigou.orders1688.models import Order1688, OrderRequest1688
from daigou.orders1688.preview import merchant_of
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, SUCCEEDED, UNKNOWN, MarketOperation


class CreateRequest(S.RequestBody):
    flow: S.Flow
    message: str | None = Field(default=None, max_length=500)
    shopPromotionId: str | None = Field(default=None, min_length=1, max_length=64)
    tradeType: str | None = Field(default=None, pattern="^assureTrade$")
    addressParam: S.AddressParam
    cargoParamList: list[S.Cargo] = Field(min_length=1, max_length=S.MAX_LINES)
    outOrderId: str | None = Field(default=None, min_length=1, max_length=64)


@dataclass(frozen=True)
class Created:
    """What one merchant's create made: its order records, the lines refused, and whether the
    orders were made by an earlier call (the outOrderId's, or the marketplace's replay)."""

    rows: list[Order1688]
    failed: list[dict[str, Any]]
    replayed: bool


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
    buyer: S.Buyer,
    staff_name: str | None,
    now_ms: int,
) -> list[Order1688]:
    """`_record`, once more if a concurrent call with the same key recorded an order first."""
    try:
        return _record(db, claim, result, buyer, staff_name, now_ms)
    except IntegrityError:
        return _record(db, claim, result, buyer, staff_name, now_ms)


def _record(
    db: Database,
    claim: OrderRequest1688,
    result: P.CreateResult,
    buyer: S.Buyer,
    staff_name: str | None,
    now_ms: int,
) -> list[Order1688]:
    """Record the orders a create made (those not recorded yet) and close the claim."""
    developer_id = buyer.developer_id
    with db.transaction() as s:
        rows = []
        for order in result.orders:
            row = s.get(Order1688, order.order_id)
            if row is None:
                row = records.record_created(
                    s,
                    developer_id=developer_id,
                    user_id=buyer.user_id,
                    out_order_id=claim.out_order_id or None,
                    order=order,
                    now_ms=now_ms,
                    staff_name=staff_name,
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


def _existing(db: Database, claim: OrderRequest1688) -> Created:
    stored = json.loads(claim.result or "{}")
    with db.transaction() as s:
        rows = list(
            s.execute(
                select(Order1688).where(Order1688.order_id.in_(stored.get("orderIds", [])))
            ).scalars()
        )
        s.expunge_all()
    rows.sort(key=lambda r: stored["orderIds"].index(r.order_id))
    return Created(rows, stored.get("failedOfferList", []), True)


def create_for_merchant(
    db: Database,
    market: P.Marketplace,
    buyer: S.Buyer,
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
    """One merchant's create: claim ``out_order_id``, ask the marketplace, record the orders.

    A key already done returns its orders (``replayed``); a key an earlier call left with an
    unknown outcome is settled by asking the marketplace for the orders carrying its
    ``market_key``. Raises ApiError 40902 (another sub-account's key), 40904 (no line
    orderable) and 50401 (no answer: the outcome is unknown, ``pendingOperation: create``);
    marketplace errors propagate. ``seller_open_id`` may be a callable, asked only when the
    marketplace has to be asked to create (6.2 learns the seller from the lines' offers).
    """
    developer_id, develop_id = buyer.developer_id, buyer.develop_id
    claim: OrderRequest1688 | None = None
    if out_order_id:
        claim, fresh = _claim_key(db, developer_id, buyer.user_id, out_order_id, now_ms)
        if claim.state == "done":
            return _existing(db, claim)
        if not fresh:
            # an earlier create with this key has no known outcome: ask the marketplace
            with P.acting_for(develop_id):
                made = market.orders_by_out_order_id(P.Platform.ALIBABA, claim.market_key)
            if made:
                rows = _settle(db, claim, P.CreateResult(made), buyer, staff_name, now_ms)
                return Created(rows, [], True)
    market_key = claim.market_key if claim else f"{developer_id}-{secrets.token_hex(8)}"
    with P.acting_for(develop_id):
        seller = seller_open_id() if callable(seller_open_id) else seller_open_id
        draft = P.OrderDraft(
            platform=P.Platform.ALIBABA,
            seller_open_id=seller,
            lines=lines,
            address=address,
            out_order_id=market_key,
            message=message or "",
            flow=flow,
            shop_promotion_id=shop_promotion_id,
            buyer_ref=develop_id,
        )
        try:
            result = market.create_order(draft)
        except P.MarketplaceTimeout as exc:
            _unknown(db, buyer, out_order_id, market_key, now_ms)
            raise ApiError(
                50401,
                "the marketplace did not answer: the outcome of this create is unknown; "
                "call again with the same outOrderId to learn it",
                {"outOrderId": out_order_id, "pendingOperation": "create"},
            ) from exc
        except P.MarketplaceError:
            if out_order_id:
                _release(db, developer_id, out_order_id)
            raise
    if not result.orders:
        if out_order_id:
            _release(db, developer_id, out_order_id)
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
        buyer,
        staff_name,
        now_ms,
    )
    return Created(rows, _failures(result), result.replayed)


def create(
    db: Database,
    market: P.Marketplace,
    buyer: S.Buyer,
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
        address=body.addressParam.to_port(),
        flow=body.flow,
        message=body.message,
        shop_promotion_id=body.shopPromotionId,
        out_order_id=body.outOrderId,
        staff_name=None,
        now_ms=now_ms,
    )
    return _answer(made.rows, body.outOrderId, made.failed, made.replayed)


# --- a create whose answer was lost ------------------------------------------------------------
def _unknown(
    db: Database, buyer: S.Buyer, out_order_id: str | None, market_key: str, now_ms: int
) -> None:
    """Hand the create to the reconciler, which looks for what it made by ``market_key``."""
    with db.transaction() as s:
        if s.get(MarketOperation, f"create-{market_key}") is not None:
            return  # an earlier call with this key is already being settled
        op = reconcile.begin(
            s,
            operation_id=f"create-{market_key}",
            developer_id=buyer.developer_id,
            user_id=buyer.user_id,
            object_type="order1688",
            object_id=out_order_id or market_key,
            operation="create",
            market_key=market_key,
            now_ms=now_ms,
        )
        reconcile.lost(op, now_ms)


def reconcile_create(
    db: Database, market: P.Marketplace, clock: Clock, op: MarketOperation, owner: str
) -> reconcile.Settled:
    """The reconciler's create: the orders carrying the create's key are recorded (with their
    messages); none an hour after the create means it was not made, and its ``outOrderId`` may
    be used again."""
    try:
        made = market.orders_by_out_order_id(P.Platform.ALIBABA, op.market_key)
    except (P.MarketplaceError, P.MarketplaceTimeout) as exc:
        with db.transaction() as s:
            still = reconcile.locked(s, op.operation_id, owner)
            if still is not None:
                reconcile.lost(still, clock.now_ms(), f"the lookup failed: {exc}")
        return reconcile.Settled(UNKNOWN, None)
    now_ms = clock.now_ms()
    with db.transaction() as s:
        claim = s.execute(
            select(OrderRequest1688).where(OrderRequest1688.market_key == op.market_key)
        ).scalar_one_or_none()
        develop_id = develop_ids(s, {op.developer_id}).get(op.developer_id, "")
        if claim is not None:
            s.expunge(claim)
    buyer = S.Buyer(developer_id=op.developer_id, develop_id=develop_id, user_id=op.user_id)
    rows: list[Order1688] = []
    if made:
        rows = _settle(
            db,
            claim or OrderRequest1688(out_order_id="", market_key=op.market_key),
            P.CreateResult(made),
            buyer,
            None,
            now_ms,
        )
    elif now_ms - op.started_at >= reconcile.CREATE_GIVE_UP_MS and claim is not None:
        _release(db, op.developer_id, claim.out_order_id)
    with db.transaction() as s:
        still = reconcile.locked(s, op.operation_id, owner)
        if still is None:
            return reconcile.Settled(UNKNOWN, None)
        if made:
            still.state, still.settled_at = SUCCEEDED, now_ms
        elif now_ms - op.started_at >= reconcile.CREATE_GIVE_UP_MS:
            still.state, still.settled_at = FAILED, now_ms
            still.last_error = "no order carries the create's key: it was not made"
        else:
            reconcile.lost(still, now_ms, "no order carries the create's key yet")
            return reconcile.Settled(UNKNOWN, None)
        still.lease_owner, still.lease_until = None, None
        outcome = still.state
    return reconcile.Settled(outcome, records.order_out(rows[0]) if rows else None)
