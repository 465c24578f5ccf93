"""Exchange rates (ENDPOINTS 10.7 and the operator's routes): set, current, history.

Every set is a new row of ``exchange_rate``; a pair's current rate is its newest row. With the
sandbox marketplace the sandbox also publishes a daily rate for a fixed set of pairs
(``rates/sandbox.py``), computed when read and never stored. A rate the operator set for a pair
always wins over the sandbox's for that pair, whatever the day: a developer who asked the
operator for a fixed rate keeps it until the operator sets another.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.engine import Connection

from daigou.core.errors import validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.db.session import Database
from daigou.http.guards import audit
from daigou.rates import sandbox as daily
from daigou.rates.models import ExchangeRate
from daigou.rates.schemas import RESERVED_SOURCES, RateOut, RateRecordOut, RateSet, format_rate


@dataclass(frozen=True)
class Rate:
    from_ccy: str
    to_ccy: str
    rate: Decimal
    update_time: int
    source: str

    def out(self) -> RateOut:
        return RateOut.model_validate(
            {
                "from": self.from_ccy,
                "to": self.to_ccy,
                "rate": format_rate(self.rate),
                "updateTime": self.update_time,
                "source": self.source,
            }
        )


def _record_out(row: Any) -> RateRecordOut:
    """A stored row (ORM object or Core row) in the operator's shape."""
    return RateRecordOut.model_validate(
        {
            "id": row.id,
            "from": row.from_ccy,
            "to": row.to_ccy,
            "rate": format_rate(Decimal(row.rate)),
            "updateTime": row.update_time,
            "source": row.source,
            "setBy": row.set_by,
            "remark": row.remark,
            "createTime": row.created_at,
        }
    )


def set_rate(
    db: Database, body: RateSet, now_ms: int, *, actor: str, request_id: str | None
) -> RateRecordOut:
    """The operator sets a pair's rate: a new row, effective now, audit-logged."""
    if body.to == body.from_:
        raise validation_error("to", "must differ from `from`")
    if body.source in RESERVED_SOURCES:
        raise validation_error("source", f"{body.source} is reserved for the gateway's own rates")
    with db.transaction() as s:
        row = ExchangeRate(
            from_ccy=body.from_,
            to_ccy=body.to,
            rate=format_rate(Decimal(body.rate)),
            source=body.source,
            set_by=actor,
            remark=body.remark,
            update_time=now_ms,
            created_at=now_ms,
        )
        s.add(row)
        s.flush()
        audit(
            s,
            actor=actor,
            action="exchange_rate.set",
            target=f"{body.from_}/{body.to}",
            details={**body.model_dump(by_alias=True), "id": row.id},
            request_id=request_id,
            now_ms=now_ms,
        )
        return _record_out(row)


def _stored_current(conn: Connection, from_ccy: str, to_ccy: str | None) -> list[Rate]:
    """The newest stored row of each pair from ``from_ccy`` (one row per pair)."""
    t = ExchangeRate.__table__
    where = [t.c.from_ccy == from_ccy]
    if to_ccy is not None:
        where.append(t.c.to_ccy == to_ccy)
    ranked = (
        select(
            t.c.from_ccy,
            t.c.to_ccy,
            t.c.rate,
            t.c.update_time,
            t.c.source,
            func.row_number()
            .over(partition_by=t.c.to_ccy, order_by=(t.c.update_time.desc(), t.c.id.desc()))
            .label("n"),
        )
        .where(*where)
        .subquery()
    )
    rows = conn.execute(select(ranked).where(ranked.c.n == 1)).all()
    return [Rate(r.from_ccy, r.to_ccy, Decimal(r.rate), r.update_time, r.source) for r in rows]


def current_rates(
    db: Database,
    from_ccy: str,
    to_ccy: str | None,
    page: PageRequest,
    *,
    now_ms: int,
    sandbox: bool,
) -> Page[RateOut]:
    """10.7: the current rate of each pair from ``from_ccy`` (or of the one pair), by target
    currency: the newest the operator set, else (sandbox only) the sandbox's rate of the day."""
    if to_ccy is not None and to_ccy == from_ccy:
        raise validation_error("to", "must differ from `from`")
    with db.reading() as conn:
        rates = {r.to_ccy: r for r in _stored_current(conn, from_ccy, to_ccy)}
    if sandbox and from_ccy == daily.FROM:
        for code, d in daily.daily_rates(now_ms).items():
            if (to_ccy is None or code == to_ccy) and code not in rates:
                rates[code] = Rate(d.from_ccy, d.to_ccy, d.rate, d.update_time, daily.SOURCE)
    ordered = [rates[code] for code in sorted(rates)]
    items = [r.out() for r in ordered[page.offset : page.offset + page.page_size]]
    return Page(items, page.page_size, len(ordered), page.page_no, None)


def current_rate(
    db: Database, from_ccy: str, to_ccy: str, *, now_ms: int, sandbox: bool
) -> Rate | None:
    """The rate a conversion between the two would use now, or None when there is none."""
    with db.reading() as conn:
        stored = _stored_current(conn, from_ccy, to_ccy)
    if stored:
        return stored[0]
    if sandbox and from_ccy == daily.FROM and to_ccy in daily.BASE:
        d = daily.daily_rates(now_ms)[to_ccy]
        return Rate(d.from_ccy, d.to_ccy, d.rate, d.update_time, daily.SOURCE)
    return None


def history(
    db: Database, from_ccy: str | None, to_ccy: str | None, page: PageRequest
) -> Page[RateRecordOut]:
    """Every stored rate (of a pair, or from or to a currency), newest first."""
    t = ExchangeRate.__table__
    where = []
    if from_ccy is not None:
        where.append(t.c.from_ccy == from_ccy)
    if to_ccy is not None:
        where.append(t.c.to_ccy == to_ccy)
    query = (
        select(t)
        .where(*where)
        .order_by(t.c.update_time.desc(), t.c.id.desc())
        .limit(page.page_size + 1)
    )
    total = None
    if page.cursor is None:
        query = query.offset(page.offset)
    else:
        try:
            at, ident = (int(v) for v in page.cursor)
        except ValueError as exc:
            raise validation_error("cursor", "not a cursor this gateway issued") from exc
        query = query.where(
            tuple_(t.c.update_time, t.c.id)
            < tuple_(literal(at, t.c.update_time.type), literal(ident, t.c.id.type))
        )
    with db.reading() as conn:
        if page.cursor is None:
            total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        rows = list(conn.execute(query).all())
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    cursor = encode_cursor((rows[-1].update_time, rows[-1].id)) if more and rows else None
    return Page(
        [_record_out(r) for r in rows],
        page.page_size,
        total,
        page.page_no if page.cursor is None else None,
        cursor,
    )
