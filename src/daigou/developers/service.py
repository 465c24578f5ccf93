"""Developers, their keys and sub-accounts: the operator's and the developer's use cases.

Authentication of signed calls is in daigou.developers.auth."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.core import ids
from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.core.pagination import Page, PageRequest, encode_cursor
from daigou.db.session import Database
from daigou.developers import secrets as sealed
from daigou.developers.auth import KEYS
from daigou.developers.models import ApiKey, Developer, SubAccount
from daigou.developers.schemas import (
    DeveloperCreate,
    DeveloperCreated,
    DeveloperOut,
    DeveloperUpdate,
    KeyOut,
    KeyUpdate,
    KeyUpdated,
    SubAccountIn,
    SubAccountOut,
)
from daigou.http.guards import audit
from daigou.http.routing import Caller
from daigou.wallet import service as wallet

F = TypeVar("F", bound=Callable[..., Any])
MAX_ACTIVE_KEYS = 5
USER_ID_DIGITS = 13  # a main account's userId, PandaPon style (2100007341207)


# --- developers (operator) ------------------------------------------------------------------
def _get_developer(session: Session, develop_id: str) -> Developer:
    dev = session.execute(
        select(Developer).where(Developer.develop_id == develop_id)
    ).scalar_one_or_none()
    if dev is None:
        raise NotFound("no such developer")
    return dev


def developer_pk_in(session: Session, develop_id: str) -> int:
    return _get_developer(session, develop_id).id


def develop_ids(session: Session, pks: set[int]) -> dict[int, str]:
    if not pks:
        return {}
    rows = session.execute(select(Developer.id, Developer.develop_id).where(Developer.id.in_(pks)))
    return dict(rows.tuples().all())


def _new_key(
    session: Session, settings: Settings, developer_id: int, hmac_only: bool, now_ms: int
) -> tuple[ApiKey, str]:
    secret = ids.api_secret()
    key = ApiKey(
        access_key=ids.access_key(),
        developer_id=developer_id,
        status="enabled",
        hmac_only=hmac_only,
        secret_enc=sealed.seal(settings.resolved_secret_key, secret),
        created_at=now_ms,
        modified_at=now_ms,
    )
    session.add(key)
    return key, secret


def _new_main_user_id(session: Session) -> str:
    """A 13-digit userId no developer has yet (sub-account ids live per developer: a new
    developer has none)."""
    while True:
        user_id = ids.numeric_id(USER_ID_DIGITS)
        taken = session.execute(
            select(Developer.id).where(Developer.main_user_id == user_id)
        ).first()
        if taken is None:
            return user_id


def create_developer(
    db: Database,
    settings: Settings,
    body: DeveloperCreate,
    now_ms: int,
    *,
    actor: str,
    request_id: str | None,
) -> DeveloperCreated:
    with db.transaction() as s:
        dev = Developer(
            develop_id=ids.develop_id(),
            name=body.name,
            contact_email=body.contactEmail,
            remark=body.remark,
            status="enabled",
            rate_limit_per_minute=body.rateLimitPerMinute or settings.default_rate_limit_per_minute,
            cashier_pay_allowed=body.cashierPayAllowed,
            created_at=now_ms,
            modified_at=now_ms,
            dialect=body.dialect,
            main_user_id=_new_main_user_id(s),
        )
        s.add(dev)
        s.flush()
        key, secret = _new_key(s, settings, dev.id, body.hmacOnly, now_ms)
        wallet.open_account(s, dev.id, now_ms)
        audit(
            s,
            actor=actor,
            action="developer.create",
            target=dev.develop_id,
            details=body.model_dump(),
            request_id=request_id,
            now_ms=now_ms,
        )
        return DeveloperCreated(
            developId=dev.develop_id,
            userId=dev.main_user_id,
            accessKey=key.access_key,
            secret=secret,
            status=dev.status,
            dialect=dev.dialect,
        )


def _developer_out(session: Session, devs: list[Developer]) -> list[DeveloperOut]:
    if not devs:
        return []
    dev_ids = [d.id for d in devs]
    keys: dict[int, list[KeyOut]] = {d: [] for d in dev_ids}
    for k in session.execute(
        select(ApiKey).where(ApiKey.developer_id.in_(dev_ids)).order_by(ApiKey.id)
    ).scalars():
        keys[k.developer_id].append(
            KeyOut(
                accessKey=k.access_key,
                status=k.status,
                hmacOnly=k.hmac_only,
                lastUsedTime=k.last_used_at,
            )
        )
    subs = dict(
        session.execute(
            select(SubAccount.developer_id, func.count())
            .where(SubAccount.developer_id.in_(dev_ids))
            .group_by(SubAccount.developer_id)
        )
        .tuples()
        .all()
    )
    balances = wallet.balances(session, dev_ids)
    return [
        DeveloperOut(
            developId=d.develop_id,
            userId=d.main_user_id,
            dialect=d.dialect,
            name=d.name,
            contactEmail=d.contact_email,
            remark=d.remark,
            status=d.status,
            balance=balances[d.id],
            keys=keys[d.id],
            subAccountCount=int(subs.get(d.id, 0)),
            rateLimitPerMinute=d.rate_limit_per_minute,
            cashierPayAllowed=d.cashier_pay_allowed,
            createTime=d.created_at,
        )
        for d in devs
    ]


def _clears_key_cache(fn: F) -> F:
    """A change to keys or developers is seen by this process's next call: the cache is
    cleared before the change and again once it committed."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        KEYS.clear()
        try:
            return fn(*args, **kwargs)
        finally:
            KEYS.clear()

    return wrapper  # type: ignore[return-value]


