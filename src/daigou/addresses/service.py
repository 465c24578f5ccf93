"""Saved consignee addresses (ENDPOINTS 10.1-10.3) and their use in orders (``addressId``).

Each account of a developer keeps its own address book (the main account's and each
sub-account's, ``Book``). Visibility follows the orders' rule (ENDPOINTS Conventions): a
sub-account sees and changes only its own addresses (another sub-account's or the main account's
answer 40302), the main account sees and changes all of its developer's (an address it updates
stays in its owner's book), another developer's answer 40401. The list (10.2) is the acting
account's book: the main account reads a sub-account's by sending its ``user-id``.

An address names a real chain of the area table (``addresses.areas``): the province, a city of
it and a district of that city, by their official names or common short forms (广东 / 深圳 / 南山,
Guangdong Sheng); the saved address keeps the official names and the district's code
(``districtCode``, filled from the names, or checked against them when given). A city without
districts (东莞, 中山, 儋州) and a county-level city under its province (仙桃) act as their own
district. ``town`` is matched to a town of the district (``townCode``) or kept as text.

At most ``MAX_ADDRESSES`` per book (40901) and one default: the first address is the default;
making one the default unsets the other in the same transaction; a deleted (or unset) default
passes to the newest remaining address. Writes to one book are serialized (PostgreSQL: an
advisory lock per book; SQLite: one writer at a time), so no race exceeds the limit; a partial
unique index keeps one default whatever happens.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from daigou.addresses import areas, phones
from daigou.addresses.models import ConsigneeAddress
from daigou.addresses.schemas import AddressIn, AddressOut
from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.core.pagination import Page, PageRequest
from daigou.db.session import Database
from daigou.marketplace import port as P

MAX_ADDRESSES = 50  # per book (ENDPOINTS 10.1, ours)
REQUIRED = ("name", "phone", "province", "city", "district", "address")
# the pseudo-cities that hold county-level cities directly under a province (仙桃, 济源, 石河子)
DIRECT_COUNTIES = "直辖县级行政区划"
MUNICIPAL_DISTRICTS = "市辖区"  # older GB/T 2260 name of a municipality's one city


@dataclass(frozen=True)
class Book:
    """Whose address book: a developer's main account (``user_id = ''``) or a sub-account."""

    developer_id: int
    user_id: str

    @classmethod
    def of(cls, caller: Any) -> Book:
        """The acting account of a signed caller (or a buyer): anything with ``developer_id``
        and ``user_id`` (None for the main account)."""
        return cls(caller.developer_id, caller.user_id or "")

    @property
    def is_main(self) -> bool:
        return self.user_id == ""


# --- the area chain -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    province: areas.Area
    city: areas.Area
    district: areas.Area  # level 3, or the city itself when it has no districts
    town: areas.Area | None = None  # when the district name was a town of such a city


def _pick(candidates: tuple[areas.Area, ...] | list[areas.Area], given: str) -> areas.Area | None:
    """The one area named ``given``: its official name, a unique prefix of two characters or
    more (广东 for 广东省, 恩施 for 恩施土家族苗族自治州), or its pinyin name (Guangdong Sheng)."""
    given = given.strip()
    for a in candidates:
        if a.name == given:
            return a
    if len(given) >= 2:
        prefixed = [a for a in candidates if a.name.startswith(given)]
        if len(prefixed) == 1:
            return prefixed[0]
    latin = given.lower().replace(" ", "")
    if latin.isascii() and latin:
        spelled = [a for a in candidates if a.name_en.lower().replace(" ", "") == latin]
        if len(spelled) == 1:
            return spelled[0]
    return None


def match_place(province: str, city: str, district: str) -> Place:
    """The chain the three names make; 40001 on the first name that does not fit (``province``
    unknown, ``city`` not in the province, ``district`` not under the city)."""
    prov = _pick(areas.children(None), province)
    if prov is None:
        raise validation_error("province", f"{province!r} is not a province of China")
    cities = [c for c in areas.children(prov.code) if c.level == areas.CITY]
    found = _pick(cities, city)
    if found is None:
        counties = [
            d
            for c in cities
            if c.name.endswith(DIRECT_COUNTIES)
            for d in areas.children(c.code)
            if d.level == areas.DISTRICT
        ]
        found = _pick(counties, city)
    if found is None and city.strip() == MUNICIPAL_DISTRICTS and len(cities) == 1:
        found = cities[0]
    if found is None:
        raise validation_error("city", f"{city!r} is not a city of {prov.name}")
    below = areas.children(found.code)
    districts = [d for d in below if d.level == areas.DISTRICT]
    if districts:
        got = _pick(districts, district)
        if got is None:
            raise validation_error("district", f"{district!r} is not a district of {found.name}")
        return Place(prov, found, got)
    # a city without districts: the city is its own district; the name may be a town of it
    if _pick([found], district) is not None:
        return Place(prov, found, found)
    town = _pick([t for t in below if t.level == areas.TOWN], district)
    if town is None:
        raise validation_error("district", f"{district!r} is not a district of {found.name}")
    return Place(prov, found, found, town)


