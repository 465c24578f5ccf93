"""Paging a query newest first by (time, id): from a cursor's position (keyset: one row-value
comparison, which both databases seek an index to), or by a page number's offset."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from daigou.core.pagination import PageRequest, encode_cursor


def seek(
    query: Select[Any], req: PageRequest, at: ColumnElement[Any], ident: ColumnElement[Any]
) -> Select[Any]:
    """``query`` (ordered by ``at`` then ``ident``, descending) from the cursor's position, or
    from the page's offset. One row-value comparison, not ``a < x OR (a = x AND b < y)``: with
    the OR the databases walked the index from the newest row, so a deep page cost O(depth)."""
    if req.cursor is None:
        return query.offset(req.offset)
    at_value, ident_value = req.cursor
    return query.where(
        tuple_(at, ident)
        < tuple_(literal(int(at_value), at.type), literal(str(ident_value), ident.type))
    )


def count_of(where: list[Any], table: Any) -> Select[Any]:
    """How many rows match: the page-number form's ``totalRecords``."""
    return select(func.count()).select_from(table).where(*where)


def next_cursor(rows: list[Any], more: bool, at: str, ident: str) -> str | None:
    """The cursor after the last row of a page, when there is more."""
    if not more or not rows:
        return None
    last = rows[-1]
    return encode_cursor((getattr(last, at), getattr(last, ident)))
