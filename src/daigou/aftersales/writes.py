"""The buyer's writes on refunds: apply for one, modify it, withdraw it, report the goods sent
back, leave a message for the seller. Each goes through the reconciler's operations
(CONTRACT section 8).

One write, one operation: written (with what the write asks, ``refund_write``) before the
marketplace is asked, the refund marked ``pendingOperation``, its ``operation_id`` sent as the
``opRequestId``. The answer settles it in the transaction that applies the marketplace's view.
A lost answer leaves it ``unknown`` and the call answers 50401; it is then settled **by
querying**, never by sending the write again: the reconciler (or the next call of the same
write, once the first call's lease has lapsed) reads the refund, or the order's refunds for a
create, and tells from them whether the write took effect (:func:`_took_effect`). Not seen
after :data:`GIVE_UP_MS`, the write did not happen: the operation fails and the buyer may write
again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.aftersales import profile as profiles
from daigou.aftersales import records
from daigou.aftersales.models import RefundRecord, RefundWrite
from daigou.aftersales.profile import CLOSED, RefundProfile
from daigou.core.clock import Clock, wall_ms
from daigou.core.errors import ApiError, Conflict, NotFound
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.purchasing import actions as order_actions
from daigou.purchasing import profile as order_profiles
from daigou.purchasing import records as orders
from daigou.purchasing.buyer import Buyer, check_visible
from daigou.purchasing.models import PAID
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import FAILED, OPEN_STATES, SUCCEEDED, UNKNOWN, MarketOperation

CREATE, MODIFY, CANCEL, RETURN, NOTE = "create", "modify", "cancel", "returnGoods", "note"
GIVE_UP_MS = reconcile.CREATE_GIVE_UP_MS  # a write nobody can see an hour later did not happen
SLACK_MS = 300_000  # the marketplace's clock may run a little behind ours
_FAILED_READ = (P.MarketplaceError, P.MarketplaceTimeout)


def own(db: Database, profile: RefundProfile, buyer: Buyer, refund_id: str) -> RefundRecord:
    """The refund, if the caller may see it (40401 / 40302 otherwise)."""
    with db.transaction() as s:
        row = s.get(RefundRecord, (profile.platform.value, refund_id))
        if row is None:
            raise NotFound("no such refund")
        s.expunge(row)
    try:
        check_visible(row.developer_id, row.user_id, buyer.developer_id, buyer.user_id)
    except NotFound:  # another developer's reads exactly like a refund nobody has
        raise NotFound("no such refund") from None
    except ApiError as exc:
        raise ApiError(exc.code, "the refund belongs to another sub-account") from None
    return row


def _pending(refund_id: str | None, order_id: str, kind: str) -> ApiError:
    return ApiError(
        50401,
        f"the marketplace did not answer: the {kind}'s outcome is unknown; it is being settled",
        {"refundId": refund_id, "orderId": order_id, "pendingOperation": kind},
    )


def no_create_pending(
    db: Database, market: P.Marketplace, profile: RefundProfile, order_id: str, now_ms: int
) -> None:
    """Before a new create of the order is judged (call it first: the marketplace may show the
    earlier create's refund before the gateway does): an earlier create whose outcome is
    unknown is settled now by querying, once the call that sent it is over. Still unknown (or
    still being sent): 50401. It took effect: 40901 naming the refund it made, so a caller
    retrying after a 50401 learns its refund. It did not: nothing is pending any more."""
    with db.transaction() as s:
        earlier = _writes(s, profile.platform.value, order_id, CREATE)
        unsettled = [op for _, op in earlier if op.state in OPEN_STATES]
        if not unsettled:
            return
        (op,) = unsettled
        if op.lease_until is not None and op.lease_until >= wall_ms():
            raise _pending(None, order_id, CREATE)
        reconcile.take_over(op)
        op_id = op.operation_id
    settled = _query(db, market, op_id, now_ms, None)
    if settled.outcome == UNKNOWN:
        raise _pending(None, order_id, CREATE)
    if settled.outcome == SUCCEEDED and settled.row is not None:
        raise ApiError(
            40901,
            "an earlier refund request of this order, whose answer was lost, was made: "
            f"refund {settled.row.refund_id}",
            {"orderId": order_id, "refundId": settled.row.refund_id},
        )


@dataclass(frozen=True)
class Settled:
    outcome: str
    row: RefundRecord | None
    note: P.RefundNote | None = None
    error: P.MarketplaceError | None = None


def _detach(s: Session, row: RefundRecord | None) -> RefundRecord | None:
    if row is not None:
        s.flush()
        s.expunge(row)
    return row


# --- apply for a refund -----------------------------------------------------------------------
def create(
    db: Database,
    market: P.Marketplace,
    profile: RefundProfile,
    buyer: Buyer,
    draft: P.RefundDraft,
    now_ms: int,
) -> RefundRecord:
    """Apply for a refund of a paid order's lines; the new record. 50401 when the outcome is
    unknown (nothing is recorded until it is settled, and another create of the order answers
    50401 meanwhile: the order's own view does not show it)."""
    order_profile = order_profiles.of_platform(profile.platform)
    order = order_actions.own(db, order_profile, buyer, draft.order_id)
    with acting_for(buyer.develop_id):
        no_create_pending(db, market, profile, order.order_id, now_ms)
    with db.transaction() as s:
        locked = orders.lock(s, order.platform, order.order_id)
        assert locked is not None
        if locked.pay_state != PAID:
            raise Conflict(f"the order is {locked.status}: only a paid order can be refunded")
        earlier = _writes(s, order.platform, order.order_id, CREATE)
        if any(op.state in OPEN_STATES for _, op in earlier):
            raise _pending(None, order.order_id, CREATE)
        op_id = f"rf-create-{order.platform}-{order.order_id}-{len(earlier) + 1}"
        _begin(s, profile, locked.developer_id, locked.user_id, order.order_id, None, op_id, now_ms)
        s.add(
            RefundWrite(
                operation_id=op_id,
                platform=order.platform,
                order_id=order.order_id,
                refund_id=None,
                kind=CREATE,
                params=json.dumps(
                    {"entryIds": list(draft.entry_ids), "description": draft.description}
                ),
                created_at=now_ms,
            )
        )
    answer: P.MarketRefund | None = None
    error: P.MarketplaceError | None = None
    with acting_for(buyer.develop_id):
        try:
            answer = market.create_refund(replace(draft, op_request_id=op_id))
        except P.MarketplaceTimeout:
            pass
        except P.MarketplaceError as exc:
            error = exc
    settled = _settle_create(db, op_id, answer, error, now_ms, None)
    if settled.outcome == UNKNOWN:
        raise _pending(None, order.order_id, CREATE)
    if settled.error is not None:
        raise settled.error
    if settled.row is None:
        raise Conflict("the refund was not made")
    return settled.row


def _settle_create(
    db: Database,
    op_id: str,
    refund: P.MarketRefund | None,
    error: P.MarketplaceError | None,
    now_ms: int,
    owner: str | None,
    *,
    give_up: bool = False,
) -> Settled:
    """Settle a create with what is known: the refund made (recorded, or caught up with when
    the feed recorded it first), a refusal, or nothing (``unknown`` again; failed when
    ``give_up``)."""
    with db.transaction() as s:
        write, developer_id = _write_of(s, op_id)
        records.lock_for(s, developer_id)
        op = reconcile.locked(s, op_id, owner)
        if op is None:  # settled meanwhile
            row = _record_of(s, write)
            return Settled(SUCCEEDED if row is not None else FAILED, _detach(s, row))
        if refund is not None:
            row = records.lock(s, write.platform, refund.refund_id)
            if row is None:
                order = orders.lock(s, write.platform, write.order_id)
                assert order is not None, write.order_id
                row = records.record_new(s, order, refund, now_ms)
            else:
                records.apply(s, row, refund, now_ms)
            write.refund_id = refund.refund_id
            reconcile.settle(op, SUCCEEDED, now_ms)
            return Settled(SUCCEEDED, _detach(s, row))
        if error is not None or give_up:
            reconcile.settle(op, FAILED, now_ms, _error_text(error, "no such refund was made"))
            return Settled(FAILED, None, error=error)
        reconcile.lost(op, now_ms)
        return Settled(UNKNOWN, None)


# --- writes on a refund -----------------------------------------------------------------------
def modify(
    db: Database,
    market: P.Marketplace,
    profile: RefundProfile,
    buyer: Buyer,
    refund_id: str,
    now_ms: int,
    *,
    apply_payment_fen: int,
    reason_id: int,
    description: str,
    goods_status: str | None = None,
    vouchers: tuple[str, ...] | None = None,
) -> RefundRecord:
    """Change an open request (before the seller answers, or after a refusal); back to
    waiting for the seller."""
    params = {
        "applyPayment": apply_payment_fen,
        "reasonId": reason_id,
        "remark": description,
        "vouchers": list(vouchers or ()),
    }

    def send(op_id: str) -> P.MarketRefund:
        return market.modify_refund(
            profile.platform,
            refund_id,
            apply_payment_fen,
            reason_id,
            description,
            goods_status=goods_status,
            vouchers=vouchers,
        )

    settled = _write(db, market, profile, buyer, refund_id, MODIFY, params, send, now_ms)
    assert settled.row is not None
    return settled.row


def cancel(
    db: Database,
    market: P.Marketplace,
    profile: RefundProfile,
    buyer: Buyer,
    refund_id: str,
    now_ms: int,
    *,
    remark: str | None = None,
) -> RefundRecord:
    """Withdraw a refund the seller has not refunded and whose goods are not on their way back."""

    def send(op_id: str) -> P.MarketRefund:
        return market.cancel_refund(profile.platform, refund_id, op_id)

    params = {"remark": remark}
    settled = _write(db, market, profile, buyer, refund_id, CANCEL, params, send, now_ms)
    assert settled.row is not None
    return settled.row


def return_goods(
    db: Database,
    market: P.Marketplace,
    profile: RefundProfile,
    buyer: Buyer,
    refund_id: str,
    now_ms: int,
    *,
    company_no: str,
    bill_no: str,
    description: str = "",
    vouchers: tuple[str, ...] = (),
    buyer_phone: str | None = None,
) -> RefundRecord:
    """Report the goods sent back (the seller agreed a return): carrier and waybill (and the
    buyer's phone for the seller, kept with the write: the port does not carry it)."""

    def send(op_id: str) -> P.MarketRefund:
        return market.return_goods(
            profile.platform,
            refund_id,
            company_no,
            bill_no,
            description=description,
            vouchers=vouchers,
        )

    params = {
        "companyNo": company_no,
        "billNo": bill_no,
        "remark": f"{company_no} {bill_no}" + (f": {description}" if description else ""),
        "vouchers": list(vouchers),
        "buyerPhone": buyer_phone,
    }
    settled = _write(db, market, profile, buyer, refund_id, RETURN, params, send, now_ms)
    assert settled.row is not None
    return settled.row


def add_note(
    db: Database,
    market: P.Marketplace,
    profile: RefundProfile,
    buyer: Buyer,
    refund_id: str,
    now_ms: int,
    *,
    content: str,
    images: tuple[str, ...] = (),
) -> tuple[RefundRecord, P.RefundNote]:
    """Leave a message for the seller on a refund that is not ended."""

    def send(op_id: str) -> P.RefundNote:
        return market.add_refund_note(profile.platform, refund_id, content, images, op_id)

    params = {"content": content, "remark": content, "vouchers": list(images)}
    settled = _write(db, market, profile, buyer, refund_id, NOTE, params, send, now_ms)
    assert settled.row is not None and settled.note is not None
    return settled.row, settled.note


def _allowed(profile: RefundProfile, kind: str) -> tuple[str, ...]:
    """The neutral states a write may be asked in (the marketplace is the judge; these answer
    40901 early, without a call)."""
    return {
        MODIFY: profile.modifiable,
        CANCEL: profile.cancellable,
        RETURN: profile.returnable,
        NOTE: profiles.OPEN,
    }[kind]


def _write(
    db: Database,
    market: P.Marketplace,
    profile: RefundProfile,
    buyer: Buyer,
    refund_id: str,
    kind: str,
    params: dict[str, Any],
    send: Callable[[str], P.MarketRefund | P.RefundNote],
    now_ms: int,
) -> Settled:
    """Begin the write (or take up the same write whose answer was lost), ask the marketplace
    once, settle. A write taken up is settled by querying, never sent again."""
    row = own(db, profile, buyer, refund_id)
    taken_up = False
    with db.transaction() as s:
        locked = records.lock(s, row.platform, refund_id)
        assert locked is not None
        earlier = _writes(s, row.platform, locked.order_id, kind, refund_id)
        unsettled = [op for _, op in earlier if op.state in OPEN_STATES]
        if locked.pending_operation is not None and locked.pending_operation != kind:
            raise ApiError(
                40901,
                f"the refund has a {locked.pending_operation} whose outcome is not known yet",
                {"refundId": refund_id, "pendingOperation": locked.pending_operation},
            )
        if unsettled:
            (op,) = unsettled
            if op.lease_until is not None and op.lease_until >= wall_ms():
                raise _pending(refund_id, locked.order_id, kind)
            reconcile.take_over(op)
            op_id, taken_up = op.operation_id, True
        else:
            if locked.state not in _allowed(profile, kind):
                raise Conflict(f"the refund is {locked.status}: it does not allow a {kind}")
            op_id = f"rf-{kind}-{row.platform}-{refund_id}-{len(earlier) + 1}"
            _begin(s, profile, locked.developer_id, locked.user_id, refund_id, kind, op_id, now_ms)
            s.add(
                RefundWrite(
                    operation_id=op_id,
                    platform=row.platform,
                    order_id=locked.order_id,
                    refund_id=refund_id,
                    kind=kind,
                    params=json.dumps(params, ensure_ascii=False),
                    created_at=now_ms,
                )
            )
            locked.pending_operation = kind
    with acting_for(buyer.develop_id):
        if taken_up:
            settled = _query(db, market, op_id, now_ms, None)
        else:
            settled = _ask(db, market, profile, op_id, refund_id, send, now_ms)
    if settled.outcome == UNKNOWN:
        raise _pending(refund_id, row.order_id, kind)
    if settled.error is not None:
        raise settled.error
    if settled.outcome == FAILED:
        raise Conflict(f"the {kind} did not take effect: the marketplace shows no trace of it")
    return settled


def _ask(
    db: Database,
    market: P.Marketplace,
    profile: RefundProfile,
    op_id: str,
    refund_id: str,
    send: Callable[[str], P.MarketRefund | P.RefundNote],
    now_ms: int,
) -> Settled:
    answer: P.MarketRefund | P.RefundNote | None = None
    error: P.MarketplaceError | None = None
    try:
        answer = send(op_id)
    except P.MarketplaceTimeout:
        pass
    except P.MarketplaceError as exc:
        error = exc
    view: P.MarketRefund | None = None
    note: P.RefundNote | None = None
    if isinstance(answer, P.MarketRefund):
        view = answer
    elif answer is not None or error is not None:
        note = answer
        try:  # the refund as it is now (a note changes nothing; a refusal may tell why)
            view = market.refund(profile.platform, refund_id)
        except _FAILED_READ:
            view = None
    return _settle(
        db, op_id, view=view, note=note, error=error, took=answer is not None, now_ms=now_ms
    )


def _settle(
    db: Database,
    op_id: str,
    *,
    view: P.MarketRefund | None,
    note: P.RefundNote | None,
    error: P.MarketplaceError | None,
    took: bool,
    now_ms: int,
    owner: str | None = None,
    give_up: bool = False,
) -> Settled:
    """Settle a write on a refund: the view taken (with the buyer's event when the write took
    effect), the operation succeeded, failed (refused, or never seen by ``give_up``), or
    ``unknown`` again."""
    with db.transaction() as s:
        write, developer_id = _write_of(s, op_id)
        records.lock_for(s, developer_id)
        op = reconcile.locked(s, op_id, owner)
        row = _record_of(s, write)
        assert row is not None, write.refund_id
        if op is None:  # settled meanwhile
            done = s.get(MarketOperation, op_id)
            return Settled(done.state if done else FAILED, _detach(s, row))
        params = json.loads(write.params)
        settles = took or error is not None or give_up
        if settles:  # before the view: the message it records shows the write settled
            row.pending_operation = None
        by_buyer = write.kind if took and write.kind != NOTE else None
        remark, vouchers = params.get("remark"), tuple(params.get("vouchers") or ())
        taken = view is not None and records.apply(
            s, row, view, now_ms, by_buyer=by_buyer, remark=remark, vouchers=vouchers
        )
        if by_buyer is not None and not taken:
            # the feed took the write's result first (told as the seller's or the system's
            # move): the history still says the buyer wrote it
            records.event(
                s, row, by_buyer, "buyer", row.status, now_ms, remark=remark, vouchers=vouchers
            )
        if took and write.kind == NOTE:
            if note is not None:  # which note it added (a later note of the same words is not it)
                write.params = json.dumps({**params, "noteId": note.note_id}, ensure_ascii=False)
            records.event(
                s,
                row,
                "message",
                "buyer",
                row.status,
                now_ms,
                remark=params.get("content"),
                vouchers=params.get("vouchers") or [],
            )
        if took:
            outcome = SUCCEEDED
            reconcile.settle(op, SUCCEEDED, now_ms)
        elif error is not None or give_up:
            outcome = FAILED
            reconcile.settle(op, FAILED, now_ms, _error_text(error, "the write left no trace"))
        else:
            outcome = reconcile.lost(op, now_ms)
        return Settled(outcome, _detach(s, row), note, error)


# --- settling by querying ---------------------------------------------------------------------
def _took_effect(
    profile: RefundProfile, kind: str, params: dict[str, Any], view: P.MarketRefund, since: int
) -> bool:
    """Whether the refund as the marketplace shows it carries the write."""
    state = profile.state_of(view.status)
    if kind == CANCEL:
        return state == CLOSED
    if kind == RETURN:
        return bool(view.return_bill_no == params["billNo"])
    if kind == MODIFY:  # in any status: the seller may have answered the modified request
        return (
            view.apply_payment_fen == params["applyPayment"]
            and view.reason_id == params["reasonId"]
            and view.description == params["remark"]  # a modify may change the words only
            and view.modified_ms >= since - SLACK_MS
        )
    raise ValueError(kind)


def _query(
    db: Database, market: P.Marketplace, op_id: str, now_ms: int, owner: str | None
) -> Settled:
    """Settle a write whose answer was lost by reading what the marketplace holds now."""
    with db.transaction() as s:
        write, _ = _write_of(s, op_id)
        op = s.get(MarketOperation, op_id)
        assert op is not None
        kind, started = write.kind, op.started_at
        params = json.loads(write.params)
        refund_id, order_id = write.refund_id, write.order_id
        profile = profiles.of_object_type(op.object_type)
        # what the other writes of this kind made is never this one's: the refunds the order's
        # other creates made (the buyer may apply, withdraw and apply again for the same lines
        # within the slack), the notes the refund's other notes added (the same words twice)
        claimed: set[str] = set()
        if kind in (CREATE, NOTE):
            for other, _ in _writes(s, write.platform, order_id, kind, refund_id):
                theirs = (
                    other.refund_id if kind == CREATE else json.loads(other.params).get("noteId")
                )
                if other.operation_id != op_id and theirs is not None:
                    claimed.add(theirs)
    give_up = now_ms - started > GIVE_UP_MS
    try:
        if kind == CREATE:
            wanted = set(params["entryIds"])
            found = [
                r
                for r in market.order_refunds(profile.platform, order_id)
                if (not wanted or set(r.entry_ids) == wanted)
                and r.created_ms >= started - SLACK_MS
                and r.refund_id not in claimed
            ]
            made = min(found, key=lambda r: (r.created_ms, r.refund_id)) if found else None
            return _settle_create(db, op_id, made, None, now_ms, owner, give_up=give_up)
        assert refund_id is not None
        view = market.refund(profile.platform, refund_id)
        note = None
        if kind == NOTE:
            note = next(
                (
                    n
                    for n in market.refund_notes(profile.platform, refund_id)
                    if n.owner == "buyer"
                    and n.content == params["content"]
                    and n.created_ms >= started - SLACK_MS
                    and n.note_id not in claimed
                ),
                None,
            )
            took = note is not None
        else:
            took = _took_effect(profile, kind, params, view, started)
    except _FAILED_READ as exc:
        with db.transaction() as s:
            locked = reconcile.locked(s, op_id, owner)
            if locked is None:
                return Settled(FAILED, None)
            reconcile.lost(locked, now_ms, f"reading the refund failed: {exc}")
        return Settled(UNKNOWN, None)
    return _settle(
        db,
        op_id,
        view=view,
        note=note,
        error=None,
        took=took,
        now_ms=now_ms,
        owner=owner,
        give_up=give_up,
    )


def reconcile_write(
    db: Database, market: P.Marketplace, clock: Clock, op: MarketOperation, owner: str
) -> reconcile.Settled:
    """The reconciler's settler of every refund write (create, modify, cancel, returnGoods,
    note): settled by querying the marketplace."""
    settled = _query(db, market, op.operation_id, clock.now_ms(), owner)
    obj = None
    if settled.row is not None:
        with db.transaction() as s:
            obj = records.refund_out(s, settled.row)
    return reconcile.Settled(settled.outcome, obj)


def register(settlers: reconcile.Settlers, profile: RefundProfile) -> None:
    for kind in (CREATE, MODIFY, CANCEL, RETURN, NOTE):
        settlers.register(profile.object_type, kind, reconcile_write)


# --- helpers ----------------------------------------------------------------------------------
def _begin(
    s: Session,
    profile: RefundProfile,
    developer_id: int,
    user_id: str | None,
    object_id: str,
    kind: str | None,
    op_id: str,
    now_ms: int,
) -> None:
    reconcile.begin(
        s,
        operation_id=op_id,
        developer_id=developer_id,
        user_id=user_id,
        object_type=profile.object_type,
        object_id=object_id,
        operation=kind or CREATE,
        market_key=op_id,
        now_ms=now_ms,
    )


def _writes(
    s: Session, platform: str, order_id: str, kind: str, refund_id: str | None = None
) -> list[tuple[RefundWrite, MarketOperation]]:
    """The earlier writes of this kind on the order (a create) or the refund, with their
    operations."""
    query = (
        select(RefundWrite, MarketOperation)
        .join(MarketOperation, MarketOperation.operation_id == RefundWrite.operation_id)
        .where(
            RefundWrite.platform == platform,
            RefundWrite.order_id == order_id,
            RefundWrite.kind == kind,
        )
    )
    if refund_id is not None:
        query = query.where(RefundWrite.refund_id == refund_id)
    return [(w, op) for w, op in s.execute(query).tuples()]


def _write_of(s: Session, op_id: str) -> tuple[RefundWrite, int]:
    write = s.get(RefundWrite, op_id)
    developer_id = s.execute(
        select(MarketOperation.developer_id).where(MarketOperation.operation_id == op_id)
    ).scalar_one()
    assert write is not None, op_id
    return write, developer_id


def _record_of(s: Session, write: RefundWrite) -> RefundRecord | None:
    if write.refund_id is None:
        return None
    return records.lock(s, write.platform, write.refund_id)


def _error_text(error: P.MarketplaceError | None, otherwise: str) -> str:
    return otherwise if error is None else f"{error.code}: {error.message}"
