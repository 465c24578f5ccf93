"""The warehouse's operator side through the admin API (ENDPOINTS 12.9-12.12, 12.5): a scanned
parcel matched by declaration, by a source order's waybill, by mark, or held unclaimed; packing
lighter, heavier and far heavier than quoted (the freight released, captured, charged or
awaited until a top-up); shipping and tracking along the arrows; a message per step.

Freight (the shipped tables, AIR-STD to the US): 95.00 CNY for the first 500 g, 38.00 per
further 500 g; a 100 mm cube weighs 167 g volumetric, so its actual weight decides."""

from __future__ import annotations

import pytest

from daigou.wallet import service as wallet
from tests.support.api import assert_error, assert_ok, field_names
from tests.support.orders1688 import balance
from tests.support.warehouse_ops import (
    book,
    declare,
    ensure_warehouse,
    index_waybill,
    ledger_of,
    mark_of,
    messages_of,
    pack,
    scan,
    ship,
    topup,
    track,
)

CUBE = (100, 100, 100)
ISU = "INTERNATIONAL_SHIPMENT_UPDATE"
WPR = "WAREHOUSE_PARCEL_RECEIVED"


@pytest.fixture
def house(db):
    return ensure_warehouse(db)


def statuses(db, lo) -> list[tuple[str, str | None]]:
    return [(t, b.get("currentStatus")) for t, b in messages_of(db, lo)]


def received(api, lo, tracking, **fields) -> dict:
    data = assert_ok(scan(api, tracking, **fields))
    assert data["matched"] and data["logisticsOrderId"] == lo, data
    return data


# --- 12.9 scan ------------------------------------------------------------------------------
def test_a_declared_parcel_is_received_and_its_order_becomes_inbound(api, dev, db, house):
    lo = book(db, dev.develop_id)
    pid = declare(db, lo, "SF100")
    data = received(api, lo, "SF100", weight=420, photos=["https://img.example/1.jpg"])
    assert data["parcelId"] == pid and data["status"] == "received"
    assert data["matchedBy"] == "declared" and data["weight"] == 420
    assert data["photos"] == ["https://img.example/1.jpg"] and data["receivedTime"]
    assert statuses(db, lo) == [(ISU, "awaiting_inbound"), (WPR, None), (ISU, "inbound")]
    (_, parcel_msg), (_, inbound) = messages_of(db, lo)[1:]
    assert parcel_msg["parcelId"] == pid and parcel_msg["parcel"]["status"] == "received"
    assert inbound["previousStatus"] == "awaiting_inbound"
    assert [p["parcelId"] for p in inbound["logisticsOrder"]["parcels"]] == [pid]
    # a repeat scan answers the same parcel: sizes changed only where given, no message
    again = assert_ok(scan(api, "SF100", length=300))
    assert again["parcelId"] == pid and again["matched"]
    assert (again["weight"], again["length"]) == (420, 300)
    assert len(messages_of(db, lo)) == 3


def test_a_source_orders_waybill_matches_and_two_candidates_are_not_guessed(api, dev, db, house):
    lo = book(db, dev.develop_id, sources=(("1688", "90001"), ("taobao", "91001")))
    index_waybill(db, dev.develop_id, "taobao", "91001", "YT200")
    data = received(api, lo, "YT200")
    assert data["matchedBy"] == "source"
    # one waybill carrying goods of two orders booked in two logistics orders: held unclaimed
    a = book(db, dev.develop_id, sources=(("1688", "90002"),))
    b = book(db, dev.develop_id, sources=(("1688", "90003"),))
    index_waybill(db, dev.develop_id, "1688", "90002", "YT300")
    index_waybill(db, dev.develop_id, "1688", "90003", "YT300")
    held = assert_ok(scan(api, "YT300"))
    assert not held["matched"] and held["logisticsOrderId"] is None
    assert [t for t, _ in messages_of(db, a)] == [ISU] == [t for t, _ in messages_of(db, b)]
    # ... until the parcel's mark names one of them
    claimed = received(api, b, "YT300", markCode=mark_of(db, b))
    assert claimed["parcelId"] == held["parcelId"] and claimed["matchedBy"] == "mark"


