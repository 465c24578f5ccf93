"""Recording messages (delivery comes with the workers)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from daigou.core import ids
from daigou.db.upsert import increment
from daigou.messages.models import MessageSequence, OutboxMessage

PLATFORM_TAOBAO = 0
PLATFORM_1688 = 1
PLATFORM_GATEWAY = 2


def record(
    session: Session,
    *,
    developer_id: int,
    user_id: str | None,
    platform: int,
    message_type: str,
    order_key: str,
    body: dict[str, Any],
    now_ms: int,
) -> OutboxMessage:
    """Write one message in the caller's transaction; `sequence` increases per (developer, key)."""
    sequence = increment(
        session,
        MessageSequence.__table__,
        {"developer_id": developer_id, "order_key": order_key},
        "last",
    )
    message = OutboxMessage(
        message_id=ids.message_id(),
        developer_id=developer_id,
        user_id=user_id,
        platform=platform,
        message_type=message_type,
        order_key=order_key,
        sequence=sequence,
        body=json.dumps({"sequence": sequence, **body}, separators=(",", ":"), ensure_ascii=False),
        created_at=now_ms,
        delivery_status="pending",
        attempts=0,
        next_attempt_at=now_ms,
    )
    session.add(message)
    return message
