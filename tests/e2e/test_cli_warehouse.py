"""`daigou admin warehouse scan|pack|ship|track`: the operator runs the warehouse from the
command line through the same use cases as the admin API's 12.9-12.12; a batch of scans from
a CSV goes on past a bad line and sums up; mistakes are one line."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import cli_runner, one_line_error, own_output
from tests.support.warehouse_ops import book, declare, ensure_warehouse, ledger_of, mark_of


@pytest.fixture
def cli(tmp_path, db_url):
    return cli_runner(tmp_path, db_url)


def out_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_scan_a_file_then_pack_ship_and_track(cli, api, dev, db, tmp_path):
    wh = ensure_warehouse(db)
    lo = book(db, dev.develop_id, quoted=9_500)
    declare(db, lo, "CSV1")
    scans = tmp_path / "scans.csv"
    scans.write_text(
        "trackingNo,weight,markCode\n"
        "CSV1,400,\n"  # declared
        f"CSV2,300,{mark_of(db, lo)}\n"  # by its mark
        "CSV3,,\n"  # nobody's: unclaimed
        "CSV4,-1,\n"  # a bad weight: reported, the rest go on
        "CSV5,100,\n"
    )
    result = cli("admin", "warehouse", "scan", wh, "--file", str(scans))
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["summary"] == {"lines": 5, "matched": 2, "unclaimed": 2, "failed": 1}
    assert [r["result"] for r in data["results"]] == [
        "matched",
        "matched",
        "unclaimed",
        "failed",
        "unclaimed",
    ]
    bad = data["results"][3]
    assert bad["line"] == 5 and bad["error"].startswith("40001 weight")
    said = own_output(result)
    assert "line 5 (CSV4): error 40001 weight" in said
    assert "5 lines: 2 matched, 2 unclaimed, 1 failed" in said
    parcels = [r["parcel"]["parcelId"] for r in data["results"][:2]]

    args = ["--weight", "1200", "--length", "100", "--width", "100", "--height", "100"]
    packed = out_json(
        cli("admin", "warehouse", "pack", lo, "--parcel", parcels[0], "--parcel", parcels[1], *args)
    )
    assert (packed["status"], packed["finalFreight"], packed["chargedFreight"]) == (
        "packed",
        17_100,
        17_100,
    )
    assert ledger_of(db, lo)[-1] == ("capture", -7_600, 0)
    shipped = out_json(
        cli("admin", "warehouse", "ship", lo, "--carrier", "DHL", "--tracking-no", "JD0001")
    )
    assert shipped["status"] == "shipped" and shipped["internationalTrackingNo"] == "JD0001"
    done = out_json(cli("admin", "warehouse", "track", lo, "delivered", "--remark", "signed"))
    assert done["status"] == "delivered" and done["trace"][-1]["remark"] == "signed"
    # a step after delivery is refused: one line
    one_line_error(cli("admin", "warehouse", "track", lo, "in_transit"), "error 40901")


def test_one_parcel_and_the_mistakes(cli, db):
    wh = ensure_warehouse(db)
    data = out_json(cli("admin", "warehouse", "scan", wh, "ONE1", "--weight", "250", "--json"))
    assert data["matched"] is False and data["weight"] == 250
    one_line_error(cli("admin", "warehouse", "scan", "NOPE", "ONE2"), "40001", "warehouseCode")
    one_line_error(cli("admin", "warehouse", "scan", wh, "ONE3", "--weight", "0"), "weight")
    one_line_error(cli("admin", "warehouse", "scan", wh), "TRACKING_NO or --file")
    one_line_error(
        cli("admin", "warehouse", "ship", "LO1", "--carrier", "DHL", "--tracking-no", "X"),
        "error 40401",
    )
