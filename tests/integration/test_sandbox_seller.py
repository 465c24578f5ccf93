"""The sandbox seller (``daigou.marketplace.sandbox.orders``): orders and refunds of the
simulated 1688 and Taobao moved by the buyer, the operator and the sandbox clock, on SQLite and
PostgreSQL. Time is a ManualClock under the sandbox clock, so every timer fires on demand."""

from __future__ import annotations

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import orders as O
from tests.support.gateway import make_settings
from tests.support.seller import (
    ADDRESS,
    DAY,
    START_MS,
    A,
    T,
    all_messages,
    catalogue,
    new_market,
    one_order,
    one_warehouse_draft,
    order_messages,
    paid_order,
    refund_draft,
    refund_statuses,
    seller_and_picks,
    shipped_order,
    split_draft,
)


@pytest.fixture
def market(settings, db):
    return new_market(settings, db)


def _refused(code: str):
    return pytest.raises(P.MarketplaceRefused, match=code)


# --- lifecycles through the clock ------------------------------------------------------------
def test_1688_lifecycle_through_the_clock(market, settings):
    draft = split_draft(settings, A, out_order_id="life-1")
    preview = market.preview(draft)
    created = market.create_order(draft)
    assert len(created.orders) == 2 and not created.failures and not created.replayed
    assert [o.total_fen for o in created.orders] == [o.total_fen for o in preview.orders]
    paid, unpaid = created.orders
    assert all(o.status == "waitbuyerpay" for o in created.orders)
    assert market.pay(A, paid.order_id, paid.total_fen, "op1").paid

    result = market.seller.advance(seconds=3 * DAY)
    assert result["now"] == START_MS + 3 * DAY * 1000
    fired = result["fired"]
    times = [f["time"] for f in fired]
    assert times == sorted(times) and all(t <= result["now"] for t in times)
    assert [(f["kind"], f["objectId"]) for f in fired] == [
        ("ship", paid.order_id),
        ("trace", paid.order_id),
        ("pay_timeout", unpaid.order_id),  # 12 h after create, between the trace steps
        ("trace", paid.order_id),
        ("trace", paid.order_id),
        ("deliver", paid.order_id),
    ]
    order = market.order(A, paid.order_id)
    assert order.status == "waitbuyerreceive"
    assert order.shipped_ms == START_MS + settings.sandbox_ship_after_seconds * 1000
    (parcel,) = order.parcels
    assert set(parcel.entry_ids) == {ln.entry_id for ln in order.lines}
    assert len(parcel.steps) == 1 + len(O.TRACE_STEPS) + 1
    assert [s.time_ms for s in parcel.steps] == sorted(s.time_ms for s in parcel.steps)
    assert parcel.delivered_ms == parcel.steps[-1].time_ms
    assert all(ln.logistics_status == 2 for ln in order.lines)
    closed = market.order(A, unpaid.order_id)
    assert (closed.status, closed.close_reason, closed.close_operate_type) == (
        "cancel",
        "payTimeout",
        "system",
    )

    fired = market.seller.advance(seconds=11 * DAY)["fired"]
    assert [f["kind"] for f in fired] == ["auto_confirm", "settle"]
    assert fired[0]["time"] == parcel.delivered_ms + settings.sandbox_auto_confirm_seconds * 1000
    order = market.order(A, paid.order_id)
    assert order.status == "success" and order.completed_ms == fired[1]["time"]
    assert all(ln.logistics_status == 3 for ln in order.lines)
    assert market.seller.pending_timers() == []

    msgs = all_messages(market)
    assert [m.occurred_ms for m in msgs] == sorted(m.occurred_ms for m in msgs)
    assert [m.topic for m in msgs if m.order_id == paid.order_id] == [
        O.T_MAKE,
        O.T_PAY,
        O.T_SEND,
        *[O.T_TRACE] * 5,  # shipped, three steps, delivered
        O.T_CONFIRM,
        O.T_SUCCESS,
    ]
    assert [m.topic for m in msgs if m.order_id == unpaid.order_id] == [O.T_MAKE, O.T_BUYER_CLOSE]
    moves = [
        (m.data.get("previousStatus"), m.status)
        for m in msgs
        if m.order_id == paid.order_id and "previousStatus" in m.data
    ]
    assert moves == [
        ("waitbuyerpay", "waitsellersend"),
        ("waitsellersend", "waitbuyerreceive"),
        ("waitbuyerreceive", "confirm_goods"),
        ("confirm_goods", "success"),
    ]
    assert all(m.data["buyerRef"] == "dev-1" for m in msgs)
    assert all(m.platform == A for m in msgs)


def test_taobao_order_lifecycle_shows_numeric_statuses(market, settings):
    order = one_order(market, settings, T, 2)
    assert order.order_id.startswith("4") and order.status == "0"
    assert all(ln.status == "0" for ln in order.lines)
    assert market.pay(T, order.order_id, order.total_fen, "tb-pay").paid
    assert market.order(T, order.order_id).status == "10"
    market.seller.advance(seconds=settings.sandbox_ship_after_seconds)
    assert market.order(T, order.order_id).status == "11"
    done = market.confirm_receipt(T, order.order_id, ())
    assert done.status == "20" and done.completed_ms == done.received_ms  # no confirm_goods
    assert [m.topic for m in order_messages(market, order.order_id)][:3] == [
        O.TB_STATUS,
        O.TB_STATUS,
        O.TB_STATUS,
    ]
    assert {m.topic for m in order_messages(market, order.order_id)} == {O.TB_STATUS, O.TB_TRACE}
    status_changes = [
        m.status for m in order_messages(market, order.order_id) if m.topic == O.TB_STATUS
    ]
    assert status_changes == ["0", "10", "11", "20"]
    # nothing more happens to a finished Taobao order but its parcel's remaining logistics
    # steps (no settle timer)
    fired = market.seller.advance(seconds=30 * DAY)["fired"]
    assert {f["kind"] for f in fired} <= {"trace", "deliver"}
    done = market.order(T, order.order_id)
    assert done.status == "20" and all(p.delivered_ms for p in done.parcels)


