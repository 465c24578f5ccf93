"""The use cases of ENDPOINTS 10.4 and 10.5: read-only, on the area table loaded once per
process (no database)."""

from __future__ import annotations

from typing import Any

from daigou.addresses import areas
from daigou.addresses.parse import parse
from daigou.core.errors import validation_error
from daigou.core.pagination import Page, PageRequest


def area_page(parent_code: str | None, page: PageRequest) -> dict[str, Any]:
    """One level of the tree under `parent_code` (None: the provinces), in code order.

    An unknown `parentCode` answers 40001 naming the field, not 40401: the tree is fixed
    reference data the caller reads from its root, so a code it does not hold is bad input
    (like an unknown enum value), not a missing object of the caller's. A known code with
    nothing below it (a town) gives an empty page."""
    if parent_code is not None and areas.area(parent_code) is None:
        raise validation_error("parentCode", "no area has this code")
    level = areas.children(parent_code)
    chunk = level[page.offset : page.offset + page.page_size]
    items = [
        {
            "code": a.code,
            "name": a.name,
            "nameEn": a.name_en,
            "level": a.level,
            "parentCode": a.parent_code,
            "leaf": a.leaf,
        }
        for a in chunk
    ]
    return Page(items, page.page_size, len(level), page.page_no).to_wire()


def parse_address(text: str) -> dict[str, Any]:
    """Split free text into the S3 fields and find its area codes (never an error)."""
    return parse(text).to_wire()
