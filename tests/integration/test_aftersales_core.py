"""The after-sales core (``daigou.aftersales``) through its Python API, on orders paid through the
gateway: each buyer write (create, modify, cancel, returnGoods, note) and the record, history
event and message it leaves; the seller's answers reaching the record through the push feed;
``apply`` never moving a record backwards; refunds applied for outside the gateway; the money
(credited exactly once, the part of a partial refund, never more than the order's captured
hold); the messages' sequence per refund; and the Taobao profile (TAOBAO_ORDER_REFUND, the
purchase order's ids)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import update

from daigou.aftersales import queries, writes
from daigou.aftersales import records as refund_records
from daigou.aftersales.profile import CLOSED, REFUSED, REQUESTED, SUCCEEDED
from daigou.core.errors import ApiError
from daigou.feed.models import MarketFeed
from daigou.marketplace import port as P
from daigou.purchasing import records as purchase_records
from daigou.reconcile.models import SUCCEEDED as OP_SUCCEEDED
from daigou.refunds1688.profile import REFUND_IN_SALES
from daigou.refundstaobao.profile import TAOBAO_ORDER_REFUND
from tests.support import orders1688 as o1688
from tests.support.aftersales import (
    RECEIVED,
    REFUNDS_1688,
    REFUNDS_TAOBAO,
    A,
    T,
    World,
    balance,
    calls,
    draft,
    events,
    hold_of,
    make_world,
    market_order,
    moves,
    operations,
    order_row,
    paid_1688,
    paid_taobao,
    record,
    records_of,
    refund_entries,
    refund_messages,
    ship,
    wallet_messages,
    writes_of,
)
from tests.support.gateway import make_settings


@pytest.fixture
def settings(tmp_path, db_url):
    # the seller ships only when told: each shipment is the test's
    return make_settings(tmp_path, db_url, sandbox_ship_after_seconds=0)


@pytest.fixture
def w(app, api, db, settings) -> World:
    return make_world(app, api, db, settings)


def create(w: World, order_id: str, user_id: str | None = None, **kw: Any):
    return writes.create(
        w.db, w.market, REFUNDS_1688, w.buyer(user_id), draft(w, A, order_id, **kw), w.now()
    )


def seller(w: World, refund_id: str, action: str, platform: P.Platform = A, **kw: Any) -> None:
    """The sandbox seller answers, and the feed brings the answer to the gateway."""
    w.sandbox.refund_act(platform, refund_id, action, **kw)
    w.feed(platform)


def refund_out(w: World, refund_id: str, platform: P.Platform = A) -> dict[str, Any]:
    row = record(w.db, platform, refund_id)
    with w.db.transaction() as s:
        return refund_records.refund_out(s, row)


def apply_view(w: World, view: P.MarketRefund) -> bool:
    """A marketplace view reaching the record (as a push, an answer or the reconciler does)."""
    with w.db.transaction() as s:
        refund_records.lock_for(s, w.developer_id)
        row = refund_records.lock(s, view.platform.value, view.refund_id)
        assert row is not None
        return refund_records.apply(s, row, view, w.now())


def snapshot(w: World, refund_id: str, platform: P.Platform = A) -> P.MarketRefund:
    return refund_records.snapshot_of(record(w.db, platform, refund_id))


def refund_credits(w: World) -> list[dict[str, Any]]:
    """The WALLET_BALANCE_CHANGE messages of ``refund`` entries."""
    return [m for m in wallet_messages(w.db, w.developer_id) if m["entry"]["type"] == "refund"]


def assert_sequenced(w: World, refund_id: str) -> list[dict[str, Any]]:
    """The refund's messages are numbered 1, 2, 3... on its own key, each carrying the whole
    refund as it was when recorded, with that sequence."""
    msgs = refund_messages(w.db, refund_id)
    assert [m["sequence"] for m in msgs] == list(range(1, len(msgs) + 1))
    for m in msgs:
        assert m["key"] == f"{'1688' if m['platform'] == 1 else 'taobao'}:refund:{refund_id}"
        assert m["refund"]["sequence"] == m["sequence"]
        assert m["refundId"] == refund_id
    row = record(w.db, A if msgs[0]["platform"] == 1 else T, refund_id)
    assert row.sequence == len(msgs)
    # the last shows the refund as it is: no write pending once the writes are settled
    last = msgs[-1]["refund"]
    assert (last.get("refundOrder") or last)["pendingOperation"] == row.pending_operation is None
    return msgs


# --- create ---------------------------------------------------------------------------------
def test_create_records_the_refund_its_apply_event_and_its_first_message(w):
    order_id = paid_1688(w, lines=2)
    d = draft(w, A, order_id, description="changed my mind", vouchers=("https://img/x.jpg",))
    row = writes.create(w.db, w.market, REFUNDS_1688, w.buyer(), d, w.now())

    assert row.refund_id.startswith("TQ")
    assert (row.platform, row.order_id, row.group_id) == ("1688", order_id, None)
    assert (row.developer_id, row.user_id) == (w.developer_id, None)
    assert (row.status, row.state, row.dispute_request) == ("waitselleragree", REQUESTED, "refund")
    assert (row.apply_payment_fen, row.apply_carriage_fen) == (
        d.apply_payment_fen,
        d.apply_carriage_fen,
    )
    assert (row.refund_payment_fen, row.refund_carriage_fen, row.credited_fen) == (0, 0, 0)
    assert row.credited_at is None and row.pending_operation is None
    assert refund_records.entry_ids_of(row) == list(d.entry_ids)
    assert row.sequence == 1

    (e,) = events(w.db, A, row.refund_id)
    assert (e.operate_type, e.operator, e.status_before, e.status_after) == (
        "apply",
        "buyer",
        None,
        "waitselleragree",
    )
    assert e.remark == "changed my mind" and e.vouchers == '["https://img/x.jpg"]'

    (m,) = assert_sequenced(w, row.refund_id)
    assert m["type"] == REFUND_IN_SALES and m["platform"] == 1
    assert m["developerId"] == w.developer_id and m["userId"] is None
    assert (m["orderId"], m["currentStatus"], m["previousStatus"]) == (
        order_id,
        "waitselleragree",
        None,
    )
    assert m["refund"] == refund_out(w, row.refund_id)
    assert m["refund"]["applyPayment"] == d.apply_payment_fen
    assert m["refund"]["vouchers"] == ["https://img/x.jpg"]

    # the write: one operation, settled, sent once with its opRequestId, naming the refund
    (op,) = operations(w.db, "refund1688")
    assert (op.operation, op.state, op.object_id) == ("create", OP_SUCCEEDED, order_id)
    (write,) = writes_of(w.db)
    assert (write.operation_id, write.kind, write.refund_id) == (
        op.operation_id,
        "create",
        row.refund_id,
    )
    assert calls(w, "create_refund", op.operation_id) == 1
    # nothing is credited before the seller refunds
    assert refund_entries(w.db) == [] and refund_credits(w) == []


def test_only_a_paid_order_of_the_caller_can_be_refunded(w):
    order_id = paid_1688(w)
    other = make_world(w.app, w.api, w.db, w.settings)
    with pytest.raises(ApiError) as raised:
        writes.create(w.db, w.market, REFUNDS_1688, other.buyer(), draft(w, A, order_id), w.now())
    assert raised.value.code == 40401
    w.sub_account("sub-a")
    with pytest.raises(ApiError) as raised:
        create(w, order_id, user_id="sub-a")  # the main account's order, asked by a sub-account
    assert raised.value.code == 40302
    # an unpaid order: refused by the gateway, the marketplace is not asked
    lines = o1688.merchants(w.settings, 1, 1)[0][1]
    unpaid = str(o1688.create(w.api, w.dev, lines).json()["data"]["orderId"])
    with pytest.raises(ApiError) as raised:
        create(w, unpaid)
    assert raised.value.code == 40901
    assert calls(w, "create_refund") == 0
    assert records_of(w.db) == [] and operations(w.db, "refund1688") == []


def test_a_refusal_by_the_marketplace_fails_the_create_and_records_nothing(w):
    order_id = paid_1688(w)
    first = create(w, order_id)
    with pytest.raises(P.MarketplaceRefused) as raised:
        create(w, order_id)  # the lines already have a refund
    assert raised.value.code == "REFUND_EXISTS"
    assert [r.refund_id for r in records_of(w.db)] == [first.refund_id]
    ops = operations(w.db, "refund1688")
    assert [op.state for op in ops] == [OP_SUCCEEDED, "failed"]
    assert "REFUND_EXISTS" in (ops[1].last_error or "")


# --- modify -----------------------------------------------------------------------------------
def test_modify_after_a_refusal_asks_the_seller_again(w):
    order_id = paid_1688(w, lines=2)
    row = create(w, order_id)
    seller(w, row.refund_id, "refuse", reason="used goods")
    refused = record(w.db, A, row.refund_id)
    assert (refused.status, refused.state) == ("waitbuyermodify", REFUSED)
    assert moves(w.db, A, row.refund_id)[-1] == (
        "refuse",
        "seller",
        "waitselleragree",
        "waitbuyermodify",
    )
    assert events(w.db, A, row.refund_id)[-1].remark == "used goods"

    lower = row.apply_payment_fen - 100
    modified = writes.modify(
        w.db,
        w.market,
        REFUNDS_1688,
        w.buyer(),
        row.refund_id,
        w.now(),
        apply_payment_fen=lower,
        reason_id=2,
        description="only part",
        vouchers=("https://img/y.jpg",),
    )
    assert (modified.status, modified.state, modified.apply_payment_fen) == (
        "waitselleragree",
        REQUESTED,
        lower,
    )
    assert modified.pending_operation is None
    last = events(w.db, A, row.refund_id)[-1]
    assert (last.operate_type, last.operator, last.status_before, last.status_after) == (
        "modify",
        "buyer",
        "waitbuyermodify",
        "waitselleragree",
    )
    assert last.remark == "only part" and last.vouchers == '["https://img/y.jpg"]'
    msgs = assert_sequenced(w, row.refund_id)
    assert [(m["previousStatus"], m["currentStatus"]) for m in msgs] == [
        (None, "waitselleragree"),
        ("waitselleragree", "waitbuyermodify"),
        ("waitbuyermodify", "waitselleragree"),
    ]
    assert msgs[-1]["refund"]["applyPayment"] == lower
    assert msgs[-1]["refund"]["applyReasonId"] == 2
    assert msgs[-1]["refund"]["sellerRefuseReason"] is None
    assert calls(w, "modify_refund") == 1


def test_modify_before_the_seller_answers_keeps_the_status_and_reports_the_change(w):
    order_id = paid_1688(w, lines=2)
    row = create(w, order_id)
    modified = writes.modify(
        w.db,
        w.market,
        REFUNDS_1688,
        w.buyer(),
        row.refund_id,
        w.now(),
        apply_payment_fen=row.apply_payment_fen - 1,
        reason_id=1,
        description="one fen less",
    )
    assert modified.status == "waitselleragree"
    assert moves(w.db, A, row.refund_id) == [
        ("apply", "buyer", None, "waitselleragree"),
        ("modify", "buyer", "waitselleragree", "waitselleragree"),
    ]
    msgs = assert_sequenced(w, row.refund_id)
    assert len(msgs) == 2 and msgs[1]["currentStatus"] == "waitselleragree"
    assert msgs[1]["refund"]["applyPayment"] == row.apply_payment_fen - 1
    assert msgs[1]["refund"]["description"] == "one fen less"


# --- cancel -----------------------------------------------------------------------------------
def test_cancel_closes_the_refund_and_credits_nothing(w):
    order_id = paid_1688(w)
    row = create(w, order_id)
    before = balance(w.db, w.developer_id)
    closed = writes.cancel(
        w.db, w.market, REFUNDS_1688, w.buyer(), row.refund_id, w.now(), remark="found it"
    )
    assert (closed.status, closed.state, closed.pending_operation) == ("refundclose", CLOSED, None)
    assert moves(w.db, A, row.refund_id)[-1] == (
        "cancel",
        "buyer",
        "waitselleragree",
        "refundclose",
    )
    assert events(w.db, A, row.refund_id)[-1].remark == "found it"
    msgs = assert_sequenced(w, row.refund_id)
    assert [m["currentStatus"] for m in msgs] == ["waitselleragree", "refundclose"]
    w.feed()  # the marketplace's push of the close: nothing new
    assert len(refund_messages(w.db, row.refund_id)) == 2
    assert len(events(w.db, A, row.refund_id)) == 2
    assert refund_entries(w.db) == [] and balance(w.db, w.developer_id) == before
    assert record(w.db, A, row.refund_id).credited_at is None


def test_an_agreed_return_can_be_cancelled_but_not_once_the_goods_are_on_their_way(w):
    order_id = paid_1688(w)
    ship(w, A, order_id)
    row = create(w, order_id, dispute="returnRefund", goods_status=RECEIVED, reason_id=4)
    seller(w, row.refund_id, "agree")
    assert record(w.db, A, row.refund_id).status == "waitbuyersend"
    closed = writes.cancel(w.db, w.market, REFUNDS_1688, w.buyer(), row.refund_id, w.now())
    assert closed.status == "refundclose"

    # a second return, sent back: the gateway refuses a cancel without asking the marketplace
    second = create(w, order_id, dispute="returnRefund", goods_status=RECEIVED, reason_id=4)
    seller(w, second.refund_id, "agree")
    writes.return_goods(
        w.db,
        w.market,
        REFUNDS_1688,
        w.buyer(),
        second.refund_id,
        w.now(),
        company_no="SF",
        bill_no="SF1",
    )
    sent = calls(w, "cancel_refund")
    with pytest.raises(ApiError) as raised:
        writes.cancel(w.db, w.market, REFUNDS_1688, w.buyer(), second.refund_id, w.now())
    assert raised.value.code == 40901
    assert calls(w, "cancel_refund") == sent
    assert record(w.db, A, second.refund_id).pending_operation is None


# --- return goods -----------------------------------------------------------------------------
def test_a_return_goes_back_and_is_refunded_when_the_seller_receives_it(w):
    order_id = paid_1688(w, lines=2)
    ship(w, A, order_id)
    w.feed()
    row = create(w, order_id, dispute="returnRefund", goods_status=RECEIVED, reason_id=4)
    seller(w, row.refund_id, "agree", reason="原包装寄回")
    agreed = snapshot(w, row.refund_id)
    assert agreed.status == "waitbuyersend" and agreed.return_address is not None
    assert agreed.seller_agree_describe == "原包装寄回"
    assert moves(w.db, A, row.refund_id)[-1] == (
        "agreeReturn",
        "seller",
        "waitselleragree",
        "waitbuyersend",
    )

    sent = writes.return_goods(
        w.db,
        w.market,
        REFUNDS_1688,
        w.buyer(),
        row.refund_id,
        w.now(),
        company_no="ZTO",
        bill_no="ZT123456",
        description="two boxes",
        vouchers=("https://img/bill.jpg",),
    )
    assert (sent.status, sent.pending_operation) == ("waitsellerreceive", None)
    last = events(w.db, A, row.refund_id)[-1]
    assert (last.operate_type, last.operator, last.status_before, last.status_after) == (
        "returnGoods",
        "buyer",
        "waitbuyersend",
        "waitsellerreceive",
    )
    assert last.remark == "ZTO ZT123456: two boxes"
    assert last.vouchers == '["https://img/bill.jpg"]'
    out = refund_out(w, row.refund_id)
    assert (out["logisticsCompanyNo"], out["freightBill"]) == ("ZTO", "ZT123456")

    available_before, _ = balance(w.db, w.developer_id)
    seller(w, row.refund_id, "receiveGoods")
    done = record(w.db, A, row.refund_id)
    assert (done.status, done.state) == ("refundsuccess", SUCCEEDED)
    assert done.credited_fen == done.refund_payment_fen + done.refund_carriage_fen > 0
    assert balance(w.db, w.developer_id)[0] == available_before + done.credited_fen
    msgs = assert_sequenced(w, row.refund_id)
    assert [m["currentStatus"] for m in msgs] == [
        "waitselleragree",
        "waitbuyersend",
        "waitsellerreceive",
        "refundsuccess",
    ]
    assert msgs[-1]["refund"]["creditedAmount"] == done.credited_fen


# --- notes ------------------------------------------------------------------------------------
def test_a_note_is_history_not_a_move(w):
    order_id = paid_1688(w)
    row = create(w, order_id)
    after, note = writes.add_note(
        w.db,
        w.market,
        REFUNDS_1688,
        w.buyer(),
        row.refund_id,
        w.now(),
        content="please hurry",
        images=("https://img/n.jpg",),
    )
    assert (note.owner, note.content, note.images) == (
        "buyer",
        "please hurry",
        ("https://img/n.jpg",),
    )
    assert note.refund_id == row.refund_id
    assert after.status == "waitselleragree" and after.pending_operation is None
    last = events(w.db, A, row.refund_id)[-1]
    assert (last.operate_type, last.operator, last.status_before, last.status_after) == (
        "message",
        "buyer",
        "waitselleragree",
        "waitselleragree",
    )
    assert last.remark == "please hurry" and last.vouchers == '["https://img/n.jpg"]'
    assert len(refund_messages(w.db, row.refund_id)) == 1  # no message: nothing moved
    notes = w.market.refund_notes(A, row.refund_id)
    assert [(n.owner, n.content) for n in notes] == [("buyer", "please hurry")]
    assert calls(w, "add_refund_note") == 1


# --- writes the state does not allow ----------------------------------------------------------
@pytest.mark.parametrize("kind", ["modify", "returnGoods", "note", "cancel"])
def test_a_write_the_status_does_not_allow_answers_40901_without_a_call(w, kind):
    order_id = paid_1688(w)
    row = create(w, order_id)
    if kind == "returnGoods":
        pass  # waitselleragree: nothing to send back yet
    else:
        seller(w, row.refund_id, "agree")  # refundsuccess: over
    operation = {
        "modify": "modify_refund",
        "returnGoods": "return_goods",
        "note": "add_refund_note",
        "cancel": "cancel_refund",
    }[kind]
    call = {
        "modify": lambda: writes.modify(
            w.db,
            w.market,
            REFUNDS_1688,
            w.buyer(),
            row.refund_id,
            w.now(),
            apply_payment_fen=1,
            reason_id=1,
            description="x",
        ),
        "returnGoods": lambda: writes.return_goods(
            w.db,
            w.market,
            REFUNDS_1688,
            w.buyer(),
            row.refund_id,
            w.now(),
            company_no="SF",
            bill_no="1",
        ),
        "note": lambda: writes.add_note(
            w.db, w.market, REFUNDS_1688, w.buyer(), row.refund_id, w.now(), content="hi"
        ),
        "cancel": lambda: writes.cancel(
            w.db, w.market, REFUNDS_1688, w.buyer(), row.refund_id, w.now()
        ),
    }[kind]
    before = record(w.db, A, row.refund_id)
    with pytest.raises(ApiError) as raised:
        call()
    assert raised.value.code == 40901
    assert calls(w, operation) == 0
    after = record(w.db, A, row.refund_id)
    assert (after.status, after.sequence, after.pending_operation) == (
        before.status,
        before.sequence,
        None,
    )
    assert [op.operation for op in operations(w.db, "refund1688")] == ["create"]


def test_a_refund_is_seen_by_its_owner_only(w):
    w.sub_account("sub-a")
    w.sub_account("sub-b")
    order_id = paid_1688(w, user_id="sub-a")
    row = create(w, order_id, user_id="sub-a")
    assert row.user_id == "sub-a"
    assert refund_messages(w.db, row.refund_id)[0]["userId"] == "sub-a"
    assert writes.own(w.db, REFUNDS_1688, w.buyer(), row.refund_id).refund_id == row.refund_id
    assert writes.own(w.db, REFUNDS_1688, w.buyer("sub-a"), row.refund_id).user_id == "sub-a"
    with pytest.raises(ApiError) as raised:
        writes.add_note(
            w.db, w.market, REFUNDS_1688, w.buyer("sub-b"), row.refund_id, w.now(), content="x"
        )
    assert raised.value.code == 40302
    other = make_world(w.app, w.api, w.db, w.settings)
    with pytest.raises(ApiError) as raised:
        writes.cancel(w.db, w.market, REFUNDS_1688, other.buyer(), row.refund_id, w.now())
    assert raised.value.code == 40401
    with pytest.raises(ApiError) as raised:
        writes.own(w.db, REFUNDS_1688, w.buyer(), "TQ404")
    assert raised.value.code == 40401
    assert calls(w, "add_refund_note") == calls(w, "cancel_refund") == 0


# --- apply: never backwards, never twice ------------------------------------------------------
def test_apply_takes_no_older_view_and_records_nothing_for_a_repeat(w):
    order_id = paid_1688(w)
    row = create(w, order_id)
    seller(w, row.refund_id, "refuse", reason="no")
    refused = snapshot(w, row.refund_id)
    before = (len(events(w.db, A, row.refund_id)), len(refund_messages(w.db, row.refund_id)))

    # the view the record had before the refusal, arriving late
    older = replace(refused, status="waitselleragree", modified_ms=refused.modified_ms - 1)
    assert apply_view(w, older) is False
    # the same view again (a repeated push, the feed run twice)
    assert apply_view(w, refused) is False
    w.feed()
    w.feed()
    after = record(w.db, A, row.refund_id)
    assert (after.status, after.market_modified_at) == ("waitbuyermodify", refused.modified_ms)
    assert (
        len(events(w.db, A, row.refund_id)),
        len(refund_messages(w.db, row.refund_id)),
    ) == before


@pytest.mark.parametrize("end", ["agree", "cancel"])
def test_an_ended_refund_never_moves_again(w, end):
    order_id = paid_1688(w)
    row = create(w, order_id)
    if end == "agree":
        seller(w, row.refund_id, "agree")
    else:
        writes.cancel(w.db, w.market, REFUNDS_1688, w.buyer(), row.refund_id, w.now())
    ended = snapshot(w, row.refund_id)
    assert ended.status in ("refundsuccess", "refundclose")
    seen = record(w.db, A, row.refund_id)
    n_events, n_messages = (
        len(events(w.db, A, row.refund_id)),
        len(refund_messages(w.db, row.refund_id)),
    )
    later = ended.modified_ms + 60_000
    for status in (
        "waitselleragree",
        "waitbuyermodify",
        "waitbuyersend",
        "refundclose",
        "refundsuccess",
    ):
        if status == ended.status:
            continue
        assert apply_view(w, replace(ended, status=status, modified_ms=later)) is False
    after = record(w.db, A, row.refund_id)
    assert (after.status, after.credited_fen, after.sequence) == (
        seen.status,
        seen.credited_fen,
        seen.sequence,
    )
    assert len(events(w.db, A, row.refund_id)) == n_events
    assert len(refund_messages(w.db, row.refund_id)) == n_messages
    assert len(refund_entries(w.db)) == (1 if end == "agree" else 0)


# --- refunds applied for outside the gateway --------------------------------------------------
def test_a_refund_made_outside_the_gateway_is_recorded_by_the_feed_for_the_orders_owner(w):
    w.sub_account("sub-a")
    order_id = paid_1688(w, user_id="sub-a")
    w.feed()
    made = w.market.create_refund(draft(w, A, order_id, description="by phone"))
    assert records_of(w.db) == []
    w.feed()
    row = record(w.db, A, made.refund_id)
    assert (row.order_id, row.developer_id, row.user_id) == (order_id, w.developer_id, "sub-a")
    assert (row.status, row.apply_payment_fen) == ("waitselleragree", made.apply_payment_fen)
    assert moves(w.db, A, made.refund_id) == [("apply", "buyer", None, "waitselleragree")]
    assert events(w.db, A, made.refund_id)[0].remark == "by phone"
    (m,) = assert_sequenced(w, made.refund_id)
    assert (m["userId"], m["developerId"], m["type"]) == ("sub-a", w.developer_id, REFUND_IN_SALES)
    # the buyer's own writes work on it like on any refund of its
    writes.add_note(
        w.db, w.market, REFUNDS_1688, w.buyer("sub-a"), made.refund_id, w.now(), content="hi"
    )
    seller(w, made.refund_id, "agree")
    done = record(w.db, A, made.refund_id)
    assert (
        done.status == "refundsuccess"
        and done.credited_fen == made.apply_payment_fen + made.apply_carriage_fen
    )
    (entry,) = refund_entries(w.db)
    assert (entry.user_id, entry.order_id, entry.refund_id) == ("sub-a", order_id, made.refund_id)


def test_a_refund_first_seen_already_refunded_is_credited_once(w):
    order_id = paid_1688(w)
    made = w.market.create_refund(draft(w, A, order_id))
    w.sandbox.refund_act(A, made.refund_id, "agree")
    w.feed()
    w.feed()
    row = record(w.db, A, made.refund_id)
    assert row.status == "refundsuccess"
    assert moves(w.db, A, made.refund_id) == [("apply", "buyer", None, "refundsuccess")]
    (entry,) = refund_entries(w.db)
    assert entry.amount == row.credited_fen == made.apply_payment_fen + made.apply_carriage_fen
    assert len(refund_credits(w)) == 1
    # the one message shows the refund with what the wallet got back
    (m,) = refund_messages(w.db, made.refund_id)
    assert m["refund"]["creditedAmount"] == entry.amount


# --- money ------------------------------------------------------------------------------------
def test_a_success_credits_exactly_once_whatever_runs_again(w):
    order_id = paid_1688(w, lines=2)
    paid = order_row(w.db, A, order_id).paid_fen
    row = create(w, order_id)
    seller(w, row.refund_id, "agree")
    done = record(w.db, A, row.refund_id)
    amount = done.refund_payment_fen + done.refund_carriage_fen
    assert amount == row.apply_payment_fen + row.apply_carriage_fen == paid  # everything back

    def books() -> tuple[Any, ...]:
        entries = refund_entries(w.db)
        return (
            [(e.amount, e.held_delta, e.order_id, e.refund_id, e.platform) for e in entries],
            len(refund_credits(w)),
            balance(w.db, w.developer_id),
            order_row(w.db, A, order_id).refunded_fen,
            hold_of(w.db, A, order_id).refunded,
            record(w.db, A, row.refund_id).credited_fen,
        )

    first = books()
    assert first == (
        [(amount, 0, order_id, row.refund_id, 1)],
        1,
        (w.topups, 0),  # everything paid came back
        amount,
        amount,
        amount,
    )
    (credit,) = refund_credits(w)
    assert (credit["entry"]["orderId"], credit["entry"]["refundId"]) == (order_id, row.refund_id)
    assert credit["entry"]["amount"] == amount

    # the feed again, twice; the reconciler; every push replayed from the start; pushes doubled
    w.feed()
    w.feed()
    w.reconcile()
    with w.db.transaction() as s:
        s.execute(update(MarketFeed).values(cursor=None))
    w.feed()
    w.sandbox.inject_fault(w.now(), operation="1688.messages", mode="duplicate", count=0)
    with w.db.transaction() as s:
        s.execute(update(MarketFeed).values(cursor=None))
    w.feed()
    w.sandbox.clear_faults()
    # the success view applied again by hand (as a late answer would be)
    assert apply_view(w, snapshot(w, row.refund_id)) is False
    assert books() == first
    assert order_row(w.db, A, order_id).status == "terminated"


def test_a_partial_refund_credits_the_part_and_the_order_counts_every_refund(w):
    order_id = paid_1688(w, lines=2)
    order = market_order(w, A, order_id)
    paid = order_row(w.db, A, order_id).paid_fen
    first_line, second_line = (ln.entry_id for ln in order.lines)

    one = create(w, order_id, entry_ids=(first_line,))
    part = one.apply_payment_fen - 50
    seller(w, one.refund_id, "agree", refund_amount_fen=part)  # the seller gives back less
    got = record(w.db, A, one.refund_id)
    assert (got.refund_payment_fen, got.refund_carriage_fen, got.credited_fen) == (part, 0, part)
    assert order_row(w.db, A, order_id).refunded_fen == part
    assert balance(w.db, w.developer_id)[0] == w.topups - paid + part

    # the rest of the order: the second line and the freight
    rest = paid - part - (one.apply_payment_fen - part)  # what the marketplace still allows
    two = create(
        w,
        order_id,
        entry_ids=(second_line,),
        payment=rest - order.shipping_fen,
        carriage=order.shipping_fen,
    )
    seller(w, two.refund_id, "agree")
    second = record(w.db, A, two.refund_id)
    assert second.credited_fen == rest
    refunded = order_row(w.db, A, order_id).refunded_fen
    assert refunded == part + rest <= paid
    assert [e.amount for e in refund_entries(w.db)] == [part, rest]
    assert [e.refund_id for e in refund_entries(w.db)] == [one.refund_id, two.refund_id]
    assert hold_of(w.db, A, order_id).refunded == refunded


def test_a_refund_never_credits_more_than_the_orders_captured_hold_left(w):
    order_id = paid_1688(w, lines=2)
    order = market_order(w, A, order_id)
    paid = order_row(w.db, A, order_id).paid_fen
    first_line, second_line = (ln.entry_id for ln in order.lines)
    one = create(w, order_id, entry_ids=(first_line,))
    two = create(w, order_id, entry_ids=(second_line,), payment=1)
    # the marketplace reports the first refunded for more than the whole order (a bad view)
    view = snapshot(w, one.refund_id)
    too_much = replace(
        view,
        status="refundsuccess",
        refund_payment_fen=paid * 3,
        refund_carriage_fen=0,
        modified_ms=view.modified_ms + 1,
    )
    assert apply_view(w, too_much) is True
    got = record(w.db, A, one.refund_id)
    assert got.credited_fen == paid and got.credited_at is not None
    assert [e.amount for e in refund_entries(w.db)] == [paid]
    assert order_row(w.db, A, order_id).refunded_fen == paid
    hold = hold_of(w.db, A, order_id)
    assert hold.refunded == hold.captured == paid
    # a second success on the same order: nothing left to give back, nothing credited
    view2 = snapshot(w, two.refund_id)
    apply_view(
        w,
        replace(
            view2, status="refundsuccess", refund_payment_fen=1, modified_ms=view2.modified_ms + 1
        ),
    )
    second = record(w.db, A, two.refund_id)
    assert second.state == SUCCEEDED and second.credited_fen == 0 and second.credited_at is not None
    assert [e.amount for e in refund_entries(w.db)] == [paid]
    assert balance(w.db, w.developer_id) == (w.topups, 0)


def test_two_refunds_of_one_order_have_their_own_sequences(w):
    order_id = paid_1688(w, lines=2)
    first_line, second_line = (ln.entry_id for ln in market_order(w, A, order_id).lines)
    one = create(w, order_id, entry_ids=(first_line,))
    two = create(w, order_id, entry_ids=(second_line,))
    seller(w, one.refund_id, "refuse", reason="no")
    writes.cancel(w.db, w.market, REFUNDS_1688, w.buyer(), two.refund_id, w.now())
    writes.modify(
        w.db,
        w.market,
        REFUNDS_1688,
        w.buyer(),
        one.refund_id,
        w.now(),
        apply_payment_fen=one.apply_payment_fen,
        reason_id=1,
        description="again",
    )
    seller(w, one.refund_id, "agree")
    assert [m["currentStatus"] for m in assert_sequenced(w, one.refund_id)] == [
        "waitselleragree",
        "waitbuyermodify",
        "waitselleragree",
        "refundsuccess",
    ]
    assert [m["currentStatus"] for m in assert_sequenced(w, two.refund_id)] == [
        "waitselleragree",
        "refundclose",
    ]


def test_the_sellers_timeouts_reach_the_record(w):
    """The sandbox seller answers on its clock (policy agree); the buyer who lets an agreed
    return lapse sees it closed by the system."""
    order_id = paid_1688(w, lines=2)
    ship(w, A, order_id)
    first_line, second_line = (ln.entry_id for ln in market_order(w, A, order_id).lines)
    one = create(w, order_id, entry_ids=(first_line,))
    two = create(
        w,
        order_id,
        entry_ids=(second_line,),
        dispute="returnRefund",
        goods_status=RECEIVED,
        reason_id=4,
    )
    w.advance(w.settings.sandbox_refund_answer_seconds + 1)
    w.feed()
    assert record(w.db, A, one.refund_id).status == "refundsuccess"
    assert record(w.db, A, two.refund_id).status == "waitbuyersend"
    w.advance(w.settings.sandbox_refund_buyer_seconds + 1)
    w.feed()
    assert record(w.db, A, two.refund_id).status == "refundclose"
    assert moves(w.db, A, two.refund_id)[-1] == ("close", "system", "waitbuyersend", "refundclose")
    assert [e.refund_id for e in refund_entries(w.db)] == [one.refund_id]


# --- Taobao -----------------------------------------------------------------------------------
def test_a_taobao_reverse_order_reports_taobao_order_refund_with_the_purchase_orders_ids(w):
    purchase_id, shop_order = paid_taobao(w, per=2)
    paid = order_row(w.db, T, shop_order).paid_fen
    d = draft(w, T, shop_order, goods_status="1")
    row = writes.create(w.db, w.market, REFUNDS_TAOBAO, w.buyer(), d, w.now())
    assert (row.platform, row.order_id, row.group_id) == ("taobao", shop_order, purchase_id)
    assert (row.status, row.state) == ("10", REQUESTED)
    (op,) = operations(w.db, "refundtaobao")
    assert op.state == OP_SUCCEEDED

    w.sandbox.refund_act(T, row.refund_id, "refuse", reason="no")
    w.feed(T)
    writes.modify(
        w.db,
        w.market,
        REFUNDS_TAOBAO,
        w.buyer(),
        row.refund_id,
        w.now(),
        apply_payment_fen=row.apply_payment_fen,
        reason_id=1,
        description="please",
    )
    w.sandbox.refund_act(T, row.refund_id, "agree")
    w.feed(T)
    w.feed(T)
    msgs = assert_sequenced(w, row.refund_id)
    assert {m["type"] for m in msgs} == {TAOBAO_ORDER_REFUND}
    assert {m["platform"] for m in msgs} == {0}
    assert {m["key"] for m in msgs} == {f"taobao:refund:{row.refund_id}"}
    assert [(m["previousRefundStatus"], m["refundStatus"]) for m in msgs] == [
        (None, 10),
        (10, -10),
        (-10, 10),
        (10, 100),
    ]
    for m in msgs:
        assert (m["refundId"], m["purchaseOrderId"], m["salesOrderId"]) == (
            row.refund_id,
            purchase_id,
            shop_order,
        )
        assert m["refund"]["refundOrder"]["refundStatus"] == m["refundStatus"]
    done = record(w.db, T, row.refund_id)
    assert done.credited_fen == paid
    (entry,) = refund_entries(w.db)
    assert (entry.amount, entry.order_id, entry.refund_id, entry.platform) == (
        paid,
        shop_order,
        row.refund_id,
        0,
    )
    assert order_row(w.db, T, shop_order).refunded_fen == paid
    assert balance(w.db, w.developer_id) == (w.topups, 0)


def test_a_taobao_reverse_order_agreed_for_return_can_be_withdrawn(w):
    purchase_id, shop_order = paid_taobao(w)
    ship(w, T, shop_order)
    row = writes.create(
        w.db,
        w.market,
        REFUNDS_TAOBAO,
        w.buyer(),
        draft(w, T, shop_order, dispute="returnRefund", goods_status="2", reason_id=4),
        w.now(),
    )
    w.sandbox.refund_act(T, row.refund_id, "agree")
    w.feed(T)
    assert record(w.db, T, row.refund_id).status == "20"
    closed = writes.cancel(w.db, w.market, REFUNDS_TAOBAO, w.buyer(), row.refund_id, w.now())
    assert (closed.status, closed.state) == ("-20", CLOSED)
    msgs = assert_sequenced(w, row.refund_id)
    assert [m["refundStatus"] for m in msgs] == [10, 20, -20]
    assert refund_entries(w.db) == []


# --- what a refund may still ask --------------------------------------------------------------
def limits_of(w: World, order_id: str, entry_ids: list[str] | None = None) -> queries.Limits:
    with w.db.transaction() as s:
        row = purchase_records.lock(s, "1688", order_id)
        assert row is not None
        return queries.limits(s, row, entry_ids or [])


def discounted_1688(w: World) -> str:
    """A paid 1688 order of two lines whose shop gave a discount."""
    for seller in range(8):
        order_id = paid_1688(w, lines=2, seller=seller)
        if market_order(w, A, order_id).discount_fen > 0:
            return order_id
    raise AssertionError("no discounted order in the test catalogue")


def test_the_limits_can_be_asked_together_and_follow_the_refunds(w):
    order_id = discounted_1688(w)
    order = market_order(w, A, order_id)
    paid = order_row(w.db, A, order_id).paid_fen
    goods = paid - order.shipping_fen  # what was paid for the goods, after the discount
    whole = limits_of(w, order_id)
    assert (whole.paid, whole.refunded, whole.in_progress) == (paid, 0, 0)
    assert (whole.max_payment, whole.max_carriage) == (goods, order.shipping_fen)
    # both maxima at once: the marketplace takes them
    everything = create(w, order_id, payment=whole.max_payment, carriage=whole.max_carriage)
    busy = limits_of(w, order_id)
    assert (busy.in_progress, busy.max_payment, busy.max_carriage) == (paid, 0, 0)
    writes.cancel(w.db, w.market, REFUNDS_1688, w.buyer(), everything.refund_id, w.now())
    assert limits_of(w, order_id) == whole  # a closed refund asks nothing

    # one line: at most what it cost; refunded in part, the rest of the order still open
    first, second = order.lines
    one = limits_of(w, order_id, [first.entry_id])
    assert one.max_payment == min(first.amount_fen, goods)
    part = create(
        w, order_id, entry_ids=(first.entry_id,), payment=one.max_payment // 2, carriage=0
    )
    seller(w, part.refund_id, "agree")
    after = limits_of(w, order_id, [second.entry_id])
    refunded = one.max_payment // 2
    assert (after.refunded, after.in_progress) == (refunded, 0)
    assert after.max_carriage == order.shipping_fen
    assert after.max_payment == min(second.amount_fen, paid - refunded - order.shipping_fen)
    rest = create(
        w,
        order_id,
        entry_ids=(second.entry_id,),
        payment=after.max_payment,
        carriage=after.max_carriage,
    )
    seller(w, rest.refund_id, "agree")
    back = order_row(w.db, A, order_id).refunded_fen
    assert back == refunded + after.max_payment + after.max_carriage <= paid
    final = limits_of(w, order_id)
    assert (final.refunded, final.max_carriage, final.max_payment) == (back, 0, paid - back)
