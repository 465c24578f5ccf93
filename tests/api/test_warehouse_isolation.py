"""Tenant isolation of the warehouse endpoints (CONTRACT section 4, ENDPOINTS 11).

Every endpoint that names a logistics order (or a shipment preview) is called with a victim
developer's objects: by another developer, and by its sub-account of the same userId, 40401
reading exactly like the answer for an id no one has; by a sibling sub-account of the victim,
40302. After each refused call nothing changed: no logistics order, parcel, hold, ledger entry or
message was written, the victim's orders and previews are as they were, and the others' pages do
not list them.

To cover a new endpoint, add one row to ENDPOINTS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from daigou.messages.models import OutboxMessage
from daigou.wallet.models import Hold, LedgerEntry
from daigou.warehouse.models import FreightRender, LogisticsOrder, LogisticsSource, Parcel
from tests.support.api import assert_error, assert_ok
from tests.support.databases import BACKENDS, fresh_database
from tests.support.gateway import make_settings, running_gateway
from tests.support.warehouse import BOOK, CANCEL, DECLARE, DETAIL, PAGE, booked, goods, rendered

NOT_FOUND, OTHER_SUB_ACCOUNT = 40401, 40302


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    build: Callable[[dict[str, Any]], dict[str, Any]]


ENDPOINTS = [
    pytest.param(
        Endpoint("POST", BOOK, lambda t: {"renderId": t["renderId"], "lineItems": t["lines"]}),
        id="11.3-book",
    ),
    pytest.param(
        Endpoint(
            "POST",
            DECLARE,
            lambda t: {
                "orderId": t["logisticsOrderId"],
                "logisticInfos": [{"logisticNumer": "SF9000000001"}],
            },
        ),
        id="11.4-declare",
    ),
    pytest.param(
        Endpoint("GET", DETAIL, lambda t: {"logisticsOrderId": t["logisticsOrderId"]}),
        id="11.5-detail",
    ),
    pytest.param(
        Endpoint("POST", CANCEL, lambda t: {"logisticsOrderId": t["logisticsOrderId"]}),
        id="11.7-cancel",
    ),
    # ---- add further endpoints naming a logistics order or a preview here ------------------
]
CALLERS = {
    "another-developer": ("intruder", None, NOT_FOUND),
    "another-developers-sub-account-of-the-same-name": ("intruder", "alice", NOT_FOUND),
    "a-sibling-sub-account": ("victim", "bob", OTHER_SUB_ACCOUNT),
}
TARGETS = ("alice", "main")
NOBODY = {"logisticsOrderId": "LO9999999999999999", "renderId": "FF20990101999999999999"}


@dataclass
class World:
    api: Any
    db: Any
    victim: Any
    intruder: Any
    targets: dict[str, dict[str, Any]]

    def dev(self, who: str) -> Any:
        return self.victim if who == "victim" else self.intruder

    def call(self, who: str, user_id: str | None, endpoint: Endpoint, target: dict) -> Any:
        payload = endpoint.build(target)
        if endpoint.method == "GET":
            return self.api.call(
                self.dev(who), "GET", endpoint.path, params=payload, user_id=user_id
            )
        return self.api.call(self.dev(who), "POST", endpoint.path, body=payload, user_id=user_id)

    def page_ids(self, who: str, user_id: str | None = None) -> set[str]:
        data = assert_ok(
            self.api.call(self.dev(who), "POST", PAGE, body={"pageSize": 100}, user_id=user_id)
        )
        return {o["logisticsOrderId"] for o in data["data"]}

    def snapshot(self) -> dict[str, Any]:
        with self.db.reading() as conn:
            counts = {
                t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (LogisticsOrder, LogisticsSource, Parcel, Hold, LedgerEntry, OutboxMessage)
            }
            orders = {
                tuple(r)
                for r in conn.execute(
                    select(
                        LogisticsOrder.logistics_order_id,
                        LogisticsOrder.status,
                        LogisticsOrder.held_freight,
                        LogisticsOrder.sequence,
                        LogisticsOrder.modified_at,
                    )
                )
            }
            renders = {
                tuple(r)
                for r in conn.execute(select(FreightRender.render_id, FreightRender.used_by))
            }
        return {"counts": counts, "orders": orders, "renders": renders}


def _answer(r: Any, target: dict) -> tuple[int, str]:
    body = r.json()
    text = json.dumps([body.get("msg"), body["data"]], ensure_ascii=False)
    for key in ("logisticsOrderId", "renderId"):
        text = text.replace(str(target[key]), "ID")
    return body["code"], text


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    directory = tmp_path_factory.mktemp(f"warehouse-isolation-{request.param}")
    with fresh_database(request.param, request, directory) as url:
        settings = make_settings(directory, url)
        with running_gateway(settings) as (db, api):
            victim = api.create_developer(topup=10_000_000, rateLimitPerMinute=1_000_000)
            intruder = api.create_developer(topup=10_000_000, rateLimitPerMinute=1_000_000)
            for who, user in ((victim, "alice"), (victim, "bob"), (intruder, "alice")):
                body = {"userId": user, "userName": user}
                assert_ok(api.call(who, "POST", "/open/subaccount/addOrUpdate", body=body))
            lines = goods(settings, 1)
            targets = {}
            for owner in TARGETS:
                user = None if owner == "main" else owner
                order = booked(api, victim, lines, user_id=user)
                preview = rendered(api, victim, lines, user_id=user)
                targets[owner] = {
                    "logisticsOrderId": order["logisticsOrderId"],
                    "renderId": preview["renderId"],
                    "lines": lines,
                }
            booked(api, intruder, lines)  # the intruder's page is not empty
            yield World(api, db, victim, intruder, targets)


@pytest.mark.parametrize(
    ("endpoint", "caller", "target"),
    [
        pytest.param(e.values[0], caller, target, id=f"{e.id}-{caller}-{target}")
        for e in ENDPOINTS
        for caller in CALLERS
        for target in TARGETS
    ],
)
def test_a_logistics_order_of_another_developer_or_sub_account_is_refused_and_untouched(
    world, endpoint, caller, target
):
    who, user_id, code = CALLERS[caller]
    goal = world.targets[target]
    before = world.snapshot()
    r = world.call(who, user_id, endpoint, goal)
    assert_error(r, code)
    if code == NOT_FOUND:  # never reveal that it exists
        nobody = {**goal, **NOBODY}
        assert _answer(r, goal) == _answer(world.call(who, user_id, endpoint, nobody), nobody)
    assert world.snapshot() == before
    assert goal["logisticsOrderId"] not in world.page_ids("intruder")
    assert goal["logisticsOrderId"] not in world.page_ids("intruder", "alice")
    assert goal["logisticsOrderId"] not in world.page_ids("victim", "bob")
    assert goal["logisticsOrderId"] in world.page_ids("victim")
