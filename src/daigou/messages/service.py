"""Messages: recording them (in the caller's transaction), the pull API (ENDPOINTS 0.5 to 0.8)
and the operator's list. Delivery is daigou.messages.delivery; callbacks daigou.messages.callbacks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Integer, String, and_, case, column, exists, func, insert, or_, select, table
from sqlalchemy.orm import Session, aliased

from daigou.core import ids
from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.db.session import Database
from daigou.db.upsert import increment, increment_many
from daigou.messages.models import CallbackConfig, DeliveryAttempt, MessageSequence, OutboxMessage
from daigou.messages.schemas import DELIVERY_STATUSES, MAX_BATCH, MESSAGE_TYPES

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
    object_id: str | None = None,
) -> OutboxMessage:
    """Write one message in the caller's transaction; `sequence` increases per (developer, key).
    ``object_id`` (the order, refund or logistics order id) serves the pull API's filters."""
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
        object_id=object_id,
    )
    session.add(message)
    return message


def _insert_messages(
    session: Session,
    *,
    developer_id: int,
    platform: int,
    message_type: str,
    now_ms: int,
    rows: list[tuple[str, int, str | None, str | None, dict[str, Any]]],
) -> None:
    """One multi-row insert of messages whose sequences are taken:
    (order_key, sequence, user_id, object_id, body) each."""
    session.execute(
        insert(OutboxMessage),
        [
            {
                "message_id": ids.message_id(),
                "developer_id": developer_id,
                "user_id": user_id,
                "platform": platform,
                "message_type": message_type,
                "order_key": key,
                "sequence": sequence,
                "body": json.dumps(
                    {"sequence": sequence, **body}, separators=(",", ":"), ensure_ascii=False
                ),
                "created_at": now_ms,
                "delivery_status": "pending",
                "attempts": 0,
                "next_attempt_at": now_ms,
                "object_id": object_id,
            }
            for key, sequence, user_id, object_id, body in rows
        ],
    )


def record_many(
    session: Session,
    *,
    developer_id: int,
    platform: int,
    message_type: str,
    order_key: str,
    items: list[tuple[str | None, dict[str, Any], str | None]],
    now_ms: int,
) -> None:
    """`record` for several messages of one key at once ((user_id, body, object_id) each, in
    order): one sequence increment and one multi-row insert."""
    if not items:
        return
    last = increment(
        session,
        MessageSequence.__table__,
        {"developer_id": developer_id, "order_key": order_key},
        "last",
        by=len(items),
    )
    first = last - len(items) + 1
    _insert_messages(
        session,
        developer_id=developer_id,
        platform=platform,
        message_type=message_type,
        now_ms=now_ms,
        rows=[
            (order_key, first + i, user_id, object_id, body)
            for i, (user_id, body, object_id) in enumerate(items)
        ],
    )


def record_each(
    session: Session,
    *,
    developer_id: int,
    platform: int,
    message_type: str,
    items: list[tuple[str, str | None, str | None, Callable[[int], dict[str, Any]]]],
    now_ms: int,
) -> None:
    """`record` for one message on each of several distinct keys, in two statements: every
    key's next sequence at once, then one multi-row insert. Each item is (order_key, user_id,
    object_id, body_of(sequence))."""
    if not items:
        return
    taken = increment_many(
        session,
        MessageSequence.__table__,
        [{"developer_id": developer_id, "order_key": key} for key, *_ in items],
        "last",
    )
    rows = []
    for key, user_id, object_id, body_of in items:
        sequence = taken[(developer_id, key)]
        rows.append((key, sequence, user_id, object_id, body_of(sequence)))
    _insert_messages(
        session,
        developer_id=developer_id,
        platform=platform,
        message_type=message_type,
        now_ms=now_ms,
        rows=rows,
    )


# --- reading messages (ENDPOINTS 0.5, 0.6) ----------------------------------------------------
DAY_MS = 86_400_000
# a developer's identity, read without importing the developers domain (import-linter contract)
DEVELOPER = table("developer", column("id", Integer), column("develop_id", String))
_EARLIER = aliased(OutboxMessage)
# an earlier message of the same key still to be delivered holds this one back (the delivery
# engine's rule: pending with a scheduled attempt; an unwanted type has none and holds nothing)
_BLOCKED = (
    exists()
    .where(
        _EARLIER.developer_id == OutboxMessage.developer_id,
        _EARLIER.order_key == OutboxMessage.order_key,
        _EARLIER.sequence < OutboxMessage.sequence,
        _EARLIER.delivery_status == "pending",
        _EARLIER.next_attempt_at.is_not(None),
    )
    .correlate(OutboxMessage)
)
_WAITING = case((and_(OutboxMessage.delivery_status == "pending", _BLOCKED), True), else_=False)


