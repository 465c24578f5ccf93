"""The domestic carriers of China for return shipments (ENDPOINTS 10.6), read from
``data/carriers.tsv`` once per process.

Each carrier has two codes: the Taobao / Cainiao ``logisticsCompanyCode`` (platform 0: 3.9 lists
it, 3.10 takes it) and the 1688 ``logisticsCompanyNo`` (platform 1: 7.4 takes it). The codes are
facts from public carrier lists (Cainiao's codes as Taobao's open platform and ERP tools use
them). 1688's list is not public in full: where no difference is known the 1688 code is the
Taobao code (1688 and Taobao share Alibaba's logistics codes for the big carriers; 德邦 is DBL on
1688 and DBKD on Taobao). The file's ``unverified`` column names the codes no public list
confirmed; the phone is left empty where it was not confirmed.

A carrier is found by its platform code, by an alias (韵达 was YD in the gateway's first table
and in several public lists; 邮政 YZPY; 天天 HHTT) or by its other platform's code, whatever
the case; it is then recorded as the platform's own code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from daigou.core.pagination import Page, PageRequest

TAOBAO, ALIBABA = 0, 1  # the wire's ``platform`` (ENDPOINTS 10.6: 1 is the default)


@dataclass(frozen=True, slots=True)
class Carrier:
    name: str
    taobao: str
    alibaba: str
    phone: str | None
    aliases: tuple[str, ...]
    spelling: str
    unverified: tuple[str, ...]

    def code(self, platform: int) -> str:
        return self.taobao if platform == TAOBAO else self.alibaba

    def wire(self, platform: int) -> dict[str, object]:
        """10.6 ``{companyNo, companyName, companyPhone, spelling, platform}``."""
        return {
            "companyNo": self.code(platform),
            "companyName": self.name,
            "companyPhone": self.phone,
            "spelling": self.spelling,
            "platform": platform,
        }


@cache
def all_carriers() -> tuple[Carrier, ...]:
    """Every carrier, in the file's order (the big carriers first)."""
    text = resources.files("daigou.carriers").joinpath("data/carriers.tsv").read_text("utf-8")
    out: list[Carrier] = []
    header = True
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if header:  # the column names
            header = False
            continue
        name, taobao, alibaba, phone, aliases, spelling, unverified = line.split("\t")
        out.append(
            Carrier(
                name=name,
                taobao=taobao,
                alibaba=alibaba,
                phone=phone or None,
                aliases=tuple(a for a in aliases.split(",") if a),
                spelling=spelling,
                unverified=tuple(u for u in unverified.split(",") if u),
            )
        )
    return tuple(out)


@cache
def _by_code(platform: int) -> dict[str, Carrier]:
    """Upper-cased code -> carrier: the platform's own codes first, then aliases and the other
    platform's codes (never shadowing an own code)."""
    table: dict[str, Carrier] = {}
    for c in all_carriers():
        table[c.code(platform).upper()] = c
    for c in all_carriers():
        for other in (*c.aliases, c.code(ALIBABA if platform == TAOBAO else TAOBAO)):
            table.setdefault(other.upper(), c)
    return table


def find(platform: int, code: str | None) -> Carrier | None:
    """The carrier a code names on ``platform`` (its own code, an alias, or the other
    platform's code; case-blind), or None."""
    if not code:
        return None
    return _by_code(platform).get(code.strip().upper())


def canonical(platform: int, code: str) -> str | None:
    """The platform's own code for ``code`` (YD -> YUNDA), or None when no carrier has it."""
    carrier = find(platform, code)
    return None if carrier is None else carrier.code(platform)


def name_of(platform: int, code: str | None) -> str | None:
    carrier = find(platform, code)
    return None if carrier is None else carrier.name


def matches(carrier: Carrier, platform: int, keyword: str) -> bool:
    """``keyword`` (case-blind) is in the name, the platform's code or the spelling."""
    k = keyword.strip().lower()
    return k in carrier.name.lower() or k in carrier.code(platform).lower() or k in carrier.spelling


def companies(platform: int, keyword: str | None, page: PageRequest) -> Page[dict[str, object]]:
    """10.6: one page of the platform's carriers, in the file's order."""
    found = [
        c
        for c in all_carriers()
        if not keyword or not keyword.strip() or matches(c, platform, keyword)
    ]
    items = [c.wire(platform) for c in found[page.offset : page.offset + page.page_size]]
    return Page(items, page.page_size, len(found), page.page_no, None)
