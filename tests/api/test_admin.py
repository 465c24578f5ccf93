"""Operator admin API, ENDPOINTS 12.1 to 12.6: Bearer auth, developers, keys, wallet
adjustments, the cross-developer ledger, and the audit log."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.support.api import assert_error, assert_ok, field_names
from tests.support.gateway import ADMIN_TOKEN, Dev

CREATE = "/admin/developer/create"
UPDATE = "/admin/developer/update"
LIST = "/admin/developer/list"
KEY = "/admin/key/update"
ADJUST = "/admin/wallet/adjust"
LEDGER = "/admin/wallet/ledger"


def adjust(api, develop_id, type_, amount, reference, **extra):
    return api.admin(
        "POST",
        ADJUST,
        {"developId": develop_id, "type": type_, "amount": amount, "reference": reference, **extra},
    )


def balance(api, dev) -> int:
    return assert_ok(api.call(dev, "GET", "/open/account/balance"))["availableAmount"]


def test_admin_calls_need_the_bearer_token(client, dev):
    body = b'{"name": "x"}'
    js = {"content-type": "application/json"}
    for headers, code in (
        ({}, 40100),
        ({"Authorization": ADMIN_TOKEN}, 40100),  # no scheme
        ({"Authorization": f"Basic {ADMIN_TOKEN}"}, 40100),
        ({"Authorization": "Bearer "}, 40100),
        ({"Authorization": "Bearer wrong-token"}, 40101),
        ({"Authorization": f"Bearer {ADMIN_TOKEN}x"}, 40101),
        # developer headers are not admin credentials
        ({"access-key": dev.access_key, "signature": "A" * 64}, 40100),
    ):
        for r in (
            client.get(LIST, headers=headers),
            client.post(CREATE, content=body, headers={**js, **headers}),
        ):
            assert r.json()["code"] == code, (headers, r.text)
            out = assert_error(r, code)
            assert out["developId"] is None
    # nothing was created by the refused calls
    page = assert_ok(client.get(LIST, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}))
    assert page["totalRecords"] == 1


def test_create_returns_the_secret_once_and_list_shows_balance_and_keys(api):
    r = api.admin(
        "POST",
        CREATE,
        {
            "name": "Acme",
            "contactEmail": "ops@acme.test",
            "remark": "r",
            "hmacOnly": True,
            "cashierPayAllowed": True,
        },
    )
    created = assert_ok(r)
    assert r.json()["developId"] is None  # admin calls carry no developer
    assert re.fullmatch(r"[1-9][0-9]{18}", created["developId"])
    assert re.fullmatch(r"[0-9a-f]{32}", created["accessKey"])
    assert created["secret"] and created["status"] == "enabled"
    dev = Dev(created["developId"], created["accessKey"], created["secret"])
    assert_ok(adjust(api, dev.develop_id, "topup", 1234, "t-1"))
    assert_ok(api.call(dev, "GET", "/open/account/balance"))  # sets lastUsedTime

    listed = api.admin("GET", LIST, params={"keyword": "Acme"})
    page = assert_ok(listed)
    assert created["secret"] not in listed.text and '"secret"' not in listed.text
    assert page["totalRecords"] == 1
    (row,) = page["data"]
    assert row["developId"] == dev.develop_id
    assert (row["name"], row["contactEmail"], row["status"]) == ("Acme", "ops@acme.test", "enabled")
    assert row["balance"] == {
        "currency": "CNY",
        "availableAmount": 1234,
        "heldAmount": 0,
        "totalAmount": 1234,
    }
    assert [(k["accessKey"], k["status"], k["hmacOnly"]) for k in row["keys"]] == [
        (dev.access_key, "enabled", True)
    ]
    assert isinstance(row["keys"][0]["lastUsedTime"], int)
    assert (row["rateLimitPerMinute"], row["cashierPayAllowed"], row["subAccountCount"]) == (
        600,
        True,
        0,
    )


def test_list_filters_by_status_and_keyword_and_pages_by_cursor(api):
    ids = [
        assert_ok(api.admin("POST", CREATE, {"name": f"dev-{i}"}))["developId"] for i in range(5)
    ]
    assert_ok(api.admin("POST", UPDATE, {"developId": ids[1], "status": "disabled"}))
    disabled = assert_ok(api.admin("GET", LIST, params={"status": "disabled"}))
    assert [d["developId"] for d in disabled["data"]] == [ids[1]]
    assert (
        assert_ok(api.admin("GET", LIST, params={"keyword": "dev-3"}))["data"][0]["developId"]
        == ids[3]
    )
    seen, cursor = [], None
    while True:
        params = {"pageSize": 2, **({"cursor": cursor} if cursor else {})}
        page = assert_ok(api.admin("GET", LIST, params=params))
        seen += [d["developId"] for d in page["data"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_update_changes_fields_and_disables_and_unknown_developer_is_40401(api, dev):
    out = assert_ok(
        api.admin(
            "POST",
            UPDATE,
            {
                "developId": dev.develop_id,
                "name": "Renamed",
                "rateLimitPerMinute": 5,
                "status": "disabled",
            },
        )
    )
    assert (out["name"], out["rateLimitPerMinute"], out["status"]) == ("Renamed", 5, "disabled")
    assert out["balance"]["availableAmount"] == 100_000
    assert_error(api.call(dev, "GET", "/open/account/balance"), 40101)
    assert_error(api.admin("POST", UPDATE, {"developId": "1" * 19, "name": "x"}), 40401)
    assert field_names(
        assert_error(
            api.admin("POST", UPDATE, {"developId": dev.develop_id, "status": "paused"}), 40001
        )
    ) == ["status"]


def test_a_developer_has_at_most_five_active_keys(api, dev):
    keys = [dev.access_key]
    for _ in range(4):
        added = assert_ok(api.admin("POST", KEY, {"developId": dev.develop_id, "hmacOnly": True}))
        assert added["secret"] and added["hmacOnly"] is True and added["status"] == "enabled"
        keys.append(added["accessKey"])
        assert_ok(
            api.call(
                Dev(dev.develop_id, added["accessKey"], added["secret"]),
                "GET",
                "/open/account/balance",
            )
        )
    assert_error(api.admin("POST", KEY, {"developId": dev.develop_id}), 40901)
    # a disabled key frees a place; enabling it again over the limit is refused
    assert_ok(api.admin("POST", KEY, {"accessKey": keys[1], "status": "disabled"}))
    assert_ok(api.admin("POST", KEY, {"developId": dev.develop_id}))
    assert_error(api.admin("POST", KEY, {"accessKey": keys[1], "status": "enabled"}), 40901)
    row = assert_ok(api.admin("GET", LIST, params={"keyword": dev.develop_id}))["data"][0]
    assert sum(k["status"] == "enabled" for k in row["keys"]) == 5 and len(row["keys"]) == 6
    # which key to change: exactly one of accessKey and developId
    assert_error(api.admin("POST", KEY, {"accessKey": "0" * 32, "rotate": True}), 40401)
    assert_error(api.admin("POST", KEY, {"rotate": True}), 40001)
    assert_error(
        api.admin("POST", KEY, {"accessKey": dev.access_key, "developId": dev.develop_id}), 40001
    )


def test_wallet_topup_and_adjustment_with_remark(api, dev):
    top = assert_ok(adjust(api, dev.develop_id, "topup", 5_000, "bank-1", remark="wire"))
    assert top["balance"]["availableAmount"] == 105_000
    entry = top["entry"]
    assert entry["entryId"].startswith("le_")
    assert (
        entry["type"],
        entry["amount"],
        entry["availableAfter"],
        entry["reference"],
        entry["currency"],
    ) == ("topup", 5_000, 105_000, "bank-1", "CNY")
    down = assert_ok(
        adjust(api, dev.develop_id, "adjustment", -2_500, "fix-1", remark="double credit")
    )
    assert (down["entry"]["type"], down["entry"]["amount"], down["entry"]["remark"]) == (
        "adjustment",
        -2_500,
        "double credit",
    )
    assert down["balance"]["availableAmount"] == 102_500 == balance(api, dev)
    # an adjustment needs its reason; amounts must be positive (top-up) or non-zero
    assert "remark" in field_names(
        assert_error(adjust(api, dev.develop_id, "adjustment", 10, "fix-2"), 40001)
    )
    for type_, amount in (("topup", 0), ("topup", -5), ("adjustment", 0)):
        r = adjust(api, dev.develop_id, type_, amount, f"bad-{type_}-{amount}", remark="r")
        assert "amount" in field_names(assert_error(r, 40001)), (type_, amount)
    assert balance(api, dev) == 102_500


def test_adjustment_below_zero_answers_40201_and_moves_nothing(api, dev):
    r = adjust(api, dev.develop_id, "adjustment", -100_001, "too-much", remark="r")
    assert_error(r, 40201)
    assert balance(api, dev) == 100_000
    # exactly to zero is allowed
    assert assert_ok(adjust(api, dev.develop_id, "adjustment", -100_000, "to-zero", remark="r"))[
        "balance"
    ] == {"currency": "CNY", "availableAmount": 0, "heldAmount": 0, "totalAmount": 0}
    # the refused reference was not used up
    assert_ok(adjust(api, dev.develop_id, "topup", 5, "too-much"))


def test_a_repeated_reference_returns_the_first_entry_and_another_amount_is_40901(api, dev):
    first = assert_ok(adjust(api, dev.develop_id, "topup", 700, "ref-1"))
    again = assert_ok(adjust(api, dev.develop_id, "topup", 700, "ref-1"))
    assert again["entry"] == first["entry"]
    assert again["balance"]["availableAmount"] == 100_700 == balance(api, dev)
    assert_error(adjust(api, dev.develop_id, "topup", 701, "ref-1"), 40901)
    assert_error(adjust(api, dev.develop_id, "adjustment", 700, "ref-1", remark="r"), 40901)
    assert balance(api, dev) == 100_700
    # references are per developer
    other = api.create_developer()
    assert (
        assert_ok(adjust(api, other.develop_id, "topup", 700, "ref-1"))["balance"][
            "availableAmount"
        ]
        == 700
    )
    assert_error(adjust(api, "9" * 19, "topup", 700, "ref-1"), 40401)


def test_admin_ledger_filters_by_developer_and_type(api, dev):
    other = api.create_developer(topup=50)
    assert_ok(adjust(api, dev.develop_id, "adjustment", -10, "a-1", remark="r"))
    everything = assert_ok(api.admin("GET", LEDGER))
    assert everything["totalRecords"] == 3
    assert {e["developId"] for e in everything["data"]} == {dev.develop_id, other.develop_id}
    mine = assert_ok(api.admin("GET", LEDGER, params={"developId": dev.develop_id}))["data"]
    assert [(e["type"], e["amount"]) for e in mine] == [
        ("adjustment", -10),
        ("topup", 100_000),
    ]  # newest first
    topups = assert_ok(api.admin("GET", LEDGER, params={"type": "topup"}))["data"]
    assert sorted(e["amount"] for e in topups) == [50, 100_000]
    only = assert_ok(
        api.admin("GET", LEDGER, params={"developId": other.develop_id, "type": "adjustment"})
    )
    assert only["data"] == [] and only["totalRecords"] == 0
    assert_error(api.admin("GET", LEDGER, params={"developId": "9" * 19}), 40401)
    assert "type" in field_names(
        assert_error(api.admin("GET", LEDGER, params={"type": "gift"}), 40001)
    )


def test_admin_ledger_cursor_pages_without_duplicates_or_gaps(api, dev):
    other = api.create_developer()
    for i in range(6):
        assert_ok(
            adjust(api, dev.develop_id if i % 2 else other.develop_id, "topup", 10 + i, f"p-{i}")
        )
    full = assert_ok(api.admin("GET", LEDGER, params={"pageSize": 100}))["data"]
    assert len(full) == 7
    seen, cursor, pages = [], None, 0
    while True:
        params = {"pageSize": 3, **({"cursor": cursor} if cursor else {})}
        page = assert_ok(api.admin("GET", LEDGER, params=params))
        pages += 1
        if cursor:
            assert page["totalRecords"] is None and page["currentPage"] is None
        seen += [e["entryId"] for e in page["data"]]
        if pages == 1:  # a new entry arriving mid-way neither shifts nor repeats the pages
            assert_ok(adjust(api, dev.develop_id, "topup", 99, "late"))
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == [e["entryId"] for e in full]
    assert len(set(seen)) == len(seen)
    # the cursor pages of one developer
    mine = assert_ok(api.admin("GET", LEDGER, params={"developId": dev.develop_id, "pageSize": 2}))
    rest = assert_ok(
        api.admin(
            "GET",
            LEDGER,
            params={"developId": dev.develop_id, "pageSize": 2, "cursor": mine["nextCursor"]},
        )
    )
    ids = [e["entryId"] for e in mine["data"] + rest["data"]]
    assert len(set(ids)) == 4 and {e["developId"] for e in mine["data"] + rest["data"]} == {
        dev.develop_id
    }


def test_admin_writes_are_audit_logged_with_the_request_id(api, db):
    r_create = api.admin("POST", CREATE, {"name": "Audited"})
    created = assert_ok(r_create)
    r_update = api.admin("POST", UPDATE, {"developId": created["developId"], "remark": "x"})
    r_key = api.admin("POST", KEY, {"accessKey": created["accessKey"], "rotate": True})
    rotated = assert_ok(r_key)
    r_adjust = adjust(api, created["developId"], "topup", 10, "aud-1")
    adjust(api, created["developId"], "topup", 10, "aud-1")  # a repeat moves nothing: no new row
    assert_error(adjust(api, created["developId"], "adjustment", -999, "aud-2", remark="r"), 40201)
    api.admin("GET", LIST)  # reads are not audited
    with db.transaction() as s:
        rows = s.execute(
            sa.text("SELECT actor, action, target, request_id, details FROM audit_log ORDER BY id")
        ).all()
    assert [(r.actor, r.action, r.request_id) for r in rows] == [
        ("admin", "developer.create", r_create.json()["requestId"]),
        ("admin", "developer.update", r_update.json()["requestId"]),
        ("admin", "key.rotate", r_key.json()["requestId"]),
        ("admin", "wallet.topup", r_adjust.json()["requestId"]),
    ]
    assert [r.target for r in rows] == [
        created["developId"],
        created["developId"],
        created["accessKey"],
        created["developId"],
    ]
    for row in rows:
        assert created["secret"] not in row.details and rotated["secret"] not in row.details
