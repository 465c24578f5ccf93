"""Paying orders from the wallet, on any platform: one order (a pay URL) or up to 100 at once.

Each order is paid in three steps, and money moves at most once per order whatever happens:

1. **claim and hold** (one transaction for the whole call, under the developer's wallet lock so
   two calls of one developer never interleave and orders are funded in input order): the
   record moves ``pay_state`` none -> held by a conditional update (a second caller, in this
   process or another, finds it held and reports it pending), the wallet holds its total under
   ``<platform>:<orderId>:pay:<attempt>``, and the reconciler's operation is begun with a lease
   covering the marketplace call (the write-ahead record of CONTRACT section 8);
2. **pay**: the marketplace is asked, with ``opRequestId = pay-<orderId>-<attempt>`` so a repeat
   is deduplicated; the calls of one request run concurrently (``fan_out``);
3. **settle** (:func:`settle_pays`, also the reconciler's): paid -> capture the hold, the order
   moves to the profile's paid status with its pay message; refused -> release the hold; no
   answer -> the hold stays, the order shows ``pendingOperation: pay`` and the operation is
   ``unknown`` until the reconciler settles it by asking again with the same ``opRequestId``.
   A process that dies between two steps leaves an ``inflight`` operation whose lease
   expires: the reconciler settles it the same way.

A bulk pay is recorded as a batch (``pay_batch`` and its items); the platform's batch message
is recorded when the last of its orders is settled, in the call itself or later by the
reconciler.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.orm import Session

from daigou.core.clock import Clock
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.marketplace.fanout import fan_out
from daigou.messages import service as messages
from daigou.purchasing import records
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import HELD, NONE, PAID, PayBatch, PayBatchItem, PurchaseOrder
from daigou.purchasing.profile import Profile, of_object_type, of_platform
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, OPEN_STATES, SUCCEEDED, MarketOperation
from daigou.wallet import bulk
from daigou.wallet import service as wallet

MAX_ORDERS = 100

# reason codes of an unpaid order (results[].reasonCode, payFailOrders[].errorReason)
NOT_FOUND = "ORDER_NOT_FOUND"
NOT_YOURS = "ORDER_NOT_YOURS"
NOT_PAYABLE = "ORDER_STATUS_ERROR"
ALREADY_PAID = "ORDER_ALREADY_PAID"  # the marketplace's: paid, but not through the gateway
PAID_BEFORE = "ALREADY_PAID"  # paid through the gateway by this developer: a success
NO_BALANCE = "ACCOUNT_BALANCE_NOT_ENOUGH"
IN_FLIGHT = "PAY_RESULT_UNKNOWN"
BUSY = "ORDER_OPERATION_IN_PROGRESS"
MARKET_ERROR = "MARKETPLACE_ERROR"

PAID_ITEM, FAILED_ITEM, PENDING = "paid", "failed", "pending"
SUCCESSED = "successed"  # a batch item's status once paid (PandaPon's spelling)
PENDING_STATUS = "PENDING"  # a batch item's status while its order's payment is unsettled


@dataclass
class Item:
    """What became of one order of a pay call."""

    index: int
    order_id: str
    outcome: str = FAILED_ITEM  # paid, failed, pending
    reason: str | None = None
    code: int = 200
    msg: str = "success"
    status: str | None = None
    pay_state: str | None = None
    upstream: dict[str, Any] = field(default_factory=dict)
    operation: MarketOperation | None = None  # set while a marketplace call is to be made

    def fail(self, code: int, reason: str, msg: str) -> None:
        self.outcome, self.code, self.reason, self.msg = FAILED_ITEM, code, reason, msg

    def wire(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "key": self.order_id,
            "success": self.outcome == PAID_ITEM,
            "code": self.code,
            "msg": self.msg,
            "orderId": self.order_id,
            "status": self.status,
            "payState": self.pay_state,
            "reasonCode": self.reason,
            **self.upstream,
        }


# --- step 1: claim and hold -------------------------------------------------------------------
def _payable(profile: Profile, buyer: Buyer, item: Item, row: PurchaseOrder | None) -> bool:
    """Whether the order may be held for payment; if not, the item says why."""
    if row is None or row.developer_id != buyer.developer_id:
        item.fail(40401, NOT_FOUND, "no such order")
        return False
    item.status, item.pay_state = row.status, row.pay_state
    if buyer.user_id is not None and row.user_id != buyer.user_id:
        item.fail(40302, NOT_YOURS, "the order belongs to another sub-account")
    elif row.pending_operation == "pay":
        item.outcome, item.code, item.reason = PENDING, 50401, IN_FLIGHT
        item.msg = "an earlier payment of this order has no known outcome yet"
    elif row.pending_operation is not None:
        item.fail(40901, BUSY, f"the order has a {row.pending_operation} in flight")
    elif row.pay_state == PAID:
        # paid through the gateway by this developer (a retry after a lost answer): a success
        # that moves no money
        item.outcome, item.code, item.reason = PAID_ITEM, 200, PAID_BEFORE
        item.msg = "the order was already paid through the gateway: no money moved"
    elif row.pay_state != NONE:
        item.fail(40901, ALREADY_PAID, "the order is paid")
    elif row.status != profile.unpaid:
        item.fail(40901, NOT_PAYABLE, f"the order is {row.status}: not payable")
    elif row.total_fen <= 0:  # nothing to hold: never one item failing the whole call
        item.fail(40901, NOT_PAYABLE, "the order's total is not above zero: not payable")
    else:
        return True
    return False


def _lock_orders(s: Session, platform: str, order_ids: list[str]) -> dict[str, PurchaseOrder]:
    return {
        r.order_id: r
        for r in s.execute(
            select(PurchaseOrder)
            .where(PurchaseOrder.platform == platform, PurchaseOrder.order_id.in_(order_ids))
            .order_by(PurchaseOrder.order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    }


def claim_all(
    db: Database, profile: Profile, buyer: Buyer, order_ids: list[str], batch: bool, now_ms: int
) -> tuple[list[Item], str | None]:
    """Step 1 for every order of the call, in one transaction: check, hold (in input order, while
    the balance lasts), mark the orders held and begin their operations."""
    items = [Item(i, oid) for i, oid in enumerate(order_ids)]
    batch_id = f"bp_{secrets.token_hex(12)}" if batch else None
    with db.transaction() as s:
        wallet.lock_account(s, buyer.developer_id)
        rows = _lock_orders(s, profile.platform.value, order_ids)
        payable = [
            (i, rows[i.order_id])
            for i in items
            if _payable(profile, buyer, i, rows.get(i.order_id))
        ]
        held = bulk.hold_many(
            s,
            developer_id=buyer.developer_id,
            requests=[
                bulk.HoldRequest(
                    key=profile.hold_key(row.order_id, row.pay_attempts + 1),
                    amount=row.total_fen,
                    refs=wallet.Refs(
                        user_id=row.user_id,
                        platform=profile.message_platform,
                        order_id=row.order_id,
                    ),
                )
                for _, row in payable
            ],
            now_ms=now_ms,
        )
        for (item, row), ok in zip(payable, held, strict=True):
            if not ok:
                item.fail(40201, NO_BALANCE, "the available balance does not cover the order")
                continue
            row.pay_attempts += 1
            row.pay_state, row.held_fen, row.pending_operation = HELD, row.total_fen, "pay"
            row.modified_at = now_ms
            key = f"pay-{row.order_id}-{row.pay_attempts}"
            item.operation = reconcile.begin(
                s,
                operation_id=key,
                developer_id=buyer.developer_id,
                user_id=row.user_id,
                object_type=profile.object_type,
                object_id=row.order_id,
                operation="pay",
                market_key=key,
                now_ms=now_ms,
                amount_fen=row.total_fen,
                hold_key=profile.hold_key(row.order_id, row.pay_attempts),
                batch_id=batch_id,
            )
            item.outcome, item.pay_state = PENDING, HELD
        if batch_id is not None:
            s.add(
                PayBatch(
                    batch_id=batch_id,
                    platform=profile.platform.value,
                    developer_id=buyer.developer_id,
                    user_id=buyer.user_id,
                    pending=sum(1 for i in items if _batch_status(i) == PENDING_STATUS),
                    created_at=now_ms,
                    finished_at=None,
                )
            )
            s.flush()
            s.execute(
                insert(PayBatchItem),
                [
                    {
                        "batch_id": batch_id,
                        "position": i.index,
                        "order_id": i.order_id,
                        "status": _batch_status(i),
                    }
                    for i in items
                ],
            )
        s.flush()
        for item in items:
            if item.operation is not None:
                s.expunge(item.operation)
    return items, batch_id


def _batch_status(item: Item) -> str:
    """An item's status when the batch is recorded: ``PENDING`` until its order's payment (this
    call's, or another call's still in flight) is settled."""
    if item.operation is not None or item.outcome == PENDING:
        return PENDING_STATUS
    return SUCCESSED if item.outcome == PAID_ITEM else (item.reason or MARKET_ERROR)


# --- step 3: settle (the call's own, and the reconciler's) ------------------------------------
@dataclass(frozen=True)
class Answer:
    """What the marketplace said to a pay: a result, a refusal, or nothing (timeout)."""

    result: P.PayResult | None = None
    error: P.MarketplaceError | None = None
    timed_out: bool = False

    @classmethod
    def of(cls, outcome: P.PayResult | BaseException) -> Answer:
        if isinstance(outcome, P.PayResult):
            return cls(result=outcome)
        if isinstance(outcome, P.MarketplaceError):
            return cls(error=outcome)
        return cls(timed_out=True)


def settle_pays(
    s: Session,
    answers: list[tuple[str, Answer]],
    now_ms: int,
    *,
    owner: str | None = None,
) -> list[tuple[str, PurchaseOrder | None]]:
    """Apply pay answers (operations of one developer and platform) to the money and the
    orders, each once: an operation must still be open (and, given ``owner``, leased by it).
    Returns each operation's state after, and its order. Locks in the house order: the wallet
    account, then the operations, then the orders (as the claim does), so no two settles
    deadlock."""
    if not answers:
        return []
    op_ids = [op_id for op_id, _ in answers]
    first = s.execute(
        select(MarketOperation.developer_id, MarketOperation.object_type).where(
            MarketOperation.operation_id == op_ids[0]
        )
    ).one()
    developer_id, profile = first.developer_id, of_object_type(first.object_type)
    wallet.lock_account(s, developer_id)
    ops = {
        op.operation_id: op
        for op in s.execute(
            select(MarketOperation)
            .where(MarketOperation.operation_id.in_(op_ids))
            .order_by(MarketOperation.operation_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    }
    assert all(op.object_type == profile.object_type for op in ops.values()), op_ids
    rows = _lock_orders(s, profile.platform.value, [op.object_id for op in ops.values()])
    mine = {
        op_id
        for op_id, _ in answers
        if ops[op_id].state in OPEN_STATES and (owner is None or ops[op_id].lease_owner == owner)
    }
    paid = {
        op_id for op_id, a in answers if op_id in mine and a.result is not None and a.result.paid
    }
    refused = {op_id for op_id, a in answers if op_id in mine and not a.timed_out} - paid
    moved = bulk.settle_holds(
        s,
        developer_id=developer_id,
        capture=[str(ops[i].hold_key) for i in op_ids if i in paid],
        release=[str(ops[i].hold_key) for i in op_ids if i in refused],
        now_ms=now_ms,
    )
    settled: dict[str, str] = {}  # order id -> its payment's final status
    moved_on: list[tuple[PurchaseOrder, str | None]] = []  # paid orders and the status they left
    refused_rows: list[PurchaseOrder] = []
    out: list[tuple[str, PurchaseOrder | None]] = []
    for op_id, answer in answers:
        op, row = ops[op_id], rows[ops[op_id].object_id]
        if op_id not in mine:
            out.append((op.state, row))
            continue
        if answer.timed_out:
            out.append((reconcile.lost(op, now_ms), row))
            continue
        assert op.hold_key in moved and op.amount_fen is not None, op_id
        row.pending_operation, row.held_fen, row.modified_at = None, 0, now_ms
        if op_id in paid:
            row.pay_state, row.paid_fen = PAID, op.amount_fen
            left = _mark_paid(profile, row, now_ms)
            if left is not None:
                moved_on.append((row, left))
            reconcile.settle(op, SUCCEEDED, now_ms)
            status = SUCCESSED
        else:
            row.pay_state = NONE
            refused_rows.append(row)
            status, text = refusal(answer)
            reconcile.settle(op, FAILED, now_ms, f"{status}: {text}")
        settled[op.object_id] = status
        out.append((op.state, row))
    records.message_each(s, developer_id, profile.message_on_pay, moved_on, now_ms, profile=profile)
    records.touched(s, profile, refused_rows, now_ms)
    batches_settled(s, profile, developer_id, settled, now_ms)
    s.flush()
    return out


def refusal(answer: Answer) -> tuple[str, str]:
    """The reason code and text of a pay that was not made."""
    if answer.result is not None:
        return answer.result.code or MARKET_ERROR, answer.result.message or "not paid"
    assert answer.error is not None
    return answer.error.code or MARKET_ERROR, answer.error.message


def _mark_paid(profile: Profile, row: PurchaseOrder, now_ms: int) -> str | None:
    """The marketplace took the payment: the record moves to the profile's paid status (unless a
    push got it there, or further, first). The status it left, when it moved; else None."""
    if profile.rank.get(row.status, 0) >= profile.rank[profile.paid]:
        return None
    previous = row.status
    records.set_status(profile, row, profile.paid)
    row.paid_at, row.market_modified_at = now_ms, now_ms
    return previous


def batches_settled(
    s: Session, profile: Profile, developer_id: int, settled: dict[str, str], now_ms: int
) -> None:
    """Orders' payments are settled: every unfinished batch of the developer waiting on one of
    them (the batch that made the payment, and any later batch that found it in flight) takes
    its final status; a batch whose last order that was records its message. Called with the
    wallet account locked, so batches are never counted down twice."""
    if not settled:
        return
    b, t = PayBatch, PayBatchItem
    waiting = [
        (str(batch_id), str(order_id))
        for batch_id, order_id in s.execute(
            select(t.batch_id, t.order_id)
            .join(b, b.batch_id == t.batch_id)
            .where(
                t.order_id.in_(list(settled)),
                t.status == PENDING_STATUS,
                b.platform == profile.platform.value,
                b.developer_id == developer_id,
                b.finished_at.is_(None),
            )
        )
    ]
    if not waiting:
        return
    done: dict[str, int] = {}
    for batch_id, _ in waiting:
        done[batch_id] = done.get(batch_id, 0) + 1
    # one statement for every waiting item: its status is its order's
    orders = sorted({order_id for _, order_id in waiting})
    s.execute(
        update(t)
        .where(
            t.batch_id.in_(sorted(done)),
            t.order_id.in_(orders),
            t.status == PENDING_STATUS,
        )
        .values(status=case({o: settled[o] for o in orders}, value=t.order_id))
        .execution_options(synchronize_session=False)
    )
    for batch_id in sorted(done):
        batch = s.execute(
            select(PayBatch).where(PayBatch.batch_id == batch_id).with_for_update()
        ).scalar_one()
        batch.pending -= done[batch_id]
        if batch.pending == 0:
            finish_batch(s, batch, now_ms)


def finish_batch(s: Session, batch: PayBatch, now_ms: int) -> None:
    """Every order of the batch has its final status: record the batch message."""
    profile = of_platform(batch.platform)
    batch.finished_at = now_ms
    t = PayBatchItem.__table__
    entries = [
        {"orderId": r.order_id, "status": r.status}
        for r in s.execute(
            select(t.c.order_id, t.c.status)
            .where(t.c.batch_id == batch.batch_id)
            .order_by(t.c.position)
        )
    ]
    messages.record(
        s,
        developer_id=batch.developer_id,
        user_id=batch.user_id,
        platform=profile.message_platform,
        message_type=profile.message_batch_pay,
        order_key=f"batch:{batch.batch_id}",
        body={"batchId": batch.batch_id, "batchPay": entries},
        now_ms=now_ms,
        object_id=batch.batch_id,
    )


# --- the use case -----------------------------------------------------------------------------
def pay_orders(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    profile: Profile,
    buyer: Buyer,
    order_ids: list[str],
    *,
    batch: bool,
) -> tuple[list[Item], str | None]:
    """Pay ``order_ids`` (distinct, at most 100) from the wallet; one :class:`Item` per order
    in input order. Never fails as a whole because one order could not be paid."""
    items, batch_id = claim_all(db, profile, buyer, order_ids, batch, clock.now_ms())
    to_pay = [i for i in items if i.operation is not None]

    def pay(op: MarketOperation) -> P.PayResult:
        assert op.amount_fen is not None
        return market.pay(profile.platform, op.object_id, op.amount_fen, op.market_key)

    with acting_for(buyer.develop_id):
        answers = fan_out(
            [(lambda op=i.operation: pay(op)) for i in to_pay],  # type: ignore[misc]
        )
    now_ms = clock.now_ms()
    with db.transaction() as s:
        pairs = [
            (str(item.operation.operation_id), Answer.of(outcome))  # type: ignore[union-attr]
            for item, outcome in zip(to_pay, answers, strict=True)
        ]
        for item, (_, answer), (state, row) in zip(
            to_pay, pairs, settle_pays(s, pairs, now_ms), strict=True
        ):
            _report(item, state, answer, row)
        if batch_id is not None:
            unsettled = s.execute(
                select(PayBatch).where(PayBatch.batch_id == batch_id).with_for_update()
            ).scalar_one()
            if unsettled.pending == 0 and unsettled.finished_at is None:
                # no order reached the marketplace: the batch is finished as it stands
                finish_batch(s, unsettled, now_ms)
    return items, batch_id


def _report(item: Item, state: str, answer: Answer, row: PurchaseOrder | None) -> None:
    if row is not None:
        item.status, item.pay_state = row.status, row.pay_state
    if state == SUCCEEDED:
        item.outcome, item.code, item.reason, item.msg = PAID_ITEM, 200, None, "success"
    elif state == FAILED:
        code, text = refusal(answer)
        if isinstance(answer.error, P.MarketplaceNotFound):
            item.fail(40401, NOT_FOUND, text)
        elif answer.error is not None and not isinstance(answer.error, P.MarketplaceRefused):
            item.fail(50201, code, text)
            item.upstream = {"upstreamCode": code, "upstreamMessage": text}
        else:
            item.fail(40901, code, text)
    else:
        item.outcome, item.code, item.reason = PENDING, 50401, IN_FLIGHT
        item.msg = "the marketplace did not answer: the outcome is unknown until reconciled"


def reconcile_pay(
    db: Database, market: P.Marketplace, clock: Clock, op: MarketOperation, owner: str
) -> reconcile.Settled:
    """The reconciler's pay: asked again with the same ``opRequestId`` (deduplicated), then
    settled like the call's own answer."""
    assert op.amount_fen is not None
    profile = of_object_type(op.object_type)
    try:
        outcome: P.PayResult | BaseException = market.pay(
            profile.platform, op.object_id, op.amount_fen, op.market_key
        )
    except (P.MarketplaceError, P.MarketplaceTimeout) as exc:
        outcome = exc
    with db.transaction() as s:
        ((state, row),) = settle_pays(
            s, [(op.operation_id, Answer.of(outcome))], clock.now_ms(), owner=owner
        )
        return reconcile.Settled(state, records.order_out(row) if row is not None else None)
