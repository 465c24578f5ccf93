"""ENDPOINTS 10.7 and the operator's rates: the current rate of each pair (the operator's newest,
else the sandbox's rate of the day), filters and paging, a rate set as a decimal string only
(a JSON number is 40001), unknown currencies, the history newest first with cursor paging, the
audit log and Idempotency-Key replays."""

from __future__ import annotations

import sqlalchemy as sa

from daigou.rates import sandbox as daily
from tests.support.api import assert_error, assert_ok, field_names

RATE = "/open/exchange/rate"
SET = "/admin/exchange/rate/set"
HISTORY = "/admin/exchange/rate/history"


def rates(api, dev, **params):
    return assert_ok(api.call(dev, "GET", RATE, params=params))


def set_rate(api, body, headers=None):
    return api.admin("POST", SET, body, headers=headers)


def sandbox_now(api) -> int:
    return assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 0}))["now"]


def test_the_sandbox_publishes_a_daily_rate_for_its_pairs(api, dev):
    page = rates(api, dev, pageSize=100)
    assert page["totalRecords"] == len(daily.BASE) and page["nextCursor"] is None
    assert [r["to"] for r in page["data"]] == sorted(daily.BASE)
    now = sandbox_now(api)
    today = daily.daily_rates(now)
    for row in page["data"]:
        assert row["from"] == "CNY" and row["source"] == "sandbox"
        assert row["rate"] == f"{today[row['to']].rate.normalize():f}"
        assert row["updateTime"] == today[row["to"]].update_time <= now
    # the next day brings the next day's rate, at that day's midnight in China
    assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 86_400}))
    usd = rates(api, dev, to="USD")["data"]
    assert usd[0]["updateTime"] == today["USD"].update_time + 86_400_000
    # paging: pages of 4 in order, the counts of S1
    first = rates(api, dev, pageSize=4)
    third = rates(api, dev, pageSize=4, pageNo=3)
    assert (first["totalPage"], first["currentPage"], third["currentPage"]) == (4, 1, 3)
    assert [r["to"] for r in third["data"]] == sorted(daily.BASE)[8:12]
    # another source currency: nothing unless the operator set it
    assert rates(api, dev, **{"from": "USD"})["data"] == []


def test_the_operator_sets_a_rate_that_wins_and_keeps_its_history(api, dev):
    made = assert_ok(set_rate(api, {"from": "CNY", "to": "USD", "rate": "0.13890000"}))
    assert (made["from"], made["to"], made["rate"], made["source"]) == (
        "CNY",
        "USD",
        "0.1389",
        "operator",
    )
    assert made["setBy"] == "admin" and made["updateTime"] <= sandbox_now(api)
    assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 60}))
    again = assert_ok(
        set_rate(
            api,
            {"from": "cny", "to": "usd", "rate": "0.1391", "source": "ecb", "remark": "ECB ref"},
        )
    )
    assert (again["from"], again["to"], again["source"], again["remark"]) == (
        "CNY",
        "USD",
        "ecb",
        "ECB ref",
    )
    assert_ok(set_rate(api, {"from": "USD", "to": "EUR", "rate": "0.9212"}))
    usd = rates(api, dev, to="USD")
    assert usd["totalRecords"] == 1
    assert {k: usd["data"][0][k] for k in ("rate", "source", "updateTime")} == {
        "rate": "0.1391",
        "source": "ecb",
        "updateTime": again["updateTime"],
    }
    # the operator's pair stays the operator's on later days; the other pairs are the sandbox's
    assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 3 * 86_400}))
    every = {r["to"]: r for r in rates(api, dev, pageSize=100)["data"]}
    assert every["USD"]["rate"] == "0.1391" and every["JPY"]["source"] == "sandbox"
    assert rates(api, dev, **{"from": "USD"})["data"][0]["rate"] == "0.9212"
    # the history: newest first, by pair or all, by pages and by cursor
    whole = assert_ok(api.admin("GET", HISTORY))
    assert [(h["from"], h["to"], h["rate"]) for h in whole["data"]] == [
        ("USD", "EUR", "0.9212"),
        ("CNY", "USD", "0.1391"),
        ("CNY", "USD", "0.1389"),
    ]
    pair = assert_ok(api.admin("GET", HISTORY, params={"from": "CNY", "to": "USD"}))
    assert [h["id"] for h in pair["data"]] == [again["id"], made["id"]]
    one = assert_ok(api.admin("GET", HISTORY, params={"pageSize": 1}))
    cursor = one["nextCursor"]
    rest = assert_ok(api.admin("GET", HISTORY, params={"pageSize": 5, "cursor": cursor}))
    assert [h["rate"] for h in rest["data"]] == ["0.1391", "0.1389"]
    assert rest["nextCursor"] is None and rest["totalRecords"] is None