def test_taobao_auto_confirm_finishes_without_confirm_goods(market, settings):
    order = paid_order(market, settings, T, 1)
    fired = market.seller.advance(seconds=13 * DAY)["fired"]
    assert [f["kind"] for f in fired][-1] == "auto_confirm"
    assert market.order(T, order.order_id).status == "20"
    labels = [m.status for m in order_messages(market, order.order_id)]
    assert set(labels) <= set(O.TAOBAO_ORDER.values())


def test_taobao_refunds_show_numeric_statuses(market, settings):
    order = shipped_order(market, settings, T, 3)
    a, b, c = (ln.entry_id for ln in order.lines)
    ret = market.create_refund(refund_draft(order, (a,), dispute="returnRefund", op="r-a"))
    assert ret.status == "10"
    assert market.seller.seller_refund_act(T, ret.refund_id, "agree").status == "20"
    assert market.return_goods(T, ret.refund_id, "ZTO", "ZTO123456").status == "30"
    assert market.seller.seller_refund_act(T, ret.refund_id, "receiveGoods").status == "100"
    assert refund_statuses(market, ret.refund_id) == ["10", "20", "30", "100"]

    ref = market.create_refund(refund_draft(order, (b,), op="r-b"))
    refused = market.seller.seller_refund_act(T, ref.refund_id, "refuse", "not agreed")
    assert refused.status == "-10" and refused.seller_refuse_reason == "not agreed"
    assert market.cancel_refund(T, ref.refund_id, "cancel-b").status == "-20"
    assert refund_statuses(market, ref.refund_id) == ["10", "-10", "-20"]
    tb_topics = {
        m.topic for m in all_messages(market) if m.refund_id in (ret.refund_id, ref.refund_id)
    }
    assert tb_topics == {O.TB_REFUND}

    now = market.order(T, order.order_id)
    by_id = {ln.entry_id: ln for ln in now.lines}
    assert (by_id[a].refund_status, by_id[b].refund_status, by_id[c].refund_status) == (
        "100",
        "-20",
        None,
    )
    assert now.status == "11"
    assert set(O.TAOBAO_REFUND.values()) == {"10", "20", "30", "100", "-10", "-20"}


# --- create and preview ----------------------------------------------------------------------
def test_create_splits_by_warehouse_and_reports_failing_lines(market, settings):
    seller, picks = seller_and_picks(settings, A)
    w0 = [p for p in picks if p.warehouse == 0]
    w1 = [p for p in picks if p.warehouse == 1]
    moq_pick = next(p for p in picks if p.moq > 1)
    other_seller, other_picks = seller_and_picks(settings, A, rank=1)
    assert other_seller != seller
    good = [w0[0].line(), w1[0].line(), w0[1].line(w0[1].moq + 1), w1[1].line()]
    bad = [
        P.CargoLine(moq_pick.offer.offer_id, moq_pick.spec_id, moq_pick.moq - 1),
        P.CargoLine(w0[2].offer.offer_id, w0[2].spec_id, w0[2].stock + 1),
        P.CargoLine("699999999999", None, 1),
        other_picks[0].line(),
        P.CargoLine(w0[3].offer.offer_id, "0" * 32, w0[3].moq),
    ]
    lines = (good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4], good[3])
    draft = P.OrderDraft(A, seller, lines, ADDRESS, "split-1", buyer_ref="dev-1")
    preview = market.preview(draft)
    created = market.create_order(draft)
    expected = [
        "QUANTITY_LESS_THAN_MIN",
        "STOCK_NOT_ENOUGH",
        "OFFER_NOT_FOUND",
        "SELLER_MISMATCH",
        "SPEC_NOT_FOUND",
    ]
    assert [f.code for f in created.failures] == expected
    assert [f.offer_id for f in created.failures] == [ln.offer_id for ln in bad]
    assert created.failures == preview.failures
    assert len(created.orders) == 2 == len(preview.orders)
    for order, wh, pre in zip(created.orders, (0, 1), preview.orders, strict=True):
        assert {O.Seller.warehouse_of(ln.offer_id) for ln in order.lines} == {wh}
        assert [ln.offer_id for ln in order.lines] == [ln.offer_id for ln in pre.lines]
        assert order.total_fen == pre.total_fen
        assert order.total_fen == order.product_fen + order.shipping_fen - order.discount_fen
        assert order.product_fen == sum(ln.amount_fen for ln in order.lines)
        assert all(ln.amount_fen == ln.unit_price_fen * ln.quantity for ln in order.lines)
        assert order.seller_open_id == seller and order.out_order_id == "split-1"
    qty = {ln.offer_id: ln.quantity for o in created.orders for ln in o.lines}
    assert qty[w0[1].offer.offer_id] == w0[1].moq + 1


def test_off_sale_offer_of_the_seller_is_refused(market, settings):
    shops, offers = catalogue(settings.sandbox_seed, "1688")
    off = next(o for o in offers if not o.on_sale)
    seller = next(s.seller_open_id for s in shops if s.shop_id == off.shop_id)
    line = P.CargoLine(off.offer_id, off.skus[0].spec_id, off.min_order_quantity)
    result = market.create_order(P.OrderDraft(A, seller, (line,), ADDRESS))
    assert result.orders == () and [f.code for f in result.failures] == ["OFFER_NOT_ON_SALE"]


