"""The consolidation warehouses (ENDPOINTS 11.8) and the caller's parcel mark.

Warehouses come from a TOML file (``data/warehouses.toml`` shipped with the gateway, or the
operator's own through ``DAIGOU_WAREHOUSES``), synced into the ``warehouse`` table on first use
per process and database (origin ``config``: created when missing, updated when the file
changed), and from the operator (``POST /admin/warehouse/create``, origin ``operator``; the file
never touches those).

The **mark code** tells the warehouse whose parcel arrived: ``DG<developer>`` for a main account,
``DG<developer>S<sub-account>`` for a sub-account (the row ids in base 36: stable, short,
unique), written after the consignee's name on every domestic order (``fullName``). A booking
(11.3) adds a short suffix per logistics order (``DG1S3-K7Q2M``), so a parcel carrying it is
matched to that order (12.9).
"""

from __future__ import annotations

import json
import secrets
import threading
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.addresses import areas, phones
from daigou.core.errors import ApiError, validation_error
from daigou.core.pagination import Page, PageRequest
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore_returning
from daigou.developers.service import sub_account_pk
from daigou.http.guards import audit
from daigou.purchasing.buyer import Buyer
from daigou.warehouse import freight
from daigou.warehouse.models import LogisticsOrder, Warehouse

CONFIG, OPERATOR = "config", "operator"
MARK_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a parcel label
MARK_SUFFIX = 5


@dataclass(frozen=True)
class Configured:
    code: str
    name: str
    default: bool
    receiver: dict[str, Any]  # S3, no mark
    service_countries: tuple[str, ...]


def shipped_path() -> Path:
    return Path(str(resources.files("daigou.warehouse").joinpath("data/warehouses.toml")))


def consignee(
    district_code: str,
    address: str,
    contact: str,
    mobile: str | None,
    phone: str | None,
    post_code: str | None,
    field_prefix: str = "",
) -> dict[str, Any]:
    """The S3 consignee of a warehouse from its district code (the area table gives the province,
    city and district texts). ValueError naming the bad key."""
    found = areas.area(district_code)
    if found is None or found.level != 3:
        raise ValueError(f"{field_prefix}districtCode: {district_code!r} is not a district code")
    province, city, district = (a.name for a in areas.ancestors(district_code))
    if mobile is not None and phones.mobile(mobile) is None:
        raise ValueError(f"{field_prefix}mobile: {mobile!r} is not a mainland mobile number")
    return {
        "fullName": contact,
        "mobile": phones.mobile(mobile) if mobile else None,
        "phone": phone,
        "postCode": post_code,
        "provinceText": province,
        "cityText": city,
        "areaText": district,
        "townText": None,
        "address": address,
        "districtCode": district_code,
    }


@cache
def load(path: Path | None = None) -> tuple[Configured, ...]:
    """The warehouses of a TOML file (None: the shipped one), validated (ValueError naming the
    warehouse and key)."""
    source = path or shipped_path()
    try:
        raw = tomllib.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{source}: {exc}") from exc
    entries = raw.get("warehouses")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: no [[warehouses]]")
    out: list[Configured] = []
    for i, entry in enumerate(entries):
        where = f"{source}: warehouses[{i}]."
        try:
            code = str(entry["code"])
            countries = tuple(sorted({str(c).upper() for c in entry["service_countries"]}))
            receiver = consignee(
                str(entry["district_code"]),
                str(entry["address"]),
                str(entry["contact"]),
                entry.get("mobile"),
                entry.get("phone"),
                entry.get("post_code"),
                where,
            )
            name = str(entry["name"])
        except KeyError as exc:
            raise ValueError(f"{where}{exc.args[0]}: missing") from exc
        bad = [c for c in countries if not freight.is_country(c)]
        if bad:
            raise ValueError(f"{where}service_countries: not ISO 3166-1 alpha-2: {bad}")
        if not code or len(code) > 32 or any(o.code == code for o in out):
            raise ValueError(f"{where}code: empty, too long or repeated: {code!r}")
        out.append(Configured(code, name, bool(entry.get("default")), receiver, countries))
    return tuple(out)


