"""Bad input to the Taobao reverse-order routes (ENDPOINTS 3.1-3.10) answers 40001 naming each
field by its JSON path, and a state that does not allow the call answers 40901; nothing is asked
of the marketplace and nothing is recorded. One world per backend: a paid purchase order of two
shops (one sub-order with a reverse order open) and an unpaid one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from daigou.aftersales.models import RefundRecord, RefundWrite
from daigou.reconcile.models import MarketOperation
from tests.support.api import assert_error, assert_ok, field_names
from tests.support.databases import BACKENDS, fresh_database
from tests.support.gateway import make_settings, running_gateway
from tests.support.taobao import created, shop_lines
from tests.support.taobao_refunds import (
    LIST,
    MESSAGE,
    MESSAGES,
    MODIFY,
    QUERY,
    RENDER,
    RETURN_RENDER,
    RETURN_SUBMIT,
    SUBMIT,
    cancel,
    opened,
    paid_order,
    subs,
)

URL = "https://img.example.com/a.jpg"


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every case here is refused and changes nothing, so they share one world per backend."""
    directory = tmp_path_factory.mktemp(f"taobao-refund-input-{request.param}")
    with fresh_database(request.param, request, directory) as url:
        settings = make_settings(directory, url)
        with running_gateway(settings) as (db, api):
            dev = api.create_developer(topup=10_000_000, rateLimitPerMinute=1_000_000)
            order = paid_order(api, dev, settings)
            a, b = subs(order)
            refund = opened(api, dev, a, fee=100)["refundOrder"]
            (lines,) = shop_lines(settings, shops=1, per=1)
            unpaid = created(api, dev, lines)
            yield {
                "api": api,
                "db": db,
                "dev": dev,
                "open": a,
                "free": b,
                "refundId": refund["refundId"],
                "unpaid": unpaid["subOrders"][0],
            }


def counts(db: Any) -> tuple[int, ...]:
    with db.reading() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (RefundRecord, RefundWrite, MarketOperation)
        )


def call(world: dict[str, Any], method: str, path: str, payload: dict[str, Any]) -> Any:
    api, dev = world["api"], world["dev"]
    if method == "GET":
        return api.call(dev, "GET", path, params=payload)
    return api.call(dev, "POST", path, body=payload)


def submit_body(world: dict[str, Any], **change: Any) -> dict[str, Any]:
    body = {
        "subOrderId": world["free"]["subOrderId"],
        "refundType": 1,
        "goodsStatus": 1,
        "reasonId": 1,
        "refundFee": 100,
    }
    body.update(change)
    return {k: v for k, v in body.items() if v is not None}


# (method, path, payload(world), the fields named) -- every one a 40001
BAD_INPUT = [
    (
        "render-no-sub-order",
        "POST",
        RENDER,
        lambda w: {"refundType": 1, "goodsStatus": 1},
        ["subOrderId"],
    ),
    (
        "render-sub-order-not-an-id",
        "POST",
        RENDER,
        lambda w: {"subOrderId": "12a", "refundType": 1, "goodsStatus": 1},
        ["subOrderId"],
    ),
    (
        "render-kind-and-goods-status",
        "POST",
        RENDER,
        lambda w: {"subOrderId": w["free"]["subOrderId"], "refundType": 3, "goodsStatus": "1"},
        ["refundType", "goodsStatus"],
    ),
    (
        "render-a-boolean-kind",
        "POST",
        RENDER,
        lambda w: {"subOrderId": w["free"]["subOrderId"], "refundType": True, "goodsStatus": 1},
        ["refundType"],
    ),
    ("submit-fee-zero", "POST", SUBMIT, lambda w: submit_body(w, refundFee=0), ["refundFee"]),
    ("submit-fee-float", "POST", SUBMIT, lambda w: submit_body(w, refundFee=1.5), ["refundFee"]),
    ("submit-fee-text", "POST", SUBMIT, lambda w: submit_body(w, refundFee="100"), ["refundFee"]),
    (
        "submit-fee-above-the-line",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, refundFee=w["free"]["productAmount"] + 1),
        ["refundFee"],
    ),
    ("submit-no-reason", "POST", SUBMIT, lambda w: submit_body(w, reasonId=None), ["reasonId"]),
    ("submit-unknown-reason", "POST", SUBMIT, lambda w: submit_body(w, reasonId=99), ["reasonId"]),
    (
        "submit-received-before-shipment",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, goodsStatus=2),
        ["goodsStatus"],
    ),
    (
        "submit-description-too-long",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, refundDesc="x" * 201),
        ["refundDesc"],
    ),
    (
        "submit-six-pictures",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, refundImages=[URL] * 6),
        ["refundImages"],
    ),
    (
        "submit-a-picture-not-http",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, refundImages=[URL, "ftp://img.example.com/b.jpg"]),
        ["refundImages[1]"],
    ),
    (
        "submit-a-comma-list-with-a-bad-one",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, refundImages=f"{URL}, not-a-url"),
        ["refundImages[1]"],
    ),
    (
        "submit-pictures-bad-json",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, refundImages='["https://img.example.com/a.jpg"'),
        ["refundImages"],
    ),
    ("modify-refund-id", "POST", MODIFY, lambda w: {"refundId": "XY12"}, ["refundId"]),
    (
        "modify-fee-and-reason",
        "POST",
        MODIFY,
        lambda w: {"refundId": w["refundId"], "refundFee": -1, "reasonId": "one"},
        ["reasonId", "refundFee"],
    ),
    (
        "modify-above-the-line",
        "POST",
        MODIFY,
        lambda w: {"refundId": w["refundId"], "refundFee": w["open"]["productAmount"] + 1},
        ["refundFee"],
    ),
    (
        "modify-received-before-shipment",
        "POST",
        MODIFY,
        lambda w: {"refundId": w["refundId"], "goodsStatus": 2},
        ["goodsStatus"],
    ),
    ("query-no-id", "GET", QUERY, lambda w: {}, ["refundId"]),
    ("query-bad-id", "GET", QUERY, lambda w: {"refundId": "TQ-1"}, ["refundId"]),
    ("list-status", "POST", LIST, lambda w: {"refundStatus": 5}, ["refundStatus"]),
    ("list-page-size", "POST", LIST, lambda w: {"pageSize": 101}, ["pageSize"]),
    ("list-cursor", "POST", LIST, lambda w: {"cursor": "not-a-cursor"}, ["cursor"]),
    (
        "list-times",
        "POST",
        LIST,
        lambda w: {"refundStartTime": -1, "refundEndTime": "soon"},
        ["refundStartTime", "refundEndTime"],
    ),
    (
        "message-empty",
        "POST",
        MESSAGE,
        lambda w: {"refundId": w["refundId"], "refundMessage": ""},
        ["refundMessage"],
    ),
    (
        "message-too-long-with-pictures",
        "POST",
        MESSAGE,
        lambda w: {
            "refundId": w["refundId"],
            "refundMessage": "x" * 501,
            "refundImages": ",".join([URL] * 6),
        },
        ["refundMessage", "refundImages"],
    ),
    (
        "message-list-page",
        "POST",
        MESSAGES,
        lambda w: {"refundId": w["refundId"], "pageNo": 0},
        ["pageNo"],
    ),
    ("return-render-no-id", "GET", RETURN_RENDER, lambda w: {}, ["refundId"]),
    (
        "return-unknown-carrier-bad-number-and-phone",
        "POST",
        RETURN_SUBMIT,
        lambda w: {
            "refundId": w["refundId"],
            "logisticsCompanyCode": "UPS",
            "logisticsNo": "ab",
            "buyerPhone": "call me",
        },
        ["logisticsCompanyCode", "logisticsNo", "buyerPhone"],
    ),
    (
        "return-no-number",
        "POST",
        RETURN_SUBMIT,
        lambda w: {"refundId": w["refundId"], "logisticsCompanyCode": "SF"},
        ["logisticsNo"],
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "payload", "fields"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUT],
)
def test_bad_input_names_each_field_and_changes_nothing(world, method, path, payload, fields):
    before = counts(world["db"])
    err = assert_error(call(world, method, path, payload(world)), 40001)
    assert field_names(err) == fields, err
    assert counts(world["db"]) == before


