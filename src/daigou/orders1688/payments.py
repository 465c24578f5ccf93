"""Paying 1688 orders from the wallet: 6.8 (pay URL, password-free) and 6.9 (bulk pay).

Each order is paid in three steps, and money moves at most once per order whatever happens:

1. **claim and hold** (one transaction for the whole call, under the developer's wallet lock so
   two calls of one developer never interleave and orders are funded in input order): the
   order's record moves ``pay_state`` none -> held by a conditional update (a second caller,
   in this process or another, finds it held and reports it pending), the wallet holds its
   total under ``1688:<orderId>:pay:<attempt>``, and a ``market_operation`` row is written
   with a lease covering the marketplace call (the write-ahead record of CONTRACT section 8);
2. **pay**: the marketplace is asked, with ``opRequestId = pay-<orderId>-<attempt>`` so a
   repeat is deduplicated; the calls of one request run concurrently (``fan_out``);
3. **settle** (:func:`settle_pay`, also the reconciler's): paid -> capture the hold, the order
   is ``waitsellersend`` with ORDER_BUYER_VIEW_ORDER_PAY; refused -> release the hold; no
   answer (timeout) -> the hold stays, the order shows ``pendingOperation: pay`` and the
   operation is ``unknown`` until the reconciler settles it by asking again with the same
   ``opRequestId``. A process that dies between two steps leaves an ``inflight`` operation
   whose lease expires: the reconciler settles it the same way.

A bulk pay is recorded as a batch (``pay_batch1688``); ORDER_BATCH_PAY is recorded when the
last of its orders is settled, in the call itself or later by the reconciler.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from daigou.core.clock import Clock
from daigou.core.errors import ApiError
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.fanout import fan_out
from daigou.messages import service as messages
from daigou.orders1688 import records
from daigou.orders1688 import schemas as S
from daigou.orders1688.models import Order1688, PayBatch1688
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, SUCCEEDED, MarketOperation
from daigou.wallet import service as wallet

MAX_ORDERS = 100

# reason codes of an unpaid order (results[].reasonCode, payFailOrders[].errorReason)
NOT_FOUND = "ORDER_NOT_FOUND"
NOT_YOURS = "ORDER_NOT_YOURS"
NOT_PAYABLE = "ORDER_STATUS_ERROR"
ALREADY_PAID = "ORDER_ALREADY_PAID"
NO_BALANCE = "ACCOUNT_BALANCE_NOT_ENOUGH"
IN_FLIGHT = "PAY_RESULT_UNKNOWN"
BUSY = "ORDER_OPERATION_IN_PROGRESS"
MARKET_ERROR = "MARKETPLACE_ERROR"

PAID, FAILED_ITEM, PENDING = "paid", "failed", "pending"


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
            "success": self.outcome == PAID,
            "code": self.code,
            "msg": self.msg,
            "orderId": self.order_id,
            "status": self.status,
            "payState": self.pay_state,
            "reasonCode": self.reason,
            **self.upstream,
        }


# --- step 1: claim and hold -------------------------------------------------------------------
def _claim(
    s: Session,
    buyer: S.Buyer,
    item: Item,
    row: Order1688 | None,
    batch_id: str | None,
    now_ms: int,
) -> None:
    if row is None or row.developer_id != buyer.developer_id:
        item.fail(40401, NOT_FOUND, "no such order")
        return
    item.status, item.pay_state = row.status, row.pay_state
    if buyer.user_id is not None and row.user_id != buyer.user_id:
        item.fail(40302, NOT_YOURS, "the order belongs to another sub-account")
        return
    if row.pending_operation == "pay":
        item.outcome, item.code, item.reason = PENDING, 50401, IN_FLIGHT
        item.msg = "an earlier payment of this order has no known outcome yet"
        return
    if row.pending_operation is not None:
        item.fail(40901, BUSY, f"the order has a {row.pending_operation} in flight")
        return
    if row.pay_state == "paid":
        item.fail(40901, ALREADY_PAID, "the order is paid")
        return
    if row.status != "waitbuyerpay":
        item.fail(40901, NOT_PAYABLE, f"the order is {row.status}: not payable")
        return
    attempt = row.pay_attempts + 1
    hold_key = f"1688:{row.order_id}:pay:{attempt}"
    try:
        wallet.hold(
            s,
            developer_id=buyer.developer_id,
            key=hold_key,
            amount=row.total_fen,
            now_ms=now_ms,
            refs=wallet.Refs(
                user_id=row.user_id, platform=messages.PLATFORM_1688, order_id=row.order_id
            ),
        )
    except ApiError as exc:
        if exc.code != 40201:
            raise
        item.fail(40201, NO_BALANCE, "the available balance does not cover the order")
        return
    claimed = s.execute(
        update(Order1688)
        .where(Order1688.order_id == row.order_id, Order1688.pay_state == "none")
        .values(
            pay_state="held",
            held_fen=row.total_fen,
            pending_operation="pay",
            pay_attempts=attempt,
            modified_at=now_ms,
        )
    ).rowcount
    assert claimed == 1, "the order row is locked by this transaction"
    op = reconcile.begin(
        s,
        operation_id=f"pay-{row.order_id}-{attempt}",
        developer_id=buyer.developer_id,
        user_id=row.user_id,
        object_type="order1688",
        object_id=row.order_id,
        operation="pay",
        market_key=f"pay-{row.order_id}-{attempt}",
        now_ms=now_ms,
        amount_fen=row.total_fen,
        hold_key=hold_key,
        batch_id=batch_id,
    )
    item.operation = op
    item.outcome, item.pay_state = PENDING, "held"


def _claim_all(
    db: Database, buyer: S.Buyer, order_ids: list[str], batch: bool, now_ms: int
) -> tuple[list[Item], str | None]:
    items = [Item(i, oid) for i, oid in enumerate(order_ids)]
    batch_id = f"bp_{secrets.token_hex(12)}" if batch else None
    with db.transaction() as s:
        wallet.lock_account(s, buyer.developer_id)
        rows = {
            r.order_id: r
            for r in s.execute(
                select(Order1688)
                .where(Order1688.order_id.in_(order_ids))
                .order_by(Order1688.order_id)
                .with_for_update()
            ).scalars()
        }
        for item in items:
            _claim(s, buyer, item, rows.get(item.order_id), batch_id, now_ms)
        if batch_id is not None:
            s.add(
                PayBatch1688(
                    batch_id=batch_id,
                    developer_id=buyer.developer_id,
                    user_id=buyer.user_id,
                    items=json.dumps([_batch_entry(i) for i in items]),
                    pending=sum(1 for i in items if i.operation is not None),
                    created_at=now_ms,
                    finished_at=None,
                )
            )
        s.flush()
        for item in items:
            if item.operation is not None:
                s.expunge(item.operation)
    return items, batch_id


def _batch_entry(item: Item) -> dict[str, Any]:
    status = "successed" if item.outcome == PAID else (item.reason or "PENDING")
    if item.operation is not None and item.outcome == PENDING:
        status = "PENDING"
    return {"orderId": item.order_id, "status": status}


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


def settle_pay(
    s: Session,
    operation_id: str,
    answer: Answer,
    now_ms: int,
    *,
    owner: str | None = None,
) -> tuple[str, Order1688 | None]:
    """Apply a pay's answer to the money and the order, once: the operation must still be
    open (and, given ``owner``, leased by it). Returns the operation's state after."""
    query = select(MarketOperation.developer_id).where(MarketOperation.operation_id == operation_id)
    # locks in the house order (wallet account, operation, order): no deadlock with a claim
    wallet.lock_account(s, s.execute(query).scalar_one())
    op = reconcile.locked(s, operation_id, owner)
    if op is None:
        done = s.get(MarketOperation, operation_id)
        assert done is not None
        return done.state, s.get(Order1688, done.object_id)
    row = s.execute(
        select(Order1688).where(Order1688.order_id == op.object_id).with_for_update()
    ).scalar_one()
    if answer.timed_out:
        return reconcile.lost(op, now_ms), row
    op.lease_owner, op.lease_until = None, None
    assert op.hold_key is not None and op.amount_fen is not None
    if answer.result is not None and answer.result.paid:
        wallet.capture(s, developer_id=op.developer_id, key=op.hold_key, now_ms=now_ms)
        row.pay_state, row.paid_fen, row.held_fen = "paid", op.amount_fen, 0
        row.pending_operation, row.modified_at = None, now_ms
        _mark_paid(s, row, now_ms)
        op.state, op.settled_at, op.last_error = SUCCEEDED, now_ms, None
        _batch_settled(s, op, "successed", now_ms)
        return SUCCEEDED, row
    wallet.release(s, developer_id=op.developer_id, key=op.hold_key, now_ms=now_ms)
    row.pay_state, row.held_fen = "none", 0
    row.pending_operation, row.modified_at = None, now_ms
    code, text = _refusal(answer)
    op.state, op.settled_at, op.last_error = FAILED, now_ms, f"{code}: {text}"
    _batch_settled(s, op, code, now_ms)
    return FAILED, row


