"""The sandbox seller's after-sales beyond a refund's life cycle (``sandbox.refunds``,
``sandbox.negotiation``): a request changed before or after the seller's answer, goods sent back
only when awaited, the notes of the negotiation (the buyer's, the seller's with its answers, the
platform's when time runs out), the seller's return address, and an order's refunds; on SQLite
and PostgreSQL, on a ManualClock under the sandbox clock."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import faults, goods
from daigou.marketplace.sandbox import orders as O
from daigou.marketplace.sandbox.negotiation import DEFAULT_AGREE_DESCRIBE, TIMEOUT_NOTES
from daigou.marketplace.sandbox.seller_models import SandboxRefund
from tests.support.gateway import make_settings
from tests.support.seller import (
    START_MS,
    A,
    T,
    all_messages,
    new_market,
    paid_order,
    refund_draft,
    refund_statuses,
    shipped_order,
)


@pytest.fixture
def market(settings, db):
    return new_market(settings, db)


def _refused(code: str):
    return pytest.raises(P.MarketplaceRefused, match=code)


def _agreed_return(market, settings, platform=A, **kw):
    order = shipped_order(market, settings, platform, 1, **kw)
    refund = market.create_refund(refund_draft(order, dispute="returnRefund"))
    return order, market.seller.seller_refund_act(platform, refund.refund_id, "agree")


# --- modify ----------------------------------------------------------------------------------
def test_a_modify_before_the_answer_is_pushed_and_restarts_the_time_to_answer(market, settings):
    answer = settings.sandbox_refund_answer_seconds
    order = paid_order(market, settings, A, 1)
    refund = market.create_refund(refund_draft(order, amount=100))
    market.seller.advance(seconds=answer - 10)
    changed = market.modify_refund(A, refund.refund_id, 90, 4, "quality")
    now = START_MS + (answer - 10) * 1000
    assert changed.status == "waitselleragree" and changed.timeout_ms == now + answer * 1000
    pushed = [m for m in all_messages(market) if m.refund_id == refund.refund_id]
    assert [(m.status, m.data.get("previousRefundStatus")) for m in pushed] == [
        ("waitselleragree", None),
        ("waitselleragree", "waitselleragree"),
    ]
    # the first answer timer falls due and does nothing: the seller has the whole time again
    fired = market.seller.advance(seconds=10)["fired"]
    assert "refund_answer" not in [f["kind"] for f in fired]
    assert market.refund(A, refund.refund_id).status == "waitselleragree"
    fired = market.seller.advance(seconds=answer - 10)["fired"]
    assert [f["kind"] for f in fired if f["kind"].startswith("refund")] == ["refund_answer"]
    done = market.refund(A, refund.refund_id)
    assert (done.status, done.refund_payment_fen) == ("refundsuccess", 90)


def test_modify_is_refused_once_the_seller_agreed_or_the_refund_ended(market, settings):
    order, agreed = _agreed_return(market, settings)
    too_much = order.total_fen * 10  # the status is checked first: no amount error
    with _refused("REFUND_STATUS_ERROR"):
        market.modify_refund(A, agreed.refund_id, too_much, 1, "x")  # waitbuyersend
    market.return_goods(A, agreed.refund_id, "SF", "SF1")
    with _refused("REFUND_STATUS_ERROR"):
        market.modify_refund(A, agreed.refund_id, too_much, 1, "x")  # waitsellerreceive
    market.seller.seller_refund_act(A, agreed.refund_id, "receiveGoods")
    with _refused("REFUND_STATUS_ERROR"):
        market.modify_refund(A, agreed.refund_id, too_much, 1, "x")  # refundsuccess
    other = paid_order(market, settings, A, 1)
    closed = market.create_refund(refund_draft(other, amount=10))
    market.cancel_refund(A, closed.refund_id, "cancel-1")
    with _refused("REFUND_STATUS_ERROR"):
        market.modify_refund(A, closed.refund_id, 10, 1, "x")  # refundclose
    assert refund_statuses(market, closed.refund_id) == ["waitselleragree", "refundclose"]


def test_modify_changes_the_goods_status_and_vouchers_and_none_keeps_them(market, settings):
    order = paid_order(market, settings, T, 1)
    refund = market.create_refund(refund_draft(order, amount=50))
    assert refund.vouchers == () and refund.goods_status == "refundWaitSellerSend"
    changed = market.modify_refund(
        T, refund.refund_id, 40, 1, "d", goods_status="2", vouchers=("https://v/1.jpg",)
    )
    assert (changed.status, changed.goods_status, changed.vouchers) == (
        "10",
        "2",
        ("https://v/1.jpg",),
    )
    kept = market.modify_refund(T, refund.refund_id, 30, 1, "d")
    assert (kept.goods_status, kept.vouchers, kept.apply_payment_fen) == (
        "2",
        ("https://v/1.jpg",),
        30,
    )
    emptied = market.modify_refund(T, refund.refund_id, 30, 1, "d", vouchers=())
    assert emptied.vouchers == ()


# --- goods sent back ---------------------------------------------------------------------------
def test_goods_are_sent_back_only_while_the_seller_awaits_them(market, settings):
    order = shipped_order(market, settings, A, 2)
    a, b = order.lines
    refund = market.create_refund(refund_draft(order, (a.entry_id,), dispute="returnRefund"))
    with _refused("REFUND_STATUS_ERROR"):  # waitselleragree
        market.return_goods(A, refund.refund_id, "SF", "SF1")
    market.seller.seller_refund_act(A, refund.refund_id, "refuse", "not yet")
    with _refused("REFUND_STATUS_ERROR"):  # waitbuyermodify
        market.return_goods(A, refund.refund_id, "SF", "SF1")
    market.modify_refund(A, refund.refund_id, refund.apply_payment_fen, 1, "again")
    market.seller.seller_refund_act(A, refund.refund_id, "agree")
    sent = market.return_goods(
        A, refund.refund_id, "SF", "SF1", description="原箱", vouchers=("https://v/bill.jpg",)
    )
    assert (sent.status, sent.return_description, sent.return_vouchers) == (
        "waitsellerreceive",
        "原箱",
        ("https://v/bill.jpg",),
    )
    with _refused("REFUND_STATUS_ERROR"):  # waitsellerreceive: sent once
        market.return_goods(A, refund.refund_id, "SF", "SF2")
    assert market.refund(A, refund.refund_id).return_bill_no == "SF1"
    closed = market.create_refund(refund_draft(order, (b.entry_id,), dispute="returnRefund"))
    market.seller.seller_refund_act(A, closed.refund_id, "close")
    with _refused("REFUND_STATUS_ERROR"):  # refundclose
        market.return_goods(A, closed.refund_id, "SF", "SF3")


# --- the seller's return address -------------------------------------------------------------
def test_an_agreed_return_names_the_sellers_own_return_address(market, settings):
    order, agreed = _agreed_return(market, settings)
    address = agreed.return_address
    assert agreed.status == "waitbuyersend" and address is not None
    assert agreed.seller_agree_describe == DEFAULT_AGREE_DESCRIBE
    assert all("\u4e00" <= c <= "\u9fff" for c in address.full_name) and len(address.full_name) >= 2
    assert len(address.mobile) == 11 and address.mobile.isdigit() and address.mobile[0] == "1"
    shop = goods.shop_of_seller(settings, order.seller_open_id)
    assert shop is not None and (address.province, address.city) == (shop.province, shop.city)
    assert order.seller_name in address.address
    # the same for every return to that seller; another seller's is its own
    _, same = _agreed_return(market, settings)
    assert same.return_address == address
    other_order, other = _agreed_return(market, settings, rank=1)
    assert other_order.seller_open_id != order.seller_open_id
    assert other.return_address is not None and other.return_address != address


def test_the_seller_may_say_how_to_send_goods_back_when_it_agrees(market, settings):
    order = shipped_order(market, settings, T, 1)
    refund = market.create_refund(refund_draft(order, dispute="returnRefund"))
    agreed = market.seller.seller_refund_act(T, refund.refund_id, "agree", "顺丰到付不收")
    assert (agreed.status, agreed.seller_agree_describe) == ("20", "顺丰到付不收")
    assert agreed.return_address is not None
    # an agreed refund-only has nothing to send back
    only = market.create_refund(refund_draft(paid_order(market, settings, T, 1), amount=10))
    done = market.seller.seller_refund_act(T, only.refund_id, "agree", "ignored")
    assert (done.status, done.return_address, done.seller_agree_describe) == ("100", None, None)


# --- notes -----------------------------------------------------------------------------------
def test_the_sellers_answers_are_notes_of_the_negotiation(market, settings):
    order = shipped_order(market, settings, A, 1)
    refund = market.create_refund(refund_draft(order, dispute="returnRefund"))
    asked = market.add_refund_note(A, refund.refund_id, "质量问题", ("https://v/a.jpg",), "n-1")
    market.seller.seller_refund_act(A, refund.refund_id, "refuse", "商品已使用 / used")
    market.modify_refund(A, refund.refund_id, refund.apply_payment_fen, 4, "quality")
    agreed = market.seller.seller_refund_act(A, refund.refund_id, "agree")
    notes = market.refund_notes(A, refund.refund_id)
    assert [(n.owner, n.content.splitlines()[0]) for n in notes] == [
        ("buyer", "质量问题"),
        ("seller", "商品已使用 / used"),
        ("seller", DEFAULT_AGREE_DESCRIBE),
    ]
    assert notes[0] == asked and notes[0].images == ("https://v/a.jpg",)
    address = agreed.return_address
    assert address is not None
    assert address.full_name in notes[2].content and address.mobile in notes[2].content
    assert address.address in notes[2].content
    assert all(n.refund_id == refund.refund_id and n.created_ms == START_MS for n in notes)
    assert all(n.note_id.startswith("RN") for n in notes)
    assert len({n.note_id for n in notes}) == 3


def test_a_note_is_no_move_of_the_refund(market, settings):
    order = paid_order(market, settings, A, 1)
    refund = market.create_refund(refund_draft(order, amount=10))
    pushed = len(all_messages(market))
    market.seller.advance(seconds=60)
    note = market.add_refund_note(A, refund.refund_id, "hello", (), "n-1")
    assert note.created_ms == START_MS + 60_000
    assert market.refund(A, refund.refund_id) == refund  # same modified time, same everything
    assert len(all_messages(market)) == pushed


def test_a_note_replayed_answers_the_first_even_once_the_refund_is_over(market, settings):
    order = paid_order(market, settings, A, 1)
    refund = market.create_refund(refund_draft(order, amount=10))
    first = market.add_refund_note(A, refund.refund_id, "one", (), "n-1")
    market.seller.seller_refund_act(A, refund.refund_id, "agree")
    assert market.add_refund_note(A, refund.refund_id, "one", (), "n-1") == first
    with _refused("REFUND_STATUS_ERROR"):  # refundsuccess
        market.add_refund_note(A, refund.refund_id, "two", (), "n-2")
    assert market.refund_notes(A, refund.refund_id) == (first,)
    with pytest.raises(P.MarketplaceNotFound):  # a refund of the other platform
        market.add_refund_note(T, refund.refund_id, "three", (), "n-3")
    with pytest.raises(P.MarketplaceNotFound):
        market.refund_notes(T, refund.refund_id)


def test_a_refund_closed_because_the_buyer_let_time_pass_gets_a_platform_note(market, settings):
    buyer = settings.sandbox_refund_buyer_seconds
    _, not_sent = _agreed_return(market, settings)
    order = paid_order(market, settings, A, 1)
    not_modified = market.create_refund(refund_draft(order, amount=10))
    market.seller.seller_refund_act(A, not_modified.refund_id, "refuse", "no")
    fired = market.seller.advance(seconds=buyer)["fired"]
    assert [f["kind"] for f in fired].count("refund_buyer_timeout") == 2
    for refund, waited_in in ((not_sent, O.R_WAIT_SEND), (not_modified, O.R_WAIT_MODIFY)):
        assert market.refund(A, refund.refund_id).status == "refundclose"
        last = market.refund_notes(A, refund.refund_id)[-1]
        assert (last.owner, last.content) == ("platform", TIMEOUT_NOTES[waited_in])
        assert last.created_ms == START_MS + buyer * 1000
    # an operator's close is the seller's act, not a timeout: no platform note
    other = market.create_refund(refund_draft(paid_order(market, settings, A, 1), amount=10))
    market.seller.seller_refund_act(A, other.refund_id, "close")
    assert market.refund_notes(A, other.refund_id) == ()


def test_the_refuse_policy_leaves_its_reason_as_the_sellers_note(tmp_path, db_url, db):
    settings = make_settings(tmp_path, db_url, sandbox_refund_policy="refuse")
    market = new_market(settings, db)
    refund = market.create_refund(refund_draft(paid_order(market, settings, A, 1), amount=10))
    market.seller.advance(seconds=settings.sandbox_refund_answer_seconds)
    refused = market.refund(A, refund.refund_id)
    (note,) = market.refund_notes(A, refund.refund_id)
    assert refused.status == "waitbuyermodify"
    assert (note.owner, note.content) == ("seller", refused.seller_refuse_reason)


# --- an order's refunds, and bodies written before these fields ------------------------------
def test_an_orders_refunds_are_listed_in_the_order_they_were_opened(market, settings):
    order = paid_order(market, settings, A, 3)
    made = [
        market.create_refund(refund_draft(order, (ln.entry_id,), amount=10)) for ln in order.lines
    ]
    assert market.order_refunds(A, order.order_id) == tuple(made)  # one millisecond, in order
    assert market.order_refunds(A, paid_order(market, settings, A, 1).order_id) == ()
    with pytest.raises(P.MarketplaceNotFound):  # the order is a 1688 one
        market.order_refunds(T, order.order_id)
    with pytest.raises(P.MarketplaceNotFound):
        market.order_refunds(A, "3000000000000000001")


def test_a_refund_stored_before_the_negotiation_fields_still_loads(market, settings, db):
    order = paid_order(market, settings, A, 1)
    refund = market.create_refund(refund_draft(order, amount=10))
    newer = ("seq", "vouchers", "notes", "return_address", "seller_agree_describe")
    newer += ("return_description", "return_vouchers")
    with db.transaction() as s:
        body = json.loads(
            s.execute(
                select(SandboxRefund.body).where(SandboxRefund.refund_id == refund.refund_id)
            ).scalar_one()
        )
        old = json.dumps({k: v for k, v in body.items() if k not in newer})
        s.execute(
            update(SandboxRefund)
            .where(SandboxRefund.refund_id == refund.refund_id)
            .values(body=old)
        )
    assert market.refund(A, refund.refund_id) == refund
    assert market.order_refunds(A, order.order_id) == (refund,)
    assert market.refund_notes(A, refund.refund_id) == ()
    note = market.add_refund_note(A, refund.refund_id, "still here", (), "n-1")
    assert market.refund_notes(A, refund.refund_id) == (note,)
    changed = market.modify_refund(A, refund.refund_id, 9, 1, "d", vouchers=("https://v/1",))
    assert changed.vouchers == ("https://v/1",)


# --- answers lost: settled by reading ---------------------------------------------------------
def test_a_refund_or_note_whose_answer_was_lost_is_found_by_reading(market, settings, db):
    order = paid_order(market, settings, A, 1)
    faults.inject(db, START_MS, operation="1688.refund.create", mode="timeout_after_commit")
    with pytest.raises(P.MarketplaceTimeout):
        market.create_refund(refund_draft(order, amount=10, op="lost-1"))
    (made,) = market.order_refunds(A, order.order_id)
    assert made.apply_payment_fen == 10
    faults.inject(db, START_MS, operation="1688.refund.note.add", mode="timeout_after_commit")
    with pytest.raises(P.MarketplaceTimeout):
        market.add_refund_note(A, made.refund_id, "lost", (), "lost-2")
    (note,) = market.refund_notes(A, made.refund_id)
    assert (note.owner, note.content) == ("buyer", "lost")
    # reads fail under their own names
    faults.inject(db, START_MS, operation="1688.refund.list", mode="error")
    faults.inject(db, START_MS, operation="1688.refund.notes", mode="error")
    with pytest.raises(P.MarketplaceError):
        market.order_refunds(A, order.order_id)
    with pytest.raises(P.MarketplaceError):
        market.refund_notes(A, made.refund_id)
