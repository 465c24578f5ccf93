"""Creating orders with a business key, on any platform.

The caller's key (1688 ``outOrderId``, Taobao ``sellerOrderNumber``) is claimed first
(``purchase_request``, unique per developer and platform): a repeat returns the orders it made
(``replayed``), even from another process; another sub-account's key answers 40902. The
marketplace is asked with a key of ours (``market_key``) so it can deduplicate too. When its
answer is lost the claim stays ``pending``, the reconciler is handed the create, and the call
answers 50401 with ``pendingOperation: create``; the next call with the same key settles it by
asking the marketplace which orders carry ``market_key`` (CONTRACT section 8).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from daigou.core.clock import Clock
from daigou.core.errors import ApiError
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.developers.service import develop_ids
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.purchasing import records
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import PurchaseOrder, PurchaseRequest
from daigou.purchasing.profile import Profile, of_object_type
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, SUCCEEDED, UNKNOWN, MarketOperation

CREATE_GIVE_UP_MS = 3_600_000  # a create nobody can find an hour later was not made


@dataclass(frozen=True)
class Created:
    """What one merchant's create made: its order records, the lines refused, and whether the
    orders were made by an earlier call (the key's, or the marketplace's replay)."""

    rows: list[PurchaseOrder]
    failed: list[dict[str, Any]]
    replayed: bool


def failures(result: P.CreateResult) -> list[dict[str, Any]]:
    return [
        {"offerId": f.offer_id, "specId": f.spec_id, "errorCode": f.code, "errorMessage": f.message}
        for f in result.failures
    ]


@dataclass(frozen=True)
class _Claim:
    platform: str
    out_order_id: str  # "" when the caller gave no key
    market_key: str
    state: str = "pending"
    result: str | None = None
    group_id: str | None = None


def _claim_key(
    db: Database,
    profile: Profile,
    buyer: Buyer,
    out_order_id: str,
    now_ms: int,
    group_id: str | None = None,
) -> tuple[_Claim, bool]:
    """The key's claim, and whether this call made it (False: an earlier call did)."""
    market_key = f"{buyer.developer_id}-{secrets.token_hex(8)}"
    with db.transaction() as s:
        fresh = insert_ignore(
            s,
            PurchaseRequest.__table__,
            {
                "developer_id": buyer.developer_id,
                "platform": profile.platform.value,
                "out_order_id": out_order_id,
                "user_id": buyer.user_id,
                "market_key": market_key,
                "group_id": group_id,
                "state": "pending",
                "result": None,
                "created_at": now_ms,
                "modified_at": now_ms,
            },
            ["developer_id", "platform", "out_order_id"],
        )
        row = s.get(PurchaseRequest, (buyer.developer_id, profile.platform.value, out_order_id))
        assert row is not None
    if row.user_id != buyer.user_id:
        raise ApiError(
            40902, f"{profile.key_name} was used by another sub-account of this developer"
        )
    return _claim_of(row), fresh


def _claim_of(row: PurchaseRequest) -> _Claim:
    return _Claim(
        row.platform, row.out_order_id, row.market_key, row.state, row.result, row.group_id
    )


def _settle(
    db: Database,
    profile: Profile,
    claim: _Claim,
    result: P.CreateResult,
    buyer: Buyer,
    staff_name: str | None,
    now_ms: int,
) -> list[PurchaseOrder]:
    """`_record`, once more if a concurrent call with the same key recorded an order first."""
    try:
        return _record(db, profile, claim, result, buyer, staff_name, now_ms)
    except IntegrityError:
        return _record(db, profile, claim, result, buyer, staff_name, now_ms)


def _record(
    db: Database,
    profile: Profile,
    claim: _Claim,
    result: P.CreateResult,
    buyer: Buyer,
    staff_name: str | None,
    now_ms: int,
) -> list[PurchaseOrder]:
    """Record the orders a create made (those not recorded yet) and close the claim."""
    with db.transaction() as s:
        rows = []
        for order in result.orders:
            row = s.get(PurchaseOrder, (profile.platform.value, order.order_id))
            if row is None:
                row = records.record_created(
                    s,
                    profile,
                    developer_id=buyer.developer_id,
                    user_id=buyer.user_id,
                    out_order_id=claim.out_order_id or None,
                    order=order,
                    now_ms=now_ms,
                    staff_name=staff_name,
                    group_id=claim.group_id,
                )
            rows.append(row)
        if claim.out_order_id:
            s.execute(
                update(PurchaseRequest)
                .where(
                    PurchaseRequest.developer_id == buyer.developer_id,
                    PurchaseRequest.platform == profile.platform.value,
                    PurchaseRequest.out_order_id == claim.out_order_id,
                )
                .values(
                    state="done",
                    result=json.dumps(
                        {
                            "orderIds": [o.order_id for o in result.orders],
                            "failedOfferList": failures(result),
                        }
                    ),
                    modified_at=now_ms,
                )
                .execution_options(synchronize_session=False)
            )
        s.flush()
        for row in rows:
            s.refresh(row)
        s.expunge_all()
    return rows


def _release(db: Database, profile: Profile, developer_id: int, out_order_id: str) -> None:
    """Nothing was made: the key may be used again."""
    with db.transaction() as s:
        s.execute(
            delete(PurchaseRequest).where(
                PurchaseRequest.developer_id == developer_id,
                PurchaseRequest.platform == profile.platform.value,
                PurchaseRequest.out_order_id == out_order_id,
                PurchaseRequest.state == "pending",
            )
        )