def _refusal(answer: Answer) -> tuple[str, str]:
    if answer.result is not None:
        return answer.result.code or MARKET_ERROR, answer.result.message or "not paid"
    assert answer.error is not None
    return answer.error.code or MARKET_ERROR, answer.error.message


def _mark_paid(s: Session, row: Order1688, now_ms: int) -> None:
    """The marketplace took the payment: the record is ``waitsellersend`` (unless a push got it
    there, or further, first) with ORDER_BUYER_VIEW_ORDER_PAY."""
    if records.RANK.get(row.status, 0) >= records.RANK["waitsellersend"]:
        return
    body = json.loads(row.body)
    body["baseInfo"].update(status="waitsellersend", payTime=now_ms, modifyTime=now_ms)
    previous, row.status = row.status, "waitsellersend"
    row.body = json.dumps(body, ensure_ascii=False)
    records._message(s, row, "ORDER_BUYER_VIEW_ORDER_PAY", previous, now_ms)  # noqa: SLF001


def _batch_settled(s: Session, op: MarketOperation, status: str, now_ms: int) -> None:
    """One more order of a bulk pay is settled; ORDER_BATCH_PAY when it was the last."""
    if op.batch_id is None:
        return
    batch = s.execute(
        select(PayBatch1688).where(PayBatch1688.batch_id == op.batch_id).with_for_update()
    ).scalar_one()
    entries = json.loads(batch.items)
    for entry in entries:
        if entry["orderId"] == op.object_id:
            entry["status"] = status
    batch.items = json.dumps(entries)
    batch.pending -= 1
    if batch.pending == 0:
        finish_batch(s, batch, entries, now_ms)