def test_marks_match_an_order_or_a_callers_only_open_order(api, dev, db, house):
    one = book(db, dev.develop_id, mark="DEVA")
    other = book(db, dev.develop_id, mark="DEVB")
    # the order's own mark
    assert received(api, one, "ZT1", markCode=mark_of(db, one))["matchedBy"] == "mark"
    # the caller's general mark, while the caller has one open order here
    assert received(api, other, "ZT2", markCode="DEVB")["matchedBy"] == "mark"
    book(db, dev.develop_id, mark="DEVB")
    # two open orders under that mark: held unclaimed, nobody told
    held = assert_ok(scan(api, "ZT3", markCode="DEVB"))
    assert not held["matched"] and held["matchedBy"] is None
    assert not assert_ok(scan(api, "ZT4", markCode="NOBODY"))["matched"]
    assert [t for t, _ in messages_of(db, other)] == [ISU, WPR, ISU]


def test_an_unknown_parcel_is_held_unclaimed_without_a_message(api, dev, db, house):
    lo = book(db, dev.develop_id)
    data = assert_ok(scan(api, "JD999", logisticCompanyName="京东", weight=1000))
    assert data["matched"] is False and data["logisticsOrderId"] is None
    assert data["status"] == "received" and data["logisticCompanyName"] == "京东"
    assert [t for t, _ in messages_of(db, lo)] == [ISU]
    assert assert_ok(scan(api, "JD999"))["parcelId"] == data["parcelId"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": -5}, "weight"),
        ({"length": 0}, "length"),
        ({"height": -1}, "height"),
        ({"weight": 1.5}, "weight"),
        ({"warehouseCode": "NOPE"}, "warehouseCode"),
        ({"trackingNo": ""}, "trackingNo"),
    ],
)
def test_bad_scans_name_their_field(api, db, house, fields, field):
    body = assert_error(scan(api, "BAD1", **fields), 40001)
    assert field_names(body) == [field]


# --- 12.10 pack -----------------------------------------------------------------------------
def inbound_order(api, db, dev, quoted: int, tracking: str) -> tuple[str, str]:
    lo = book(db, dev.develop_id, quoted=quoted)
    declare(db, lo, tracking)
    return lo, received(api, lo, tracking)["parcelId"]


def test_packing_lighter_than_quoted_releases_the_rest(api, dev, db, house):
    lo, pid = inbound_order(api, db, dev, 17_100, "L1")
    before = balance(api, dev)
    data = assert_ok(pack(api, lo, [pid], 400, CUBE))
    assert data["status"] == "packed" and data["finalFreight"] == 9_500
    assert (data["chargedFreight"], data["heldFreight"], data["chargeableWeight"]) == (
        9_500,
        0,
        500,
    )
    assert data["package"] == {"weight": 400, "length": 100, "width": 100, "height": 100}
    assert [p["status"] for p in data["parcels"]] == ["packed"]
    after = balance(api, dev)
    assert after["availableAmount"] == before["availableAmount"] + 7_600
    assert after["heldAmount"] == before["heldAmount"] - 17_100
    assert ledger_of(db, lo) == [
        ("hold", -17_100, 17_100),
        ("capture", 0, -9_500),
        ("release", 7_600, -7_600),
    ]
    assert statuses(db, lo)[-1] == (ISU, "packed")
    assert_error(pack(api, lo, [pid], 400, CUBE), 40901)  # packed once


def test_packing_heavier_captures_the_hold_and_charges_the_difference(api, dev, db, house):
    lo, pid = inbound_order(api, db, dev, 9_500, "H1")
    before = balance(api, dev)
    data = assert_ok(pack(api, lo, [pid], 1_200, CUBE))
    assert (data["status"], data["finalFreight"], data["chargedFreight"]) == (
        "packed",
        17_100,
        17_100,
    )
    assert data["chargeableWeight"] == 1_500
    assert ledger_of(db, lo) == [
        ("hold", -9_500, 9_500),
        ("capture", 0, -9_500),
        ("capture", -7_600, 0),
    ]
    after = balance(api, dev)
    assert after["availableAmount"] == before["availableAmount"] - 7_600
    # the freight went to the freight account, not to a marketplace
    with db.transaction() as s:
        assert wallet.posting_sums(s).get(wallet.SYS_FREIGHT) == 17_100


def test_an_operators_final_freight_of_zero_releases_everything(api, dev, db, house):
    lo, pid = inbound_order(api, db, dev, 9_500, "Z1")
    data = assert_ok(pack(api, lo, [pid], 400, CUBE, finalFreight=0))
    assert (data["status"], data["finalFreight"], data["chargedFreight"]) == ("packed", 0, 0)
    assert ledger_of(db, lo) == [("hold", -9_500, 9_500), ("release", 9_500, -9_500)]