def test_a_draft_with_only_failing_lines_creates_nothing(market, settings):
    seller, picks = seller_and_picks(settings, A)
    bad = P.CargoLine(picks[0].offer.offer_id, picks[0].spec_id, picks[0].stock + 1)
    result = market.create_order(P.OrderDraft(A, seller, (bad,), ADDRESS, "nothing-1"))
    assert result.orders == () and [f.code for f in result.failures] == ["STOCK_NOT_ENOUGH"]
    assert all_messages(market) == []


def test_out_order_id_replay_returns_the_same_orders_and_creates_nothing(market, settings):
    draft = split_draft(settings, A, out_order_id="replay-1")
    first = market.create_order(draft)
    before = all_messages(market)
    market.pay(A, first.orders[0].order_id, first.orders[0].total_fen, "replay-pay")
    again = market.create_order(draft)
    assert again.replayed and not first.replayed
    assert [o.order_id for o in again.orders] == [o.order_id for o in first.orders]
    assert again.orders[0].status == "waitsellersend"  # the current state, not the first answer
    # another draft under the same key is still the same orders
    other = one_warehouse_draft(settings, A, 1, out_order_id="replay-1")
    third = market.create_order(other)
    assert third.replayed and [o.order_id for o in third.orders] == [
        o.order_id for o in first.orders
    ]
    assert len(all_messages(market)) == len(before) + 1  # only the pay's
    assert [o.order_id for o in market.orders_by_out_order_id(A, "replay-1")] == [
        o.order_id for o in first.orders
    ]
    # the key is per platform
    tb = market.create_order(one_warehouse_draft(settings, T, 1, out_order_id="replay-1"))
    assert not tb.replayed and len(tb.orders) == 1


def test_replay_keeps_the_failures_of_the_first_create(market, settings):
    seller, picks = seller_and_picks(settings, A)
    bad = P.CargoLine(picks[1].offer.offer_id, picks[1].spec_id, picks[1].stock + 1)
    draft = P.OrderDraft(A, seller, (picks[0].line(), bad), ADDRESS, "replay-2")
    first = market.create_order(draft)
    again = market.create_order(draft)
    assert again.replayed and again.failures == first.failures and len(first.failures) == 1


# --- paying ---------------------------------------------------------------------------------
def test_pay_is_deduplicated_by_op_request_id(market, settings):
    order = one_order(market, settings, A)
    first = market.pay(A, order.order_id, order.total_fen, "op-1")
    again = market.pay(A, order.order_id, order.total_fen, "op-1")
    assert first == again and first.paid and first.paid_fen == order.total_fen
    pays = [m for m in all_messages(market) if m.topic == O.T_PAY]
    assert len(pays) == 1
    other = market.pay(A, order.order_id, order.total_fen, "op-2")
    assert (other.paid, other.paid_fen, other.code) == (False, 0, "ORDER_ALREADY_PAID")
    paid = market.order(A, order.order_id)
    assert paid.status == "waitsellersend" and paid.paid_ms == START_MS


def test_pay_with_the_old_amount_after_a_price_change_is_refused(market, settings):
    order = one_order(market, settings, A)
    changed = market.seller.modify_price(A, order.order_id, total_fen=order.total_fen - 100)
    assert changed.total_fen == order.total_fen - 100
    assert changed.discount_fen == order.discount_fen + 100
    msg = all_messages(market)[-1]
    assert msg.topic == O.T_PRICE and msg.data["previousTotalAmount"] == order.total_fen
    refused = market.pay(A, order.order_id, order.total_fen, "old-amount")
    assert (refused.paid, refused.code) == (False, "PRICE_CHANGED")
    assert market.order(A, order.order_id).status == "waitbuyerpay"
    assert market.pay(A, order.order_id, changed.total_fen, "new-amount").paid

    # line prices: the product amount follows, the discount stays
    other = one_order(market, settings, A, 2, rank=1)
    first = other.lines[0]
    repriced = market.seller.modify_price(A, other.order_id, line_prices={first.entry_id: 1})
    assert repriced.lines[0].amount_fen == first.quantity
    assert repriced.product_fen == other.product_fen - first.amount_fen + first.quantity
    assert repriced.total_fen == repriced.product_fen + repriced.shipping_fen - other.discount_fen
    with pytest.raises(P.MarketplaceNotFound):
        market.seller.modify_price(A, other.order_id, line_prices={"199": 5})
    with _refused("PRICE_INVALID"):
        market.seller.modify_price(A, other.order_id, total_fen=0)
    with _refused("ORDER_STATUS_ERROR"):  # paid above
        market.seller.modify_price(A, order.order_id, total_fen=1)


def test_a_cancelled_order_cannot_be_paid(market, settings):
    order = one_order(market, settings, A)
    cancelled = market.cancel_order(A, order.order_id, "", "cancel-1")
    assert (cancelled.status, cancelled.close_operate_type, cancelled.close_reason) == (
        "cancel",
        "buyer",
        "buyerCancel",
    )
    assert market.cancel_order(A, order.order_id, "", "cancel-1").status == "cancel"  # replay
    with _refused("ORDER_STATUS_ERROR"):
        market.cancel_order(A, order.order_id, "", "cancel-2")
    result = market.pay(A, order.order_id, order.total_fen, "pay-cancelled")
    assert (result.paid, result.code) == (False, "ORDER_STATUS_ERROR")
    assert [m.topic for m in order_messages(market, order.order_id)] == [
        O.T_MAKE,
        O.T_BUYER_CLOSE,
    ]
    with pytest.raises(P.MarketplaceNotFound):
        market.pay(A, "3000000000000000001", 1, "pay-unknown")
    with pytest.raises(P.MarketplaceNotFound):  # a 1688 order is not a Taobao order
        market.pay(T, order.order_id, order.total_fen, "pay-wrong-platform")


