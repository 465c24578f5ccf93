"""Freight tables: what each shipping channel charges to carry a package abroad.

Pure functions and frozen dataclasses (no database, no HTTP). The tables come from a TOML file
(`data/freight.toml` shipped with the gateway, or the operator's own through
`DAIGOU_FREIGHT_TABLES`; docs/warehouse-freight.md describes the format) and are validated on
load: a wrong file fails with a ValueError naming the channel, zone and key.

How a package is priced on a channel for a destination country:

1. the channel must have a zone that holds the country (else `not_served`) and must not ban any
   of the goods' categories (`banned`);
2. the volumetric weight is `ceil(L * W * H / divisor)` grams (mm3 / divisor: a divisor is cm3
   per kg, and mm3 / 1000 / divisor kg is mm3 / divisor g); 0 when a dimension is unknown (0)
   or the channel has no divisor;
3. the package's weight is the greater of its actual and volumetric weights; it must not
   exceed the channel's `max_weight_g` (`too_heavy`), nor its sides `max_side_mm` and the
   girth `max_girth_mm` (`oversize`);
4. the chargeable weight is that weight rounded UP to the zone's steps: the first weight when
   at or below it, else the first weight plus a whole number of additional steps;
5. the freight is `first_fee + ceil(max(0, w - first_weight_g) / step_weight_g) * step_fee`
   (integer fen; the currency's minor units).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import iso4217
import phonenumbers

# phonenumbers' regions are ISO 3166-1 alpha-2 codes plus two parts of Saint Helena that ISO
# only reserves (AC Ascension, TA Tristan da Cunha); XK (Kosovo) is kept: carriers use it.
_NOT_ISO = frozenset({"AC", "TA"})
_COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS) - _NOT_ISO

# Refusal reasons
NOT_SERVED = "not_served"
TOO_HEAVY = "too_heavy"
OVERSIZE = "oversize"
BANNED = "banned"
BAD_PACKAGE = "bad_package"


@dataclass(frozen=True, slots=True)
class Zone:
    name: str  # e.g. "US", "EU-1" (the table's own label)
    countries: frozenset[str]  # ISO 3166-1 alpha-2, zones of the file expanded
    first_weight_g: int  # the first weight step, grams
    first_fee: int  # fen for the first step
    step_weight_g: int  # each additional step, grams
    step_fee: int  # fen per additional step
    days_min: int
    days_max: int


@dataclass(frozen=True, slots=True)
class Channel:
    service_id: str  # freightInfo.serviceId
    company_name: str  # freightInfo.companyName
    service_category: str  # freightInfo.serviceCategory: express, air, sea, rail, ...
    currency: str  # "CNY" (the wallet's); fees are in its minor units
    volumetric_divisor: int  # cm3 per kg, e.g. 6000 (0 = no volumetric weight)
    max_weight_g: int  # per package, actual and chargeable
    max_side_mm: int  # longest side
    max_girth_mm: int | None  # length + 2 * (width + height), when the carrier limits it
    banned_categories: frozenset[str]  # goods categories refused (GoodsCategory.name)
    zones: tuple[Zone, ...]

    def zone_for(self, country: str) -> Zone | None:
        """The zone that holds `country` (ISO alpha-2, any case), or None: not served."""
        code = country.strip().upper()
        for zone in self.zones:
            if code in zone.countries:
                return zone
        return None

    def refuses(self, categories: Iterable[str]) -> frozenset[str]:
        """Those of `categories` the channel does not carry (empty: it carries them all)."""
        return self.banned_categories.intersection(categories)


@dataclass(frozen=True, slots=True)
class Package:
    weight_g: int
    length_mm: int = 0  # 0: unknown (then no volumetric weight)
    width_mm: int = 0
    height_mm: int = 0


@dataclass(frozen=True, slots=True)
class Quote:
    service_id: str
    freight: int  # fen
    currency: str
    chargeable_weight_g: int
    days_min: int
    days_max: int


class Refusal(Exception):
    """Why a channel cannot carry a package.

    `reason`: "not_served", "too_heavy", "oversize", "banned", "bad_package"; `field`: a
    JSON-path hint for a 40001 answer ("receiverAddress.country", "package.weight",
    "package.length", "category", "items[0].quantity"...); `message`: for a human.
    """

    reason: str
    field: str
    message: str

    def __init__(self, reason: str, field: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"Refusal({self.reason!r}, {self.field!r}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class GoodsCategory:
    """A goods category channels may refuse, and the words that reveal it in a title."""

    name: str  # battery, liquid, powder, magnet, food, cosmetics, knife, brand, ...
    meaning: str
    keywords: tuple[str, ...]  # lower case; a title or category name containing one is it
    ignore: tuple[str, ...] = ()  # phrases that contain a keyword but are not it (粉色: pink)

    def found_in(self, text: str) -> bool:
        text = text.lower()
        for phrase in self.ignore:
            text = text.replace(phrase, " ")
        return any(word in text for word in self.keywords)


@dataclass(frozen=True, slots=True)
class FreightTables:
    channels: tuple[Channel, ...]
    categories: tuple[GoodsCategory, ...] = ()
    _by_id: Mapping[str, Channel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.service_id: c for c in self.channels})

    def channel(self, service_id: str) -> Channel | None:
        return self._by_id.get(service_id)

    def reaching(self, country: str) -> list[tuple[Channel, Zone]]:
        """Every channel that serves `country`, with its zone there, in table order."""
        found = []
        for channel in self.channels:
            zone = channel.zone_for(country)
            if zone is not None:
                found.append((channel, zone))
        return found

    def categories_of(self, title: str, category_name: str | None = None) -> frozenset[str]:
        """The goods categories a title (and the marketplace's category name) reveal."""
        texts = [title, category_name or ""]
        return frozenset(c.name for c in self.categories if any(c.found_in(text) for text in texts))


def country_code(text: str) -> str | None:
    """`text` as an ISO 3166-1 alpha-2 code (upper case), or None when it is not one."""
    code = text.strip().upper()
    return code if code in _COUNTRIES else None


def is_country(code: str) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 country code (any case), from phonenumbers'
    maintained list of regions."""
    return country_code(code) is not None


# --- weights and prices ----------------------------------------------------------------------


def volumetric_weight(channel: Channel, package: Package) -> int:
    """ceil(L * W * H / divisor) grams; 0 when a dimension is unknown or there is no divisor."""
    volume = package.length_mm * package.width_mm * package.height_mm
    if channel.volumetric_divisor <= 0 or volume <= 0:
        return 0
    return -(-volume // channel.volumetric_divisor)


def chargeable_weight(channel: Channel, package: Package, zone: Zone | None = None) -> int:
    """max(actual, volumetric) grams, rounded UP to the zone's steps (the first weight when at
    or below it, else the first weight plus whole additional steps).

    Without `zone`: the channel's zones' steps when they all share them; otherwise up to the
    finest grid every zone bills on (the gcd of their first weights and steps), which changes
    no zone's price.
    """
    weight = max(package.weight_g, volumetric_weight(channel, package))
    if zone is not None:
        return _round_up(weight, zone.first_weight_g, zone.step_weight_g)
    steps = {(z.first_weight_g, z.step_weight_g) for z in channel.zones}
    if len(steps) == 1:
        first, step = next(iter(steps))
        return _round_up(weight, first, step)
    grid = math.gcd(*(n for pair in steps for n in pair)) if steps else 1
    return max(grid, -(-weight // grid) * grid)


def _round_up(weight: int, first: int, step: int) -> int:
    if weight <= first:
        return first
    return first + -(-(weight - first) // step) * step


def price(zone: Zone, chargeable_g: int) -> int:
    """first_fee + ceil(max(0, w - first_weight_g) / step_weight_g) * step_fee (fen)."""
    extra = max(0, chargeable_g - zone.first_weight_g)
    return zone.first_fee + -(-extra // zone.step_weight_g) * zone.step_fee


def check_package(package: Package) -> None:
    """Refuse (`bad_package`) a package without a positive weight or with a negative side."""
    if package.weight_g <= 0:
        raise Refusal(BAD_PACKAGE, "package.weight", "the weight must be a positive number of g")
    for name, value in _sides(package):
        if value < 0:
            raise Refusal(BAD_PACKAGE, f"package.{name}", f"the {name} must not be negative")


def quote(
    channel: Channel, country: str, package: Package, categories: Iterable[str] = ()
) -> Quote:
    """The channel's price for carrying `package` to `country`; raises Refusal.

    Checked in this order: the package itself (`bad_package`), the country (`not_served`),
    the goods (`banned`), the weight (`too_heavy`: actual or volumetric above the channel's
    maximum, before rounding to steps), the size (`oversize`: longest side, then girth).
    """
    check_package(package)
    zone = channel.zone_for(country)
    if zone is None:
        raise Refusal(
            NOT_SERVED,
            "receiverAddress.country",
            f"{channel.service_id} does not ship to {country.strip().upper() or '(none)'}",
        )
    banned = channel.refuses(categories)
    if banned:
        raise Refusal(
            BANNED,
            "category",
            f"{channel.service_id} does not carry {', '.join(sorted(banned))}",
        )
    if package.weight_g > channel.max_weight_g:
        raise Refusal(
            TOO_HEAVY,
            "package.weight",
            f"{package.weight_g} g is over {channel.service_id}'s {channel.max_weight_g} g",
        )
    volumetric = volumetric_weight(channel, package)
    if volumetric > channel.max_weight_g:
        raise Refusal(
            TOO_HEAVY,
            "package",
            f"the volumetric weight {volumetric} g is over {channel.service_id}'s "
            f"{channel.max_weight_g} g",
        )
    _check_size(channel, package)
    chargeable = chargeable_weight(channel, package, zone)
    return Quote(
        service_id=channel.service_id,
        freight=price(zone, chargeable),
        currency=channel.currency,
        chargeable_weight_g=chargeable,
        days_min=zone.days_min,
        days_max=zone.days_max,
    )


def _sides(package: Package) -> list[tuple[str, int]]:
    return [
        ("length", package.length_mm),
        ("width", package.width_mm),
        ("height", package.height_mm),
    ]


def _check_size(channel: Channel, package: Package) -> None:
    name, longest = max(_sides(package), key=lambda side: side[1])
    if longest > channel.max_side_mm:
        raise Refusal(
            OVERSIZE,
            f"package.{name}",
            f"the {name} {longest} mm is over {channel.service_id}'s {channel.max_side_mm} mm",
        )
    if channel.max_girth_mm is not None:
        sides = sorted((v for _, v in _sides(package)), reverse=True)
        girth = sides[0] + 2 * (sides[1] + sides[2])
        if girth > channel.max_girth_mm:
            raise Refusal(
                OVERSIZE,
                "package",
                f"length + 2 * (width + height) = {girth} mm is over {channel.service_id}'s "
                f"{channel.max_girth_mm} mm",
            )


def combine(items: Iterable[tuple[Package, int]]) -> Package:
    """An estimate of the package holding `quantity` units of each item, before packing.

    The weights are summed. The dimensions: the longest side of any item is kept as the
    length, and the summed volume gets a square cross-section over it (width = height =
    ceil(sqrt(volume / length))); when that section would be wider than the length, the
    package is a cube of the summed volume instead. Every side is rounded up, so the
    estimate's volume is never below the items'. When any item's dimensions are unknown (a 0
    side), the package's are too (all 0: no volumetric weight). Items of quantity 0 count
    for nothing; a negative quantity, weight or side is refused (`bad_package`, naming
    `items[i]`).
    """
    weight = 0
    volume = 0
    longest = 0
    known = True
    for i, (package, quantity) in enumerate(items):
        if quantity < 0:
            raise Refusal(BAD_PACKAGE, f"items[{i}].quantity", "the quantity must not be negative")
        if package.weight_g < 0:
            raise Refusal(BAD_PACKAGE, f"items[{i}].weight", "the weight must not be negative")
        for name, value in _sides(package):
            if value < 0:
                raise Refusal(BAD_PACKAGE, f"items[{i}].{name}", f"the {name} must not be negative")
        if quantity == 0:
            continue
        weight += package.weight_g * quantity
        sides = [value for _, value in _sides(package)]
        if min(sides) == 0:
            known = False
            continue
        volume += sides[0] * sides[1] * sides[2] * quantity
        longest = max(longest, *sides)
    if not known or volume == 0:
        return Package(weight)
    section = _ceil_sqrt(-(-volume // longest))
    if section <= longest:
        return Package(weight, longest, section, section)
    side = _ceil_cbrt(volume)
    return Package(weight, side, side, side)


def _ceil_sqrt(n: int) -> int:
    root = math.isqrt(n)
    return root if root * root >= n else root + 1


def _ceil_cbrt(n: int) -> int:
    root = int(round(float(n) ** (1 / 3)))
    while root**3 < n:
        root += 1
    while root > 0 and (root - 1) ** 3 >= n:
        root -= 1
    return root


# --- the tables' file ------------------------------------------------------------------------


def shipped_path() -> Path:
    """The table shipped with the gateway (`daigou/warehouse/data/freight.toml`)."""
    return Path(str(resources.files("daigou.warehouse").joinpath("data/freight.toml")))


def load(path: Path | None = None) -> FreightTables:
    """The freight tables in `path` (None: the shipped `data/freight.toml`), validated.

    Raises ValueError naming the file, the channel or zone, and the key that is wrong. Read
    once per path and process (the file is not watched).
    """
    return _load(Path(path) if path is not None else shipped_path())


@cache
def _load(path: Path) -> FreightTables:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read: {exc}") from exc
    return parse(raw, source=str(path))


def categories_of(
    title: str, category_name: str | None = None, tables: FreightTables | None = None
) -> frozenset[str]:
    """The goods categories (battery, liquid, ...) a title and a marketplace category name
    reveal, by the keywords of `tables` (None: the shipped table's)."""
    return (tables or load()).categories_of(title, category_name)


class _Where:
    """Where a value sits in the file, for error messages."""

    def __init__(self, source: str, path: str = "") -> None:
        self.source = source
        self.path = path

    def at(self, part: str) -> _Where:
        if not self.path or part.startswith("["):
            return _Where(self.source, self.path + part)
        return _Where(self.source, f"{self.path}.{part}")

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.source}: {self.path or '(top level)'}: {message}")


