"""The after-sales core's writes when the marketplace's answer is lost (CONTRACT section 8), with
the sandbox's injected faults: ``timeout_after_commit`` (the write is made, the answer lost) and
``timeout`` (nothing made, no answer). For each write (create, modify, cancel, returnGoods,
note): the call answers 50401 naming the pending operation and the refund shows it; the
reconciler settles it **by querying**, never by sending the write again (the call log shows the
write sent once), and records the refund and its move once; a write that never happened fails
after ``GIVE_UP_MS`` and clears the pending mark, and can then be asked again. The same write
asked again while the first is unknown answers 50401 while the first request still has its
lease, and settles the first by querying once the lease has lapsed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from daigou.aftersales import writes
from daigou.aftersales.profile import RefundProfile
from daigou.core.errors import ApiError
from daigou.marketplace import port as P
from daigou.reconcile.models import FAILED, INFLIGHT, SUCCEEDED, UNKNOWN, MarketOperation
from tests.support.aftersales import (
    RECEIVED,
    REFUNDS_1688,
    REFUNDS_TAOBAO,
    A,
    T,
    World,
    calls,
    draft,
    events,
    make_world,
    moves,
    operations,
    paid_1688,
    paid_taobao,
    record,
    records_of,
    refund_entries,
    refund_messages,
    ship,
    writes_of,
)
from tests.support.gateway import make_settings
from tests.support.wait import wait_until

KINDS = ("create", "modify", "cancel", "returnGoods", "note")
MODES = ("timeout_after_commit", "timeout")
FAULT = {  # the sandbox's name of each write (ENDPOINTS 12.21)
    "create": "refund.create",
    "modify": "refund.modify",
    "cancel": "refund.cancel",
    "returnGoods": "refund.return",
    "note": "refund.note.add",
}
CALL = {  # the port method each write calls (the call log's operation)
    "create": "create_refund",
    "modify": "modify_refund",
    "cancel": "cancel_refund",
    "returnGoods": "return_goods",
    "note": "add_refund_note",
}
GIVE_UP_S = writes.GIVE_UP_MS // 1000
NEXT_CHECK_S = 10  # past the reconciler's first wait after a lost answer (5 s)


@pytest.fixture
def settings(tmp_path, db_url):
    # the seller ships only when told, and answers refunds only when told: the clock can be
    # moved past GIVE_UP_MS without the seller moving anything
    return make_settings(
        tmp_path, db_url, sandbox_ship_after_seconds=0, sandbox_refund_policy="manual"
    )


@pytest.fixture
def w(app, api, db, settings) -> World:
    return make_world(app, api, db, settings)


@dataclass
class Case:
    """One write ready to be asked: ``write()`` asks it (the same write each time), ``made()``
    tells from the marketplace whether it was made, ``refund_id`` is the refund it is about
    (None for a create until it is known)."""

    kind: str
    platform: P.Platform
    order_id: str
    refund_id: str | None
    write: Callable[[], Any]
    made: Callable[[], bool]

    @property
    def profile(self) -> RefundProfile:
        return REFUNDS_1688 if self.platform is A else REFUNDS_TAOBAO

    def fault(self, w: World, mode: str, **kw: Any) -> None:
        operation = f"{self.platform.value}.{FAULT[self.kind]}"
        w.sandbox.inject_fault(w.now(), operation=operation, mode=mode, **kw)


def prepare(w: World, kind: str, platform: P.Platform = A) -> Case:
    """A paid order (and a refund in a status that allows the write), and the write."""
    profile = REFUNDS_1688 if platform is A else REFUNDS_TAOBAO
    order_id = paid_1688(w, lines=2) if platform is A else paid_taobao(w, per=2)[1]
    returning = kind == "returnGoods"
    if returning:
        ship(w, platform, order_id)
    d = draft(
        w,
        platform,
        order_id,
        dispute="returnRefund" if returning else "refund",
        goods_status=RECEIVED if returning else "refundWaitSellerSend",
        reason_id=4 if returning else 1,
    )
    market = w.market

    if kind == "create":

        def made_create() -> bool:
            return bool(market.order_refunds(platform, order_id))

        def create() -> Any:
            return writes.create(w.db, market, profile, w.buyer(), d, w.now())

        return Case(kind, platform, order_id, None, create, made_create)

    refund_id = writes.create(w.db, market, profile, w.buyer(), d, w.now()).refund_id
    if returning:
        w.sandbox.refund_act(platform, refund_id, "agree")
        w.feed(platform)
    now = w.now
    new_amount = d.apply_payment_fen - 7

    def write() -> Any:
        if kind == "modify":
            return writes.modify(
                w.db,
                market,
                profile,
                w.buyer(),
                refund_id,
                now(),
                apply_payment_fen=new_amount,
                reason_id=2,
                description="seven fen less",
            )
        if kind == "cancel":
            return writes.cancel(w.db, market, profile, w.buyer(), refund_id, now(), remark="bye")
        if kind == "returnGoods":
            return writes.return_goods(
                w.db, market, profile, w.buyer(), refund_id, now(), company_no="SF", bill_no="SF77"
            )
        return writes.add_note(
            w.db, market, profile, w.buyer(), refund_id, now(), content="are you there?"
        )

    def made() -> bool:
        view = market.refund(platform, refund_id)
        if kind == "modify":
            return view.apply_payment_fen == new_amount
        if kind == "cancel":
            return profile.state_of(view.status) == "closed"
        if kind == "returnGoods":
            return view.return_bill_no == "SF77"
        return any(n.content == "are you there?" for n in market.refund_notes(platform, refund_id))

    return Case(kind, platform, order_id, refund_id, write, made)


def op_of(w: World, case: Case) -> MarketOperation:
    """The case's write operation (the last of its kind)."""
    ops = [op for op in operations(w.db, case.profile.object_type) if op.operation == case.kind]
    return ops[-1]


