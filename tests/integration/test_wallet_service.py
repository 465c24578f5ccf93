"""The wallet service on a real database (SQLite and PostgreSQL): every money move, its
ledger entry, its postings and its WALLET_BALANCE_CHANGE message."""

from __future__ import annotations

import pytest

from daigou.core.errors import ApiError, Conflict, InsufficientBalance
from daigou.core.pagination import PageRequest, decode_cursor
from daigou.wallet import bulk
from daigou.wallet import service as wallet
from daigou.wallet.service import LedgerFilter, Refs
from tests.support.wallet_helpers import (
    NOW_MS,
    body,
    books,
    check_books,
    global_checks,
    new_developer,
    read_books,
    wallet_messages,
)


@pytest.fixture
def dev_id(db, settings) -> int:
    return new_developer(db, settings)


@pytest.fixture
def funded(db, dev_id) -> int:
    """A developer with 10,000 fen available."""
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev_id, amount=10_000, reference="seed", now_ms=NOW_MS)
    return dev_id


def _bal(db, dev_id) -> tuple[int, int]:
    b = wallet.get_balance(db, dev_id)
    assert b.totalAmount == b.availableAmount + b.heldAmount
    return b.availableAmount, b.heldAmount


# --- top-up and adjustment ------------------------------------------------------------------
def test_topup_credits_available_and_books_it_against_funding(db, dev_id):
    with db.transaction() as s:
        moved = wallet.topup(
            s, developer_id=dev_id, amount=2_500, reference="bank-1", now_ms=NOW_MS, remark="wire"
        )
    assert moved.applied
    assert (moved.entry.type, moved.entry.amount, moved.entry.held_delta) == ("topup", 2_500, 0)
    assert (moved.entry.available_after, moved.entry.held_after) == (2_500, 0)
    assert moved.entry.reference == "bank-1" and moved.entry.remark == "wire"
    assert moved.balance.availableAmount == 2_500
    assert _bal(db, dev_id) == (2_500, 0)
    b = read_books(db, dev_id)
    assert sorted((p.account, p.amount) for p in b.postings) == sorted(
        [(wallet.available_account(dev_id), 2_500), (wallet.SYS_FUNDING, -2_500)]
    )
    check_books(b, dev_id)


@pytest.mark.parametrize("amount", [0, -1])
def test_topup_of_zero_or_less_is_a_validation_error_and_moves_nothing(db, dev_id, amount):
    with pytest.raises(ApiError) as err, db.transaction() as s:
        wallet.topup(s, developer_id=dev_id, amount=amount, reference="bad", now_ms=NOW_MS)
    assert err.value.code == 40001
    b = read_books(db, dev_id)
    assert (b.available, b.entries, b.messages) == (0, [], [])


def test_positive_and_negative_adjustments_move_available_against_adjustment(db, funded):
    with db.transaction() as s:
        up = wallet.adjust(
            s, developer_id=funded, amount=300, reference="adj-up", remark="goodwill", now_ms=NOW_MS
        )
        down = wallet.adjust(
            s, developer_id=funded, amount=-1_300, reference="adj-down", remark="fee", now_ms=NOW_MS
        )
    assert up.applied and down.applied
    assert up.entry.available_after == 10_300
    assert down.entry.available_after == 9_000
    assert (up.entry.type, down.entry.type) == ("adjustment", "adjustment")
    assert _bal(db, funded) == (9_000, 0)
    b = read_books(db, funded)
    adj = [p for p in b.postings if p.account == wallet.SYS_ADJUSTMENT]
    assert sorted(p.amount for p in adj) == [-300, 1_300]
    check_books(b, funded)


def test_adjustment_below_zero_is_insufficient_balance_and_moves_nothing(db, funded):
    with pytest.raises(InsufficientBalance) as err, db.transaction() as s:
        wallet.adjust(
            s,
            developer_id=funded,
            amount=-10_001,
            reference="too-much",
            remark="oops",
            now_ms=NOW_MS,
        )
    assert err.value.code == 40201
    assert _bal(db, funded) == (10_000, 0)
    b = read_books(db, funded)
    assert [e.op_key for e in b.entries] == ["ref:seed"]
    check_books(b, funded)