@_clears_key_cache
def update_developer(
    db: Database, body: DeveloperUpdate, now_ms: int, *, actor: str, request_id: str | None
) -> DeveloperOut:
    with db.transaction() as s:
        dev = _get_developer(s, body.developId)
        changes = body.model_dump(exclude_unset=True, exclude={"developId"})
        mapping = {
            "name": "name",
            "contactEmail": "contact_email",
            "remark": "remark",
            "rateLimitPerMinute": "rate_limit_per_minute",
            "cashierPayAllowed": "cashier_pay_allowed",
            "status": "status",
        }
        for field, column in mapping.items():
            if field in changes and changes[field] is not None:
                setattr(dev, column, changes[field])
        dev.modified_at = now_ms
        audit(
            s,
            actor=actor,
            action="developer.update",
            target=dev.develop_id,
            details=changes,
            request_id=request_id,
            now_ms=now_ms,
        )
        s.flush()
        return _developer_out(s, [dev])[0]


def list_developers(
    db: Database, status: str | None, keyword: str | None, page: PageRequest
) -> Page[DeveloperOut]:
    with db.transaction() as s:
        conditions: list[Any] = []
        if status:
            conditions.append(Developer.status == status)
        if keyword:
            # autoescape: `%`, `_` and the escape character match themselves, not wildcards
            conditions.append(
                or_(
                    Developer.name.icontains(keyword, autoescape=True),
                    Developer.develop_id == keyword,
                    Developer.contact_email.icontains(keyword, autoescape=True),
                )
            )
        query = select(Developer).where(*conditions).order_by(Developer.id.desc())
        total = None
        if page.cursor is not None:
            query = query.where(Developer.id < int(page.cursor[0]))
        else:
            total = s.execute(
                select(func.count()).select_from(Developer).where(*conditions)
            ).scalar_one()
            query = query.offset(page.offset)
        devs = list(s.execute(query.limit(page.page_size + 1)).scalars())
        more = len(devs) > page.page_size
        devs = devs[: page.page_size]
        cursor = encode_cursor((devs[-1].id,)) if more and devs else None
        return Page(
            _developer_out(s, devs),
            page.page_size,
            total,
            None if page.cursor else page.page_no,
            cursor,
        )


@_clears_key_cache
def update_key(
    db: Database,
    settings: Settings,
    body: KeyUpdate,
    now_ms: int,
    *,
    actor: str,
    request_id: str | None,
) -> KeyUpdated:
    if bool(body.accessKey) == bool(body.developId):
        raise validation_error(
            "accessKey", "give exactly one of accessKey (change a key) or developId (add a key)"
        )
    with db.transaction() as s:
        secret: str | None = None
        previous_expiry: int | None = None
        if body.developId:
            dev = _get_developer(s, body.developId)
            active = s.execute(
                select(func.count())
                .select_from(ApiKey)
                .where(ApiKey.developer_id == dev.id, ApiKey.status == "enabled")
            ).scalar_one()
            if active >= MAX_ACTIVE_KEYS:
                raise Conflict(f"a developer has at most {MAX_ACTIVE_KEYS} active keys")
            key, secret = _new_key(s, settings, dev.id, bool(body.hmacOnly), now_ms)
            if body.status:
                key.status = body.status
            action = "key.create"
        else:
            found = s.execute(
                select(ApiKey).where(ApiKey.access_key == body.accessKey)
            ).scalar_one_or_none()
            if found is None:
                raise NotFound("no such access key")
            key = found
            if body.status == "enabled" and key.status != "enabled":
                active = s.execute(
                    select(func.count())
                    .select_from(ApiKey)
                    .where(ApiKey.developer_id == key.developer_id, ApiKey.status == "enabled")
                ).scalar_one()
                if active >= MAX_ACTIVE_KEYS:
                    raise Conflict(f"a developer has at most {MAX_ACTIVE_KEYS} active keys")
            if body.rotate:
                grace = (
                    settings.secret_grace_seconds
                    if body.graceSeconds is None
                    else body.graceSeconds
                )
                secret = ids.api_secret()
                key.previous_secret_enc = key.secret_enc
                key.previous_secret_expires_at = now_ms + grace * 1000
                key.secret_enc = sealed.seal(settings.resolved_secret_key, secret)
            if body.status:
                key.status = body.status
            if body.hmacOnly is not None:
                key.hmac_only = body.hmacOnly
            key.modified_at = now_ms
            action = "key.rotate" if body.rotate else "key.update"
        if key.previous_secret_expires_at and key.previous_secret_expires_at > now_ms:
            previous_expiry = key.previous_secret_expires_at
        s.flush()
        audit(
            s,
            actor=actor,
            action=action,
            target=key.access_key,
            details=body.model_dump(exclude_unset=True),
            request_id=request_id,
            now_ms=now_ms,
        )
        return KeyUpdated(
            accessKey=key.access_key,
            status=key.status,
            hmacOnly=key.hmac_only,
            secret=secret,
            previousSecretExpireTime=previous_expiry,
        )


