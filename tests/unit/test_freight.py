"""The freight tables (daigou.warehouse.freight): prices by weight steps, volumetric weight,
refusals, zones, the table file's validation, the shipped table and the goods categories."""

from __future__ import annotations

from pathlib import Path

import pytest

from daigou.warehouse import freight
from daigou.warehouse.freight import Channel, Package, Refusal, Zone

US = Zone(
    name="US",
    countries=frozenset({"US"}),
    first_weight_g=500,
    first_fee=10_000,
    step_weight_g=500,
    step_fee=4_000,
    days_min=5,
    days_max=9,
)
JP = Zone(
    name="JP",
    countries=frozenset({"JP"}),
    first_weight_g=1000,
    first_fee=5_000,
    step_weight_g=250,
    step_fee=1_000,
    days_min=2,
    days_max=4,
)


def channel(**changes: object) -> Channel:
    fields: dict[str, object] = {
        "service_id": "AIR-T",
        "company_name": "Test Air",
        "service_category": "air",
        "currency": "CNY",
        "volumetric_divisor": 6000,
        "max_weight_g": 20_000,
        "max_side_mm": 1000,
        "max_girth_mm": 2400,
        "banned_categories": frozenset({"battery", "knife"}),
        "zones": (US, JP),
    }
    fields.update(changes)
    return Channel(**fields)  # type: ignore[arg-type]


# --- price steps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grams", "fen"),
    [
        (1, 10_000),
        (499, 10_000),
        (500, 10_000),  # exactly the first weight: no additional step
        (501, 14_000),  # one gram over: one whole step
        (1000, 14_000),
        (1001, 18_000),
        (10_000, 10_000 + 19 * 4_000),
    ],
)
def test_price_charges_the_first_fee_then_whole_additional_steps(grams: int, fen: int) -> None:
    assert freight.price(US, grams) == fen


def test_price_uses_the_zones_own_steps() -> None:
    assert freight.price(JP, 1000) == 5_000
    assert freight.price(JP, 1001) == 6_000
    assert freight.price(JP, 1250) == 6_000
    assert freight.price(JP, 1251) == 7_000


# --- chargeable weight ---------------------------------------------------------------------


def test_actual_weight_counts_when_heavier_than_volumetric() -> None:
    # 200 x 150 x 100 mm = 3,000,000 mm3 / 6000 = 500 g volumetric; 1,200 g actual
    package = Package(1200, 200, 150, 100)
    assert freight.volumetric_weight(channel(), package) == 500
    assert freight.chargeable_weight(channel(), package, US) == 1500


def test_volumetric_weight_counts_when_bulkier_than_heavy() -> None:
    # 600 x 400 x 300 mm = 72,000,000 mm3 / 6000 = 12,000 g; a 2 kg pillow pays for 12 kg
    package = Package(2000, 600, 400, 300)
    assert freight.volumetric_weight(channel(), package) == 12_000
    assert freight.chargeable_weight(channel(), package, US) == 12_000
    assert freight.quote(channel(), "US", package).freight == freight.price(US, 12_000)


def test_volumetric_weight_rounds_up_to_the_gram() -> None:
    # 6001 mm3 / 6000 = 1.0002 g -> 2 g
    assert freight.volumetric_weight(channel(), Package(1, 6001, 1, 1)) == 2


def test_the_divisor_of_the_channel_decides_the_volumetric_weight() -> None:
    package = Package(100, 500, 400, 300)  # 60,000,000 mm3
    assert freight.volumetric_weight(channel(volumetric_divisor=5000), package) == 12_000
    assert freight.volumetric_weight(channel(volumetric_divisor=6000), package) == 10_000


def test_no_volumetric_weight_without_a_divisor_or_with_an_unknown_side() -> None:
    assert freight.volumetric_weight(channel(volumetric_divisor=0), Package(1, 900, 900, 900)) == 0
    assert freight.volumetric_weight(channel(), Package(1, 900, 900, 0)) == 0


@pytest.mark.parametrize(
    ("grams", "zone", "rounded"),
    [(1, US, 500), (500, US, 500), (501, US, 1000), (1, JP, 1000), (1001, JP, 1250)],
)
def test_chargeable_weight_is_rounded_up_to_the_zones_steps(
    grams: int, zone: Zone, rounded: int
) -> None:
    assert freight.chargeable_weight(channel(), Package(grams), zone) == rounded


