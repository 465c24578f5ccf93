"""Who buys: the developer, and the sub-account acting (None: the main account)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from daigou.core.errors import ApiError, NotFound


@dataclass(frozen=True)
class Buyer:
    developer_id: int
    develop_id: str
    user_id: str | None

    @classmethod
    def of(cls, caller: Any) -> Buyer:
        return cls(caller.developer_id, caller.develop_id, caller.user_id)


def check_visible(
    developer_id: int, user_id: str | None, buyer_dev: int, buyer_user: str | None
) -> None:
    """An order of another developer does not exist for the caller (40401); a sub-account sees
    only its own orders (40302, CONTRACT section 4); the main account sees all."""
    if developer_id != buyer_dev:
        raise NotFound("no such order")
    if buyer_user is not None and user_id != buyer_user:
        raise ApiError(40302, "the order belongs to another sub-account")