def test_the_pay_timeout_closes_an_unpaid_order(market, settings):
    order = one_order(market, settings, A)
    assert order.pay_timeout_s == settings.sandbox_pay_timeout_seconds
    assert market.seller.advance(seconds=order.pay_timeout_s - 1)["fired"] == []
    assert market.order(A, order.order_id).status == "waitbuyerpay"
    fired = market.seller.advance(seconds=1)["fired"]
    assert fired == [
        {
            "time": START_MS + order.pay_timeout_s * 1000,
            "kind": "pay_timeout",
            "objectId": order.order_id,
            "acted": True,
        }
    ]
    closed = market.order(A, order.order_id)
    assert (closed.status, closed.close_reason, closed.close_operate_type) == (
        "cancel",
        "payTimeout",
        "system",
    )
    late = market.pay(A, order.order_id, order.total_fen, "late")
    assert not late.paid and late.code == "ORDER_STATUS_ERROR"


def test_a_paid_order_is_not_closed_by_its_pay_timeout(market, settings):
    order = paid_order(market, settings, A)
    fired = market.seller.advance(seconds=order.pay_timeout_s)["fired"]
    assert "pay_timeout" not in [f["kind"] for f in fired]  # only acted timers are listed
    assert market.order(A, order.order_id).status == "waitbuyerreceive"


def test_seller_close(market, settings):
    order = one_order(market, settings, A)
    closed = market.seller.seller_close(A, order.order_id, "sellerGoodsLack")
    assert (closed.status, closed.close_operate_type, closed.close_reason) == (
        "cancel",
        "seller",
        "sellerGoodsLack",
    )
    assert order_messages(market, order.order_id)[-1].topic == O.T_SELLER_CLOSE
    with _refused("ORDER_STATUS_ERROR"):
        market.seller.seller_close(A, order.order_id)
    assert market.seller.advance(seconds=DAY)["fired"] == []  # the pay timeout has nothing to do
    paid = paid_order(market, settings, A, rank=1)
    with _refused("ORDER_STATUS_ERROR"):
        market.seller.seller_close(A, paid.order_id)
    tb = one_order(market, settings, T, 1)
    assert market.seller.seller_close(T, tb.order_id).status == "4"
    assert order_messages(market, tb.order_id)[-1].topic == O.TB_STATUS


# --- shipping and receipt -------------------------------------------------------------------
def test_partial_shipping(market, settings):
    order = paid_order(market, settings, A, 3)
    a, b, c = (ln.entry_id for ln in order.lines)
    part = market.seller.ship(A, order.order_id, (a,), "中通快递", "ZTO0001")
    assert part.status == "waitsellersend" and part.shipped_ms is None
    assert [ln.logistics_status for ln in part.lines] == [2, 1, 1]
    (parcel,) = part.parcels
    assert (parcel.entry_ids, parcel.company_name, parcel.bill_no) == ((a,), "中通快递", "ZTO0001")
    send = [m for m in order_messages(market, order.order_id) if m.topic == O.T_SEND]
    assert len(send) == 1 and "previousStatus" not in send[0].data
    assert send[0].data["subItemIds"] == [a]
    with _refused("ORDER_STATUS_ERROR"):
        market.seller.ship(A, order.order_id, (a,))
    with pytest.raises(P.MarketplaceNotFound):
        market.seller.ship(A, order.order_id, ("100000000000000001",))
    rest = market.seller.ship(A, order.order_id)  # all: the lines still unshipped
    assert rest.status == "waitbuyerreceive" and rest.shipped_ms == START_MS
    assert [ln.logistics_status for ln in rest.lines] == [2, 2, 2]
    assert [p.entry_ids for p in rest.parcels] == [(a,), (b, c)]
    assert rest.parcels[0].logistics_id != rest.parcels[1].logistics_id
    send = [m for m in order_messages(market, order.order_id) if m.topic == O.T_SEND]
    assert send[-1].data["previousStatus"] == "waitsellersend"
    with _refused("ORDER_STATUS_ERROR"):
        market.seller.ship(A, order.order_id)
    # the seller's own ship timer finds nothing left to do
    fired = market.seller.advance(seconds=settings.sandbox_ship_after_seconds)["fired"]
    assert "ship" not in [f["kind"] for f in fired]


def test_shipping_an_unpaid_order_is_refused(market, settings):
    order = one_order(market, settings, A)
    with _refused("ORDER_STATUS_ERROR"):
        market.seller.ship(A, order.order_id)
    with _refused("ORDER_STATUS_ERROR"):
        market.seller.deliver(A, order.order_id)
    with _refused("ORDER_STATUS_ERROR"):
        market.confirm_receipt(A, order.order_id, ())