# (method, path, payload(world)) -- every one a 40901: the state does not allow it
WRONG_STATE = [
    (
        "render-an-unpaid-line",
        "POST",
        RENDER,
        lambda w: {"subOrderId": w["unpaid"]["subOrderId"], "refundType": 1, "goodsStatus": 1},
    ),
    (
        "render-a-line-with-one-open",
        "POST",
        RENDER,
        lambda w: {"subOrderId": w["open"]["subOrderId"], "refundType": 1, "goodsStatus": 1},
    ),
    (
        "submit-an-unpaid-line",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, subOrderId=w["unpaid"]["subOrderId"]),
    ),
    (
        "submit-a-second-on-a-line",
        "POST",
        SUBMIT,
        lambda w: submit_body(w, subOrderId=w["open"]["subOrderId"]),
    ),
    ("submit-a-return-before-shipment", "POST", SUBMIT, lambda w: submit_body(w, refundType=2)),
    ("return-render-before-agreed", "GET", RETURN_RENDER, lambda w: {"refundId": w["refundId"]}),
    (
        "return-submit-before-agreed",
        "POST",
        RETURN_SUBMIT,
        lambda w: {
            "refundId": w["refundId"],
            "logisticsCompanyCode": "ZTO",
            "logisticsNo": "ZT123456",
        },
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "payload"), [pytest.param(*case[1:], id=case[0]) for case in WRONG_STATE]
)
def test_a_state_that_does_not_allow_it_answers_40901(world, method, path, payload):
    before = counts(world["db"])
    assert_error(call(world, method, path, payload(world)), 40901)
    assert counts(world["db"]) == before


def test_unknown_ids_answer_40401(world):
    nobody = {"refundId": "TQ12345678901234567"}
    for method, path, payload in (
        ("POST", RENDER, {"subOrderId": "1999999999999999999", "refundType": 1, "goodsStatus": 1}),
        ("POST", SUBMIT, submit_body(world, subOrderId="1999999999999999999")),
        ("POST", MODIFY, nobody),
        ("GET", QUERY, nobody),
        ("POST", MESSAGE, {**nobody, "refundMessage": "hello"}),
        ("POST", MESSAGES, nobody),
        ("GET", RETURN_RENDER, nobody),
        ("POST", RETURN_SUBMIT, {**nobody, "logisticsCompanyCode": "SF", "logisticsNo": "SF1234"}),
    ):
        assert_error(call(world, method, path, payload), 40401)
    assert_error(cancel(world["api"], world["dev"], nobody["refundId"]), 40401)
    assert_error(cancel(world["api"], world["dev"], "TQ-1"), 40001)
    # the open one is still there, untouched
    data = assert_ok(call(world, "GET", QUERY, {"refundId": world["refundId"]}))
    assert data["refundOrderAggregate"]["refundOrder"]["refundStatus"] == 10