_synced: set[tuple[str, str]] = set()
_sync_lock = threading.Lock()


def ensure(db: Database, path: Path | None, now_ms: int) -> None:
    """Sync the configured warehouses into the database, once per process, database and file."""
    key = (db.url, str(path or ""))
    if key in _synced:
        return
    with _sync_lock:
        if key in _synced:
            return
        configured = load(path)
        with db.transaction() as s:
            sync(s, configured, now_ms)
        _synced.add(key)


def sync(s: Session, configured: tuple[Configured, ...], now_ms: int) -> None:
    """Create the configured warehouses that are missing; update those of origin ``config``
    whose file entry changed (idempotent)."""
    for w in configured:
        values = {
            "name": w.name,
            "receiver": json.dumps(w.receiver, ensure_ascii=False, sort_keys=True),
            "service_countries": json.dumps(list(w.service_countries)),
        }
        made = insert_ignore_returning(
            s,
            Warehouse.__table__,
            {
                "code": w.code,
                **values,
                "origin": CONFIG,
                "active": True,
                "created_at": now_ms,
                "modified_at": now_ms,
            },
            ["code"],
            "code",
        )
        if made is not None:
            continue
        row = s.get(Warehouse, w.code)
        if row is None or row.origin != CONFIG:
            continue
        if any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.modified_at = now_ms


def default_codes(path: Path | None) -> list[str]:
    """The configured default warehouses, in file order."""
    return [w.code for w in load(path) if w.default]