def test_deliver_then_auto_confirm_then_settle(market, settings):
    order = shipped_order(market, settings, A, 2)
    market.seller.advance(seconds=60)
    delivered = market.seller.deliver(A, order.order_id)
    (parcel,) = delivered.parcels
    assert parcel.delivered_ms == START_MS + 60_000
    assert parcel.steps[-1].remark.startswith(O.DELIVERED_REMARK)
    with _refused("ORDER_STATUS_ERROR"):
        market.seller.deliver(A, order.order_id)  # nothing on its way any more
    wait = settings.sandbox_auto_confirm_seconds
    fired = market.seller.advance(seconds=wait - 1)["fired"]
    assert fired == []  # the trace steps and the deliver timer find the parcel delivered
    assert market.order(A, order.order_id).status == "waitbuyerreceive"
    fired = market.seller.advance(seconds=1)["fired"]
    assert [(f["kind"], f["time"]) for f in fired] == [
        ("auto_confirm", parcel.delivered_ms + wait * 1000)
    ]
    confirmed = market.order(A, order.order_id)
    assert confirmed.status == "confirm_goods" and confirmed.received_ms == fired[0]["time"]
    last = order_messages(market, order.order_id)[-1]
    assert last.topic == O.T_CONFIRM and last.data["confirmedBy"] == "system"
    fired = market.seller.advance(seconds=settings.sandbox_settle_after_seconds)["fired"]
    assert [f["kind"] for f in fired] == ["settle"]
    assert market.order(A, order.order_id).status == "success"


def test_buyer_confirms_before_auto_confirm(market, settings):
    order = shipped_order(market, settings, A, 1)
    confirmed = market.confirm_receipt(A, order.order_id, ())
    assert confirmed.status == "confirm_goods"
    assert order_messages(market, order.order_id)[-1].data["confirmedBy"] == "buyer"
    with _refused("ORDER_STATUS_ERROR"):
        market.confirm_receipt(A, order.order_id, ())
    fired = market.seller.advance(seconds=30 * DAY)["fired"]
    assert [f["kind"] for f in fired].count("settle") == 1
    assert "auto_confirm" not in [f["kind"] for f in fired]
    assert market.order(A, order.order_id).status == "success"


# --- refunds --------------------------------------------------------------------------------
def test_refund_only_agreed(market, settings):
    order = paid_order(market, settings, A, 2)
    a, b = order.lines
    refund = market.create_refund(refund_draft(order, (a.entry_id,), amount=a.amount_fen - 1))
    assert refund.status == "waitselleragree" and refund.refund_id.startswith("TQ")
    assert refund.timeout_ms == START_MS + settings.sandbox_refund_answer_seconds * 1000
    assert not refund.after_sale
    now = market.order(A, order.order_id)
    assert now.refund_status == "waitselleragree"
    assert now.lines[0].refund_status == "waitselleragree" and now.lines[1].refund_status is None
    done = market.seller.seller_refund_act(A, refund.refund_id, "agree")
    assert done.status == "refundsuccess" and done.refund_payment_fen == a.amount_fen - 1
    assert done.completed_ms == START_MS and done.timeout_ms is None
    now = market.order(A, order.order_id)
    assert now.status == "waitsellersend" and now.lines[0].refund_status == "refundsuccess"
    assert now.refund_status == "refundsuccess"
    msgs = [m for m in all_messages(market) if m.refund_id == refund.refund_id]
    assert [m.topic for m in msgs] == [O.T_REFUND_IN] * 2
    assert msgs[-1].data["previousRefundStatus"] == "waitselleragree"
    # the refunded line is not shipped; the other one is
    shipped = market.seller.ship(A, order.order_id)
    assert shipped.status == "waitbuyerreceive" and shipped.parcels[0].entry_ids == (b.entry_id,)
    # the refund timer has nothing more to do
    fired = market.seller.advance(seconds=settings.sandbox_refund_answer_seconds)["fired"]
    assert "refund_answer" not in [f["kind"] for f in fired]


def test_a_full_refund_of_every_line_terminates_the_order(market, settings):
    order = paid_order(market, settings, A, 3)
    refund = market.create_refund(refund_draft(order, ()))  # no lines named: every line
    assert set(refund.entry_ids) == {ln.entry_id for ln in order.lines}
    assert refund.apply_payment_fen == order.total_fen - order.shipping_fen
    done = market.seller.seller_refund_act(A, refund.refund_id, "agree")
    assert done.status == "refundsuccess"
    ended = market.order(A, order.order_id)
    assert ended.status == "terminated" and ended.close_reason == "refund"
    assert all(ln.refund_status == "refundsuccess" for ln in ended.lines)
    last = order_messages(market, order.order_id)[-1]
    assert (last.status, last.data["previousStatus"]) == ("terminated", "waitsellersend")
    # nothing ships a terminated order
    assert "ship" not in [f["kind"] for f in market.seller.advance(seconds=DAY)["fired"]]
    with _refused("ORDER_STATUS_ERROR"):
        market.create_refund(refund_draft(order, (order.lines[0].entry_id,), amount=1))


def test_refunds_line_by_line_terminate_the_order_with_the_last(market, settings):
    order = shipped_order(market, settings, A, 2)
    a, b = order.lines
    r1 = market.create_refund(refund_draft(order, (a.entry_id,)))
    market.seller.seller_refund_act(A, r1.refund_id, "agree")
    assert market.order(A, order.order_id).status == "waitbuyerreceive"
    r2 = market.create_refund(refund_draft(order, (b.entry_id,)))
    market.seller.seller_refund_act(A, r2.refund_id, "agree")
    assert market.order(A, order.order_id).status == "terminated"