def test_adjustment_down_to_exactly_zero_is_allowed(db, funded):
    with db.transaction() as s:
        wallet.adjust(
            s, developer_id=funded, amount=-10_000, reference="all", remark="close", now_ms=NOW_MS
        )
    assert _bal(db, funded) == (0, 0)


def test_adjustment_of_zero_is_a_validation_error(db, funded):
    with pytest.raises(ApiError) as err, db.transaction() as s:
        wallet.adjust(s, developer_id=funded, amount=0, reference="zero", remark="x", now_ms=NOW_MS)
    assert err.value.code == 40001
    assert err.value.data["errors"][0]["field"] == "amount"
    assert len(read_books(db, funded).entries) == 1


def test_adjustment_without_a_remark_is_a_validation_error(db, funded):
    with pytest.raises(ApiError) as err, db.transaction() as s:
        wallet.adjust(s, developer_id=funded, amount=5, reference="r", remark="", now_ms=NOW_MS)
    assert err.value.code == 40001
    assert err.value.data["errors"][0]["field"] == "remark"


def test_repeating_a_reference_returns_the_first_entry_and_moves_nothing(db, dev_id):
    with db.transaction() as s:
        first = wallet.topup(s, developer_id=dev_id, amount=700, reference="r-1", now_ms=NOW_MS)
    with db.transaction() as s:
        again = wallet.topup(
            s,
            developer_id=dev_id,
            amount=700,
            reference="r-1",
            now_ms=NOW_MS + 5_000,
            remark="retry",
        )
    assert first.applied and not again.applied
    assert again.entry.entry_id == first.entry.entry_id
    assert again.entry.created_at == NOW_MS and again.entry.remark is None
    assert again.entry.available_after == 700
    assert again.balance.availableAmount == 700
    b = read_books(db, dev_id)
    assert len(b.entries) == 1 and len(wallet_messages(b)) == 1
    assert _bal(db, dev_id) == (700, 0)
    check_books(b, dev_id)


def test_repeating_an_adjustment_reference_moves_once(db, funded):
    for _ in range(3):
        with db.transaction() as s:
            wallet.adjust(
                s, developer_id=funded, amount=-100, reference="fee-1", remark="fee", now_ms=NOW_MS
            )
    assert _bal(db, funded) == (9_900, 0)


@pytest.mark.parametrize(
    "second",
    [
        ("topup", 701),
        ("adjustment", 700),
        ("adjustment", -700),
    ],
)
def test_reference_reused_for_another_amount_or_type_is_a_conflict(db, dev_id, second):
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev_id, amount=700, reference="r-2", now_ms=NOW_MS)
    kind, amount = second
    with pytest.raises(Conflict) as err, db.transaction() as s:
        if kind == "topup":
            wallet.topup(s, developer_id=dev_id, amount=amount, reference="r-2", now_ms=NOW_MS)
        else:
            wallet.adjust(
                s, developer_id=dev_id, amount=amount, reference="r-2", remark="x", now_ms=NOW_MS
            )
    assert err.value.code == 40901
    assert _bal(db, dev_id) == (700, 0)
    assert len(read_books(db, dev_id).entries) == 1


def test_references_are_scoped_to_one_developer(db, settings, dev_id):
    other = new_developer(db, settings)
    with db.transaction() as s:
        a = wallet.topup(s, developer_id=dev_id, amount=100, reference="shared", now_ms=NOW_MS)
        b = wallet.topup(s, developer_id=other, amount=200, reference="shared", now_ms=NOW_MS)
    assert a.applied and b.applied
    assert _bal(db, dev_id) == (100, 0)
    assert _bal(db, other) == (200, 0)


# --- holds ----------------------------------------------------------------------------------
def test_hold_moves_money_from_available_to_held(db, funded):
    refs = Refs(user_id="buyer-1", platform=1, order_id="1234567890123456789")
    with db.transaction() as s:
        moved = wallet.hold(
            s, developer_id=funded, key="1688:1:pay:1", amount=4_000, now_ms=NOW_MS, refs=refs
        )
    assert moved.applied
    e = moved.entry
    assert (e.type, e.amount, e.held_delta) == ("hold", -4_000, 4_000)
    assert (e.available_after, e.held_after) == (6_000, 4_000)
    assert (e.user_id, e.platform, e.order_id) == ("buyer-1", 1, "1234567890123456789")
    assert _bal(db, funded) == (6_000, 4_000)
    b = read_books(db, funded)
    hold_postings = [(p.account, p.amount) for p in b.postings if p.entry_seq == e.seq]
    assert sorted(hold_postings) == sorted(
        [(wallet.available_account(funded), -4_000), (wallet.held_account(funded), 4_000)]
    )
    (h,) = b.holds
    assert (h.status, h.amount, h.captured, h.released, h.refunded) == ("held", 4_000, 0, 0, 0)
    check_books(b, funded)


