"""Line operations both carts share (ENDPOINTS 4.1-4.6, 8.1-8.6): the caller's lines, adding to a
line or making one, setting a line, deleting lines, and why a line id is not the caller's.

They touch the cart's own table only, one transaction each; whatever the marketplace must say
(stock, sale state) is asked before, by the platform's cart, and handed in as a check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from daigou.carts.models import CartLine
from daigou.carts.schemas import CartAdded, CartDelete, CartDeleteOut, CartDeleteResult
from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.db.session import Database, rowcount

MAX_LINES = 200  # per cart: the main account's or one sub-account's (ENDPOINTS 4, 8; ours)
DELETE_MAX = 100  # ids per delete (4.3, 8.3)

L = TypeVar("L", bound=CartLine)


@dataclass(frozen=True)
class Owner:
    developer_id: int
    develop_id: str
    user_id: str  # '' = the main account


def owner_of(who: Any) -> Owner:
    """The cart of a signed caller, or of a buyer with a body's ``userId`` applied: anything
    with ``developer_id``, ``develop_id`` and ``user_id`` (None for the main account)."""
    return Owner(who.developer_id, who.develop_id, who.user_id or "")


def mine(model: type[CartLine], owner: Owner) -> ColumnElement[bool]:
    return and_(model.developer_id == owner.developer_id, model.user_id == owner.user_id)


def missing_line(s: Session, model: type[CartLine], owner: Owner, line_id: int) -> ApiError:
    """Why a line id is not the caller's: 40302 when it is another cart of the same developer
    (its main account's or a sub-account's: each account keeps its own cart), else 40401
    (another developer's line is never revealed)."""
    found = s.execute(
        select(model.id).where(model.developer_id == owner.developer_id, model.id == line_id)
    ).first()
    if found is not None:
        return ApiError(40302, f"cart line {line_id} belongs to another account's cart")
    return NotFound(f"no cart line {line_id}")


def lines_of(db: Database, model: type[L], owner: Owner, ids: list[int]) -> list[L]:
    """The caller's cart lines, in the order asked (a repeated id counts once), detached;
    40302 / 40401 (``missing_line``) for the first id that is not a line of this cart."""
    wanted = list(dict.fromkeys(ids))
    with db.transaction() as s:
        rows = {
            r.id: r
            for r in s.scalars(select(model).where(mine(model, owner), model.id.in_(wanted)))
        }
        missing = [i for i in wanted if i not in rows]
        if missing:
            raise missing_line(s, model, owner, missing[0])
        s.expunge_all()
    return [rows[i] for i in wanted]


def add_line(
    db: Database,
    model: type[L],
    owner: Owner,
    key: Mapping[str, str],
    quantity: int,
    now_ms: int,
    *,
    max_quantity: int,
    max_lines: int,
    check: Callable[[int], None],
    build: Callable[[], L],
    touch: Callable[[L], None],
) -> CartAdded:
    """Add ``quantity`` to the owner's line whose columns equal ``key`` (the platform's item and
    SKU), or make that line with ``build()`` (key and platform columns set; owner, quantity and
    times are set here). ``check(total)`` raises when the marketplace cannot supply the line's
    new total (40904); a total over ``max_quantity`` is 40001, a new line past ``max_lines``
    40901. ``touch`` copies the request's own fields onto an existing line. When a concurrent
    add of the same SKU inserted first, this one adds to that line."""
    for attempt in (1, 2):
        try:
            return _add_line(
                db,
                model,
                owner,
                key,
                quantity,
                now_ms,
                max_quantity,
                max_lines,
                check,
                build,
                touch,
            )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _add_line(
    db: Database,
    model: type[L],
    owner: Owner,
    key: Mapping[str, str],
    quantity: int,
    now_ms: int,
    max_quantity: int,
    max_lines: int,
    check: Callable[[int], None],
    build: Callable[[], L],
    touch: Callable[[L], None],
) -> CartAdded:
    same = [getattr(model, column) == value for column, value in key.items()]
    with db.transaction() as s:
        line = s.scalars(select(model).where(mine(model, owner), *same)).first()
        if line is not None:
            total = line.quantity + quantity
            if total > max_quantity:
                raise validation_error(
                    "quantity", f"a cart line holds at most {max_quantity} (it has {line.quantity})"
                )
            check(total)
            line.quantity = total
            line.updated_at = now_ms
            touch(line)
            s.flush()
            return CartAdded(id=line.id, quantity=total)
        check(quantity)
        count = s.scalar(select(func.count()).select_from(model).where(mine(model, owner))) or 0
        if count >= max_lines:
            raise Conflict(f"cart full: at most {max_lines} lines")
        line = build()
        line.developer_id = owner.developer_id
        line.user_id = owner.user_id
        line.quantity = quantity
        line.created_at = line.updated_at = now_ms
        s.add(line)
        s.flush()
        return CartAdded(id=line.id, quantity=line.quantity)


def update_line(
    db: Database,
    model: type[L],
    owner: Owner,
    line_id: int,
    now_ms: int,
    apply: Callable[[L], None],
) -> None:
    """Change the caller's line (``apply``) if it is still there; 40302 / 40401 otherwise."""
    with db.transaction() as s:
        line = s.get(model, line_id)
        if line is None or line.developer_id != owner.developer_id or line.user_id != owner.user_id:
            raise missing_line(s, model, owner, line_id)
        apply(line)
        line.updated_at = now_ms


def delete_lines(
    db: Database, model: type[CartLine], owner: Owner, body: CartDelete
) -> CartDeleteOut:
    """4.3 / 8.3: one S2 result per id, in input order; an id that is not (or no longer) a line
    of the caller's cart fails its own item (40302 / 40401, ``missing_line``)."""
    if not body.ids:
        raise validation_error("ids", f"give 1 to {DELETE_MAX} cart line ids")
    if len(body.ids) > DELETE_MAX:
        raise ApiError(40003, f"ids: at most {DELETE_MAX} cart lines per call")
    results = []
    with db.transaction() as s:
        for index, line_id in enumerate(body.ids):
            gone = rowcount(s.execute(delete(model).where(mine(model, owner), model.id == line_id)))
            if gone:
                results.append(
                    CartDeleteResult(
                        index=index, key=line_id, success=True, code=200, msg="success"
                    )
                )
            else:
                why = missing_line(s, model, owner, line_id)
                results.append(
                    CartDeleteResult(
                        index=index, key=line_id, success=False, code=why.code, msg=why.msg
                    )
                )
    return CartDeleteOut(results=results)


def remove_lines(db: Database, model: type[CartLine], owner: Owner, ids: list[int]) -> None:
    """The lines just ordered leave the caller's cart (4.6, 8.6), in a transaction of their
    own (after the order's): should the process die in between, the order exists and the lines
    stay, and nothing is ever ordered twice without a new, deliberate call."""
    if not ids:
        return
    with db.transaction() as s:
        s.execute(delete(model).where(mine(model, owner), model.id.in_(ids)))