def test_return_and_refund(market, settings):
    order = shipped_order(market, settings, A, 2)
    line = order.lines[0]
    refund = market.create_refund(
        refund_draft(order, (line.entry_id,), dispute="returnRefund", carriage=1)
    )
    agreed = market.seller.seller_refund_act(A, refund.refund_id, "agree")
    assert agreed.status == "waitbuyersend"
    assert agreed.timeout_ms == START_MS + settings.sandbox_refund_buyer_seconds * 1000
    with _refused("REFUND_STATUS_ERROR"):
        market.seller.seller_refund_act(A, refund.refund_id, "receiveGoods")
    sent = market.return_goods(A, refund.refund_id, "ZTO", "ZTO7777")
    assert sent.status == "waitsellerreceive"
    assert (sent.return_company_no, sent.return_bill_no) == ("ZTO", "ZTO7777")
    with _refused("REFUND_STATUS_ERROR"):
        market.cancel_refund(A, refund.refund_id, "too-late")
    with _refused("REFUND_STATUS_ERROR"):
        market.seller.seller_refund_act(A, refund.refund_id, "close")
    done = market.seller.seller_refund_act(A, refund.refund_id, "receiveGoods")
    assert done.status == "refundsuccess"
    assert (done.refund_payment_fen, done.refund_carriage_fen) == (refund.apply_payment_fen, 1)
    assert refund_statuses(market, refund.refund_id) == [
        "waitselleragree",
        "waitbuyersend",
        "waitsellerreceive",
        "refundsuccess",
    ]
    assert market.order(A, order.order_id).status == "waitbuyerreceive"


def test_a_refused_refund_is_modified_and_asked_again(market, settings):
    order = shipped_order(market, settings, A, 2)
    line = order.lines[0]
    refund = market.create_refund(refund_draft(order, (line.entry_id,)))
    with _refused("REASON_REQUIRED"):
        market.seller.seller_refund_act(A, refund.refund_id, "refuse")
    refused = market.seller.seller_refund_act(A, refund.refund_id, "refuse", "used")
    assert refused.status == "waitbuyermodify" and refused.seller_refuse_reason == "used"
    with _refused("REFUND_AMOUNT_INVALID"):
        market.modify_refund(A, refund.refund_id, line.amount_fen + 1, 1, "more")
    with _refused("REASON_INVALID"):
        market.modify_refund(A, refund.refund_id, 100, 99, "x")
    modified = market.modify_refund(A, refund.refund_id, 100, 4, "quality")
    assert modified.status == "waitselleragree"
    assert (modified.apply_payment_fen, modified.reason_id, modified.seller_refuse_reason) == (
        100,
        4,
        None,
    )
    # asked again, it may be changed again before the seller answers
    again = market.modify_refund(A, refund.refund_id, 90, 4, "again")
    assert (again.status, again.apply_payment_fen, again.description) == (
        "waitselleragree",
        90,
        "again",
    )
    part = market.seller.seller_refund_act(A, refund.refund_id, "agree", refund_amount_fen=60)
    assert (part.status, part.refund_payment_fen) == ("refundsuccess", 60)
    with _refused("REFUND_STATUS_ERROR"):  # an answered refund is not modified
        market.modify_refund(A, refund.refund_id, 60, 4, "after")
    with _refused("REFUND_AMOUNT_INVALID"):
        other = market.create_refund(refund_draft(order, (order.lines[1].entry_id,)))
        market.seller.seller_refund_act(A, other.refund_id, "agree", refund_amount_fen=10**9)


def test_refund_closed_by_the_seller_frees_the_line(market, settings):
    order = shipped_order(market, settings, A, 1)
    line = order.lines[0]
    first = market.create_refund(refund_draft(order, (line.entry_id,), amount=10))
    closed = market.seller.seller_refund_act(A, first.refund_id, "close")
    assert closed.status == "refundclose" and closed.completed_ms is not None
    assert market.order(A, order.order_id).lines[0].refund_status == "refundclose"
    again = market.create_refund(refund_draft(order, (line.entry_id,), amount=10))
    assert again.refund_id != first.refund_id and again.status == "waitselleragree"


@pytest.mark.parametrize("policy", ["agree", "refuse", "manual"])
def test_refund_answer_timeout_follows_the_policy(policy, tmp_path, db_url, db):
    settings = make_settings(tmp_path, db_url, sandbox_refund_policy=policy)
    market = new_market(settings, db)
    order = shipped_order(market, settings, A, 2)
    a, b = order.lines
    only = market.create_refund(refund_draft(order, (a.entry_id,)))
    ret = market.create_refund(refund_draft(order, (b.entry_id,), dispute="returnRefund"))
    answer = settings.sandbox_refund_answer_seconds
    buyer = settings.sandbox_refund_buyer_seconds
    fired = market.seller.advance(seconds=answer - 1)["fired"]
    assert "refund_answer" not in [f["kind"] for f in fired]
    assert market.refund(A, only.refund_id).status == "waitselleragree"
    fired = market.seller.advance(seconds=1)["fired"]
    answers = [f for f in fired if f["kind"] == "refund_answer"]
    if policy == "manual":
        assert answers == []
        market.seller.advance(seconds=60 * DAY)
        assert market.refund(A, only.refund_id).status == "waitselleragree"
        assert market.refund(A, ret.refund_id).status == "waitselleragree"
        return
    assert sorted(f["objectId"] for f in answers) == sorted([only.refund_id, ret.refund_id])
    if policy == "agree":
        assert market.refund(A, only.refund_id).status == "refundsuccess"
        waiting = market.refund(A, ret.refund_id)
        assert waiting.status == "waitbuyersend"
        assert waiting.timeout_ms == START_MS + (answer + buyer) * 1000
    else:
        for r in (only, ret):
            refused = market.refund(A, r.refund_id)
            assert refused.status == "waitbuyermodify"
            assert refused.seller_refuse_reason
    fired = market.seller.advance(seconds=buyer)["fired"]
    assert [f["kind"] for f in fired if f["kind"].startswith("refund")] == (
        ["refund_buyer_timeout"] * (1 if policy == "agree" else 2)
    )
    assert market.refund(A, ret.refund_id).status == "refundclose"
    if policy == "refuse":
        assert market.refund(A, only.refund_id).status == "refundclose"