def test_hold_of_everything_available_is_allowed(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="all", amount=10_000, now_ms=NOW_MS)
    assert _bal(db, funded) == (0, 10_000)


def test_hold_over_available_is_insufficient_balance_and_records_nothing(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="first", amount=6_000, now_ms=NOW_MS)
    before = read_books(db, funded)
    with pytest.raises(InsufficientBalance) as err, db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="second", amount=4_001, now_ms=NOW_MS)
    assert err.value.code == 40201
    assert err.value.data == {"availableAmount": 4_000, "requiredAmount": 4_001}
    after = read_books(db, funded)
    assert (after.available, after.held) == (4_000, 6_000)
    assert [e.op_key for e in after.entries] == [e.op_key for e in before.entries]
    assert [h.hold_key for h in after.holds] == ["first"]
    assert len(after.messages) == len(before.messages)
    assert len(after.postings) == len(before.postings)
    # the key is still free: once there is money, the same key holds
    with db.transaction() as s:
        wallet.topup(s, developer_id=funded, amount=1, reference="more", now_ms=NOW_MS)
        moved = wallet.hold(s, developer_id=funded, key="second", amount=4_001, now_ms=NOW_MS)
    assert moved.applied
    assert _bal(db, funded) == (0, 10_001)
    check_books(read_books(db, funded), funded)


def test_repeating_a_hold_key_moves_once_and_returns_the_first_entry(db, funded):
    with db.transaction() as s:
        first = wallet.hold(s, developer_id=funded, key="k", amount=1_000, now_ms=NOW_MS)
    with db.transaction() as s:
        again = wallet.hold(s, developer_id=funded, key="k", amount=1_000, now_ms=NOW_MS + 1)
    assert first.applied and not again.applied
    assert again.entry.entry_id == first.entry.entry_id
    assert _bal(db, funded) == (9_000, 1_000)


def test_hold_key_reused_with_another_amount_is_a_conflict(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="k", amount=1_000, now_ms=NOW_MS)
    with pytest.raises(Conflict), db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="k", amount=999, now_ms=NOW_MS)
    assert _bal(db, funded) == (9_000, 1_000)


def test_hold_of_zero_is_refused(db, funded):
    with pytest.raises(ApiError, match="40001"), db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="zero", amount=0, now_ms=NOW_MS)
    assert read_books(db, funded).holds == []


# --- capture and release --------------------------------------------------------------------
def test_full_capture_pays_the_hold_out_to_the_marketplace(db, funded):
    with db.transaction() as s:
        wallet.hold(
            s,
            developer_id=funded,
            key="h",
            amount=3_000,
            now_ms=NOW_MS,
            refs=Refs(order_id="42", platform=0, user_id="u1"),
        )
    with db.transaction() as s:
        out = wallet.capture(s, developer_id=funded, key="h", now_ms=NOW_MS + 1)
    assert len(out) == 1
    (cap,) = out
    e = cap.entry
    assert (e.type, e.amount, e.held_delta) == ("capture", 0, -3_000)
    assert (e.available_after, e.held_after) == (7_000, 0)
    assert (e.order_id, e.platform, e.user_id) == ("42", 0, "u1")  # copied from the hold
    assert _bal(db, funded) == (7_000, 0)
    b = read_books(db, funded)
    assert b.postings_of(wallet.SYS_MARKETPLACE) == 3_000
    (h,) = b.holds
    assert (h.status, h.captured, h.released) == ("captured", 3_000, 0)
    check_books(b, funded)


