"""The domestic carriers a buyer may send returned goods with (3.9, 3.10).

A small fixed table until ENDPOINTS 10.6 (``GET /open/logistics/company/list``) is built: that
endpoint will own the list of logistics companies, and 3.9 / 3.10 will read it from there. The
sandbox's own carriers (``marketplace/sandbox/states.py``) are the sandbox's, not the gateway's.
"""

from __future__ import annotations

from typing import Any

# code -> name, as Chinese carriers are known (the order 3.9 lists them in)
CARRIERS: dict[str, str] = {
    "SF": "顺丰速运",
    "ZTO": "中通快递",
    "YTO": "圆通速递",
    "YD": "韵达快递",
    "STO": "申通快递",
    "EMS": "EMS",
    "JD": "京东物流",
}


def name_of(code: str | None) -> str | None:
    return None if code is None else CARRIERS.get(code)


def companies() -> list[dict[str, Any]]:
    """3.9 ``logisticsCompanies[]``."""
    return [
        {"logisticsCompanyCode": code, "logisticsCompanyName": name}
        for code, name in CARRIERS.items()
    ]