def _table(where: _Where, value: Any, allowed: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error("must be a table")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise where.at(unknown[0]).error(f"unknown key (known: {', '.join(allowed)})")
    return value


def _int(where: _Where, table: dict[str, Any], key: str, minimum: int) -> int:
    if key not in table:
        raise where.at(key).error("is missing")
    value: object = table[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.at(key).error(f"must be an integer, got {value!r}")
    if value < minimum:
        raise where.at(key).error(f"must be at least {minimum}, got {value}")
    return value


def _str(where: _Where, table: dict[str, Any], key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if value is None:
        raise where.at(key).error("is missing")
    if not isinstance(value, str) or not value.strip():
        raise where.at(key).error(f"must be a non-empty string, got {value!r}")
    return value.strip()


def _strings(where: _Where, table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise where.at(key).error("must be a list of non-empty strings")
    return [v.strip() for v in value]


def _countries(where: _Where, codes: list[str]) -> frozenset[str]:
    for i, code in enumerate(codes):
        if code not in _COUNTRIES:
            raise where.at(f"[{i}]").error(
                f"{code!r} is not an ISO 3166-1 alpha-2 country code (upper case)"
            )
    return frozenset(codes)


_CHANNEL_KEYS = (
    "service_id",
    "company_name",
    "service_category",
    "currency",
    "volumetric_divisor",
    "max_weight_g",
    "max_side_mm",
    "max_girth_mm",
    "banned_categories",
    "zones",
)
_ZONE_KEYS = (
    "name",
    "countries",
    "include",
    "exclude",
    "first_weight_g",
    "first_fee",
    "step_weight_g",
    "step_fee",
    "days_min",
    "days_max",
)


def parse(raw: Mapping[str, Any], source: str = "freight tables") -> FreightTables:
    """Freight tables from a parsed TOML document (see `load`)."""
    top = _Where(source)
    doc = _table(top, dict(raw), ("categories", "zones", "channels"))
    categories = _parse_categories(top.at("categories"), doc.get("categories", {}))
    named = _parse_named_zones(top.at("zones"), doc.get("zones", {}))
    channels_raw = doc.get("channels")
    if not isinstance(channels_raw, list) or not channels_raw:
        raise top.at("channels").error("must be a non-empty array of tables ([[channels]])")
    known_categories = {c.name for c in categories}
    channels: list[Channel] = []
    seen: set[str] = set()
    for i, entry in enumerate(channels_raw):
        channel = _parse_channel(top.at(f"channels[{i}]"), entry, named, known_categories)
        if channel.service_id in seen:
            raise (
                top.at(f"channels[{i}]")
                .at("service_id")
                .error(f"duplicate service_id {channel.service_id!r}")
            )
        seen.add(channel.service_id)
        channels.append(channel)
    return FreightTables(tuple(channels), categories)


def _parse_categories(where: _Where, raw: Any) -> tuple[GoodsCategory, ...]:
    if not isinstance(raw, dict):
        raise where.error("must be a table of categories ([categories.NAME])")
    found = []
    for name, entry in raw.items():
        here = where.at(name)
        table = _table(here, entry, ("meaning", "keywords", "ignore"))
        keywords = [k.lower() for k in _strings(here, table, "keywords")]
        found.append(
            GoodsCategory(
                name=name,
                meaning=_str(here, table, "meaning"),
                keywords=tuple(keywords),
                ignore=tuple(k.lower() for k in _strings(here, table, "ignore")),
            )
        )
    return tuple(found)


def _parse_named_zones(where: _Where, raw: Any) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict):
        raise where.error('must be a table of named country lists (EU = ["DE", ...])')
    named: dict[str, frozenset[str]] = {}
    for name, codes in raw.items():
        here = where.at(name)
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes) or not codes:
            raise here.error("must be a non-empty list of country codes")
        named[name] = _countries(here, codes)
    return named


def _parse_channel(
    where: _Where, entry: Any, named: dict[str, frozenset[str]], known_categories: set[str]
) -> Channel:
    table = _table(where, entry, _CHANNEL_KEYS)
    service_id = _str(where, table, "service_id")
    where = _Where(where.source, f"{where.path} ({service_id})")
    currency = _str(where, table, "currency", "CNY")
    if currency not in iso4217.Currency.__members__:
        raise where.at("currency").error(f"{currency!r} is not an ISO 4217 currency code")
    girth = None
    if "max_girth_mm" in table:
        girth = _int(where, table, "max_girth_mm", 1)
    banned = _strings(where, table, "banned_categories")
    for i, name in enumerate(banned):
        if name not in known_categories:
            raise where.at(f"banned_categories[{i}]").error(
                f"{name!r} is not a category defined in [categories]"
            )
    zones_raw = table.get("zones")
    if not isinstance(zones_raw, list) or not zones_raw:
        raise where.at("zones").error("must be a non-empty array of tables ([[channels.zones]])")
    zones: list[Zone] = []
    served: dict[str, str] = {}
    for i, zone_entry in enumerate(zones_raw):
        zone = _parse_zone(where.at(f"zones[{i}]"), zone_entry, named)
        if any(z.name == zone.name for z in zones):
            raise where.at(f"zones[{i}]").at("name").error(f"duplicate zone name {zone.name!r}")
        for code in sorted(zone.countries):
            if code in served:
                raise where.at(f"zones[{i}] ({zone.name})").error(
                    f"{code} is already in zone {served[code]!r} of this channel"
                )
            served[code] = zone.name
        zones.append(zone)
    return Channel(
        service_id=service_id,
        company_name=_str(where, table, "company_name"),
        service_category=_str(where, table, "service_category"),
        currency=currency,
        volumetric_divisor=_int(where, table, "volumetric_divisor", 0),
        max_weight_g=_int(where, table, "max_weight_g", 1),
        max_side_mm=_int(where, table, "max_side_mm", 1),
        max_girth_mm=girth,
        banned_categories=frozenset(banned),
        zones=tuple(zones),
    )


def _parse_zone(where: _Where, entry: Any, named: dict[str, frozenset[str]]) -> Zone:
    table = _table(where, entry, _ZONE_KEYS)
    name = _str(where, table, "name")
    where = _Where(where.source, f"{where.path} ({name})")
    countries = set(_countries(where.at("countries"), _strings(where, table, "countries")))
    for i, ref in enumerate(_strings(where, table, "include")):
        if ref not in named:
            raise where.at(f"include[{i}]").error(f"{ref!r} is not a zone defined in [zones]")
        countries |= named[ref]
    countries -= _countries(where.at("exclude"), _strings(where, table, "exclude"))
    if not countries:
        raise where.error("serves no country: give `countries` or `include`")
    days_min = _int(where, table, "days_min", 0)
    days_max = _int(where, table, "days_max", 0)
    if days_max < days_min:
        raise where.at("days_max").error(f"must be at least days_min ({days_min}), got {days_max}")
    return Zone(
        name=name,
        countries=frozenset(countries),
        first_weight_g=_int(where, table, "first_weight_g", 1),
        first_fee=_int(where, table, "first_fee", 0),
        step_weight_g=_int(where, table, "step_weight_g", 1),
        step_fee=_int(where, table, "step_fee", 0),
        days_min=days_min,
        days_max=days_max,
    )