def test_partial_capture_releases_the_rest_in_a_second_entry(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="h", amount=3_000, now_ms=NOW_MS)
    with db.transaction() as s:
        out = wallet.capture(s, developer_id=funded, key="h", now_ms=NOW_MS + 1, amount=2_200)
    assert [m.entry.type for m in out] == ["capture", "release"]
    cap, rel = out
    assert (cap.entry.amount, cap.entry.held_delta) == (0, -2_200)
    assert (rel.entry.amount, rel.entry.held_delta) == (800, -800)
    assert (cap.entry.available_after, cap.entry.held_after) == (7_000, 800)
    assert (rel.entry.available_after, rel.entry.held_after) == (7_800, 0)
    assert rel.balance.availableAmount == 7_800
    assert _bal(db, funded) == (7_800, 0)
    b = read_books(db, funded)
    (h,) = b.holds
    assert (h.status, h.captured, h.released) == ("captured", 2_200, 800)
    assert b.postings_of(wallet.SYS_MARKETPLACE) == 2_200
    check_books(b, funded)


def test_capture_of_the_whole_amount_given_explicitly_makes_one_entry(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="h", amount=3_000, now_ms=NOW_MS)
        out = wallet.capture(s, developer_id=funded, key="h", now_ms=NOW_MS, amount=3_000)
    assert [m.entry.type for m in out] == ["capture"]


@pytest.mark.parametrize("amount", [0, -5, 3_001])
def test_capture_outside_the_hold_is_refused_and_moves_nothing(db, funded, amount):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="h", amount=3_000, now_ms=NOW_MS)
    with pytest.raises(ApiError, match="40001"), db.transaction() as s:
        wallet.capture(s, developer_id=funded, key="h", now_ms=NOW_MS, amount=amount)
    assert _bal(db, funded) == (7_000, 3_000)
    assert read_books(db, funded).holds[0].status == "held"


def test_release_gives_the_hold_back(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="h", amount=3_000, now_ms=NOW_MS)
    with db.transaction() as s:
        rel = wallet.release(s, developer_id=funded, key="h", now_ms=NOW_MS + 1)
    assert rel is not None and rel.applied
    assert (rel.entry.type, rel.entry.amount, rel.entry.held_delta) == ("release", 3_000, -3_000)
    assert _bal(db, funded) == (10_000, 0)
    b = read_books(db, funded)
    (h,) = b.holds
    assert (h.status, h.released, h.captured) == ("released", 3_000, 0)
    check_books(b, funded)


def test_capture_after_release_moves_nothing(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="h", amount=3_000, now_ms=NOW_MS)
        wallet.release(s, developer_id=funded, key="h", now_ms=NOW_MS)
    n = len(read_books(db, funded).entries)
    with db.transaction() as s:
        assert wallet.capture(s, developer_id=funded, key="h", now_ms=NOW_MS) == []
        assert wallet.capture(s, developer_id=funded, key="h", now_ms=NOW_MS, amount=10) == []
    assert _bal(db, funded) == (10_000, 0)
    b = read_books(db, funded)
    assert len(b.entries) == n
    assert b.holds[0].status == "released"
    check_books(b, funded)


def test_release_after_capture_moves_nothing(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="h", amount=3_000, now_ms=NOW_MS)
        wallet.capture(s, developer_id=funded, key="h", now_ms=NOW_MS, amount=1_000)
    n = len(read_books(db, funded).entries)
    with db.transaction() as s:
        assert wallet.release(s, developer_id=funded, key="h", now_ms=NOW_MS) is None
    assert _bal(db, funded) == (9_000, 0) and len(read_books(db, funded).entries) == n


def test_second_capture_and_second_release_move_nothing(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="c", amount=1_000, now_ms=NOW_MS)
        wallet.hold(s, developer_id=funded, key="r", amount=1_000, now_ms=NOW_MS)
    with db.transaction() as s:
        assert len(wallet.capture(s, developer_id=funded, key="c", now_ms=NOW_MS)) == 1
        assert wallet.release(s, developer_id=funded, key="r", now_ms=NOW_MS) is not None
    with db.transaction() as s:
        assert wallet.capture(s, developer_id=funded, key="c", now_ms=NOW_MS) == []
        assert wallet.release(s, developer_id=funded, key="r", now_ms=NOW_MS) is None
    assert _bal(db, funded) == (9_000, 0)
    check_books(read_books(db, funded), funded)


def test_holding_again_under_a_settled_key_moves_nothing(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="h", amount=1_000, now_ms=NOW_MS)
        wallet.release(s, developer_id=funded, key="h", now_ms=NOW_MS)
    with db.transaction() as s:
        again = wallet.hold(s, developer_id=funded, key="h", amount=1_000, now_ms=NOW_MS)
    assert not again.applied
    assert _bal(db, funded) == (10_000, 0)