def _existing(db: Database, profile: Profile, claim: _Claim) -> Created:
    stored = json.loads(claim.result or "{}")
    ids = stored.get("orderIds", [])
    with db.transaction() as s:
        rows = list(
            s.execute(
                select(PurchaseOrder).where(
                    PurchaseOrder.platform == profile.platform.value,
                    PurchaseOrder.order_id.in_(ids),
                )
            ).scalars()
        )
        s.expunge_all()
    rows.sort(key=lambda r: ids.index(r.order_id))
    return Created(rows, stored.get("failedOfferList", []), True)


def create_for_merchant(
    db: Database,
    market: P.Marketplace,
    profile: Profile,
    buyer: Buyer,
    *,
    draft: P.OrderDraft,
    seller_of: Callable[[], str] | None = None,
    out_order_id: str | None,
    staff_name: str | None,
    now_ms: int,
    group_id: str | None = None,
) -> Created:
    """One merchant's create: claim ``out_order_id``, ask the marketplace, record the orders.

    A key already done returns its orders (``replayed``); a key an earlier call left with an
    unknown outcome is settled by asking the marketplace for the orders carrying its
    ``market_key``. Raises ApiError 40902 (another sub-account's key), 40904 (no line
    orderable) and 50401 (no answer: the outcome is unknown, ``pendingOperation: create``);
    marketplace errors propagate. ``seller_of``, when given, names the draft's seller and is
    asked only when the marketplace has to be asked to create. ``draft.out_order_id`` is
    replaced by the gateway's own market key. ``group_id`` (with ``out_order_id``) names
    the group the orders join (a Taobao purchase order), also when the reconciler records them.
    """
    developer_id = buyer.developer_id
    claim: _Claim | None = None
    if out_order_id:
        claim, fresh = _claim_key(db, profile, buyer, out_order_id, now_ms, group_id)
        if claim.state == "done":
            return _existing(db, profile, claim)
        if not fresh:
            # an earlier create with this key has no known outcome: ask the marketplace
            with acting_for(buyer.develop_id):
                made = market.orders_by_out_order_id(profile.platform, claim.market_key)
            if made:
                rows = _settle(db, profile, claim, P.CreateResult(made), buyer, staff_name, now_ms)
                return Created(rows, [], True)
    market_key = claim.market_key if claim else f"{developer_id}-{secrets.token_hex(8)}"
    with acting_for(buyer.develop_id):
        seller = seller_of() if seller_of is not None else draft.seller_open_id
        draft = replace(
            draft, seller_open_id=seller, out_order_id=market_key, buyer_ref=buyer.develop_id
        )
        try:
            result = market.create_order(draft)
        except P.MarketplaceTimeout as exc:
            _unknown(db, profile, buyer, out_order_id, market_key, now_ms)
            raise ApiError(
                50401,
                "the marketplace did not answer: the outcome of this create is unknown; "
                f"call again with the same {profile.key_name} to learn it",
                {profile.key_name: out_order_id, "pendingOperation": "create"},
            ) from exc
        except P.MarketplaceError:
            if out_order_id:
                _release(db, profile, developer_id, out_order_id)
            raise
    if not result.orders:
        if out_order_id:
            _release(db, profile, developer_id, out_order_id)
        failed = failures(result)
        raise ApiError(
            40904,
            failed[0]["errorMessage"] if failed else "no line can be ordered",
            {"failedOfferList": failed},
        )
    rows = _settle(
        db,
        profile,
        claim or _Claim(profile.platform.value, "", market_key),
        result,
        buyer,
        staff_name,
        now_ms,
    )
    return Created(rows, failures(result), result.replayed)


# --- a create whose answer was lost ------------------------------------------------------------
def _unknown(
    db: Database,
    profile: Profile,
    buyer: Buyer,
    out_order_id: str | None,
    market_key: str,
    now_ms: int,
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
            object_type=profile.object_type,
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
    messages); none an hour after the create means it was not made, and its key may be used
    again."""
    profile = of_object_type(op.object_type)
    try:
        made = market.orders_by_out_order_id(profile.platform, op.market_key)
    except (P.MarketplaceError, P.MarketplaceTimeout) as exc:
        with db.transaction() as s:
            still = reconcile.locked(s, op.operation_id, owner)
            if still is not None:
                reconcile.lost(still, clock.now_ms(), f"the lookup failed: {exc}")
        return reconcile.Settled(UNKNOWN, None)
    now_ms = clock.now_ms()
    with db.transaction() as s:
        found = s.execute(
            select(PurchaseRequest).where(PurchaseRequest.market_key == op.market_key)
        ).scalar_one_or_none()
        claim = _claim_of(found) if found is not None else None
        develop_id = develop_ids(s, {op.developer_id}).get(op.developer_id, "")
    buyer = Buyer(developer_id=op.developer_id, develop_id=develop_id, user_id=op.user_id)
    rows: list[PurchaseOrder] = []
    gave_up = now_ms - op.started_at >= CREATE_GIVE_UP_MS
    if made:
        rows = _settle(
            db,
            profile,
            claim or _Claim(profile.platform.value, "", op.market_key),
            P.CreateResult(made),
            buyer,
            None,
            now_ms,
        )
    elif gave_up and claim is not None:
        _release(db, profile, op.developer_id, claim.out_order_id)
    with db.transaction() as s:
        still = reconcile.locked(s, op.operation_id, owner)
        if still is None:
            return reconcile.Settled(UNKNOWN, None)
        if made:
            reconcile.settle(still, SUCCEEDED, now_ms)
        elif gave_up:
            reconcile.settle(
                still, FAILED, now_ms, "no order carries the create's key: it was not made"
            )
        else:
            reconcile.lost(still, now_ms, "no order carries the create's key yet")
            return reconcile.Settled(UNKNOWN, None)
        outcome = still.state
    return reconcile.Settled(outcome, records.order_out(rows[0]) if rows else None)
