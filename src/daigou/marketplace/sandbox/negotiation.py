"""A sandbox refund's negotiation: the notes its buyer, seller and platform leave on it (Taobao
3.7/3.8; 1688's refund history), and where a seller wants returned goods sent (see ``refunds``).

Notes live in the refund's own body (a ``notes`` list), not in a table of their own: a note the
seller writes with a move (a refusal and its reason, a return agreed and its address) is then
one save of one row with that move, and no migration is needed. A note is not a move: adding
one leaves the refund's status and modified time alone and pushes nothing.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import goods
from daigou.marketplace.sandbox.seller_base import SellerBase
from daigou.marketplace.sandbox.states import (
    R_WAIT_MODIFY,
    R_WAIT_SEND,
    REFUND_OPEN,
    make_id,
    refused,
)

BUYER, SELLER, PLATFORM = "buyer", "seller", "platform"
DEFAULT_AGREE_DESCRIBE = "请寄回原包装，勿寄到付"
# the platform's notice when the buyer let the time to act run out (by the status it closed from)
TIMEOUT_NOTES = {
    R_WAIT_SEND: "买家超时未寄回商品，退款关闭 / goods not sent back in time: refund closed",
    R_WAIT_MODIFY: "买家超时未修改退款申请，退款关闭 / request not modified in time: refund closed",
}

_SURNAMES = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何林高罗"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明")
_ROADS = ("创业路", "科技大道", "兴业街", "环城北路", "商城大道", "物流大道")
_PARKS = ("工业园区", "物流园", "国际商贸城", "电商产业园", "仓储中心")


def return_address(settings: Settings, seller_open_id: str, shop_name: str) -> P.Address:
    """Where a seller takes returned goods: its after-sales desk in its shop's city, the same
    for every refund of that seller (drawn from its open id, so nothing is stored per seller)."""
    shop = goods.shop_of_seller(settings, seller_open_id)
    province, city = (shop.province, shop.city) if shop is not None else ("浙江省", "义乌市")
    r = random.Random(C.stable_hash("return-address", seller_open_id))
    return P.Address(
        full_name=r.choice(_SURNAMES) + r.choice(_GIVEN),
        mobile=f"1{r.choice('3589')}{r.randrange(10**9):09d}",
        province=province,
        city=city,
        address=f"{r.choice(_ROADS)}{r.randrange(100, 1000)}号{r.choice(_PARKS)} {shop_name}售后部",
    )


def one_line(address: P.Address) -> str:
    """An address as a person writes it: receiver, mobile, then the place."""
    place = address.province + address.city + address.area + address.address
    return f"{address.full_name} {address.mobile} {place}"


class NoteDesk(SellerBase):
    """The notes of refunds: listed, added by the buyer, written by the seller's moves."""

    def refund_notes(self, platform: P.Platform, refund_id: str) -> tuple[P.RefundNote, ...]:
        with self.db.transaction() as s:
            refund = self._refund_row(s, platform, refund_id, lock=False)[1]
        return tuple(self.note_dto(refund, n) for n in refund.get("notes", ()))

    def add_refund_note(
        self,
        platform: P.Platform,
        refund_id: str,
        content: str,
        images: tuple[str, ...],
        op_request_id: str,
    ) -> P.RefundNote:
        """The buyer's note. The refund is locked before the key is looked up, so two sends of
        one ``op_request_id`` at once add one note: the second sees the first's key."""
        key = f"refund-note:{platform}:{op_request_id}"
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            row, refund = self._refund_row(s, platform, refund_id)
            done = self._dedupe(s, key)
            if done is not None:
                noted = self._refund_row(s, None, done["refund_id"], lock=False)[1]
                note = next(n for n in noted["notes"] if n["note_id"] == done["note_id"])
                return self.note_dto(noted, note)
            if refund["status"] not in REFUND_OPEN:
                raise refused("REFUND_STATUS_ERROR", f"the refund is {refund['status']}: no notes")
            note = self._note(s, refund, BUYER, content, images, now)
            self._save_refund(s, row, refund, refund["modified_ms"])  # not a move: time kept
            written = {"refund_id": refund["refund_id"], "note_id": note["note_id"]}
            self._record_write(s, key, "refund-note", written, now)
            return self.note_dto(refund, note)

    def _note(
        self,
        s: Session,
        refund: dict[str, Any],
        owner: str,
        content: str,
        images: tuple[str, ...],
        at: int,
    ) -> dict[str, Any]:
        """Append a note to ``refund`` (the caller saves it, with whatever else it changed)."""
        note = {
            "note_id": "RN" + make_id(self._next(s, "refund_note"), "", 17),
            "owner": owner,
            "content": content,
            "images": list(images),
            "created_ms": at,
        }
        refund.setdefault("notes", []).append(note)
        return note

    @staticmethod
    def note_dto(refund: dict[str, Any], note: dict[str, Any]) -> P.RefundNote:
        return P.RefundNote(
            note_id=note["note_id"],
            refund_id=refund["refund_id"],
            owner=note["owner"],
            content=note["content"],
            images=tuple(note["images"]),
            created_ms=note["created_ms"],
        )