def test_capture_or_release_of_an_unknown_hold_is_not_found(db, funded):
    for op in (wallet.capture, wallet.release):
        with pytest.raises(ApiError) as err, db.transaction() as s:
            op(s, developer_id=funded, key="nope", now_ms=NOW_MS)
        assert err.value.code == 40401


def test_holds_of_another_developer_are_not_visible(db, settings, funded):
    other = new_developer(db, settings)
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="mine", amount=1_000, now_ms=NOW_MS)
    with pytest.raises(ApiError) as err, db.transaction() as s:
        wallet.capture(s, developer_id=other, key="mine", now_ms=NOW_MS)
    assert err.value.code == 40401
    assert _bal(db, funded) == (9_000, 1_000)


# --- refunds --------------------------------------------------------------------------------
@pytest.fixture
def captured(db, funded) -> int:
    """10,000 topped up, 4,000 held under "h" and 3,000 of it captured (1,000 released)."""
    with db.transaction() as s:
        wallet.hold(
            s,
            developer_id=funded,
            key="h",
            amount=4_000,
            now_ms=NOW_MS,
            refs=Refs(order_id="77", platform=1),
        )
        wallet.capture(s, developer_id=funded, key="h", now_ms=NOW_MS, amount=3_000)
    assert _bal(db, funded) == (7_000, 0)
    return funded


def test_refund_credits_available_from_the_marketplace(db, captured):
    with db.transaction() as s:
        moved = wallet.refund(
            s,
            developer_id=captured,
            hold_key="h",
            refund_key="rf-1",
            amount=1_200,
            now_ms=NOW_MS,
            refund_id="TQ1",
            remark="damaged",
        )
    assert moved.applied
    e = moved.entry
    assert (e.type, e.amount, e.held_delta, e.available_after) == ("refund", 1_200, 0, 8_200)
    assert (e.refund_id, e.order_id, e.remark) == ("TQ1", "77", "damaged")
    b = read_books(db, captured)
    assert b.postings_of(wallet.SYS_MARKETPLACE) == 3_000 - 1_200
    assert b.holds[0].refunded == 1_200
    check_books(b, captured)


def test_refunds_up_to_exactly_the_captured_amount_are_allowed(db, captured):
    with db.transaction() as s:
        wallet.refund(
            s, developer_id=captured, hold_key="h", refund_key="a", amount=1_000, now_ms=NOW_MS
        )
        wallet.refund(
            s, developer_id=captured, hold_key="h", refund_key="b", amount=2_000, now_ms=NOW_MS
        )
    assert _bal(db, captured) == (10_000, 0)


def test_refund_over_the_captured_amount_is_a_conflict_and_moves_nothing(db, captured):
    with db.transaction() as s:
        wallet.refund(
            s, developer_id=captured, hold_key="h", refund_key="a", amount=2_500, now_ms=NOW_MS
        )
    before = read_books(db, captured)
    with pytest.raises(Conflict) as err, db.transaction() as s:
        wallet.refund(
            s, developer_id=captured, hold_key="h", refund_key="b", amount=501, now_ms=NOW_MS
        )
    assert err.value.code == 40901
    after = read_books(db, captured)
    assert (after.available, after.held) == (9_500, 0)
    assert len(after.entries) == len(before.entries)
    assert after.holds[0].refunded == 2_500
    # the key was not used up by the failed attempt
    with db.transaction() as s:
        ok = wallet.refund(
            s, developer_id=captured, hold_key="h", refund_key="b", amount=500, now_ms=NOW_MS
        )
    assert ok.applied
    assert _bal(db, captured) == (10_000, 0)
    check_books(read_books(db, captured), captured)


def test_refund_of_a_hold_that_was_only_held_or_released_is_a_conflict(db, funded):
    with db.transaction() as s:
        wallet.hold(s, developer_id=funded, key="held", amount=1_000, now_ms=NOW_MS)
        wallet.hold(s, developer_id=funded, key="gone", amount=1_000, now_ms=NOW_MS)
        wallet.release(s, developer_id=funded, key="gone", now_ms=NOW_MS)
    for key in ("held", "gone"):
        with pytest.raises(Conflict), db.transaction() as s:
            wallet.refund(
                s, developer_id=funded, hold_key=key, refund_key="x-" + key, amount=1, now_ms=NOW_MS
            )
    assert _bal(db, funded) == (9_000, 1_000)