def lost(w: World, case: Case) -> ApiError:
    """Ask the write; its answer must be lost (50401)."""
    with pytest.raises(ApiError) as raised:
        case.write()
    err = raised.value
    assert err.code == 50401, err
    assert err.data["pendingOperation"] == case.kind
    assert err.data["orderId"] == case.order_id
    assert err.data["refundId"] == case.refund_id
    return err


def refund_of(w: World, case: Case) -> str:
    """The refund the case is about (for a create: the one record of its order)."""
    if case.refund_id is not None:
        return case.refund_id
    (row,) = [r for r in records_of(w.db) if r.order_id == case.order_id]
    return row.refund_id


def buyer_moves(w: World, case: Case) -> list[str]:
    """The buyer's history events of the case's kind (create: ``apply``; note: ``message``)."""
    name = {"create": "apply", "note": "message"}.get(case.kind, case.kind)
    return [
        e.operate_type
        for e in events(w.db, case.platform, refund_of(w, case))
        if e.operate_type == name
    ]


def reconcile_later(w: World, seconds: int = NEXT_CHECK_S) -> None:
    w.advance(seconds)
    w.reconcile()


# --- a lost answer, settled by the reconciler -------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_lost_answer_is_settled_by_querying_and_the_write_is_sent_once(w, kind, mode):
    case = prepare(w, kind)
    made = mode == "timeout_after_commit"
    before = None if case.refund_id is None else record(w.db, A, case.refund_id)
    case.fault(w, mode)
    lost(w, case)

    op = op_of(w, case)
    assert op.state == UNKNOWN
    if case.refund_id is not None:
        assert record(w.db, A, case.refund_id).pending_operation == kind
    else:
        assert records_of(w.db) == []  # nothing recorded before the outcome is known
    assert case.made() is made
    assert calls(w, CALL[kind]) == 1

    reconcile_later(w)
    if made:
        assert op_of(w, case).state == SUCCEEDED
        refund_id = refund_of(w, case)
        row = record(w.db, A, refund_id)
        assert row.pending_operation is None
        assert buyer_moves(w, case) == [buyer_moves(w, case)[0]]  # once
        if kind == "create":
            (write,) = writes_of(w.db)
            assert write.refund_id == refund_id
            assert moves(w.db, A, refund_id) == [("apply", "buyer", None, "waitselleragree")]
            assert [m["sequence"] for m in refund_messages(w.db, refund_id)] == [1]
        elif kind == "note":
            assert row.sequence == before.sequence  # a note is not a move: no message
        else:
            assert row.sequence == before.sequence + 1  # one message for the move
        # more runs and the feed change nothing
        reconcile_later(w)
        w.feed()
        assert record(w.db, A, refund_id).sequence == row.sequence
        assert len(buyer_moves(w, case)) == 1
    else:
        # not seen yet: still unknown, still pending, never sent again
        assert op_of(w, case).state == UNKNOWN
        if case.refund_id is not None:
            assert record(w.db, A, case.refund_id).pending_operation == kind
        reconcile_later(w, GIVE_UP_S + 1)
        failed = op_of(w, case)
        assert failed.state == FAILED and failed.last_error
        if case.refund_id is not None:
            row = record(w.db, A, case.refund_id)
            assert row.pending_operation is None
            assert row.status == before.status and row.sequence == before.sequence
            assert buyer_moves(w, case) == []  # the write's event is never recorded
        else:
            assert records_of(w.db) == []
    assert calls(w, CALL[kind]) == 1
    assert case.made() is made
    assert refund_entries(w.db) == []

    if not made:  # the write never happened: it can be asked again, and is made now
        case.write()
        assert calls(w, CALL[kind]) == 2
        assert case.made()
        assert len(buyer_moves(w, case)) == 1
        assert record(w.db, A, refund_of(w, case)).pending_operation is None


