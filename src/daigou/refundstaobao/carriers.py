"""The domestic carriers a buyer may send returned goods with (3.9, 3.10): the Taobao side of the
carriers' list (ENDPOINTS 10.6, ``daigou.carriers``), in 3.9's wire shape. A code is the Taobao
``logisticsCompanyCode`` (YUNDA; YD, the gateway's first table's code, is accepted as its alias).
The sandbox's own carriers (``marketplace/sandbox/states.py``) are the sandbox's, not the
gateway's."""

from __future__ import annotations

from typing import Any

from daigou.carriers import service as carriers


def name_of(code: str | None) -> str | None:
    return carriers.name_of(carriers.TAOBAO, code)


def canonical(code: str) -> str | None:
    """The Taobao code for ``code`` (an alias too), or None when no carrier has it."""
    return carriers.canonical(carriers.TAOBAO, code)


def companies() -> list[dict[str, Any]]:
    """3.9 ``logisticsCompanies[]``."""
    return [
        {"logisticsCompanyCode": c.taobao, "logisticsCompanyName": c.name}
        for c in carriers.all_carriers()
    ]