def test_same_refund_key_twice_moves_once(db, captured):
    with db.transaction() as s:
        first = wallet.refund(
            s, developer_id=captured, hold_key="h", refund_key="rf", amount=1_000, now_ms=NOW_MS
        )
    with db.transaction() as s:
        again = wallet.refund(
            s, developer_id=captured, hold_key="h", refund_key="rf", amount=1_000, now_ms=NOW_MS
        )
    assert first.applied and not again.applied
    assert again.entry.entry_id == first.entry.entry_id
    assert _bal(db, captured) == (8_000, 0)
    b = read_books(db, captured)
    assert b.holds[0].refunded == 1_000
    check_books(b, captured)


def test_refund_of_zero_is_refused(db, captured):
    with pytest.raises(ApiError, match="40001"), db.transaction() as s:
        wallet.refund(
            s, developer_id=captured, hold_key="h", refund_key="z", amount=0, now_ms=NOW_MS
        )


# --- the books as a whole -------------------------------------------------------------------
def _a_busy_day(db, dev_id) -> None:
    t = NOW_MS
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev_id, amount=50_000, reference="t1", now_ms=t)
    with db.transaction() as s:
        wallet.hold(s, developer_id=dev_id, key="a", amount=10_000, now_ms=t + 1)
        wallet.hold(s, developer_id=dev_id, key="b", amount=5_000, now_ms=t + 2)
    with db.transaction() as s:
        wallet.capture(s, developer_id=dev_id, key="a", now_ms=t + 3, amount=9_000)
        wallet.release(s, developer_id=dev_id, key="b", now_ms=t + 4)
    with db.transaction() as s:
        wallet.refund(
            s, developer_id=dev_id, hold_key="a", refund_key="ra", amount=4_000, now_ms=t + 5
        )
        wallet.adjust(
            s, developer_id=dev_id, amount=-123, reference="fee", remark="fee", now_ms=t + 6
        )
        wallet.hold(s, developer_id=dev_id, key="c", amount=7_000, now_ms=t + 7)
    with db.transaction() as s:
        wallet.capture(s, developer_id=dev_id, key="c", now_ms=t + 8)


def test_every_entry_is_balanced_and_after_balances_follow_in_order(db, settings, dev_id):
    _a_busy_day(db, dev_id)
    b = read_books(db, dev_id)
    assert [e.type for e in b.entries] == [
        "topup",
        "hold",
        "hold",
        "capture",
        "release",
        "release",
        "refund",
        "adjustment",
        "hold",
        "capture",
    ]
    check_books(b, dev_id)
    assert (b.available, b.held) == (50_000 - 9_000 + 4_000 - 123 - 7_000, 0)
    with db.transaction() as s:
        global_checks(s)
        sums = wallet.posting_sums(s)
    assert sums[wallet.SYS_FUNDING] == -50_000
    assert sums[wallet.SYS_ADJUSTMENT] == 123
    assert sums[wallet.SYS_MARKETPLACE] == 9_000 - 4_000 + 7_000
    assert sum(sums.values()) == 0


def test_every_balance_change_writes_one_message_with_increasing_sequence(db, dev_id):
    _a_busy_day(db, dev_id)
    b = read_books(db, dev_id)
    msgs = wallet_messages(b)
    assert len(msgs) == len(b.entries) == 10
    assert [m.sequence for m in msgs] == list(range(1, 11))
    for m, e in zip(msgs, b.entries, strict=True):
        payload = body(m)
        assert m.order_key == "wallet" and m.delivery_status == "pending"
        assert payload["sequence"] == m.sequence
        assert payload["entryType"] == e.type
        assert payload["entry"]["entryId"] == e.entry_id
        assert payload["entry"]["amount"] == e.amount
        assert (payload["entry"]["availableAfter"], payload["entry"]["heldAfter"]) == (
            e.available_after,
            e.held_after,
        )
        assert payload["balance"]["availableAmount"] == e.available_after
        assert payload["balance"]["heldAmount"] == e.held_after
    # repeats and refusals write no message
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev_id, amount=50_000, reference="t1", now_ms=NOW_MS)
        wallet.hold(s, developer_id=dev_id, key="a", amount=10_000, now_ms=NOW_MS)
        wallet.capture(s, developer_id=dev_id, key="a", now_ms=NOW_MS)
        wallet.release(s, developer_id=dev_id, key="b", now_ms=NOW_MS)
        wallet.refund(
            s, developer_id=dev_id, hold_key="a", refund_key="ra", amount=4_000, now_ms=NOW_MS
        )
    with pytest.raises(InsufficientBalance), db.transaction() as s:
        wallet.hold(s, developer_id=dev_id, key="big", amount=10**9, now_ms=NOW_MS)
    assert len(wallet_messages(read_books(db, dev_id))) == 10