def test_chargeable_weight_without_a_zone_uses_the_shared_steps_or_a_grid_that_keeps_prices() -> (
    None
):
    same = channel(zones=(US,))
    assert freight.chargeable_weight(same, Package(501)) == 1000
    mixed = channel()  # US 500/500, JP 1000/250: every zone bills on a 250 g grid
    for grams in (1, 251, 501, 1001, 1999):
        rounded = freight.chargeable_weight(mixed, Package(grams))
        assert rounded % 250 == 0
        assert rounded >= grams
        for zone in (US, JP):
            assert freight.price(zone, rounded) == freight.price(zone, grams)


def test_a_quote_reports_the_freight_the_chargeable_weight_and_the_days() -> None:
    got = freight.quote(channel(), "US", Package(1200, 200, 150, 100))
    assert got == freight.Quote(
        service_id="AIR-T",
        freight=18_000,
        currency="CNY",
        chargeable_weight_g=1500,
        days_min=5,
        days_max=9,
    )


def test_a_quote_takes_the_country_in_any_case() -> None:
    assert freight.quote(channel(), " jp ", Package(100)).freight == 5_000


# --- refusals --------------------------------------------------------------------------------


def refusal(
    ch: Channel, country: str, package: Package, categories: tuple[str, ...] = ()
) -> Refusal:
    with pytest.raises(Refusal) as caught:
        freight.quote(ch, country, package, categories)
    return caught.value


@pytest.mark.parametrize(
    ("package", "field"),
    [
        (Package(0), "package.weight"),
        (Package(-5), "package.weight"),
        (Package(100, -1, 10, 10), "package.length"),
        (Package(100, 10, -1, 10), "package.width"),
        (Package(100, 10, 10, -1), "package.height"),
    ],
)
def test_a_package_without_weight_or_with_a_negative_side_is_bad(
    package: Package, field: str
) -> None:
    got = refusal(channel(), "US", package)
    assert (got.reason, got.field) == ("bad_package", field)


def test_a_country_outside_every_zone_is_not_served() -> None:
    got = refusal(channel(), "DE", Package(100))
    assert (got.reason, got.field) == ("not_served", "receiverAddress.country")
    assert "DE" in got.message


def test_banned_goods_are_refused_naming_the_categories() -> None:
    got = refusal(channel(), "US", Package(100), ("food", "battery"))
    assert (got.reason, got.field) == ("banned", "category")
    assert "battery" in got.message
    assert "food" not in got.message
    assert freight.quote(channel(), "US", Package(100), ("food",)).freight == 10_000


def test_a_package_over_the_maximum_weight_is_too_heavy() -> None:
    assert freight.quote(channel(), "US", Package(20_000)).chargeable_weight_g == 20_000
    got = refusal(channel(), "US", Package(20_001))
    assert (got.reason, got.field) == ("too_heavy", "package.weight")


def test_a_light_package_over_the_maximum_by_volume_is_too_heavy() -> None:
    # 1000 x 600 x 300 = 180,000,000 mm3 / 6000 = 30,000 g volumetric > 20 kg
    got = refusal(channel(), "US", Package(1000, 600, 1000, 300))
    assert (got.reason, got.field) == ("too_heavy", "package")


def test_the_maximum_weight_applies_before_rounding_to_steps() -> None:
    # at most 19,900 g: a 19,900 g package is carried, charged for the 20,000 g step
    heavy = channel(max_weight_g=19_900)
    assert freight.quote(heavy, "US", Package(19_900)).chargeable_weight_g == 20_000


def test_a_side_over_the_maximum_is_oversize_naming_that_side() -> None:
    got = refusal(channel(), "US", Package(100, 100, 1001, 100))
    assert (got.reason, got.field) == ("oversize", "package.width")
    assert freight.quote(channel(max_girth_mm=None), "US", Package(100, 1000, 10, 10))


def test_a_girth_over_the_maximum_is_oversize() -> None:
    # 900 + 2 * (400 + 400) = 2500 > 2400, though no side is over 1000
    post = channel(volumetric_divisor=0)
    got = refusal(post, "US", Package(100, 400, 900, 400))
    assert (got.reason, got.field) == ("oversize", "package")
    assert "2500" in got.message
    no_girth = channel(max_girth_mm=None, volumetric_divisor=0)
    assert freight.quote(no_girth, "US", Package(100, 400, 900, 400)).chargeable_weight_g == 500
    assert freight.quote(post, "US", Package(100, 400, 800, 400)).freight == 10_000  # 2400


