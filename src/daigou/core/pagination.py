"""Page and cursor paging (CONTRACT section 6, ENDPOINTS S1)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from daigou.core.errors import validation_error

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class PageRequest:
    page_no: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    cursor: tuple[Any, ...] | None = None

    @property
    def offset(self) -> int:
        return (self.page_no - 1) * self.page_size


@dataclass
class Page(Generic[T]):
    items: list[T]
    page_size: int
    total_records: int | None = None
    current_page: int | None = None
    next_cursor: str | None = None

    def to_wire(self, items: list[Any] | None = None) -> dict[str, Any]:
        total_page = None
        if self.total_records is not None:
            total_page = (self.total_records + self.page_size - 1) // self.page_size
        return {
            "totalRecords": self.total_records,
            "totalPage": total_page,
            "pageSize": self.page_size,
            "currentPage": self.current_page,
            "data": self.items if items is None else items,
            "nextCursor": self.next_cursor,
        }


def encode_cursor(values: tuple[Any, ...]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[Any, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise validation_error("cursor", "not a cursor this gateway issued") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise validation_error("cursor", "not a cursor this gateway issued")
    if not all(isinstance(v, int | str) and not isinstance(v, bool) for v in values):
        raise validation_error("cursor", "not a cursor this gateway issued")
    return tuple(values)


def page_request(
    page_no: int | None,
    page_size: int | None,
    cursor: str | None,
    arity: int = 2,
    max_size: int = MAX_PAGE_SIZE,
) -> PageRequest:
    size = DEFAULT_PAGE_SIZE if page_size is None else page_size
    if size < 1 or size > max_size:
        raise validation_error("pageSize", f"must be between 1 and {max_size}")
    if cursor:
        if page_no not in (None, 1):
            raise validation_error("cursor", "give either cursor or pageNo, not both")
        return PageRequest(1, size, decode_cursor(cursor, arity))
    number = 1 if page_no is None else page_no
    if number < 1:
        raise validation_error("pageNo", "must be 1 or more")
    return PageRequest(number, size, None)


class PageOut(BaseModel, Generic[T]):
    """The wire shape of a page (ENDPOINTS S1); by cursor the three counts are null."""

    totalRecords: int | None
    totalPage: int | None
    pageSize: int
    currentPage: int | None
    data: list[T]
    nextCursor: str | None