def _check_code(place: Place, code: str | None) -> None:
    """``districtCode``, when given, must be the district the names make."""
    if code is None or code == place.district.code:
        return
    named = areas.area(code)
    if named is None or not (
        named.level == areas.DISTRICT or (named.level == areas.CITY and not _has_districts(named))
    ):
        raise validation_error("districtCode", f"{code} is not the code of a district")
    raise validation_error(
        "districtCode",
        f"{code} is {named.name}, not {place.district.name} "
        f"({place.province.name} {place.city.name}): give matching names, or leave it out",
    )


def _has_districts(city: areas.Area) -> bool:
    return any(d.level == areas.DISTRICT for d in areas.children(city.code))


def _town(place: Place, town: str | None) -> tuple[str | None, str | None]:
    """(town, townCode): a town of the district by its official name, else the text as given."""
    if not town:
        if place.town is not None:
            return place.town.name, place.town.code
        return None, None
    kids = [t for t in areas.children(place.district.code) if t.level == areas.TOWN]
    found = _pick(kids, town)
    return (found.name, found.code) if found is not None else (town, None)


# --- reading and locking --------------------------------------------------------------------------
def _out(row: Any) -> dict[str, Any]:
    """The wire address of a row (an entity, or a Core row of the table)."""
    return {
        "id": row.id,
        "name": row.name,
        "phone": row.phone,
        "tel": row.tel,
        "province": row.province,
        "city": row.city,
        "district": row.district,
        "town": row.town,
        "address": row.address,
        "postCode": row.post_code,
        "districtCode": row.district_code,
        "townCode": row.town_code,
        "label": row.label,
        "isDefault": row.is_default,
        "createTime": row.created_at,
        "modifyTime": row.modified_at,
    }


def _in_book(book: Book) -> Any:
    return (ConsigneeAddress.developer_id == book.developer_id) & (
        ConsigneeAddress.user_id == book.user_id
    )


def _lock_book(s: Session, book: Book) -> None:
    """Serialize the writes to one book (its count and its default). SQLite runs one writer
    at a time already (BEGIN IMMEDIATE); PostgreSQL takes a transaction advisory lock."""
    bind = s.get_bind()
    if bind.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(
        f"consignee_address:{book.developer_id}:{book.user_id}".encode(), digest_size=8
    ).digest()
    s.execute(
        text("SELECT pg_advisory_xact_lock(:key)"),
        {"key": int.from_bytes(digest, "big", signed=True)},
    )


def _visible(s: Session, book: Book, address_id: int) -> ConsigneeAddress:
    """The address, if the caller may see it: 40401 for another developer's (read exactly as
    an id no one has), 40302 for another account's of the same developer to a sub-account."""
    row = s.get(ConsigneeAddress, address_id)
    if row is None or row.developer_id != book.developer_id:
        raise NotFound(f"no address {address_id}")
    if not book.is_main and row.user_id != book.user_id:
        raise ApiError(40302, f"address {address_id} belongs to another account")
    return row


def _make_default(s: Session, row: ConsigneeAddress) -> None:
    book = Book(row.developer_id, row.user_id)
    s.execute(
        update(ConsigneeAddress)
        .where(_in_book(book), ConsigneeAddress.is_default.is_(True))
        .values(is_default=False)
    )
    s.execute(update(ConsigneeAddress).where(ConsigneeAddress.id == row.id).values(is_default=True))


def _pass_default(s: Session, book: Book, leaving: int) -> None:
    """The default leaves address ``leaving``: the newest other address of the book takes it."""
    s.execute(
        update(ConsigneeAddress).where(ConsigneeAddress.id == leaving).values(is_default=False)
    )
    heir = s.scalar(
        select(ConsigneeAddress.id)
        .where(_in_book(book), ConsigneeAddress.id != leaving)
        .order_by(ConsigneeAddress.id.desc())
        .limit(1)
    )
    if heir is not None:
        s.execute(
            update(ConsigneeAddress).where(ConsigneeAddress.id == heir).values(is_default=True)
        )


# --- 10.1 ---------------------------------------------------------------------------------------
def _missing(body: AddressIn) -> None:
    missing = [f for f in REQUIRED if not getattr(body, f)]
    if missing:
        raise ApiError(
            40001,
            f"{missing[0]}: required to create an address",
            {"errors": [{"field": f, "message": "required to create an address"} for f in missing]},
        )


def _mobile(value: str) -> str:
    number = phones.mobile(value)
    if number is None:
        raise validation_error("phone", "not a valid mobile number of China")
    return number


def _tel(value: str | None) -> str | None:
    if not value:
        return None
    if phones.phone(value) is None:
        raise validation_error("tel", "not a valid phone number of China")
    return value


def save(db: Database, book: Book, body: AddressIn, now_ms: int) -> dict[str, Any]:
    """10.1: create (no ``id`` or 0) or update an address; the saved address."""
    if not body.id:
        return _create(db, book, body, now_ms)
    return _update(db, book, body.id, body, now_ms)