def delivery_status(row: OutboxMessage, waiting: bool) -> str:
    return "waiting" if waiting and row.delivery_status == "pending" else row.delivery_status


def message_out(row: OutboxMessage, waiting: bool) -> dict[str, Any]:
    """S6 Message; `waiting` is computed by the query (see `_WAITING`), never stored."""
    status = delivery_status(row, waiting)
    return {
        "messageId": row.message_id,
        "messageType": row.message_type,
        "messagePlatform": row.platform,
        "timestamp": row.created_at,
        "messageBody": json.loads(row.body),
        "orderKey": row.order_key,
        "deliveryStatus": status,
        "attempts": row.attempts,
        "lastAttemptTime": row.last_attempt_at,
        "nextAttemptTime": row.next_attempt_at if status == "pending" else None,
        "deliveredTime": row.delivered_at,
    }


@dataclass(frozen=True)
class MessageFilter:
    developer_id: int | None = None
    user_id: str | None = None  # a sub-account sees only its own messages
    types: tuple[str, ...] = ()
    platform: int | None = None
    statuses: tuple[str, ...] = ()
    object_ids: tuple[str, ...] = ()  # orderId / refundId / logisticsOrderId, all must match
    start_time: int | None = None
    end_time: int | None = None
    since: int | None = None  # the retention window


def split_list(value: str | None, field: str, allowed: Iterable[str]) -> tuple[str, ...]:
    """`a,b` -> ('a', 'b'), each checked against `allowed` (40001 naming `field`)."""
    if value is None or not value.strip():
        return ()
    known = set(allowed)
    items = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    for item in items:
        if item not in known:
            raise validation_error(field, f"unknown value {item[:64]!r}")
    return items


def message_filter(
    *,
    developer_id: int | None,
    user_id: str | None,
    message_type: str | None,
    platform: int | None,
    status: str | None,
    object_ids: Iterable[str | None],
    start_time: int | None,
    end_time: int | None,
    since: int | None,
) -> MessageFilter:
    return MessageFilter(
        developer_id=developer_id,
        user_id=user_id,
        types=split_list(message_type, "messageType", MESSAGE_TYPES),
        platform=platform,
        statuses=split_list(status, "deliveryStatus", DELIVERY_STATUSES),
        object_ids=tuple(dict.fromkeys(o for o in object_ids if o is not None)),
        start_time=start_time,
        end_time=end_time,
        since=since,
    )


def _conditions(flt: MessageFilter) -> list[Any]:
    m = OutboxMessage
    out: list[Any] = []
    if flt.developer_id is not None:
        out.append(m.developer_id == flt.developer_id)
    if flt.user_id is not None:
        out.append(m.user_id == flt.user_id)
    if flt.types:
        out.append(m.message_type.in_(flt.types))
    if flt.platform is not None:
        out.append(m.platform == flt.platform)
    out.extend(m.object_id == o for o in flt.object_ids)
    if flt.start_time is not None:
        out.append(m.created_at >= flt.start_time)
    if flt.end_time is not None:
        out.append(m.created_at <= flt.end_time)
    if flt.since is not None:
        out.append(m.created_at >= flt.since)
    if flt.statuses:
        pending = m.delivery_status == "pending"
        by_status = {
            "pending": and_(pending, ~_BLOCKED),
            "waiting": and_(pending, _BLOCKED),
        }
        out.append(or_(*(by_status.get(s, m.delivery_status == s) for s in flt.statuses)))
    return out


