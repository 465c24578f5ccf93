"""Tenant isolation of the saved-address endpoints (CONTRACT section 4, ENDPOINTS 10.1-10.3), in
the style of the order matrices (test_orders1688_isolation.py).

Every endpoint that names an address is called with the ids of a victim developer's addresses
(its sub-account alice's, and its main account's):
- by another developer, and by that developer's sub-account of the same userId: 40401, reading
  exactly like the answer for an id no one has (never reveal that it exists);
- by a sibling sub-account of the victim: 40302.
After each refused call nothing has changed (every address row as it was), and the others' lists
do not show the addresses. An order naming another's address by ``addressId`` is refused with
40001 (test_address_ids.py): the order is the object named there.

To cover a new endpoint, add one row to ENDPOINTS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from daigou.addresses.models import ConsigneeAddress
from tests.support.addresses import DELETE, HOME, LIST, SAVE, sub_account
from tests.support.api import assert_error, assert_ok
from tests.support.databases import BACKENDS, fresh_database
from tests.support.gateway import make_settings, running_gateway

NOT_FOUND, OTHER_SUB_ACCOUNT = 40401, 40302
NOBODY = 987654321


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    build: Callable[[int], dict[str, Any]]


ENDPOINTS = [
    pytest.param(
        Endpoint("POST", SAVE, lambda i: {"id": i, "name": "李四", "isDefault": True}),
        id="10.1-update",
    ),
    pytest.param(
        Endpoint("POST", SAVE, lambda i: {**HOME, "id": i, "city": "广州", "district": "天河"}),
        id="10.1-update-every-field",
    ),
    pytest.param(Endpoint("POST", DELETE, lambda i: {"id": i}), id="10.3-delete"),
    # ---- add further address endpoints here --------------------------------------------------
]

# who calls: (which developer, user-id header, the code CONTRACT section 4 asks for)
CALLERS = {
    "another-developer": ("intruder", None, NOT_FOUND),
    "another-developers-sub-account-of-the-same-name": ("intruder", "alice", NOT_FOUND),
    "a-sibling-sub-account": ("victim", "bob", OTHER_SUB_ACCOUNT),
}
TARGETS = ("alice", "main")


@dataclass
class World:
    api: Any
    db: Any
    victim: Any
    intruder: Any
    addresses: dict[str, int]  # "alice" / "main" -> the id of its default address

    def dev(self, who: str) -> Any:
        return self.victim if who == "victim" else self.intruder

    def call(self, who: str, user_id: str | None, endpoint: Endpoint, address_id: int) -> Any:
        body = endpoint.build(address_id)
        return self.api.call(
            self.dev(who), endpoint.method, endpoint.path, body=body, user_id=user_id
        )

    def listed(self, who: str, user_id: str | None) -> set[int]:
        page = assert_ok(
            self.api.call(self.dev(who), "GET", LIST, params={"pageSize": 100}, user_id=user_id)
        )
        return {a["id"] for a in page["data"]}

    def rows(self) -> set[tuple[Any, ...]]:
        with self.db.reading() as conn:
            return {tuple(r) for r in conn.execute(select(ConsigneeAddress.__table__))}


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One world per backend: every case is a refused call that changes nothing."""
    directory = tmp_path_factory.mktemp(f"address-isolation-{request.param}")
    with fresh_database(request.param, request, directory) as url:
        settings = make_settings(directory, url, sandbox_load_on_start=False)
        with running_gateway(settings) as (db, api):
            victim = api.create_developer(rateLimitPerMinute=1_000_000)
            intruder = api.create_developer(rateLimitPerMinute=1_000_000)
            for who, user in ((victim, "alice"), (victim, "bob"), (intruder, "alice")):
                sub_account(api, who, user)
            made = {}
            for owner, user in (("alice", "alice"), ("main", None)):
                made[owner] = assert_ok(api.call(victim, "POST", SAVE, body=HOME, user_id=user))
            # the intruder and bob have addresses of their own (their lists are not empty)
            for who, user in ((intruder, None), (intruder, "alice"), (victim, "bob")):
                assert_ok(api.call(who, "POST", SAVE, body=HOME, user_id=user))
            yield World(api, db, victim, intruder, {k: v["id"] for k, v in made.items()})


def _answer(r: Any, address_id: int) -> tuple[int, str]:
    body = r.json()
    return body["code"], json.dumps([body["msg"], body["data"]]).replace(str(address_id), "ID")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_address_of_another_developer_or_sub_account_is_refused_and_untouched(
    world, endpoint, caller, target
):
    who, user_id, code = CALLERS[caller]
    address_id = world.addresses[target]
    before = world.rows()
    r = world.call(who, user_id, endpoint, address_id)
    assert_error(r, code)
    if code == NOT_FOUND:  # never reveal that it exists: the answer for an id no one has
        unknown = world.call(who, user_id, endpoint, NOBODY)
        assert _answer(r, address_id) == _answer(unknown, NOBODY)
    assert world.rows() == before


def test_the_lists_of_another_developer_or_sub_account_never_show_them(world):
    victims = set(world.addresses.values())
    for who, user in (("intruder", None), ("intruder", "alice"), ("victim", "bob")):
        mine = world.listed(who, user)
        assert len(mine) == 1 and mine & victims == set()
    assert world.listed("victim", "alice") == {world.addresses["alice"]}
    assert world.listed("victim", None) == {world.addresses["main"]}
