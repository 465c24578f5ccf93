"""Saved addresses (ENDPOINTS 10.1-10.3) for the tests that use them."""

from __future__ import annotations

from typing import Any

from tests.support.api import assert_ok

SAVE = "/open/address/addOrUpdate"
LIST = "/open/address/list"
DELETE = "/open/address/delete"
SUBACCOUNT = "/open/subaccount/addOrUpdate"

# 深圳市南山区粤海街道: a district with towns, in short and full forms
HOME = {
    "name": "张三",
    "phone": "13800138000",
    "province": "广东",
    "city": "深圳",
    "district": "南山",
    "town": "粤海街道",
    "address": "科技园南区 1 栋 101",
    "postCode": "518057",
    "label": "home",
}


def save(api: Any, dev: Any, user_id: str | None = None, **body: Any) -> Any:
    return api.call(dev, "POST", SAVE, body=body, user_id=user_id)


def saved(api: Any, dev: Any, user_id: str | None = None, **body: Any) -> dict[str, Any]:
    """A new address of ``HOME`` with ``body`` over it."""
    return assert_ok(save(api, dev, user_id, **{**HOME, **body}))


def listed(api: Any, dev: Any, user_id: str | None = None, **params: Any) -> dict[str, Any]:
    return assert_ok(api.call(dev, "GET", LIST, params=params, user_id=user_id))


def sub_account(api: Any, dev: Any, user_id: str) -> None:
    assert_ok(api.call(dev, "POST", SUBACCOUNT, body={"userId": user_id, "userName": user_id}))