def test_an_applied_create_found_by_the_feed_first_is_recorded_once(w):
    case = prepare(w, "create")
    case.fault(w, "timeout_after_commit")
    lost(w, case)
    w.feed()  # the marketplace's push of the new refund reaches the gateway first
    refund_id = refund_of(w, case)
    assert op_of(w, case).state == UNKNOWN
    reconcile_later(w)
    assert op_of(w, case).state == SUCCEEDED
    (write,) = writes_of(w.db)
    assert write.refund_id == refund_id
    assert moves(w.db, A, refund_id) == [("apply", "buyer", None, "waitselleragree")]
    assert [m["sequence"] for m in refund_messages(w.db, refund_id)] == [1]
    assert calls(w, "create_refund") == 1


def test_a_lost_cancel_the_feed_took_first_keeps_the_buyer_in_the_history(w):
    """The push of the closed refund reaches the gateway before the reconciler: the feed can
    only tell a close; settling the cancel adds that the buyer asked it, once."""
    case = prepare(w, "cancel")
    case.fault(w, "timeout_after_commit")
    lost(w, case)
    w.feed()  # the marketplace's push of the closed refund comes first
    assert record(w.db, A, case.refund_id).status == "refundclose"
    assert buyer_moves(w, case) == []
    reconcile_later(w)
    assert op_of(w, case).state == SUCCEEDED
    assert record(w.db, A, case.refund_id).pending_operation is None
    assert moves(w.db, A, case.refund_id)[-1][:2] == ("cancel", "buyer")
    reconcile_later(w)
    w.feed()
    assert buyer_moves(w, case) == ["cancel"]
    assert calls(w, "cancel_refund") == 1


# --- the same write asked again while the first is unknown ------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", [k for k in KINDS if k != "create"])
def test_asking_again_after_the_lease_lapsed_settles_by_querying_without_sending(w, kind, mode):
    case = prepare(w, kind)
    case.fault(w, mode)
    lost(w, case)
    # the first request is over (its answer was lost): the operation has no live lease
    assert op_of(w, case).lease_until is None
    if mode == "timeout_after_commit":
        out = case.write()  # settled by reading the refund: it was made
        row = out[0] if kind == "note" else out
        assert row.pending_operation is None
        if kind == "note":
            assert out[1].content == "are you there?"
        assert op_of(w, case).state == SUCCEEDED
        assert len(buyer_moves(w, case)) == 1
    else:
        lost(w, case)  # not seen at the marketplace (yet): still unknown
        assert op_of(w, case).state == UNKNOWN
        assert record(w.db, A, case.refund_id).pending_operation == kind
    assert calls(w, CALL[kind]) == 1
    assert len(operations(w.db, "refund1688")) == 2  # the create and this write: no new one