def message_page(
    session: Session, flt: MessageFilter, page: PageRequest
) -> Page[tuple[OutboxMessage, bool]]:
    """Oldest first; keyset by `seq` when paging by cursor. Items: (row, waiting)."""
    conditions = _conditions(flt)
    query = (
        select(OutboxMessage, _WAITING.label("waiting"))
        .where(*conditions)
        .order_by(OutboxMessage.seq)
    )
    total = None
    if page.cursor is not None:
        (last_seq,) = page.cursor
        if not isinstance(last_seq, int):
            raise validation_error("cursor", "not a cursor this gateway issued")
        query = query.where(OutboxMessage.seq > last_seq)
    else:
        total = session.execute(
            select(func.count()).select_from(OutboxMessage).where(*conditions)
        ).scalar_one()
        query = query.offset(page.offset)
    rows = [(r[0], bool(r[1])) for r in session.execute(query.limit(page.page_size + 1)).all()]
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    cursor = encode_cursor((rows[-1][0].seq,)) if more and rows else None
    return Page(rows, page.page_size, total, page.page_no if page.cursor is None else None, cursor)


def list_messages(db: Database, flt: MessageFilter, page: PageRequest) -> Page[dict[str, Any]]:
    """0.5: the caller's messages of the retention window (`flt.since`), oldest first."""
    with db.transaction() as s:
        result = message_page(s, flt, page)
        return _mapped(result, [message_out(row, waiting) for row, waiting in result.items])


def _mapped(page: Page[Any], items: list[Any]) -> Page[Any]:
    return Page(items, page.page_size, page.total_records, page.current_page, page.next_cursor)


def _waiting(session: Session, row: OutboxMessage) -> bool:
    if row.delivery_status != "pending":
        return False
    earlier = session.execute(
        select(OutboxMessage.seq)
        .where(
            OutboxMessage.developer_id == row.developer_id,
            OutboxMessage.order_key == row.order_key,
            OutboxMessage.sequence < row.sequence,
            OutboxMessage.delivery_status == "pending",
            OutboxMessage.next_attempt_at.is_not(None),
        )
        .limit(1)
    ).first()
    return earlier is not None


def _owned(
    session: Session, developer_id: int, user_id: str | None, message_id: str
) -> OutboxMessage:
    """The caller's message: 40401 when unknown or another developer's, 40302 when it is
    another sub-account's (CONTRACT section 4)."""
    row = session.execute(
        select(OutboxMessage).where(OutboxMessage.message_id == message_id)
    ).scalar_one_or_none()
    if row is None or row.developer_id != developer_id:
        raise NotFound(f"no message {message_id[:40]!r}")
    if user_id is not None and row.user_id != user_id:
        raise ApiError(40302, "the message belongs to another sub-account")
    return row


def deliveries(
    db: Database, developer_id: int, user_id: str | None, message_id: str
) -> dict[str, Any]:
    """0.6: the attempt log of one message, in attempt order."""
    with db.transaction() as s:
        row = _owned(s, developer_id, user_id, message_id)
        attempts = s.execute(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.message_seq == row.seq)
            .order_by(DeliveryAttempt.attempt, DeliveryAttempt.id)
        ).scalars()
        return {
            "messageId": row.message_id,
            "deliveryStatus": delivery_status(row, _waiting(s, row)),
            "attempts": [
                {
                    "attempt": a.attempt,
                    "time": a.at,
                    "url": a.url,
                    "httpStatus": a.http_status,
                    "latencyMs": a.latency_ms,
                    "error": a.error,
                    "responseSnippet": a.response_snippet,
                    "manual": bool(a.manual),
                }
                for a in attempts
            ],
        }


# --- redeliver and confirm (ENDPOINTS 0.7, 0.8) -------------------------------------------------
def _check_batch(message_ids: list[str]) -> None:
    if len(message_ids) > MAX_BATCH:
        raise ApiError(
            40003,
            f"messageIds: at most {MAX_BATCH} per call",
            {"errors": [{"field": "messageIds", "message": f"at most {MAX_BATCH}"}]},
        )


def _per_item(
    session: Session,
    developer_id: int,
    user_id: str | None,
    message_ids: list[str],
    act: Callable[[OutboxMessage], str],
) -> dict[str, Any]:
    """S2 results in input order; one item's refusal never fails the call."""
    results = []
    for index, message_id in enumerate(message_ids):
        item: dict[str, Any] = {"index": index, "key": message_id}
        try:
            with session.begin_nested():
                row = _owned(session, developer_id, user_id, message_id)
                status = act(row)
        except ApiError as exc:
            item.update(success=False, code=exc.code, msg=exc.msg, deliveryStatus=None)
            if exc.code == 40901:
                item["deliveryStatus"] = exc.data
        else:
            item.update(success=True, code=200, msg="success", deliveryStatus=status)
        results.append(item)
    return {"results": results}


