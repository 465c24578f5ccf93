"""Properties of the freight tables (daigou.warehouse.freight), checked by hypothesis over random
zones, packages and weights."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from daigou.warehouse import freight
from daigou.warehouse.freight import Channel, Package, Refusal, Zone

zones = st.builds(
    Zone,
    name=st.just("Z"),
    countries=st.just(frozenset({"US"})),
    first_weight_g=st.integers(1, 5_000),
    first_fee=st.integers(0, 100_000),
    step_weight_g=st.integers(1, 5_000),
    step_fee=st.integers(0, 50_000),
    days_min=st.just(3),
    days_max=st.just(9),
)
weights = st.integers(1, 200_000)
sides = st.integers(0, 2_000)
packages = st.builds(Package, weights, sides, sides, sides)


def channel_with(zone: Zone, divisor: int) -> Channel:
    return Channel(
        service_id="P",
        company_name="Props",
        service_category="air",
        currency="CNY",
        volumetric_divisor=divisor,
        max_weight_g=10**9,
        max_side_mm=10**6,
        max_girth_mm=None,
        banned_categories=frozenset(),
        zones=(zone,),
    )


@settings(max_examples=300, deadline=None)
@given(zones, weights, weights)
def test_the_price_never_falls_as_the_weight_rises_and_never_under_the_first_fee(
    zone: Zone, a: int, b: int
) -> None:
    light, heavy = sorted((a, b))
    assert zone.first_fee <= freight.price(zone, light) <= freight.price(zone, heavy)


@settings(max_examples=300, deadline=None)
@given(zones, weights)
def test_the_price_of_the_rounded_weight_is_the_price_of_the_weight(zone: Zone, grams: int) -> None:
    ch = channel_with(zone, 0)
    rounded = freight.chargeable_weight(ch, Package(grams), zone)
    assert rounded >= grams
    assert rounded - grams < max(zone.first_weight_g, zone.step_weight_g)
    assert freight.price(zone, rounded) == freight.price(zone, grams)


@settings(max_examples=300, deadline=None)
@given(zones, packages, st.sampled_from([0, 5000, 6000, 8000]))
def test_the_chargeable_weight_covers_actual_and_volumetric_weight(
    zone: Zone, package: Package, divisor: int
) -> None:
    ch = channel_with(zone, divisor)
    q = freight.quote(ch, "US", package)
    assert q.chargeable_weight_g >= package.weight_g
    if divisor:
        volume_mm3 = package.length_mm * package.width_mm * package.height_mm
        assert q.chargeable_weight_g * divisor >= volume_mm3
    assert q.freight == freight.price(zone, q.chargeable_weight_g)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(packages, st.integers(0, 20)), min_size=1, max_size=8))
def test_combine_sums_weights_and_never_shrinks_the_volume(
    items: list[tuple[Package, int]],
) -> None:
    got = freight.combine(items)
    assert got.weight_g == sum(p.weight_g * n for p, n in items)
    counted = [(p, n) for p, n in items if n > 0]
    if counted and all(min(p.length_mm, p.width_mm, p.height_mm) > 0 for p, _ in counted):
        volume = sum(p.length_mm * p.width_mm * p.height_mm * n for p, n in counted)
        assert got.length_mm * got.width_mm * got.height_mm >= volume
        longest = max(max(p.length_mm, p.width_mm, p.height_mm) for p, _ in counted)
        assert got.length_mm >= longest
        assert got.length_mm >= got.width_mm == got.height_mm
    else:
        assert (got.length_mm, got.width_mm, got.height_mm) == (0, 0, 0)


@settings(max_examples=200, deadline=None)
@given(packages, st.integers(1, 50_000), st.integers(1, 2_000))
def test_a_quote_either_prices_within_the_limits_or_refuses(
    package: Package, max_weight: int, max_side: int
) -> None:
    zone = Zone("Z", frozenset({"US"}), 500, 1000, 500, 400, 1, 2)
    ch = replace(channel_with(zone, 6000), max_weight_g=max_weight, max_side_mm=max_side)
    try:
        q = freight.quote(ch, "US", package)
    except Refusal as refusal:
        assert refusal.reason in {"too_heavy", "oversize"}
        assert (
            package.weight_g > max_weight
            or freight.volumetric_weight(ch, package) > max_weight
            or max(package.length_mm, package.width_mm, package.height_mm) > max_side
        )
    else:
        assert max(package.weight_g, freight.volumetric_weight(ch, package)) <= max_weight
        assert q.freight >= zone.first_fee