def finish_batch(
    s: Session, batch: PayBatch1688, entries: list[dict[str, Any]], now_ms: int
) -> None:
    batch.finished_at = now_ms
    messages.record(
        s,
        developer_id=batch.developer_id,
        user_id=batch.user_id,
        platform=messages.PLATFORM_1688,
        message_type="ORDER_BATCH_PAY",
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
    buyer: S.Buyer,
    order_ids: list[str],
    *,
    batch: bool,
) -> tuple[list[Item], str | None]:
    """Pay ``order_ids`` (distinct, at most 100) from the wallet; one :class:`Item` per order
    in input order. Never fails as a whole because one order could not be paid."""
    items, batch_id = _claim_all(db, buyer, order_ids, batch, clock.now_ms())
    to_pay = [i for i in items if i.operation is not None]

    def pay(op: MarketOperation) -> P.PayResult:
        assert op.amount_fen is not None
        return market.pay(P.Platform.ALIBABA, op.object_id, op.amount_fen, op.market_key)

    with P.acting_for(buyer.develop_id):
        answers = fan_out(
            [(lambda op=i.operation: pay(op)) for i in to_pay],  # type: ignore[misc]
        )
    now_ms = clock.now_ms()
    with db.transaction() as s:
        for item, outcome in zip(to_pay, answers, strict=True):
            assert item.operation is not None
            answer = Answer.of(outcome)
            with s.begin_nested():
                state, row = settle_pay(s, item.operation.operation_id, answer, now_ms)
            _report(item, state, answer, row)
        if batch_id is not None:
            unsettled = s.execute(
                select(PayBatch1688).where(PayBatch1688.batch_id == batch_id).with_for_update()
            ).scalar_one()
            if unsettled.pending == 0 and unsettled.finished_at is None:
                # no order reached the marketplace: the batch is finished as it stands
                finish_batch(s, unsettled, json.loads(unsettled.items), now_ms)
    return items, batch_id


def _report(item: Item, state: str, answer: Answer, row: Order1688 | None) -> None:
    if row is not None:
        item.status, item.pay_state = row.status, row.pay_state
    if state == SUCCEEDED:
        item.outcome, item.code, item.reason, item.msg = PAID, 200, None, "success"
    elif state == FAILED:
        code, text = _refusal(answer)
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


# --- answers ----------------------------------------------------------------------------------
def bulk_answer(items: list[Item], batch_id: str | None) -> dict[str, Any]:
    """6.9: PandaPon's two lists (pending orders are in neither) and ``results[]``."""
    return {
        "successOrderIds": [i.order_id for i in items if i.outcome == PAID],
        "payFailOrders": [
            {"orderId": i.order_id, "errorReason": i.reason}
            for i in items
            if i.outcome == FAILED_ITEM
        ],
        "results": [i.wire() for i in items],
        "batchId": batch_id,
    }


def pay_url_answer(items: list[Item]) -> dict[str, Any]:
    """6.8: everything is paid password-free from the balance; this gateway has no cashier,
    so ``payUrl`` is null and the unpaid orders are listed in ``cantPayOrderList``."""
    if len(items) == 1 and items[0].outcome != PAID:
        only = items[0]
        data: dict[str, Any] = {"orderId": only.order_id, "reasonCode": only.reason}
        if only.outcome == PENDING:
            data["pendingOperation"] = "pay"
        raise ApiError(only.code, only.msg, {**data, **only.upstream})
    return {
        "orderId": items[0].order_id,
        "protocolPaySuccess": all(i.outcome == PAID for i in items),
        "payUrl": None,
        "cantPayOrderList": [i.order_id for i in items if i.outcome == FAILED_ITEM],
        "results": [i.wire() for i in items],
    }


def reconcile_pay(
    db: Database, market: P.Marketplace, clock: Clock, op: MarketOperation, owner: str
) -> reconcile.Settled:
    """The reconciler's pay: asked again with the same ``opRequestId`` (deduplicated), then
    settled like the call's own answer."""
    assert op.amount_fen is not None
    try:
        outcome: P.PayResult | BaseException = market.pay(
            P.Platform.ALIBABA, op.object_id, op.amount_fen, op.market_key
        )
    except (P.MarketplaceError, P.MarketplaceTimeout) as exc:
        outcome = exc
    with db.transaction() as s:
        state, row = settle_pay(s, op.operation_id, Answer.of(outcome), clock.now_ms(), owner=owner)
        return reconcile.Settled(state, records.order_out(row) if row is not None else None)