def _create(db: Database, book: Book, body: AddressIn, now_ms: int) -> dict[str, Any]:
    _missing(body)
    assert body.province and body.city and body.district and body.phone
    phone, tel = _mobile(body.phone), _tel(body.tel)
    place = match_place(body.province, body.city, body.district)
    _check_code(place, body.districtCode)
    town, town_code = _town(place, body.town)
    with db.transaction() as s:
        _lock_book(s, book)
        count = s.scalar(select(func.count()).where(_in_book(book))) or 0
        if count >= MAX_ADDRESSES:
            raise Conflict(f"at most {MAX_ADDRESSES} saved addresses per account: delete one first")
        row = ConsigneeAddress(
            developer_id=book.developer_id,
            user_id=book.user_id,
            name=body.name,
            phone=phone,
            tel=tel,
            province=place.province.name,
            city=place.city.name,
            district=place.district.name,
            town=town,
            address=body.address,
            post_code=body.postCode,
            district_code=place.district.code,
            town_code=town_code,
            label=body.label or None,
            is_default=False,
            created_at=now_ms,
            modified_at=now_ms,
        )
        s.add(row)
        s.flush()
        if count == 0 or body.isDefault:
            _make_default(s, row)
        s.flush()
        s.refresh(row)
        return _out(row)


def _update(
    db: Database, book: Book, address_id: int, body: AddressIn, now_ms: int
) -> dict[str, Any]:
    with db.transaction() as s:
        row = _visible(s, book, address_id)
        owner = Book(row.developer_id, row.user_id)
        _lock_book(s, owner)
        if body.name is not None:
            row.name = body.name
        if body.phone is not None:
            row.phone = _mobile(body.phone)
        if body.tel is not None:
            row.tel = _tel(body.tel)
        if body.address is not None:
            row.address = body.address
        if body.postCode is not None:
            row.post_code = body.postCode
        if body.label is not None:
            row.label = body.label or None
        moved = any(
            v is not None for v in (body.province, body.city, body.district, body.districtCode)
        )
        if moved or body.town is not None:
            place = match_place(
                body.province or row.province, body.city or row.city, body.district or row.district
            )
            _check_code(place, body.districtCode)
            same_district = place.district.code == row.district_code
            town_text = (
                body.town if body.town is not None else (row.town if same_district else None)
            )
            row.province, row.city = place.province.name, place.city.name
            row.district, row.district_code = place.district.name, place.district.code
            row.town, row.town_code = _town(place, town_text)
        row.modified_at = now_ms
        s.flush()
        if body.isDefault is True and not row.is_default:
            _make_default(s, row)
        elif body.isDefault is False and row.is_default:
            _pass_default(s, owner, row.id)
        s.flush()
        s.refresh(row)
        return _out(row)


# --- 10.2, 10.3 ---------------------------------------------------------------------------------
def page(db: Database, book: Book, req: PageRequest) -> Page[dict[str, Any]]:
    """10.2: the book of the acting account, the default first, then the newest."""
    with db.transaction() as s:
        total = s.scalar(select(func.count()).where(_in_book(book))) or 0
        rows = s.scalars(
            select(ConsigneeAddress)
            .where(_in_book(book))
            .order_by(ConsigneeAddress.is_default.desc(), ConsigneeAddress.id.desc())
            .offset(req.offset)
            .limit(req.page_size)
        ).all()
        items = [_out(r) for r in rows]
    return Page(items, req.page_size, total_records=total, current_page=req.page_no)


def delete(db: Database, book: Book, address_id: int) -> bool:
    """10.3: a deleted default passes to the newest remaining address of its book."""
    with db.transaction() as s:
        row = _visible(s, book, address_id)
        owner = Book(row.developer_id, row.user_id)
        _lock_book(s, owner)
        was_default = row.is_default
        s.delete(row)
        s.flush()
        if was_default:
            _pass_default(s, owner, address_id)
    return True


# --- addressId in orders --------------------------------------------------------------------------
def for_order(
    db: Database, developer_id: int, user_id: str | None, address_id: int, field: str
) -> AddressOut:
    """The saved address an order names by ``addressId`` (read only). An id that is unknown,
    another developer's, or (to a sub-account) another account's answers 40001 on ``field``,
    the same for all: the order is the object named, the address only one of its values."""
    with db.reading() as conn:
        address = conn.execute(
            select(ConsigneeAddress.__table__).where(ConsigneeAddress.id == address_id)
        ).first()
    if (
        address is None
        or address.developer_id != developer_id
        or (user_id and address.user_id != user_id)
    ):
        raise validation_error(field, f"no saved address {address_id} of this account (10.2)")
    return AddressOut(**_out(address))


def to_port(a: AddressOut) -> P.Address:
    """A saved address as the marketplace takes it, with its district code."""
    return P.Address(
        full_name=a.name,
        mobile=a.phone,
        phone=a.tel or "",
        post_code=a.postCode or "",
        province=a.province,
        city=a.city,
        area=a.district,
        town=a.town or "",
        address=a.address,
        district_code=a.districtCode,
    )
