"""Operator use cases that span domains: wallet top-ups and corrections, the cross-developer
ledger, and the dev-mode demo developer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from daigou.config import Settings
from daigou.core.files import write_private
from daigou.core.pagination import Page, PageRequest
from daigou.db.session import Database
from daigou.developers import service as developers
from daigou.developers.models import Developer
from daigou.developers.schemas import DeveloperCreate
from daigou.http.guards import audit
from daigou.wallet import service as wallet
from daigou.wallet.schemas import AdminLedgerEntryOut, EntryAndBalance, WalletAdjust
from daigou.warehouse import operations as warehouse


def adjust_wallet(
    db: Database, body: WalletAdjust, now_ms: int, *, actor: str, request_id: str | None
) -> EntryAndBalance:
    """12.5: a top-up (amount > 0) or a signed correction; a repeated reference returns the
    first entry, a reference reused with another amount answers 40901. A top-up also pays,
    in its transaction, the freight of the developer's logistics orders awaiting payment
    (oldest first, while the balance covers each); the balance answered is after those."""
    with db.transaction() as s:
        dev_pk = developers.developer_pk_in(s, body.developId)
        if body.type == "topup":
            moved = wallet.topup(
                s,
                developer_id=dev_pk,
                amount=body.amount,
                reference=body.reference,
                now_ms=now_ms,
                currency=body.currency,
                remark=body.remark,
            )
        else:
            moved = wallet.adjust(
                s,
                developer_id=dev_pk,
                amount=body.amount,
                reference=body.reference,
                remark=body.remark or "",
                now_ms=now_ms,
                currency=body.currency,
            )
        balance = moved.balance
        # 12.5: a top-up pays the freight of the developer's orders awaiting payment
        paid = moved.applied and body.type == "topup" and warehouse.pay_awaiting(s, dev_pk, now_ms)
        if paid:
            balance = wallet.balance(s, dev_pk, body.currency)
        if moved.applied:
            audit(
                s,
                actor=actor,
                action=f"wallet.{body.type}",
                target=body.developId,
                details=body.model_dump(),
                request_id=request_id,
                now_ms=now_ms,
            )
        return EntryAndBalance(entry=wallet.entry_out(moved.entry), balance=balance)


def ledger(
    db: Database, develop_id: str | None, flt: wallet.LedgerFilter, page: PageRequest
) -> Page[AdminLedgerEntryOut]:
    with db.transaction() as s:
        if develop_id is not None:
            flt = wallet.LedgerFilter(
                **{**flt.__dict__, "developer_id": developers.developer_pk_in(s, develop_id)}
            )
        result = wallet.ledger_page(s, flt, page)
        names = developers.develop_ids(s, {e.developer_id for e in result.items})
        items = [
            AdminLedgerEntryOut(**wallet.entry_out(e).model_dump(), developId=names[e.developer_id])
            for e in result.items
        ]
        return Page(
            items, result.page_size, result.total_records, result.current_page, result.next_cursor
        )


@dataclass
class DemoCredentials:
    developId: str
    accessKey: str
    secret: str
    adminToken: str
    created: bool


def ensure_demo(db: Database, settings: Settings, now_ms: int) -> DemoCredentials | None:
    """Dev mode: on a fresh database create a demo developer with a topped-up balance, and keep
    its credentials under the data dir so a newcomer can call the API at once."""
    if not settings.is_dev:
        return None
    path = Path(settings.data_dir) / "demo-credentials.json"
    with db.transaction() as s:
        existing = s.execute(select(Developer.id).limit(1)).first()
    if existing is not None:
        if path.exists():
            saved = json.loads(path.read_text())
            return DemoCredentials(
                saved["developId"],
                saved["accessKey"],
                saved["secret"],
                settings.resolved_admin_token,
                False,
            )
        return None
    created = developers.create_developer(
        db,
        settings,
        DeveloperCreate(name="Demo developer", remark="created by dev mode"),
        now_ms,
        actor="system",
        request_id=None,
    )
    adjust_wallet(
        db,
        WalletAdjust(
            developId=created.developId,
            type="topup",
            amount=settings.demo_topup_fen,
            reference="demo-initial-topup",
            remark="dev mode demo balance",
        ),
        now_ms,
        actor="system",
        request_id=None,
    )
    write_private(
        path,
        json.dumps(
            {
                "developId": created.developId,
                "accessKey": created.accessKey,
                "secret": created.secret,
            },
            indent=2,
        )
        + "\n",
    )
    return DemoCredentials(
        created.developId, created.accessKey, created.secret, settings.resolved_admin_token, True
    )