def test_goods_sent_back_are_received_when_the_receive_time_runs_out(market, settings):
    order = shipped_order(market, settings, A, 1)
    refund = market.create_refund(refund_draft(order, dispute="returnRefund"))
    market.seller.seller_refund_act(A, refund.refund_id, "agree")
    market.return_goods(A, refund.refund_id, "SF", "SF0001")
    fired = market.seller.advance(seconds=settings.sandbox_refund_receive_seconds)["fired"]
    assert "refund_receive" in [f["kind"] for f in fired]
    assert market.refund(A, refund.refund_id).status == "refundsuccess"
    assert market.order(A, order.order_id).status == "terminated"


def test_refund_rules(market, settings):
    unpaid = one_order(market, settings, A, 2)
    with _refused("ORDER_STATUS_ERROR"):
        market.create_refund(refund_draft(unpaid, amount=1))
    order = paid_order(market, settings, A, 2, rank=1)
    a, b = order.lines
    with _refused("REFUND_AMOUNT_INVALID"):  # more than the line's amount
        market.create_refund(refund_draft(order, (a.entry_id,), amount=a.amount_fen + 1))
    with _refused("REFUND_AMOUNT_INVALID"):
        market.create_refund(refund_draft(order, (a.entry_id,), amount=0))
    with _refused("REFUND_AMOUNT_INVALID"):  # more carriage than the order's freight
        market.create_refund(refund_draft(order, (a.entry_id,), carriage=order.shipping_fen + 1))
    with _refused("GOODS_NOT_SENT"):  # returnRefund before shipping
        market.create_refund(refund_draft(order, (a.entry_id,), dispute="returnRefund"))
    with _refused("DISPUTE_REQUEST_INVALID"):
        market.create_refund(refund_draft(order, (a.entry_id,), dispute="exchange"))
    with _refused("REASON_INVALID"):
        market.create_refund(refund_draft(order, (a.entry_id,), reason_id=42))
    with pytest.raises(P.MarketplaceNotFound):
        market.create_refund(refund_draft(order, ("100000000000000009",), amount=1))
    assert market.order_refunds(A, order.order_id) == ()
    first = market.create_refund(refund_draft(order, (a.entry_id,), op="ref-1"))
    assert market.create_refund(refund_draft(order, (a.entry_id,), op="ref-1")) == first  # dedupe
    with _refused("REFUND_EXISTS"):  # a second refund on the same line (open)
        market.create_refund(refund_draft(order, (a.entry_id, b.entry_id)))
    market.seller.seller_refund_act(A, first.refund_id, "agree")
    with _refused("REFUND_EXISTS"):  # ... or refunded
        market.create_refund(refund_draft(order, (a.entry_id,), amount=1))
    assert [r.refund_id for r in market.order_refunds(A, order.order_id)] == [first.refund_id]
    with pytest.raises(P.MarketplaceNotFound):
        market.refund(A, "TQ999")
    with pytest.raises(P.MarketplaceNotFound):
        market.refund(T, first.refund_id)


def test_refund_after_success_is_after_sale(market, settings):
    order = shipped_order(market, settings, A, 2)
    market.confirm_receipt(A, order.order_id, ())
    market.seller.advance(seconds=settings.sandbox_settle_after_seconds)
    assert market.order(A, order.order_id).status == "success"
    refund = market.create_refund(refund_draft(order, dispute="returnRefund"))
    assert refund.after_sale
    market.seller.seller_refund_act(A, refund.refund_id, "agree")
    market.return_goods(A, refund.refund_id, "SF", "SF0002")
    market.seller.seller_refund_act(A, refund.refund_id, "receiveGoods")
    assert {m.topic for m in all_messages(market) if m.refund_id} == {O.T_REFUND_AFTER}
    assert market.order(A, order.order_id).status == "success"  # a finished order stays so


def test_refund_reasons_depend_on_the_goods_status(market, settings):
    order = shipped_order(market, settings, A, 1)
    entries = (order.lines[0].entry_id,)
    not_received = market.refund_reasons(A, order.order_id, entries, "refundWaitBuyerReceive")
    received = market.refund_reasons(A, order.order_id, entries, "refundBuyerReceived")
    assert 2 in {r.reason_id for r in not_received} and 2 not in {r.reason_id for r in received}
    assert 4 in {r.reason_id for r in received} and 4 not in {r.reason_id for r in not_received}
    with pytest.raises(P.MarketplaceNotFound):
        market.refund_reasons(A, "3000000000000000001", entries, "refundBuyerReceived")