# --- tables ------------------------------------------------------------------------------------


def test_zone_for_finds_the_zone_holding_the_country() -> None:
    ch = channel()
    assert ch.zone_for("US") is US
    assert ch.zone_for("jp") is JP
    assert ch.zone_for("FR") is None


def test_tables_find_channels_by_id_and_reaching_a_country_in_table_order() -> None:
    a = channel(service_id="A", zones=(JP,))
    b = channel(service_id="B", zones=(US, JP))
    c = channel(service_id="C", zones=(US,))
    tables = freight.FreightTables((a, b, c))
    assert tables.channel("B") is b
    assert tables.channel("Z") is None
    assert [(ch.service_id, z.name) for ch, z in tables.reaching("JP")] == [
        ("A", "JP"),
        ("B", "JP"),
    ]
    assert [ch.service_id for ch, _ in tables.reaching("US")] == ["B", "C"]
    assert tables.reaching("KP") == []


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("US", True),
        ("de", True),
        ("KP", True),
        ("XX", False),
        ("EU", False),
        ("AC", False),
        ("USA", False),
        ("", False),
    ],
)
def test_is_country_knows_iso_alpha_2_codes(code: str, valid: bool) -> None:
    assert freight.is_country(code) is valid


GOOD = """
[categories.battery]
meaning = "cells"
keywords = ["电池", "Battery"]

[zones]
EU = ["DE", "FR", "IT"]
NORDIC = ["SE", "DK"]

[[channels]]
service_id = "AIR-T"
company_name = "Test Air"
service_category = "air"
volumetric_divisor = 6000
max_weight_g = 20000
max_side_mm = 1000
banned_categories = ["battery"]

[[channels.zones]]
name = "EUROPE"
include = ["EU", "NORDIC"]
exclude = ["IT"]
countries = ["GB"]
first_weight_g = 500
first_fee = 10000
step_weight_g = 500
step_fee = 4000
days_min = 5
days_max = 9
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "freight.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_table_file_expands_named_zones_and_defaults_the_currency(tmp_path: Path) -> None:
    tables = freight.load(write(tmp_path, GOOD))
    ch = tables.channel("AIR-T")
    assert ch is not None
    assert ch.currency == "CNY"
    assert ch.max_girth_mm is None
    assert ch.zones[0].countries == frozenset({"DE", "FR", "SE", "DK", "GB"})
    assert ch.banned_categories == frozenset({"battery"})
    assert tables.categories[0].keywords == ("电池", "battery")


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("first_fee = 10000", "first_fee = -1", "zones[0] (EUROPE).first_fee"),
        ("step_fee = 4000", "step_fee = -400", "zones[0] (EUROPE).step_fee"),
        ("step_weight_g = 500", "step_weight_g = 0", "zones[0] (EUROPE).step_weight_g"),
        ("first_weight_g = 500", "first_weight_g = 0", "first_weight_g"),
        ("first_weight_g = 500", "first_weight_g = 0.5", "first_weight_g"),
        ("first_weight_g = 500", "", "first_weight_g"),
        ("days_max = 9", "days_max = 4", "days_max"),
        ('countries = ["GB"]', 'countries = ["GB", "XX"]', "countries[1]"),
        ('EU = ["DE", "FR", "IT"]', 'EU = ["DE", "FRA"]', "zones.EU[1]"),
        ('include = ["EU", "NORDIC"]', 'include = ["EU", "ASIA"]', "include[1]"),
        ('exclude = ["IT"]', 'exclude = ["ZZ"]', "exclude[0]"),
        ('banned_categories = ["battery"]', 'banned_categories = ["gold"]', "banned_categories[0]"),
        ("volumetric_divisor = 6000", "volumetric_divisor = -6000", "volumetric_divisor"),
        ("max_weight_g = 20000", "max_weight_g = 0", "max_weight_g"),
        ("max_side_mm = 1000", "max_side_mm = 1000\nmax_girth_mm = 0", "max_girth_mm"),
        ('service_category = "air"', 'service_category = "air"\ncurrency = "XYZ"', "currency"),
        ('service_category = "air"', 'service_category = ""', "service_category"),
        ('service_category = "air"', 'service_category = "air"\nspeed = 3', "speed"),
        ("days_min = 5", "days_min = 5\nday_max = 9", "day_max"),
        ('company_name = "Test Air"', "", "company_name"),
    ],
)
def test_load_refuses_a_wrong_file_naming_the_key(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    assert old in GOOD
    with pytest.raises(ValueError) as caught:
        freight.load(write(tmp_path, GOOD.replace(old, new, 1)))
    assert named in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_load_refuses_a_duplicate_service_id(tmp_path: Path) -> None:
    second = GOOD[GOOD.index("[[channels]]") :]
    with pytest.raises(
        ValueError, match=r"channels\[1\]\.service_id: duplicate service_id 'AIR-T'"
    ):
        freight.load(write(tmp_path, GOOD + second))


def test_load_refuses_a_country_in_two_zones_of_a_channel(tmp_path: Path) -> None:
    zone = GOOD[GOOD.index("[[channels.zones]]") :].replace('name = "EUROPE"', 'name = "UK"')
    zone = zone.replace('include = ["EU", "NORDIC"]\nexclude = ["IT"]\n', "")
    with pytest.raises(ValueError, match=r"zones\[1\] \(UK\): GB is already in zone 'EUROPE'"):
        freight.load(write(tmp_path, GOOD + zone))


def test_load_refuses_a_zone_serving_no_country(tmp_path: Path) -> None:
    text = GOOD.replace('include = ["EU", "NORDIC"]\n', "").replace('countries = ["GB"]\n', "")
    with pytest.raises(ValueError, match=r"zones\[0\] \(EUROPE\): serves no country"):
        freight.load(write(tmp_path, text))


def test_load_refuses_a_channel_without_zones_and_a_file_without_channels(tmp_path: Path) -> None:
    without_zones = GOOD[: GOOD.index("[[channels.zones]]")]
    with pytest.raises(ValueError, match=r"channels\[0\] \(AIR-T\)\.zones: must be a non-empty"):
        freight.load(write(tmp_path, without_zones))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"channels: must be a non-empty"):
        freight.load(write(tmp_path / "empty", GOOD[: GOOD.index("[[channels]]")]))


def test_load_refuses_text_that_is_not_toml_or_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not valid TOML"):
        freight.load(write(tmp_path, "[[channels]\n"))
    with pytest.raises(ValueError, match="cannot be read"):
        freight.load(tmp_path / "absent.toml")


# --- the shipped table ---------------------------------------------------------------------------


def test_the_shipped_table_loads_and_every_channel_reaches_a_country() -> None:
    tables = freight.load()
    assert tables is freight.load(None)
    assert len(tables.channels) >= 4
    for ch in tables.channels:
        assert ch.currency == "CNY"
        assert ch.zones
        assert all(zone.countries for zone in ch.zones)
        assert all(freight.is_country(c) for zone in ch.zones for c in zone.countries)
    ids = {ch.service_id for ch in tables.channels}
    assert {"EXP-DHL", "AIR-STD", "AIR-SENS", "SEA-STD"} <= ids
    names = {c.name for c in tables.categories}
    assert names == {"battery", "liquid", "powder", "magnet", "food", "cosmetics", "knife", "brand"}


@pytest.mark.parametrize("country", ["KP", "IR", "SY", "CU"])
def test_the_shipped_table_serves_no_sanctioned_country(country: str) -> None:
    assert freight.load().reaching(country) == []


def test_the_shipped_table_quotes_every_channel_to_the_us() -> None:
    tables = freight.load()
    quotes = [
        freight.quote(ch, "US", Package(800, 300, 200, 100)) for ch, _ in tables.reaching("US")
    ]
    assert len(quotes) == len(tables.channels)
    assert all(q.freight > 0 and q.days_min <= q.days_max for q in quotes)
    by_id = {q.service_id: q for q in quotes}
    assert by_id["EXP-DHL"].days_max < by_id["SEA-STD"].days_min


def test_the_sensitive_line_carries_a_battery_the_standard_line_refuses() -> None:
    tables = freight.load()
    found = freight.categories_of("无线蓝牙耳机 带充电仓 电池", None, tables)
    assert "battery" in found
    std, sens = tables.channel("AIR-STD"), tables.channel("AIR-SENS")
    assert std is not None and sens is not None
    with pytest.raises(Refusal) as caught:
        freight.quote(std, "US", Package(300), found)
    assert caught.value.reason == "banned"
    assert freight.quote(sens, "US", Package(300), found).freight > 0


# --- combine ---------------------------------------------------------------------------------


def test_combine_sums_the_weights_of_every_unit() -> None:
    got = freight.combine([(Package(200, 100, 50, 30), 3), (Package(500, 400, 10, 10), 1)])
    assert got.weight_g == 1100


def test_combine_keeps_the_longest_side_and_a_square_section_holding_the_volume() -> None:
    got = freight.combine([(Package(200, 100, 50, 30), 3), (Package(500, 400, 10, 10), 1)])
    # volume 3 * 150,000 + 40,000 = 490,000 mm3 over 400 mm: 1225 mm2 -> 35 x 35
    assert got == Package(1100, 400, 35, 35)


def test_combine_makes_a_cube_when_the_section_would_be_wider_than_long() -> None:
    got = freight.combine([(Package(100, 100, 100, 100), 30)])
    # 30,000,000 mm3: a cube of side ceil(cbrt) = 311 mm (311^3 >= 3e7 > 310^3)
    assert got == Package(3000, 311, 311, 311)
    assert got.length_mm * got.width_mm * got.height_mm >= 30_000_000


def test_combine_of_one_unit_keeps_its_volume() -> None:
    got = freight.combine([(Package(250, 300, 200, 100), 1)])
    assert got.weight_g == 250
    assert got.length_mm == 300
    assert got.length_mm * got.width_mm * got.height_mm >= 300 * 200 * 100


def test_combine_with_an_unknown_size_knows_no_size() -> None:
    got = freight.combine([(Package(200, 100, 50, 30), 2), (Package(300), 1)])
    assert got == Package(700)


def test_combine_skips_zero_quantities_and_refuses_negative_ones() -> None:
    assert (
        freight.combine([(Package(200, 10, 10, 10), 0), (Package(50, 10, 10, 10), 2)]).weight_g
        == 100
    )
    with pytest.raises(Refusal) as caught:
        freight.combine([(Package(200), 1), (Package(50), -1)])
    assert (caught.value.reason, caught.value.field) == ("bad_package", "items[1].quantity")


# --- goods categories ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "category"),
    [
        ("20000毫安 充电宝 快充", "battery"),
        ("Portable Power Bank 10000mAh", "battery"),
        ("AA Batteries pack of 8", "battery"),
        ("法式香水 女士 50ml", "liquid"),
        ("Rose Perfume for women", "liquid"),
        ("透明液体胶", "liquid"),
        ("婴儿奶粉 3段 800g", "powder"),
        ("Whey protein powder", "powder"),
        ("冰箱贴 强力磁铁 10个装", "magnet"),
        ("Neodymium magnet set", "magnet"),
        ("网红零食大礼包", "food"),
        ("四川特产 食品", "food"),
        ("Spicy snack mix", "food"),
        ("哑光口红 持久", "cosmetics"),
        ("化妆品套装", "cosmetics"),
        ("Matte lipstick set", "cosmetics"),
        ("不锈钢水果刀", "knife"),
        ("Folding pocket knife", "knife"),
        ("高仿 名牌包", "brand"),
    ],
)
def test_categories_of_finds_each_category_in_chinese_and_english_titles(
    title: str, category: str
) -> None:
    assert category in freight.categories_of(title)


def test_categories_of_reads_the_marketplace_category_name_too() -> None:
    assert freight.categories_of("经典款 礼盒", "彩妆/香水/美妆工具") >= {"cosmetics", "liquid"}


@pytest.mark.parametrize(
    "title", ["粉色连衣裙 夏季", "纯棉T恤 男", "Pink cotton dress", "Wireless mouse", "酒店拖鞋"]
)
def test_categories_of_finds_nothing_in_ordinary_goods(title: str) -> None:
    assert freight.categories_of(title) == frozenset()


def test_an_ignored_phrase_does_not_hide_a_real_keyword() -> None:
    assert freight.categories_of("粉色罐 婴儿奶粉") == frozenset({"powder"})