@pytest.mark.parametrize("mode", MODES)
def test_a_second_create_settles_the_first_by_querying_and_sends_nothing(w, mode):
    """Asked again once the first call is over: the earlier create is settled by reading the
    order's refunds. Made: 40901 naming its refund. Not seen yet: still unknown (50401), until
    the reconciler gives it up."""
    case = prepare(w, "create")
    case.fault(w, mode)
    lost(w, case)
    with pytest.raises(ApiError) as again:
        case.write()
    assert calls(w, "create_refund") == 1
    assert len(operations(w.db, "refund1688")) == 1
    if mode == "timeout_after_commit":
        assert again.value.code == 40901
        assert again.value.data["refundId"].startswith("TQ")
        assert op_of(w, case).state == SUCCEEDED
    else:
        assert again.value.code == 50401
        reconcile_later(w, GIVE_UP_S + 1)
        assert op_of(w, case).state == FAILED


@pytest.mark.parametrize("kind", KINDS)
def test_asking_again_while_the_first_request_is_still_waiting_answers_50401(w, kind):
    case = prepare(w, kind)
    case.fault(w, "latency", latency_ms=1000)
    first: dict[str, Any] = {}

    def ask() -> None:
        try:
            first["out"] = case.write()
        except Exception as exc:  # noqa: BLE001 - reported below
            first["error"] = exc

    thread = threading.Thread(target=ask)
    thread.start()
    try:
        wait_until(
            lambda: any(
                op.operation == kind and op.state == INFLIGHT
                for op in operations(w.db, "refund1688")
            ),
            timeout=10,
            message="the first write did not begin",
        )
        lost(w, case)  # the first request holds the operation's lease
    finally:
        thread.join(timeout=30)
    assert "error" not in first, first.get("error")
    assert op_of(w, case).state == SUCCEEDED
    assert calls(w, CALL[kind]) == 1
    assert len(buyer_moves(w, case)) == 1


# --- what a pending write blocks, and reads that fail ------------------------------------------
def test_another_write_waits_for_a_pending_one(w):
    case = prepare(w, "cancel")
    case.fault(w, "timeout")
    lost(w, case)
    with pytest.raises(ApiError) as raised:
        writes.add_note(
            w.db, w.market, REFUNDS_1688, w.buyer(), case.refund_id, w.now(), content="hello"
        )
    assert raised.value.code == 40901
    assert raised.value.data == {"refundId": case.refund_id, "pendingOperation": "cancel"}
    assert calls(w, "add_refund_note") == 0


def test_a_failing_read_never_settles_a_write_by_a_guess(w):
    case = prepare(w, "cancel")
    case.fault(w, "timeout_after_commit")
    lost(w, case)
    w.sandbox.inject_fault(w.now(), operation="1688.refund.get", mode="error", count=0)
    reconcile_later(w)
    reconcile_later(w, GIVE_UP_S + 1)  # past the give-up time: still not failed on no answer
    op = op_of(w, case)
    assert op.state == UNKNOWN and "reading the refund failed" in (op.last_error or "")
    assert record(w.db, A, case.refund_id).pending_operation == "cancel"
    w.sandbox.clear_faults()
    reconcile_later(w, 3 * 3600)
    assert op_of(w, case).state == SUCCEEDED
    assert record(w.db, A, case.refund_id).status == "refundclose"
    assert calls(w, "cancel_refund") == 1


# --- a create among the order's earlier refunds -----------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_a_lost_create_is_not_taken_for_an_earlier_refund_of_the_same_lines(w, mode):
    """The buyer applied, withdrew and applied again at once; the second answer is lost. The
    reconciler must find the second refund (or none), never the first."""
    case = prepare(w, "create")
    first = case.write()
    writes.cancel(w.db, w.market, REFUNDS_1688, w.buyer(), first.refund_id, w.now())
    case.fault(w, mode)
    lost(w, case)
    reconcile_later(w)
    ops = [op for op in operations(w.db, "refund1688") if op.operation == "create"]
    second_write = [wr for wr in writes_of(w.db) if wr.operation_id == ops[-1].operation_id][0]
    if mode == "timeout_after_commit":
        made = w.market.order_refunds(A, case.order_id)[-1]
        assert made.refund_id != first.refund_id
        assert ops[-1].state == SUCCEEDED and second_write.refund_id == made.refund_id
        assert record(w.db, A, made.refund_id).status == "waitselleragree"
    else:
        assert ops[-1].state == UNKNOWN and second_write.refund_id is None
        reconcile_later(w, GIVE_UP_S + 1)
        assert op_of(w, case).state == FAILED
    assert record(w.db, A, first.refund_id).status == "refundclose"