def test_message_sequences_are_counted_per_developer(db, settings, dev_id):
    other = new_developer(db, settings)
    with db.transaction() as s:
        for i in range(3):
            wallet.topup(s, developer_id=dev_id, amount=1, reference=f"a{i}", now_ms=NOW_MS)
            wallet.topup(s, developer_id=other, amount=1, reference=f"b{i}", now_ms=NOW_MS)
    assert [m.sequence for m in wallet_messages(read_books(db, dev_id))] == [1, 2, 3]
    assert [m.sequence for m in wallet_messages(read_books(db, other))] == [1, 2, 3]


# --- ledger pages ---------------------------------------------------------------------------
def _topups(db, dev_id, refs: list[str]) -> None:
    with db.transaction() as s:
        for i, ref in enumerate(refs):
            wallet.topup(s, developer_id=dev_id, amount=i + 1, reference=ref, now_ms=NOW_MS + i)


def test_ledger_page_is_newest_first_with_totals(db, dev_id):
    _topups(db, dev_id, [f"t{i}" for i in range(7)])
    with db.transaction() as s:
        first = wallet.ledger_page(s, LedgerFilter(developer_id=dev_id), PageRequest(1, 3))
        third = wallet.ledger_page(s, LedgerFilter(developer_id=dev_id), PageRequest(3, 3))
    assert [e.reference for e in first.items] == ["t6", "t5", "t4"]
    assert first.total_records == 7 and first.current_page == 1
    assert first.next_cursor is not None
    assert [e.reference for e in third.items] == ["t0"]
    assert third.next_cursor is None


def test_ledger_cursor_paging_is_stable_under_inserts_between_pages(db, dev_id):
    _topups(db, dev_id, [f"t{i}" for i in range(10)])
    flt = LedgerFilter(developer_id=dev_id)
    seen: list[str] = []
    with db.transaction() as s:
        page = wallet.ledger_page(s, flt, PageRequest(1, 4))
    seen += [e.reference for e in page.items]
    n = 0
    while page.next_cursor is not None:
        # new entries arrive between every two pages
        _topups(db, dev_id, [f"new{n}a", f"new{n}b"])
        n += 1
        with db.transaction() as s:
            page = wallet.ledger_page(s, flt, PageRequest(1, 4, decode_cursor(page.next_cursor, 1)))
        assert page.total_records is None
        seen += [e.reference for e in page.items]
    assert seen == [f"t{i}" for i in range(9, -1, -1)]
    assert n == 2  # pages of 4, 4, 2


def test_ledger_cursor_on_an_exact_multiple_ends_with_an_empty_next(db, dev_id):
    _topups(db, dev_id, [f"t{i}" for i in range(4)])
    with db.transaction() as s:
        page = wallet.ledger_page(s, LedgerFilter(developer_id=dev_id), PageRequest(1, 2))
        cursor = decode_cursor(page.next_cursor, 1)
        page2 = wallet.ledger_page(s, LedgerFilter(developer_id=dev_id), PageRequest(1, 2, cursor))
    assert [e.reference for e in page2.items] == ["t1", "t0"]
    assert page2.next_cursor is None


def test_ledger_page_shows_only_the_developers_own_entries_and_filters(db, settings, dev_id):
    other = new_developer(db, settings)
    _topups(db, other, ["o1", "o2"])
    _a_busy_day(db, dev_id)
    with db.transaction() as s:
        mine = wallet.ledger_page(s, LedgerFilter(developer_id=dev_id), PageRequest(1, 100))
        holds = wallet.ledger_page(
            s, LedgerFilter(developer_id=dev_id, type="hold"), PageRequest(1, 100)
        )
        window = wallet.ledger_page(
            s,
            LedgerFilter(developer_id=dev_id, start_time=NOW_MS + 3, end_time=NOW_MS + 4),
            PageRequest(1, 100),
        )
    assert len(mine.items) == 10 and {e.developer_id for e in mine.items} == {dev_id}
    assert [e.type for e in holds.items] == ["hold", "hold", "hold"]
    assert sorted(e.type for e in window.items) == ["capture", "release", "release"]