def test_a_rate_is_a_decimal_string_never_a_number(api):
    for bad in (0.1389, 1, "0.123456789", "-1", "0", "0.00000000", "1e-3", " ", "1,5", "1" * 13):
        body = assert_error(set_rate(api, {"from": "CNY", "to": "USD", "rate": bad}), 40001)
        assert field_names(body) == ["rate"], (bad, body)
    assert (
        "never floats"
        in assert_error(set_rate(api, {"from": "CNY", "to": "USD", "rate": 0.5}), 40001)["msg"]
    )
    assert assert_ok(set_rate(api, {"from": "CNY", "to": "JPY", "rate": "999999999999.12345678"}))


def test_unknown_currencies_and_pairs_are_40001_on_their_field(api, dev):
    cases = [
        ({"from": "ABC", "to": "USD"}, ["from"]),
        ({"from": "CNY", "to": "XAU"}, ["to"]),  # gold has no minor unit
        ({"from": "CNY", "to": "CNY"}, ["to"]),
        ({"from": "CNY", "to": "USD", "source": "sandbox"}, ["source"]),
        ({"from": "CNY", "to": "USD", "source": "Bad Source"}, ["source"]),
        ({"to": "USD"}, ["from"]),
    ]
    for body, fields in cases:
        r = set_rate(api, {"rate": "1.5", **body})
        assert field_names(assert_error(r, 40001)) == fields, body
    for params, field in (({"from": "ZZZ"}, "from"), ({"to": "US"}, "to"), ({"to": "CNY"}, "to")):
        r = api.call(dev, "GET", RATE, params=params)
        assert field_names(assert_error(r, 40001)) == [field], params
    r = api.admin("GET", HISTORY, params={"from": "QQQ"})
    assert field_names(assert_error(r, 40001)) == ["from"]
    r = api.admin("GET", HISTORY, params={"cursor": "not-a-cursor"})
    assert field_names(assert_error(r, 40001)) == ["cursor"]
    # the admin routes want the admin token
    assert_error(api.http.post(SET, json={"from": "CNY", "to": "USD", "rate": "1"}), 40100)


def test_sets_are_audit_logged_and_replayed_by_idempotency_key(api, db):
    body = {"from": "CNY", "to": "EUR", "rate": "0.1195", "remark": "monthly"}
    first = set_rate(api, body, headers={"Idempotency-Key": "rate-1"})
    made = assert_ok(first)
    replay = set_rate(api, body, headers={"Idempotency-Key": "rate-1"})
    assert replay.headers.get("idempotent-replayed") == "true"
    assert assert_ok(replay)["id"] == made["id"]
    assert_error(
        set_rate(api, {**body, "rate": "0.12"}, headers={"Idempotency-Key": "rate-1"}), 40902
    )
    history = assert_ok(api.admin("GET", HISTORY))
    assert [h["id"] for h in history["data"]] == [made["id"]]
    with db.transaction() as s:
        rows = s.execute(
            sa.text(
                "SELECT actor, action, target, request_id, details FROM audit_log "
                "WHERE action = 'exchange_rate.set'"
            )
        ).all()
    assert [(r.actor, r.target, r.request_id) for r in rows] == [
        ("admin", "CNY/EUR", first.json()["requestId"])
    ]
    assert '"rate": "0.1195"' in rows[0].details and '"remark": "monthly"' in rows[0].details


def test_the_sdk_reads_and_sets_rates_and_carriers(live_server):
    import httpx

    from daigou_sdk import AdminClient, Client
    from tests.support.gateway import ADMIN_TOKEN, Api

    with httpx.Client(base_url=live_server, timeout=30) as http:
        dev = Api(http).create_developer()
    with (
        Client(live_server, dev.access_key, dev.secret) as sdk,
        AdminClient(live_server, ADMIN_TOKEN) as admin,
    ):
        made = admin.set_exchange_rate("CNY", "USD", "0.1402", remark="sdk")
        assert made["rate"] == "0.1402" and made["setBy"] == "admin"
        assert [r["id"] for r in admin.exchange_rate_history(**{"from": "CNY"})] == [made["id"]]
        usd = sdk.exchange_rates(to_ccy="USD")["data"]
        assert [(r["from"], r["to"], r["rate"], r["source"]) for r in usd] == [
            ("CNY", "USD", "0.1402", "operator")
        ]
        assert sdk.exchange_rates(pageSize=3)["totalRecords"] == len(daily.BASE)
        tb = sdk.logistics_companies(platform=0, keyword="yunda")["data"]
        assert [r["companyNo"] for r in tb] == ["YUNDA", "YDKY"]