def redeliver(
    db: Database, developer_id: int, user_id: str | None, message_ids: list[str], now_ms: int
) -> dict[str, Any]:
    """0.7: schedule each message again now (same messageId and body; the engine signs it
    afresh). A waiting message is left as is; 40901 when no enabled callback URL exists."""
    _check_batch(message_ids)
    with db.transaction() as s:
        config = s.get(CallbackConfig, developer_id)
        if config is None or not config.enabled:
            raise Conflict("no enabled callback URL: set one with /open/callback/config first")
        wanted = set(json.loads(config.message_types or "[]"))

        def act(row: OutboxMessage) -> str:
            if _waiting(s, row):
                return "waiting"
            if wanted and row.message_type not in wanted:
                raise Conflict(
                    f"{row.message_type} is not among the callback's messageTypes",
                    delivery_status(row, False),
                )
            row.delivery_status = "pending"
            row.next_attempt_at = now_ms
            row.manual = True
            row.failed_at = None
            s.flush()
            return delivery_status(row, _waiting(s, row))

        return _per_item(s, developer_id, user_id, message_ids, act)


def confirm(
    db: Database, developer_id: int, user_id: str | None, message_ids: list[str], now_ms: int
) -> dict[str, Any]:
    """0.8: mark pulled messages handled. No more attempts; the next message of the key is
    released. Confirming twice is a success. The lease is dropped, so a delivery in flight
    settles without overwriting the confirmation (the engine updates only rows it leases)."""
    _check_batch(message_ids)
    with db.transaction() as s:

        def act(row: OutboxMessage) -> str:
            if row.delivery_status != "confirmed":
                row.delivery_status = "confirmed"
                row.confirmed_at = now_ms
                row.next_attempt_at = None
                row.manual = False
                row.lease_owner = None
                row.lease_until = None
                s.flush()
            return "confirmed"

        return _per_item(s, developer_id, user_id, message_ids, act)


# --- the operator's view ------------------------------------------------------------------------
def developer_pk(session: Session, develop_id: str) -> int:
    pk = session.execute(
        select(DEVELOPER.c.id).where(DEVELOPER.c.develop_id == develop_id)
    ).scalar_one_or_none()
    if pk is None:
        raise NotFound("no such developer")
    return int(pk)


def develop_ids(session: Session, pks: Iterable[int]) -> dict[int, str]:
    wanted = set(pks)
    if not wanted:
        return {}
    rows = session.execute(
        select(DEVELOPER.c.id, DEVELOPER.c.develop_id).where(DEVELOPER.c.id.in_(wanted))
    )
    return {int(r.id): str(r.develop_id) for r in rows}


def _last_errors(session: Session, seqs: list[int]) -> dict[int, str | None]:
    if not seqs:
        return {}
    last = (
        select(DeliveryAttempt.message_seq, func.max(DeliveryAttempt.id).label("id"))
        .where(DeliveryAttempt.message_seq.in_(seqs))
        .group_by(DeliveryAttempt.message_seq)
        .subquery()
    )
    rows = session.execute(
        select(
            DeliveryAttempt.message_seq, DeliveryAttempt.error, DeliveryAttempt.http_status
        ).join(last, DeliveryAttempt.id == last.c.id)
    ).all()
    out: dict[int, str | None] = {}
    for seq, error, http_status in rows:
        if error is None:
            out[seq] = None
        else:
            out[seq] = f"{error} (HTTP {http_status})" if http_status is not None else error
    return out


def admin_list_messages(
    db: Database, develop_id: str | None, flt: MessageFilter, page: PageRequest
) -> Page[dict[str, Any]]:
    """Every developer's messages (or one's), oldest first, with the last attempt's error."""
    with db.transaction() as s:
        if develop_id is not None:
            flt = replace(flt, developer_id=developer_pk(s, develop_id))
        result = message_page(s, flt, page)
        rows = [row for row, _ in result.items]
        names = develop_ids(s, {r.developer_id for r in rows})
        errors = _last_errors(s, [r.seq for r in rows])
        items = [
            {
                **message_out(row, waiting),
                "developId": names.get(row.developer_id, ""),
                "userId": row.user_id,
                "lastError": errors.get(row.seq),
            }
            for row, waiting in result.items
        ]
        return _mapped(result, items)