def test_listed_entries_carry_their_after_balances(db, dev_id):
    _a_busy_day(db, dev_id)
    listed = wallet.list_ledger(db, LedgerFilter(developer_id=dev_id), PageRequest(1, 100))
    stored = {e.entry_id: e for e in read_books(db, dev_id).entries}
    for out in listed.items:
        e = stored[out.entryId]
        assert (out.availableAfter, out.heldAfter, out.amount, out.heldDelta) == (
            e.available_after,
            e.held_after,
            e.amount,
            e.held_delta,
        )


def test_ledger_is_readable_inside_the_writing_transaction(db, dev_id):
    with db.transaction() as s:
        wallet.topup(s, developer_id=dev_id, amount=5, reference="x", now_ms=NOW_MS)
        page = wallet.ledger_page(s, LedgerFilter(developer_id=dev_id), PageRequest(1, 10))
        assert [e.reference for e in page.items] == ["x"]
        check_books(books(s, dev_id), dev_id)


# --- several moves at once (bulk pay) -------------------------------------------------------------
def _refs(order_id: str) -> Refs:
    return Refs(platform=1, order_id=order_id)


def test_hold_many_holds_in_order_while_the_balance_lasts(db, funded):
    requests = [
        bulk.HoldRequest(f"bulk:{k}", amount, _refs(str(k)))
        for k, amount in enumerate([4_000, 7_000, 5_000, 1_000])
    ]
    with db.transaction() as s:
        held = bulk.hold_many(s, developer_id=funded, requests=requests, now_ms=NOW_MS)
    assert held == [True, False, True, True]  # 4,000 + 5,000 + 1,000 of 10,000
    assert _bal(db, funded) == (0, 10_000)
    b = read_books(db, funded)
    check_books(b, funded)
    holds = [e for e in b.entries if e.type == "hold"]
    assert [(e.order_id, e.amount, e.available_after, e.held_after) for e in holds] == [
        ("0", -4_000, 6_000, 4_000),
        ("2", -5_000, 1_000, 9_000),
        ("3", -1_000, 0, 10_000),
    ]
    msgs = wallet_messages(b)
    assert [body(m)["entry"]["entryId"] for m in msgs[-3:]] == [e.entry_id for e in holds]
    assert [m.sequence for m in msgs] == list(range(1, len(msgs) + 1))


def test_settle_holds_captures_and_releases_each_once(db, funded):
    requests = [bulk.HoldRequest(f"bulk:{k}", 2_000, _refs(str(k))) for k in range(3)]
    with db.transaction() as s:
        bulk.hold_many(s, developer_id=funded, requests=requests, now_ms=NOW_MS)
        moved = bulk.settle_holds(
            s, developer_id=funded, capture=["bulk:0", "bulk:2"], release=["bulk:1"], now_ms=NOW_MS
        )
    assert moved == {"bulk:0", "bulk:1", "bulk:2"}
    assert _bal(db, funded) == (6_000, 0)
    with db.transaction() as s:  # again: nothing moves twice
        again = bulk.settle_holds(
            s, developer_id=funded, capture=["bulk:0", "bulk:1"], release=["bulk:2"], now_ms=NOW_MS
        )
        global_checks(s)
    assert again == set()
    assert _bal(db, funded) == (6_000, 0)
    b = read_books(db, funded)
    check_books(b, funded)
    kinds = [(e.type, e.order_id, e.amount, e.held_delta) for e in b.entries if e.type != "topup"]
    assert kinds[3:] == [
        ("capture", "0", 0, -2_000),
        ("capture", "2", 0, -2_000),
        ("release", "1", 2_000, -2_000),
    ]
    captured = {h.hold_key: (h.status, h.captured, h.released) for h in b.holds}
    assert captured == {
        "bulk:0": ("captured", 2_000, 0),
        "bulk:1": ("released", 0, 2_000),
        "bulk:2": ("captured", 2_000, 0),
    }
