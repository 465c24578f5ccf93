"""9.2 `POST /alibaba/marketing/offer/activity/query` through the signed API, against the
sandbox: an offer's activities price its real SKUs below their 5.1 prices in windows around the
sandbox clock, an offer without answers an empty list, unknown offers 40401, bad input 40001,
marketplace failures 50201/50401, and every call is in the call log."""

from __future__ import annotations

import time

import pytest

from tests.support.api import assert_error, assert_ok, field_names
from tests.support.databases import ONE_BACKEND
from tests.support.orders1688 import orderable

ACTIVITIES = "/alibaba/marketing/offer/activity/query"
DETAIL = "/alibaba/product/detail/get"
FAULT = "/admin/sandbox/fault/inject"
WEEK_S = 7 * 86_400


def post(api, dev, body):
    return api.call(dev, "POST", ACTIVITIES, body=body)


def post_detail(api, dev, offer_id):
    return api.call(dev, "POST", DETAIL, body={"offerId": offer_id})


def with_and_without(api, dev, settings) -> tuple[dict, str]:
    """The answer for a multi-SKU offer with activities, and an offer id without any."""
    found, bare = None, None
    for offer, _, _ in orderable(settings, multi_sku=True)[:40]:
        data = assert_ok(post(api, dev, {"offerId": offer.offer_id}))
        if data["activities"] and found is None:
            found = data
        if not data["activities"] and bare is None:
            bare = offer.offer_id
        if found and bare:
            return found, bare
    pytest.fail("no offer with activities (or none without) among 40 offers")


def test_activities_price_real_skus_below_their_price_around_now(api, dev, settings):
    before = int(time.time() * 1000)
    data, _ = with_and_without(api, dev, settings)
    after = int(time.time() * 1000)
    offer = assert_ok(post_detail(api, dev, data["offerId"]))
    price = {s["specId"]: s["price"] for s in offer["productSkuInfos"]}
    stock = {s["specId"]: s["amountOnSale"] for s in offer["productSkuInfos"]}
    assert set(data) == {"offerId", "activities"}
    running = 0
    for activity in data["activities"]:
        assert activity["activityId"].isdigit() and activity["activityName"]
        assert activity["startTime"] < activity["endTime"] and activity["endTime"] > before
        running += activity["startTime"] <= after
        assert activity["limitQuantity"] >= offer["minOrderQuantity"]
        assert activity["promotionPrices"]
        priced = {p["specId"] for p in activity["promotionPrices"]}
        assert 0 <= activity["activityStock"] <= sum(stock[s] for s in priced)
        for p in activity["promotionPrices"]:
            assert p["specId"] in price, "a special price names a real specId"
            assert isinstance(p["price"], int) and 1 <= p["price"] < price[p["specId"]]
    assert running >= 1, "one activity runs now"


def test_an_offer_without_activities_answers_an_empty_list(api, dev, settings):
    _, bare = with_and_without(api, dev, settings)
    assert assert_ok(post(api, dev, {"offerId": bare})) == {"offerId": bare, "activities": []}


def test_the_same_offer_answers_the_same_and_an_integer_id_is_accepted(api, dev, settings):
    data, _ = with_and_without(api, dev, settings)
    assert assert_ok(post(api, dev, {"offerId": data["offerId"]})) == data
    assert assert_ok(post(api, dev, {"offerId": int(data["offerId"])})) == data


def test_names_follow_country_and_windows_follow_the_sandbox_clock(api, dev, settings):
    data, _ = with_and_without(api, dev, settings)
    offer_id = data["offerId"]
    zh = assert_ok(post(api, dev, {"offerId": offer_id, "country": "ZH"}))
    assert [a["activityId"] for a in zh["activities"]] == [
        a["activityId"] for a in data["activities"]
    ]
    assert all(
        a["activityName"] != b["activityName"]
        for a, b in zip(zh["activities"], data["activities"], strict=True)
    )
    moved = assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": WEEK_S}))
    later = assert_ok(post(api, dev, {"offerId": offer_id}))
    first = later["activities"][0]
    assert first["activityId"] != data["activities"][0]["activityId"]
    assert first["startTime"] <= moved["now"] < first["endTime"]


def test_an_unknown_offer_is_40401(api, dev, settings):
    taobao_like = "7" + orderable(settings)[0][0].offer_id[1:]
    for unknown in ("999999999999", taobao_like, "1"):
        assert_error(post(api, dev, {"offerId": unknown}), 40401)


@ONE_BACKEND
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "offerId"),
        ({"offerId": ""}, "offerId"),
        ({"offerId": "61234abc"}, "offerId"),
        ({"offerId": 1.5}, "offerId"),
        ({"offerId": True}, "offerId"),
        ({"offerId": "1" * 20}, "offerId"),
        ({"offerId": "612345678901", "country": "fr"}, "country"),
        ({"offerId": "612345678901", "country": "x" * 17}, "country"),
    ],
)
def test_bad_input_is_40001_naming_the_field(api, dev, body, field):
    r = post(api, dev, body)
    assert_error(r, 40001)
    assert field_names(r.json()) == [field]


def test_the_route_needs_a_signature(client):
    assert client.post(ACTIVITIES, json={"offerId": "612345678901"}).json()["code"] == 40100


@pytest.mark.parametrize(("mode", "code"), [("error", 50201), ("timeout", 50401)])
def test_marketplace_failures_are_50201_and_50401_and_logged(api, dev, settings, app, mode, code):
    offer_id = orderable(settings)[0][0].offer_id
    fault = {"operation": "1688.product.activity", "mode": mode, "count": 1}
    assert_ok(api.admin("POST", FAULT, fault))
    assert_error(post(api, dev, {"offerId": offer_id}), code)
    assert_ok(post(api, dev, {"offerId": offer_id}))  # the fault is used up
    app.state.gateway.call_log.flush()
    logged = assert_ok(api.admin("GET", "/admin/marketplace/calls", params={"key": offer_id}))
    calls = [c for c in logged["data"] if c["operation"] == "offer_activities"]
    assert [c["outcome"] for c in calls] == ["ok", "error" if mode == "error" else "unknown"]
    assert {(c["developId"], c["platform"]) for c in calls} == {(dev.develop_id, "1688")}
