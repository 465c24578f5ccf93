"""Quotes (ENDPOINTS 11.1) and previews (11.2) of international freight, over the sandbox's goods
and the shipped freight tables: the channels that reach a country and carry the goods, none for
an unserved country, the refusals with their field paths, and the preview's 30 minutes on the
sandbox clock."""

from __future__ import annotations

from typing import Any

from daigou.warehouse import freight
from tests.support.api import assert_error, assert_ok
from tests.support.seller import catalogue
from tests.support.warehouse import (
    ABROAD,
    BOOK,
    QUOTE,
    RENDER,
    book,
    goods,
    render_items,
    rendered,
)


def quote(api: Any, dev: Any, line: dict[str, Any], country: str = "US", **extra: Any) -> Any:
    body = {
        **line,
        "receiverAddress": {"country": country},
        "currency": "CNY",
        "price": 1990,
        **extra,
    }
    return api.call(dev, "POST", QUOTE, body=body)


def fields(err: dict[str, Any]) -> list[str]:
    return [e["field"] for e in err["data"]["errors"]]


def test_a_quote_lists_every_channel_reaching_the_country_priced_by_its_table(api, dev, settings):
    line, _ = goods(settings)
    tables = freight.load()
    quotes = assert_ok(quote(api, dev, line))["quotes"]
    reaching = [c.service_id for c, _ in tables.reaching("US")]
    got = [q["freightInfo"]["serviceId"] for q in quotes]
    assert got and set(got) <= set(reaching)
    assert got == [s for s in reaching if s in got]  # table order
    for q in quotes:
        channel = tables.channel(q["freightInfo"]["serviceId"])
        assert channel is not None
        zone = channel.zone_for("US")
        assert zone is not None
        assert q["freight"] == freight.price(zone, q["chargeableWeight"])
        assert q["freightInfo"]["companyName"] == channel.company_name
        assert (q["estimatedDaysMin"], q["estimatedDaysMax"]) == (zone.days_min, zone.days_max)
        assert q["currency"] == "CNY" and isinstance(q["freight"], int)
    # more units weigh more: never cheaper on any channel
    more = assert_ok(quote(api, dev, {**line, "quantity": line["quantity"] * 3}))["quotes"]
    by_service = {q["freightInfo"]["serviceId"]: q for q in quotes}
    for q in more:
        one = by_service.get(q["freightInfo"]["serviceId"])
        if one is not None:
            assert q["chargeableWeight"] >= one["chargeableWeight"]
            assert q["freight"] >= one["freight"]
    # light goods go by the economy line (2 kg at most); about 10 kg of them do not
    light, unit = _light_goods(settings)
    ids = {q["freightInfo"]["serviceId"] for q in assert_ok(quote(api, dev, light))["quotes"]}
    assert "ECO-POST" in ids
    heavy = assert_ok(quote(api, dev, {**light, "quantity": -(-10_000 // unit)}))["quotes"]
    heavy_ids = {q["freightInfo"]["serviceId"] for q in heavy}
    assert heavy_ids and "ECO-POST" not in heavy_ids and heavy_ids < ids
    assert all(q["chargeableWeight"] >= 10_000 for q in heavy)


def _light_goods(settings: Any) -> tuple[dict[str, Any], int]:
    """A sandbox Taobao item of no banned category, light and small: (line, unit weight g)."""
    tables = freight.load()
    _, offers = catalogue(settings.sandbox_seed, "taobao")
    for o in offers:
        small = 0 < max(o.length_mm, o.width_mm, o.height_mm) <= 300
        plain = not tables.categories_of(" ".join(o.titles.values()))
        if small and plain and 100 <= o.weight_g <= 800 and o.skus:
            return {"itemId": o.offer_id, "skuId": o.skus[0].sku_id, "quantity": 1}, o.weight_g
    raise AssertionError("no light goods in the test catalogue")


def test_an_unserved_country_has_no_quote_and_bad_input_names_its_field(api, dev, settings):
    line, _ = goods(settings)
    assert assert_ok(quote(api, dev, line, country="KP"))["quotes"] == []
    assert assert_ok(quote(api, dev, line, country="kp"))["quotes"] == []
    for country in ("XX", "ZZ", "USA", ""):
        err = assert_error(quote(api, dev, line, country=country), 40001)
        assert fields(err) == ["receiverAddress.country"], err
    for quantity in (0, -1):
        err = assert_error(quote(api, dev, {**line, "quantity": quantity}), 40001)
        assert fields(err) == ["quantity"]
    assert fields(assert_error(quote(api, dev, line, currency="XYZ"), 40001)) == ["currency"]
    assert fields(assert_error(quote(api, dev, line, price=19.9), 40001)) == ["price"]
    err = assert_error(quote(api, dev, {**line, "skuId": "99999999999999"}), 40001)
    assert fields(err) == ["skuId"]
    assert_error(quote(api, dev, {**line, "itemId": "999999999999"}), 40401)


def _banned_goods(settings: Any, category: str) -> dict[str, Any]:
    """A sandbox Taobao item whose title names `category` goods (and no other category)."""
    tables = freight.load()
    _, offers = catalogue(settings.sandbox_seed, "taobao")
    for o in offers:
        if tables.categories_of(" ".join(o.titles.values())) == {category} and o.skus:
            return {"itemId": o.offer_id, "skuId": o.skus[0].sku_id, "quantity": 1}
    raise AssertionError(f"no {category} goods in the test catalogue")


def test_banned_goods_are_quoted_only_on_the_channels_that_carry_them(api, dev, settings):
    line = _banned_goods(settings, "magnet")
    quotes = assert_ok(quote(api, dev, line))["quotes"]
    ids = {q["freightInfo"]["serviceId"] for q in quotes}
    tables = freight.load()
    for channel, _ in tables.reaching("US"):
        if "magnet" in channel.banned_categories:
            assert channel.service_id not in ids
    assert "AIR-SENS" in ids  # the sensitive-goods line carries magnets
    # a preview on a channel that bans them names the line
    plain, _ = goods(settings)
    body = {"receiverAddress": ABROAD, "renderItems": render_items([plain, line], "EXP-DHL")}
    err = assert_error(api.call(dev, "POST", RENDER, body=body), 40001)
    assert fields(err) == ["renderItems[1]"] and "magnet" in err["msg"]


def test_a_preview_prices_its_items_together_and_refuses_what_its_channel_cannot_carry(
    api, dev, settings
):
    lines = goods(settings)
    preview = rendered(api, dev, lines, "SEA-STD")
    assert preview["renderId"].startswith("FF")
    assert preview["freightInfo"]["serviceId"] == "SEA-STD"
    assert [i["itemId"] for i in preview["items"]] == [ln["itemId"] for ln in lines]
    assert all(i["success"] and i["code"] == 200 and i["weight"] > 0 for i in preview["items"])
    assert [i["index"] for i in preview["items"]] == [0, 1]
    channel = freight.load().channel("SEA-STD")
    assert channel is not None
    zone = channel.zone_for("US")
    assert zone is not None
    assert preview["totalFreight"] == freight.price(zone, preview["chargeableWeight"])
    assert preview["chargeableWeight"] >= sum(i["weight"] for i in preview["items"])
    assert preview["expireTime"] - 30 * 60_000 > 0

    def refused(items: list[dict[str, Any]], country: str = "US") -> list[str]:
        body = {"receiverAddress": {**ABROAD, "country": country}, "renderItems": items}
        return fields(assert_error(api.call(dev, "POST", RENDER, body=body), 40001))

    two = render_items(lines, "SEA-STD")
    # one service for all items
    assert refused([two[0], {**two[1], "freightInfo": {"serviceId": "EXP-DHL"}}]) == [
        "renderItems[1].freightInfo.serviceId"
    ]
    assert refused(render_items(lines, "NO-SUCH")) == ["renderItems[0].freightInfo.serviceId"]
    # the economy line does not reach Brazil; no channel reaches North Korea
    assert refused(render_items(lines, "ECO-POST"), "BR") == ["receiverAddress.country"]
    assert refused(two, "KP") == ["receiverAddress.country"]
    # too heavy for the express (30 kg) and the economy line: the package as a whole
    heavy = [{**two[0], "quantity": 60}]
    assert refused([{**heavy[0], "freightInfo": {"serviceId": "EXP-DHL"}}]) == ["renderItems"]
    assert refused([{**heavy[0], "freightInfo": {"serviceId": "ECO-POST"}}]) == ["renderItems"]
    assert refused([]) == ["renderItems"]
    assert refused(two * 26) == ["renderItems"]  # 52 items: at most 50
    assert refused([{**two[0], "quantity": 0}]) == ["renderItems[0].quantity"]
    no_phone = {k: v for k, v in ABROAD.items() if k not in ("phone", "mobilePhone")}
    body = {"receiverAddress": no_phone, "renderItems": two}
    assert_error(api.call(dev, "POST", RENDER, body=body), 40001)


def test_a_preview_expires_after_30_minutes_on_the_sandbox_clock(api, dev, settings):
    lines = goods(settings, 1)
    late = rendered(api, dev, lines)
    fresh = rendered(api, dev, lines)
    assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 29 * 60}))
    assert_ok(book(api, dev, fresh, lines))  # 29 minutes on: still valid
    assert_ok(api.admin("POST", "/admin/sandbox/clock/advance", {"seconds": 2 * 60}))
    err = assert_error(book(api, dev, late, lines), 40901)
    assert "expired" in err["msg"]
    # a preview of another developer, or none at all
    other = api.create_developer(topup=100_000)
    again = rendered(api, dev, lines)
    assert_error(book(api, other, again, lines), 40401)
    body = {"renderId": "FF20990101000000000000", "lineItems": lines}
    assert_error(api.call(dev, "POST", BOOK, body=body), 40401)