# --- Taobao -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["create", "cancel"])
def test_taobao_writes_whose_answer_was_lost_are_settled_too(w, kind):
    case = prepare(w, kind, platform=T)
    case.fault(w, "timeout_after_commit")
    lost(w, case)
    assert calls(w, CALL[kind]) == 1
    reconcile_later(w)
    ops = [op for op in operations(w.db, "refundtaobao") if op.operation == kind]
    assert ops[-1].state == SUCCEEDED
    refund_id = refund_of(w, case)
    row = record(w.db, T, refund_id)
    assert row.status == ("10" if kind == "create" else "-20")
    assert row.pending_operation is None and row.group_id is not None
    assert {m["type"] for m in refund_messages(w.db, refund_id)} == {"TAOBAO_ORDER_REFUND"}
    assert calls(w, CALL[kind]) == 1


# --- a write that looks like an earlier one ---------------------------------------------------
def test_a_lost_note_is_not_taken_for_an_earlier_note_of_the_same_words(w):
    case = prepare(w, "note")
    case.write()  # "are you there?", answered
    case.fault(w, "timeout")  # asked again: never made
    lost(w, case)
    reconcile_later(w)
    assert op_of(w, case).state == UNKNOWN
    notes = [n for n in w.market.refund_notes(A, case.refund_id) if n.owner == "buyer"]
    assert len(notes) == 1
    reconcile_later(w, GIVE_UP_S + 1)
    assert op_of(w, case).state == FAILED
    assert len(buyer_moves(w, case)) == 1  # the first note only
    assert calls(w, "add_refund_note") == 2


def test_a_lost_modify_of_the_words_only_is_told_by_the_words(w):
    case = prepare(w, "modify")
    row = record(w.db, A, case.refund_id)
    w.sandbox.inject_fault(w.now(), operation="1688.refund.modify", mode="timeout")

    def reword() -> Any:
        return writes.modify(
            w.db,
            w.market,
            REFUNDS_1688,
            w.buyer(),
            case.refund_id,
            w.now(),
            apply_payment_fen=row.apply_payment_fen,  # the same amount and reason ...
            reason_id=1,
            description="better words",  # ... other words
        )

    with pytest.raises(ApiError) as raised:
        reword()
    assert raised.value.code == 50401
    reconcile_later(w)
    assert op_of(w, case).state == UNKNOWN  # the marketplace still has the old words
    assert w.market.refund(A, case.refund_id).description == "not wanted"
    reconcile_later(w, GIVE_UP_S + 1)
    assert op_of(w, case).state == FAILED
    assert buyer_moves(w, case) == []
    reword()  # asked again: made, and told made
    assert w.market.refund(A, case.refund_id).description == "better words"
    assert buyer_moves(w, case) == ["modify"]


@pytest.mark.parametrize("answer", ["refuse", "agree"])
def test_a_lost_modify_the_seller_answered_since_is_told_made(w, answer):
    """The modify was made, its answer lost, and the seller answered it before the reconciler
    looked: the refund carries what the modify asked, so the modify was made; the buyer is not
    kept waiting for an hour (a pending modify blocks every other write)."""
    case = prepare(w, "modify")
    case.fault(w, "timeout_after_commit")
    lost(w, case)
    w.sandbox.refund_act(A, case.refund_id, answer, reason="no" if answer == "refuse" else None)
    w.feed()
    reconcile_later(w)
    assert op_of(w, case).state == SUCCEEDED
    row = record(w.db, A, case.refund_id)
    assert row.pending_operation is None
    assert row.status == ("waitbuyermodify" if answer == "refuse" else "refundsuccess")
    assert calls(w, "modify_refund") == 1
    if answer == "refuse":  # and the buyer may write again at once
        writes.cancel(w.db, w.market, REFUNDS_1688, w.buyer(), case.refund_id, w.now())
        assert record(w.db, A, case.refund_id).status == "refundclose"