# --- the caller's mark --------------------------------------------------------------------------
def _base36(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def mark_of(s: Session, buyer: Buyer) -> str:
    """The caller's parcel mark: developer plus sub-account (see the module's docstring)."""
    mark = f"DG{_base36(buyer.developer_id)}"
    if buyer.user_id is None:
        return mark
    pk = sub_account_pk(s, buyer.developer_id, buyer.user_id)
    if pk is None:  # the main account's own userId, or a sub-account being deleted
        return mark
    return f"{mark}S{_base36(pk)}"


def order_mark(s: Session, buyer: Buyer) -> str:
    """A new logistics order's mark: the caller's plus a short suffix no order has."""
    base = mark_of(s, buyer)
    for _ in range(8):
        mark = f"{base}-" + "".join(secrets.choice(MARK_ALPHABET) for _ in range(MARK_SUFFIX))
        taken = s.execute(
            select(LogisticsOrder.logistics_order_id).where(LogisticsOrder.mark_code == mark)
        ).first()
        if taken is None:
            return mark
    raise ApiError(50001, "could not draw a free mark code")


def marked(receiver: dict[str, Any], mark: str) -> dict[str, Any]:
    """The consignee with the mark after the name (S3 ``fullName`` is at most 50)."""
    name = str(receiver["fullName"])[: 49 - len(mark)]
    return {**receiver, "fullName": f"{name} {mark}"}


# --- reading --------------------------------------------------------------------------------------
def active(s: Session, code: str) -> Warehouse | None:
    row = s.get(Warehouse, code)
    return row if row is not None and row.active else None


def countries_of(row: Warehouse) -> list[str]:
    return list(json.loads(row.service_countries))


def receiver_of(row: Warehouse) -> dict[str, Any]:
    return dict(json.loads(row.receiver))


def serving(s: Session, country: str, defaults: list[str]) -> Warehouse | None:
    """The warehouse a booking to ``country`` goes through: a configured default that serves
    it, else the first active one (by code) that does."""
    rows = list(
        s.execute(select(Warehouse).where(Warehouse.active.is_(True)).order_by(Warehouse.code))
        .scalars()
        .all()
    )
    fits = [r for r in rows if country in countries_of(r)]
    for code in defaults:
        for r in fits:
            if r.code == code:
                return r
    return fits[0] if fits else None


def page(db: Database, buyer: Buyer, req: PageRequest, path: Path | None, now_ms: int) -> Any:
    """11.8: the active warehouses, each with the caller's mark on the consignee."""
    ensure(db, path, now_ms)
    where = [Warehouse.active.is_(True)]
    with db.transaction() as s:
        rows = list(
            s.execute(select(Warehouse).where(*where).order_by(Warehouse.code)).scalars().all()
        )
        mark = mark_of(s, buyer)
    total = len(rows)
    chosen = rows[req.offset : req.offset + req.page_size]
    items = [
        {
            "warehouseCode": r.code,
            "name": r.name,
            "receiver": marked(receiver_of(r), mark),
            "markCode": mark,
            "serviceCountries": countries_of(r),
        }
        for r in chosen
    ]
    return Page(items, req.page_size, total, req.page_no, None).to_wire()


def consignee_for(
    db: Database, buyer: Buyer, code: str, path: Path | None, now_ms: int
) -> dict[str, Any]:
    """The S3 consignee, with the caller's mark, of an active warehouse (Taobao 2.8); 40001 on
    ``warehouseCode`` when there is none of that code."""
    ensure(db, path, now_ms)
    with db.transaction() as s:
        row = active(s, code)
        if row is None:
            raise validation_error("warehouseCode", f"no active warehouse {code!r} (11.8)")
        return marked(receiver_of(row), mark_of(s, buyer))


def consignee_of(db: Database, buyer: Buyer, code: str, field: str) -> dict[str, Any]:
    """The S3 consignee, with the caller's mark, of an active warehouse a 1688 order names
    (read only: the configured warehouses are synced when the gateway starts); 40001 on
    ``field`` when there is none of that code."""
    with db.transaction() as s:
        row = active(s, code)
        if row is None:
            raise validation_error(field, f"no active warehouse {code!r} (11.8)")
        return marked(receiver_of(row), mark_of(s, buyer))


# --- the operator ---------------------------------------------------------------------------------
def admin_view(row: Warehouse) -> dict[str, Any]:
    return {
        "warehouseCode": row.code,
        "name": row.name,
        "receiver": receiver_of(row),
        "serviceCountries": countries_of(row),
        "origin": row.origin,
        "active": row.active,
        "createTime": row.created_at,
        "modifyTime": row.modified_at,
    }


def create(
    db: Database,
    *,
    code: str,
    name: str,
    district_code: str,
    address: str,
    contact: str,
    mobile: str | None,
    phone: str | None,
    post_code: str | None,
    countries: list[str],
    path: Path | None,
    actor: str,
    request_id: str | None,
    now_ms: int,
) -> dict[str, Any]:
    """The operator adds a warehouse (origin ``operator``); 40901 when the code exists."""
    ensure(db, path, now_ms)
    try:
        receiver = consignee(district_code, address, contact, mobile, phone, post_code)
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise validation_error(field, message) from exc
    with db.transaction() as s:
        made = insert_ignore_returning(
            s,
            Warehouse.__table__,
            {
                "code": code,
                "name": name,
                "receiver": json.dumps(receiver, ensure_ascii=False, sort_keys=True),
                "service_countries": json.dumps(sorted(countries)),
                "origin": OPERATOR,
                "active": True,
                "created_at": now_ms,
                "modified_at": now_ms,
            },
            ["code"],
            "code",
        )
        if made is None:
            raise ApiError(40901, f"a warehouse {code!r} exists")
        audit(
            s,
            actor=actor,
            action="warehouse.create",
            target=code,
            details={"name": name, "districtCode": district_code, "countries": countries},
            request_id=request_id,
            now_ms=now_ms,
        )
        row = s.get(Warehouse, code)
        assert row is not None
        return admin_view(row)