# --- messages -------------------------------------------------------------------------------
def test_messages_cursor_paging(market, settings):
    assert market.messages(A, None, 10) == P.MessageBatch((), "0")
    shipped_order(market, settings, A, 2)
    one_order(market, settings, T, 1)
    market.seller.advance(seconds=2 * DAY)
    everything = market.messages(A, None, 1000).messages
    assert len(everything) > 7
    assert len({m.message_id for m in everything}) == len(everything)
    seen: list[P.MarketMessage] = []
    cursor = None
    pages = 0
    while True:
        batch = market.messages(A, cursor, 3)
        assert len(batch.messages) <= 3
        pages += 1
        if not batch.messages:
            assert batch.cursor == cursor
            break
        seen.extend(batch.messages)
        cursor = batch.cursor
    assert seen == list(everything) and pages == -(-len(everything) // 3) + 1
    # a cursor from before new messages sees only the new ones
    market.seller.advance(seconds=30 * DAY)
    newer = market.messages(A, cursor, 1000).messages
    assert newer and newer[0].message_id not in {m.message_id for m in everything}
    assert [m.message_id for m in market.messages(A, None, 1000).messages] == [
        m.message_id for m in (*everything, *newer)
    ]
    assert len(market.messages(A, None, 0).messages) == 1  # the limit is at least 1


def test_each_platform_is_its_own_stream(market, settings):
    shipped_order(market, settings, A, 2)
    one_order(market, settings, T, 1)
    paid_order(market, settings, T, 1)
    market.seller.advance(seconds=2 * DAY)
    alibaba = market.messages(A, None, 1000).messages
    taobao = market.messages(T, None, 1000).messages
    assert alibaba and {m.platform for m in alibaba} == {A}
    assert taobao and {m.platform for m in taobao} == {T}
    # the two streams are every push, each once, in push order within each
    pushed = all_messages(market)
    assert sorted(m.message_id for m in (*alibaba, *taobao)) == sorted(m.message_id for m in pushed)
    assert list(alibaba) == [m for m in pushed if m.platform == A]
    assert list(taobao) == [m for m in pushed if m.platform == T]


def test_the_clock_never_moves_back(market):
    market.seller.advance(seconds=10)
    with pytest.raises(ValueError):
        market.seller.advance(to_ms=START_MS)
    assert market.seller.advance(to_ms=START_MS + 10_000)["now"] == START_MS + 10_000
    assert market.seller.advance(seconds=0)["now"] == START_MS + 10_000


# --- refunds never return more than was paid; refunds that finish the shipping -------------
def _discounted_order(market, settings):
    """A paid 1688 order the shop promotion applies to (discount > 0)."""
    seller, picks = seller_and_picks(settings, A)
    _, threshold, _ = O.Seller.promotion_of(seller)
    lines = []
    total = 0
    for p in (p for p in picks if p.warehouse == 0):
        unit = p.offer.price_fen
        qty = max(p.moq, min(p.stock // 2, -(-(threshold - total) // unit)))
        lines.append(p.line(qty))
        total += unit * qty
        if total >= threshold * 1.2:
            break
    draft = P.OrderDraft(A, seller, tuple(lines), ADDRESS, buyer_ref="dev-1")
    (order,) = market.create_order(draft).orders
    assert order.discount_fen > 0, order
    assert market.pay(A, order.order_id, order.total_fen, "disc-pay").paid
    return order


def test_a_full_refund_never_returns_more_than_the_order_total(market, settings):
    order = _discounted_order(market, settings)
    # the lines' full amounts exceed what was paid for goods: refused
    too_much = refund_draft(order, amount=order.product_fen, carriage=order.shipping_fen)
    with _refused("REFUND_AMOUNT_INVALID"):
        market.create_refund(too_much)
    refund = market.create_refund(refund_draft(order, carriage=order.shipping_fen))
    done = market.seller.seller_refund_act(A, refund.refund_id, "agree")
    assert done.refund_payment_fen + done.refund_carriage_fen == order.total_fen


def test_a_refund_after_a_lowered_total_never_exceeds_what_was_paid(market, settings):
    order = one_order(market, settings, A, 1)
    cheap = market.seller.modify_price(A, order.order_id, total_fen=100)
    assert market.pay(A, order.order_id, cheap.total_fen, "cheap-pay").paid
    with _refused("REFUND_AMOUNT_INVALID"):
        market.create_refund(refund_draft(order, amount=order.lines[0].amount_fen))
    with _refused("REFUND_AMOUNT_INVALID"):  # goods and freight together: still only 100
        market.create_refund(refund_draft(order, amount=100, carriage=1))
    refund = market.create_refund(refund_draft(order, amount=100))
    done = market.seller.seller_refund_act(A, refund.refund_id, "agree")
    assert done.refund_payment_fen == cheap.total_fen == 100


def test_carriage_is_refunded_at_most_once(market, settings):
    order = shipped_order(market, settings, A, 2)
    a, b = order.lines
    r1 = market.create_refund(refund_draft(order, (a.entry_id,), carriage=order.shipping_fen))
    with _refused("REFUND_AMOUNT_INVALID"):  # the open refund r1 already asks the freight
        market.create_refund(refund_draft(order, (b.entry_id,), carriage=1))
    r2 = market.create_refund(refund_draft(order, (b.entry_id,)))
    d1 = market.seller.seller_refund_act(A, r1.refund_id, "agree")
    d2 = market.seller.seller_refund_act(A, r2.refund_id, "agree")
    assert d1.refund_carriage_fen + d2.refund_carriage_fen == order.shipping_fen


def _partly_shipped_then_rest_refunded(market, settings):
    """A paid order of two lines: line a shipped and delivered, then line b refunded."""
    order = paid_order(market, settings, A, 2)
    a, b = order.lines
    market.seller.ship(A, order.order_id, (a.entry_id,))
    market.seller.deliver(A, order.order_id)
    refund = market.create_refund(refund_draft(order, (b.entry_id,)))
    market.seller.seller_refund_act(A, refund.refund_id, "agree")
    assert market.order(A, order.order_id).status == "waitbuyerreceive"
    return order


def test_refunding_the_unshipped_rest_pushes_the_order_move(market, settings):
    order = _partly_shipped_then_rest_refunded(market, settings)
    statuses = [m.status for m in order_messages(market, order.order_id)]
    assert statuses[-1] == "waitbuyerreceive"


def test_refunding_the_unshipped_rest_lets_the_order_finish(market, settings):
    order = _partly_shipped_then_rest_refunded(market, settings)
    market.seller.advance(seconds=60 * DAY)
    assert market.order(A, order.order_id).status == "success"