# --- sub-accounts (ENDPOINTS 0.3, 0.4) ------------------------------------------------------
def _sub_out(sub: SubAccount) -> SubAccountOut:
    return SubAccountOut(
        userId=sub.user_id,
        userName=sub.user_name,
        remark=sub.remark,
        status=sub.status,
        createTime=sub.created_at,
        modifyTime=sub.modified_at,
    )


def save_sub_account(
    db: Database, caller: Caller, body: SubAccountIn, now_ms: int
) -> SubAccountOut:
    if caller.user_id is not None:
        raise ApiError(40301, "only the main account manages sub-accounts")
    if body.userId is not None and body.userId == caller.main_user_id:
        raise validation_error("userId", "is the main account's userId, not a sub-account's")
    with db.transaction() as s:
        sub = None
        if body.userId:
            sub = s.execute(
                select(SubAccount).where(
                    SubAccount.developer_id == caller.developer_id,
                    SubAccount.user_id == body.userId,
                )
            ).scalar_one_or_none()
        if sub is None:
            if not body.userName:
                raise validation_error("userName", "required when creating a sub-account")
            sub = SubAccount(
                developer_id=caller.developer_id,
                user_id=body.userId or _new_sub_user_id(caller),
                user_name=body.userName,
                remark=body.remark,
                status=body.status or "enabled",
                created_at=now_ms,
                modified_at=now_ms,
            )
            s.add(sub)
        else:
            if body.userName is not None:
                sub.user_name = body.userName
            if body.remark is not None:
                sub.remark = body.remark
            if body.status is not None:
                sub.status = body.status
            sub.modified_at = now_ms
        s.flush()
        return _sub_out(sub)


def _new_sub_user_id(caller: Caller) -> str:
    while True:
        user_id = ids.numeric_id(USER_ID_DIGITS)
        if user_id != caller.main_user_id:
            return user_id


def sub_account_page(
    db: Database, caller: Caller, status: str | None, user_id: str | None, page: PageRequest
) -> dict[str, Any]:
    """0.4: a page of sub-accounts, with the main account's userId and the wire dialect."""
    wire = list_sub_accounts(db, caller, status, user_id, page).to_wire()
    return {**wire, "mainUserId": caller.main_user_id, "dialect": caller.dialect}


def list_sub_accounts(
    db: Database, caller: Caller, status: str | None, user_id: str | None, page: PageRequest
) -> Page[SubAccountOut]:
    with db.transaction() as s:
        conditions: list[Any] = [SubAccount.developer_id == caller.developer_id]
        if caller.user_id is not None:  # a sub-account sees itself only
            conditions.append(SubAccount.user_id == caller.user_id)
        if status:
            conditions.append(SubAccount.status == status)
        if user_id:
            conditions.append(SubAccount.user_id == user_id)
        total = s.execute(
            select(func.count()).select_from(SubAccount).where(*conditions)
        ).scalar_one()
        rows = s.execute(
            select(SubAccount)
            .where(*conditions)
            .order_by(SubAccount.id)
            .offset(page.offset)
            .limit(page.page_size)
        ).scalars()
        return Page([_sub_out(r) for r in rows], page.page_size, total, page.page_no, None)


def sub_account_pk(session: Session, developer_id: int, user_id: str) -> int | None:
    """The row id of a developer's sub-account (a short stable number: the warehouse derives
    the caller's parcel mark from it), or None."""
    return session.execute(
        select(SubAccount.id).where(
            SubAccount.developer_id == developer_id, SubAccount.user_id == user_id
        )
    ).scalar_one_or_none()