def test_a_short_wallet_waits_for_payment_until_a_top_up_covers_it(api, db, house):
    dev = api.create_developer(topup=9_500)
    lo, pid = inbound_order(api, db, dev, 9_500, "S1")
    data = assert_ok(pack(api, lo, [pid], 400, CUBE, finalFreight=20_000))
    assert (data["status"], data["finalFreight"], data["chargedFreight"]) == (
        "awaiting_payment",
        20_000,
        9_500,
    )
    assert_error(ship(api, lo), 40901)
    # a top-up short of the 105.00 still owed leaves it waiting
    topup(api, dev.develop_id, 5_000)
    assert statuses(db, lo)[-1] == (ISU, "awaiting_payment")
    out = topup(api, dev.develop_id, 6_000)
    assert out["balance"]["availableAmount"] == 500
    assert statuses(db, lo)[-2:] == [(ISU, "awaiting_payment"), (ISU, "packed")]
    assert ledger_of(db, lo)[-1] == ("capture", -10_500, 0)
    assert messages_of(db, lo)[-1][1]["logisticsOrder"]["chargedFreight"] == 20_000


def test_pack_refuses_other_parcels_and_packages_over_the_limits(api, dev, db, house):
    lo, pid = inbound_order(api, db, dev, 9_500, "P1")
    other, other_pid = inbound_order(api, db, dev, 9_500, "P2")
    body = assert_error(pack(api, lo, [pid, other_pid], 400, CUBE), 40001)
    assert field_names(body) == ["parcelIds[1]"]
    body = assert_error(pack(api, lo, [pid], 400, (2_000, 100, 100)), 40001)
    assert field_names(body) == ["package.length"]
    body = assert_error(pack(api, lo, [pid], 25_000, CUBE), 40001)
    assert field_names(body) == ["package.weight"]
    body = assert_error(pack(api, lo, [pid], 0, CUBE), 40001)
    assert field_names(body) == ["package.weight"]
    assert_error(pack(api, "LO0000000000000000", [pid], 400, CUBE), 40401)
    # an order still awaiting its parcels is not packed
    waiting = book(db, dev.develop_id)
    assert_error(pack(api, waiting, [pid], 400, CUBE), 40901)
    assert balance(api, dev)["heldAmount"] == 3 * 9_500  # nothing moved


# --- 12.11 ship, 12.12 track ----------------------------------------------------------------
def test_ship_and_track_follow_the_arrows(api, dev, db, house):
    lo, pid = inbound_order(api, db, dev, 9_500, "T1")
    assert_error(ship(api, lo), 40901)
    assert_error(track(api, lo, "in_transit"), 40901)
    assert_ok(pack(api, lo, [pid], 400, CUBE))
    body = assert_error(api.admin("POST", "/admin/warehouse/ship", {"logisticsOrderId": lo}), 40001)
    assert set(field_names(body)) == {"carrierName", "internationalTrackingNo"}
    data = assert_ok(ship(api, lo, "1Z0001"))
    assert (data["status"], data["carrierName"], data["internationalTrackingNo"]) == (
        "shipped",
        "UPS",
        "1Z0001",
    )
    assert [p["status"] for p in data["parcels"]] == ["shipped"]
    assert_error(scan(api, "T1"), 40901)  # a shipped parcel is not received again
    assert_error(ship(api, lo), 40901)
    when = data["modifyTime"]  # the carrier's own time of the step (the trace is by time)
    assert_ok(track(api, lo, "in_transit", remark="left Shenzhen", time=when))
    assert assert_ok(track(api, lo, "exception", remark="customs hold"))["exception"] is True
    assert assert_ok(track(api, lo, "exception_cleared"))["exception"] is False
    done = assert_ok(track(api, lo, "delivered"))
    assert done["status"] == "delivered"
    steps = [t["status"] for t in done["trace"]]
    assert steps[-5:] == ["shipped", "in_transit", "exception", "exception_cleared", "delivered"]
    assert {"time": when, "status": "in_transit", "remark": "left Shenzhen"} in done["trace"]
    assert_error(track(api, lo, "in_transit"), 40901)
    assert field_names(assert_error(track(api, lo, "lost"), 40001)) == ["status"]
    sent = [b for t, b in messages_of(db, lo) if t == ISU]
    assert [b["currentStatus"] for b in sent][-5:] == [
        "shipped",
        "shipped",
        "shipped",
        "shipped",
        "delivered",
    ]
    seqs = [b["logisticsOrder"]["sequence"] for t, b in messages_of(db, lo) if t == ISU]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_operator_writes_need_the_token(client, db, house):
    r = client.post("/admin/warehouse/inbound/scan", json={"warehouseCode": house})
    assert r.status_code == 401 and r.json()["code"] == 40100
