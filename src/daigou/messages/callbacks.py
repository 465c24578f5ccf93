"""A developer's callback URL and signing secrets (ENDPOINTS 0.9 to 0.12, CONTRACT section 9).

Saving a URL first sends it a signed ``CALLBACK_TEST`` and needs a 2xx back; the first save
issues the ``whsec_`` secret (shown once). Rotation keeps the previous secret signing alongside
the new one for a grace period. No database transaction is open while a test delivery is on the
wire (SQLite has a single writer).

URL rules: at most 512 characters, no spaces or control characters, then the callback policy
(daigou.messages.url_policy: no credentials, https (http to loopback in dev mode only), no
loopback in production, no private, link-local, multicast or own address unless the operator's
allowlist permits it). The URL is checked when saved and every delivery is checked again when it
connects (the address connected to is the address that was checked).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.core import ids
from daigou.core.errors import ApiError, NotFound, validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.core.sealed import seal, unseal
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.messages import sender, signing
from daigou.messages.models import CallbackConfig
from daigou.messages.schemas import (
    CALLBACK_TEST,
    MESSAGE_TYPES,
    CallbackConfigIn,
    CallbackConfigOut,
    CallbackConfigSaved,
    CallbackTestIn,
    CallbackTestOut,
    RotateOut,
)
from daigou.messages.service import DEVELOPER, developer_pk
from daigou.messages.url_policy import CallbackPolicy, Refused

MAX_URL = 512
DISABLED_BY_DEVELOPER = "disabled by the developer"


# --- secrets ------------------------------------------------------------------------------------
def current_secrets(settings: Settings, config: CallbackConfig, now_ms: int) -> list[str]:
    """The secrets that sign a delivery now: the current one, plus the previous one while its
    grace period lasts (``webhook-signature`` then carries both)."""
    key = settings.resolved_secret_key
    out = [unseal(key, config.secret_enc)]
    if (
        config.previous_secret_enc
        and config.previous_expires_at is not None
        and config.previous_expires_at > now_ms
    ):
        out.append(unseal(key, config.previous_secret_enc))
    return out


# --- URL checks ---------------------------------------------------------------------------------
def check_url(settings: Settings, url: str, field: str = "callbackUrl") -> str:
    """The URL as it will be called, or 40001 naming `field` with the reason (the callback
    policy of daigou.messages.url_policy; deliveries are checked again when they connect)."""
    if len(url) > MAX_URL:
        raise validation_error(field, f"at most {MAX_URL} characters")
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in url):
        raise validation_error(field, "no spaces or control characters")
    try:
        CallbackPolicy.from_settings(settings).resolve_and_check(url)
    except Refused as exc:
        raise validation_error(field, str(exc)) from exc
    return url


def check_types(types: list[str] | None) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(types or []):
        if name not in MESSAGE_TYPES:
            raise validation_error(f"messageTypes[{i}]", f"unknown message type {name[:64]!r}")
        if name not in out:
            out.append(name)
    return out


# --- sending one test delivery --------------------------------------------------------------
def _sample_body(message_type: str, develop_id: str, now_ms: int) -> dict[str, Any]:
    """A plausible body of `message_type`, marked ``sample``; CALLBACK_TEST: ``{"test": true}``."""
    if message_type == CALLBACK_TEST:
        return {"test": True, "developId": develop_id}
    order_id = "1000000000000000001"
    base: dict[str, Any] = {"sequence": 1, "sample": True}
    moves = {
        "ORDER_BUYER_VIEW_BUYER_MAKE": (None, "waitbuyerpay"),
        "ORDER_BUYER_VIEW_ORDER_PAY": ("waitbuyerpay", "waitsellersend"),
        "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS": ("waitsellersend", "waitbuyerreceive"),
        "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS": ("waitbuyerreceive", "confirm_goods"),
        "ORDER_BUYER_VIEW_ORDER_SUCCESS": ("confirm_goods", "success"),
        "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE": ("waitbuyerpay", "cancel"),
        "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE": ("waitbuyerpay", "cancel"),
        "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY": ("waitbuyerpay", "waitbuyerpay"),
    }
    if message_type in moves:
        before, after = moves[message_type]
        order = {"baseInfo": {"id": order_id, "status": after, "modifyTime": now_ms}}
        return {
            **base,
            "orderId": order_id,
            "currentStatus": after,
            "previousStatus": before,
            "order": order,
        }
    refund = {"refundId": "TQ1000000000000001", "orderId": order_id}
    samples: dict[str, dict[str, Any]] = {
        "ORDER_BATCH_PAY": {"batchPay": [{"orderId": order_id, "status": "successed"}]},
        "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES": {
            **refund,
            "currentStatus": "waitselleragree",
            "previousStatus": None,
            "refund": {**refund, "refundStatus": "waitselleragree"},
        },
        "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES": {
            **refund,
            "currentStatus": "refundsuccess",
            "previousStatus": "waitsellerreceive",
            "refund": {**refund, "refundStatus": "refundsuccess", "afterSale": True},
        },
        "LOGISTICS_BUYER_VIEW_TRACE": {
            "orderId": order_id,
            "logisticsId": "LP0000000001",
            "logisticsBillNo": "SF0000000001",
            "step": {"acceptTime": now_ms, "remark": "sample step"},
        },
        "TAOBAO_ORDER_STATUS_CHANGE": {
            "orderId": order_id,
            "status": 10,
            "previousStatus": 0,
            "order": {"orderId": order_id, "status": 10},
        },
        "TAOBAO_ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY": {
            "orderId": order_id,
            "subOrders": [],
            "purchaseOrderPriceDTO": {"productAmount": 1000, "postFee": 0, "totalAmount": 1000},
        },
        "TAOBAO_ORDER_REFUND": {
            "refundId": refund["refundId"],
            "refundStatus": 10,
            "previousStatus": 0,
            "refund": {"refundOrder": {"refundId": refund["refundId"], "refundStatus": 10}},
        },
        "WALLET_BALANCE_CHANGE": {
            "entryType": "topup",
            "entry": {"entryId": "le_sample", "type": "topup", "amount": 100, "currency": "CNY"},
            "balance": {
                "currency": "CNY",
                "availableAmount": 100,
                "heldAmount": 0,
                "totalAmount": 100,
            },
        },
        "WAREHOUSE_PARCEL_RECEIVED": {
            "parcel": {"parcelId": "P0000000001", "status": "received", "receivedTime": now_ms}
        },
        "INTERNATIONAL_SHIPMENT_UPDATE": {
            "logisticsOrderId": "LO0000000001",
            "currentStatus": "shipped",
            "previousStatus": "packed",
            "logisticsOrder": {"logisticsOrderId": "LO0000000001", "status": "shipped"},
        },
    }
    return {**base, **samples.get(message_type, {})}


@dataclass(frozen=True)
class Sent:
    message_id: str
    outcome: sender.Outcome


def send_test(
    settings: Settings,
    url: str,
    secrets: list[str],
    message_type: str,
    develop_id: str,
    now_ms: int,
) -> Sent:
    """One signed delivery, now; stored nowhere, never retried."""
    message_id = ids.message_id()
    body = signing.delivery_body(
        message_id,
        message_type,
        MESSAGE_TYPES[message_type],
        now_ms,
        _sample_body(message_type, develop_id, now_ms),
    )
    # receivers compare webhook-timestamp with their own clock: real Unix seconds
    headers = signing.headers(secrets, message_id, int(time.time()), body)
    outcome = sender.post_now(
        url,
        body,
        headers,
        settings.callback_timeout_seconds,
        CallbackPolicy.from_settings(settings),
        settings.callback_store_snippets,
    )
    return Sent(message_id, outcome)


def _describe(outcome: sender.Outcome) -> str:
    if outcome.http_status is not None:
        return f"the receiver answered HTTP {outcome.http_status} ({outcome.error})"
    return f"no answer ({outcome.error})"


# --- use cases ----------------------------------------------------------------------------------
def config_out(settings: Settings, config: CallbackConfig, now_ms: int) -> dict[str, Any]:
    secret = unseal(settings.resolved_secret_key, config.secret_enc)
    previous = config.previous_expires_at if config.previous_secret_enc else None
    return {
        "callbackUrl": config.url,
        "enabled": bool(config.enabled),
        "messageTypes": json.loads(config.message_types or "[]"),
        "secretHint": secret[-4:],
        "secretCreateTime": config.secret_created_at,
        "previousSecretExpireTime": previous if previous and previous > now_ms else None,
        "lastVerifiedTime": config.last_verified_at,
    }


def get_config(
    db: Database, settings: Settings, developer_id: int, now_ms: int
) -> CallbackConfigOut | None:
    """0.9: null when nothing is configured."""
    with db.transaction() as s:
        config = s.get(CallbackConfig, developer_id)
        return None if config is None else CallbackConfigOut(**config_out(settings, config, now_ms))


def _load(db: Database, developer_id: int) -> CallbackConfig | None:
    with db.transaction() as s:
        return s.get(CallbackConfig, developer_id)


def save_config(
    db: Database,
    settings: Settings,
    developer_id: int,
    develop_id: str,
    body: CallbackConfigIn,
    now_ms: int,
) -> CallbackConfigSaved:
    """0.10: check the URL and the types, verify the URL with a signed CALLBACK_TEST (a 2xx is
    needed), then save. The first save issues the secret; saving re-enables a disabled URL."""
    url = check_url(settings, body.callbackUrl)
    types = check_types(body.messageTypes)
    existing = _load(db, developer_id)
    if existing is None:
        fresh = ids.webhook_secret()
        new_secret: str | None = fresh
        secrets = [fresh]
    else:
        new_secret = None
        secrets = current_secrets(settings, existing, now_ms)
    sent = send_test(settings, url, secrets, CALLBACK_TEST, develop_id, now_ms)
    if not sent.outcome.ok:
        message = f"verification failed: {_describe(sent.outcome)}"
        raise ApiError(
            40001,
            f"callbackUrl: {message}",
            {
                "errors": [{"field": "callbackUrl", "message": message}],
                "httpStatus": sent.outcome.http_status,
                "error": sent.outcome.error,
                "latencyMs": sent.outcome.latency_ms,
                "messageId": sent.message_id,
            },
        )
    values: dict[str, Any] = {
        "url": url,
        "enabled": body.enabled,
        "message_types": json.dumps(types),
        "last_verified_at": now_ms,
        "disabled_reason": None if body.enabled else DISABLED_BY_DEVELOPER,
        "disabled_at": None if body.enabled else now_ms,
        "updated_at": now_ms,
    }
    with db.transaction() as s:
        issued = None
        if new_secret is not None:
            inserted = insert_ignore(
                s,
                CallbackConfig.__table__,
                {
                    "developer_id": developer_id,
                    "secret_enc": seal(settings.resolved_secret_key, new_secret),
                    "secret_created_at": now_ms,
                    "previous_secret_enc": None,
                    "previous_expires_at": None,
                    **values,
                },
                ["developer_id"],
            )
            # a concurrent first save won: its secret stands, this call only updates
            issued = new_secret if inserted else None
        config = s.get(CallbackConfig, developer_id, populate_existing=True)
        assert config is not None
        if issued is None:
            for name, value in values.items():
                setattr(config, name, value)
            s.flush()
        return CallbackConfigSaved(**config_out(settings, config, now_ms), secret=issued)


def rotate_secret(
    db: Database, settings: Settings, developer_id: int, grace_seconds: int, now_ms: int
) -> RotateOut:
    """0.11: a new secret; the previous one keeps signing (alongside) for `grace_seconds`."""
    secret = ids.webhook_secret()
    with db.transaction() as s:
        config = s.get(CallbackConfig, developer_id)
        if config is None:
            raise NotFound("no callback is configured")
        expires = now_ms + grace_seconds * 1000 if grace_seconds > 0 else None
        config.previous_secret_enc = config.secret_enc if expires else None
        config.previous_expires_at = expires
        config.secret_enc = seal(settings.resolved_secret_key, secret)
        config.secret_created_at = now_ms
        config.updated_at = now_ms
        return RotateOut(secret=secret, secretCreateTime=now_ms, previousSecretExpireTime=expires)


def try_delivery(
    db: Database,
    settings: Settings,
    developer_id: int,
    develop_id: str,
    body: CallbackTestIn,
    now_ms: int,
) -> CallbackTestOut:
    """0.12: one signed delivery now, reported; nothing stored. Signed with the configured
    secrets (with none configured, a one-off secret: the receiver can only see it arrive)."""
    if body.messageType not in MESSAGE_TYPES:
        raise validation_error("messageType", f"unknown message type {body.messageType[:64]!r}")
    config = _load(db, developer_id)
    url = body.callbackUrl or (config.url if config is not None else None)
    if url is None:
        raise validation_error("callbackUrl", "no callback URL is configured; give callbackUrl")
    check_url(settings, url)
    secrets = (
        current_secrets(settings, config, now_ms) if config is not None else [ids.webhook_secret()]
    )
    sent = send_test(settings, url, secrets, body.messageType, develop_id, now_ms)
    o = sent.outcome
    return CallbackTestOut(
        delivered=o.ok,
        httpStatus=o.http_status,
        latencyMs=o.latency_ms,
        error=o.error,
        messageId=sent.message_id,
    )


# --- the operator's view ------------------------------------------------------------------------
def admin_list_callbacks(
    db: Database, develop_id: str | None, enabled: bool | None, page: PageRequest
) -> Page[dict[str, Any]]:
    """Every developer's callback settings, by developer; keyset on the developer's key."""
    with db.transaction() as s:
        conditions: list[Any] = []
        if develop_id is not None:
            conditions.append(CallbackConfig.developer_id == developer_pk(s, develop_id))
        if enabled is not None:
            conditions.append(CallbackConfig.enabled.is_(enabled))
        return _callback_page(s, conditions, page)


def _callback_page(s: Session, conditions: list[Any], page: PageRequest) -> Page[dict[str, Any]]:
    query = (
        select(CallbackConfig, DEVELOPER.c.develop_id)
        .join(DEVELOPER, DEVELOPER.c.id == CallbackConfig.developer_id)
        .where(*conditions)
        .order_by(CallbackConfig.developer_id)
    )
    total = None
    if page.cursor is not None:
        (last,) = page.cursor
        if not isinstance(last, int):
            raise validation_error("cursor", "not a cursor this gateway issued")
        query = query.where(CallbackConfig.developer_id > last)
    else:
        total = s.execute(
            select(func.count()).select_from(CallbackConfig).where(*conditions)
        ).scalar_one()
        query = query.offset(page.offset)
    rows = s.execute(query.limit(page.page_size + 1)).tuples().all()
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    items = [
        {
            "developId": name,
            "callbackUrl": c.url,
            "enabled": bool(c.enabled),
            "messageTypes": json.loads(c.message_types or "[]"),
            "disabledReason": c.disabled_reason,
            "disabledTime": c.disabled_at,
            "lastVerifiedTime": c.last_verified_at,
            "secretCreateTime": c.secret_created_at,
            "updateTime": c.updated_at,
        }
        for c, name in rows
    ]
    cursor = encode_cursor((rows[-1][0].developer_id,)) if more and rows else None
    current = page.page_no if page.cursor is None else None
    return Page(items, page.page_size, total, current, cursor)
