"""Paying a Taobao purchase order by bank transfer (ENDPOINTS 2.6, 12.7, 12.8): the developer
uploads the transfer's voucher (0|3 -> 1), the operator lists the vouchers and decides once:
approve credits the transfer to the wallet (a ``topup`` entry whose reference is the voucher)
and pays the order through the wallet (1 -> 2 -> 5 -> 10); reject sends it to 3 with the
reason, from where the developer pays from the wallet or uploads again."""

from __future__ import annotations

import json

from tests.support.api import assert_error, assert_ok, field_names
from tests.support.orders1688 import balance, fund
from tests.support.taobao import (
    CANCEL,
    IMAGES,
    advance,
    approve,
    created,
    detail,
    fault,
    ledger,
    messages_of,
    pay,
    review,
    run_feed,
    shop_lines,
    status_moves,
    upload,
    uploaded,
    voucher_audit,
    voucher_page,
)


def one_shop_order(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    return created(api, dev, lines)


# --- 2.6 upload ---------------------------------------------------------------------------------
def test_upload_takes_the_images_as_a_json_string_a_list_or_a_comma_list(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    forms = [json.dumps(IMAGES), IMAGES, " , ".join(IMAGES)]
    for form in forms:
        order = created(api, dev, lines)
        assert order["status"] == 0 and order["voucher"] is None
        out = assert_ok(
            upload(
                api,
                dev,
                order["orderId"],
                order["purchaseAmount"],
                images=form,
                transferAccountRemark="ICBC ref 8812",
            )
        )
        assert out["status"] == 1 and out["payMethod"] == "voucher"
        v = out["voucher"]
        assert v["voucherId"].startswith("tv_")
        assert v["transferAccountImgs"] == IMAGES
        assert (v["amount"], v["reviewStatus"]) == (order["purchaseAmount"], "pending")
        assert (v["transferAccountRemark"], v["rejectReason"], v["reviewTime"]) == (
            "ICBC ref 8812",
            None,
            None,
        )
        assert detail(api, dev, order["orderId"])["voucher"] == v
    # nothing was taken from the wallet
    assert balance(api, dev) == {
        "currency": "CNY",
        "availableAmount": 100_000,
        "heldAmount": 0,
        "totalAmount": 100_000,
    }


def test_upload_refuses_bad_images_and_a_wrong_amount(api, dev, settings):
    order = one_shop_order(api, dev, settings)
    oid, amount = order["orderId"], order["purchaseAmount"]
    http = ["http://img.example.com/a.jpg"]
    err = assert_error(upload(api, dev, oid, amount, images=http), 40001)
    assert field_names(err) == ["transferAccountImgs[0]"]
    mixed = f"{IMAGES[0]},ftp://img.example.com/b.jpg"
    err = assert_error(upload(api, dev, oid, amount, images=mixed), 40001)
    assert field_names(err) == ["transferAccountImgs[1]"]
    six = [f"https://img.example.com/{i}.jpg" for i in range(6)]
    err = assert_error(upload(api, dev, oid, amount, images=six), 40001)
    assert field_names(err) == ["transferAccountImgs"]
    err = assert_error(upload(api, dev, oid, amount, images=json.dumps(six)), 40001)
    assert field_names(err) == ["transferAccountImgs"]
    err = assert_error(upload(api, dev, oid, amount, images=[]), 40001)
    assert field_names(err) == ["transferAccountImgs"]
    assert_error(upload(api, dev, oid, amount, images="[not json"), 40001)
    for wrong in (amount - 1, amount + 1):
        err = assert_error(upload(api, dev, oid, wrong), 40001)
        assert field_names(err) == ["amount"] and str(amount) in err["msg"]
    # five is the most, and an https URL of each is all it takes
    five = six[:5]
    assert assert_ok(upload(api, dev, oid, amount, images=five))["voucher"][
        "transferAccountImgs"
    ] == (five)
    # nothing refused left a voucher behind
    assert voucher_page(api, reviewStatus="all")["totalRecords"] == 1


def test_upload_needs_status_0_or_3(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    under_review = created(api, dev, lines)
    uploaded(api, dev, under_review)
    err = assert_error(
        upload(api, dev, under_review["orderId"], under_review["purchaseAmount"]), 40901
    )
    assert "status" in err["msg"]
    paid = created(api, dev, lines)
    assert assert_ok(pay(api, dev, paid["orderId"]))["status"] == 10
    assert_error(upload(api, dev, paid["orderId"], paid["purchaseAmount"]), 40901)
    cancelled = created(api, dev, lines)
    cancel = api.call(dev, "POST", CANCEL, body={"orderId": cancelled["orderId"]})
    assert assert_ok(cancel)["status"] == 4
    assert_error(upload(api, dev, cancelled["orderId"], cancelled["purchaseAmount"]), 40901)
    # an order under review is not paid from the wallet either
    assert_error(pay(api, dev, under_review["orderId"]), 40901)
    assert detail(api, dev, under_review["orderId"])["status"] == 1
    # only the first upload made a voucher
    assert voucher_page(api, reviewStatus="all")["totalRecords"] == 1


def test_another_developer_cannot_upload_for_an_order(api, dev, settings):
    order = one_shop_order(api, dev, settings)
    other = api.create_developer()
    assert_error(upload(api, other, order["orderId"], order["purchaseAmount"]), 40401)
    assert detail(api, dev, order["orderId"])["status"] == 0


def test_a_sub_accounts_order_takes_a_voucher_from_it_or_the_main_account(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    for user in ("buyer_a", "buyer_b"):
        body = {"userId": user, "userName": user}
        assert_ok(api.call(dev, "POST", "/open/subaccount/addOrUpdate", body=body))
    order = created(api, dev, lines, user_id="buyer_a")
    amount = order["purchaseAmount"]
    assert_error(upload(api, dev, order["orderId"], amount, user_id="buyer_b"), 40302)
    assert detail(api, dev, order["orderId"])["status"] == 0
    assert_ok(upload(api, dev, order["orderId"], amount, user_id="buyer_a"))
    (item,) = voucher_page(api)["data"]
    assert (item["userId"], item["developId"]) == ("buyer_a", dev.develop_id)
    # the main account sees and acts on its sub-accounts' orders
    other = created(api, dev, lines, user_id="buyer_b")
    assert assert_ok(upload(api, dev, other["orderId"], other["purchaseAmount"]))["status"] == 1
    assert {v["userId"] for v in voucher_page(api)["data"]} == {"buyer_a", "buyer_b"}


# --- 12.7 list ----------------------------------------------------------------------------------
def test_the_voucher_list_filters_and_pages(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    other = api.create_developer()
    mine = []
    for _ in range(3):
        mine.append(uploaded(api, dev, created(api, dev, lines)))
        advance(api, 60)
    theirs = uploaded(api, other, created(api, other, lines))
    advance(api, 60)
    rejected = uploaded(api, dev, created(api, dev, lines))
    assert_ok(review(api, rejected["voucher"]["voucherId"], "reject", reason="unreadable"))
    ids = lambda page: [v["voucherId"] for v in page["data"]]  # noqa: E731

    # by default: the pending ones, newest first, each with its developer and its order
    page = voucher_page(api)
    newest_first = [theirs, *reversed(mine)]
    assert ids(page) == [o["voucher"]["voucherId"] for o in newest_first]
    assert (page["totalRecords"], page["totalPage"], page["currentPage"]) == (4, 1, 1)
    assert page["nextCursor"] is None
    for item, order in zip(page["data"], newest_first, strict=True):
        assert item["reviewStatus"] == "pending"
        assert item["orderId"] == order["orderId"] == item["order"]["orderId"]
        assert item["order"]["status"] == 1
        assert item["amount"] == order["purchaseAmount"] and item["currency"] == "CNY"
        assert item["transferAccountImgs"] == IMAGES
        assert item["createTime"] == item["order"]["modifyTime"]
    assert page["data"][0]["developId"] == other.develop_id
    assert {v["developId"] for v in page["data"][1:]} == {dev.develop_id}

    # the review status
    only = voucher_page(api, reviewStatus="rejected")
    assert ids(only) == [rejected["voucher"]["voucherId"]]
    assert only["data"][0]["rejectReason"] == "unreadable"
    assert only["data"][0]["order"]["status"] == 3
    assert voucher_page(api, reviewStatus="approved")["data"] == []
    assert voucher_page(api, reviewStatus="all")["totalRecords"] == 5
    assert_error(
        api.admin("GET", "/admin/finance/voucher/list", params={"reviewStatus": "x"}), 40001
    )

    # the developer
    assert ids(voucher_page(api, developId=other.develop_id)) == [theirs["voucher"]["voucherId"]]
    assert voucher_page(api, developId=dev.develop_id, reviewStatus="all")["totalRecords"] == 4
    assert voucher_page(api, developId="9" * 16)["data"] == []

    # the creation time (both ends inclusive)
    times = [v["createTime"] for v in voucher_page(api, reviewStatus="all")["data"]]
    assert len(set(times)) == 5  # a minute apart
    t1 = page["data"][3]["createTime"]  # mine[0]
    t2 = page["data"][2]["createTime"]  # mine[1]
    ranged = voucher_page(api, createStartTime=t1, createEndTime=t2)
    assert ids(ranged) == [mine[1]["voucher"]["voucherId"], mine[0]["voucher"]["voucherId"]]
    assert ids(voucher_page(api, createStartTime=t2 + 1, developId=dev.develop_id)) == [
        mine[2]["voucher"]["voucherId"]
    ]

    # pages by number and by cursor see the same vouchers, none twice
    first = voucher_page(api, reviewStatus="all", pageSize=2)
    assert (first["totalRecords"], first["totalPage"], first["pageSize"]) == (5, 3, 2)
    by_number = []
    for n in (1, 2, 3):
        by_number += ids(voucher_page(api, reviewStatus="all", pageSize=2, pageNo=n))
    got = voucher_page(api, reviewStatus="all", pageSize=2)
    by_cursor = ids(got)
    while got["nextCursor"] is not None:
        got = voucher_page(api, reviewStatus="all", pageSize=2, cursor=got["nextCursor"])
        # by cursor the counts are not given (S1)
        assert (got["totalRecords"], got["totalPage"], got["currentPage"]) == (None, None, None)
        by_cursor += ids(got)
        assert len(by_cursor) <= 5
    every = ids(voucher_page(api, reviewStatus="all"))
    assert by_number == by_cursor == every and len(set(every)) == 5


def test_the_voucher_list_needs_the_admin_token(api, dev):
    r = api.http.get("/admin/finance/voucher/list")
    assert_error(r, 40100)
    # a developer's signature is no admin token
    assert_error(api.call(dev, "GET", "/admin/finance/voucher/list"), 40100)
    r = api.http.get("/admin/finance/voucher/list", headers={"Authorization": "Bearer wrong"})
    assert_error(r, 40101)


# --- 12.8 approve -------------------------------------------------------------------------------
def test_approve_credits_the_transfer_and_pays_the_order_through_the_wallet(api, dev, settings, db):
    a, b = shop_lines(settings, shops=2, per=1)
    fund(api, dev, 0)  # only the transfer can pay it
    order = created(api, dev, a + b)
    assert len(order["salesOrderIds"]) == 2
    amount = order["purchaseAmount"]
    under_review = uploaded(api, dev, order)
    voucher_id = under_review["voucher"]["voucherId"]
    before = ledger(api, dev)

    out = approve(api, under_review)
    assert (out["voucherId"], out["reviewStatus"]) == (voucher_id, "approved")
    paid = out["order"]
    assert paid["status"] == 10 and paid["payMethod"] == "voucher"
    assert paid["paidAmount"] == amount and paid["payTime"] is not None
    assert paid["voucher"]["reviewStatus"] == "approved"
    assert paid["voucher"]["reviewTime"] is not None
    assert detail(api, dev, order["orderId"]) == paid

    # the books: the transfer comes in as its own top-up, then each shop order is held and
    # captured; available ends where it started
    entries = ledger(api, dev)[len(before) :]
    topup = entries[0]
    assert (topup["type"], topup["amount"], topup["reference"]) == (
        "topup",
        amount,
        f"voucher:{voucher_id}",
    )
    rest = entries[1:]
    assert sorted((e["type"], e["orderId"]) for e in rest) == sorted(
        (kind, sid) for sid in order["salesOrderIds"] for kind in ("hold", "capture")
    )
    held = {e["orderId"]: -e["amount"] for e in rest if e["type"] == "hold"}
    assert sum(held.values()) == amount and all(held.values())
    captured = {e["orderId"]: -e["heldDelta"] for e in rest if e["type"] == "capture"}
    assert captured == held
    assert sum(e["amount"] for e in entries) == 0
    assert balance(api, dev)["availableAmount"] == 0
    assert balance(api, dev)["heldAmount"] == 0
    listed = voucher_page(api, reviewStatus="approved")["data"][0]
    assert (listed["receivedAmount"], listed["ledgerEntryId"]) == (amount, topup["entryId"])
    assert listed["reviewer"] == "admin"

    # one message per step, in sequence order
    assert status_moves(db, order["orderId"]) == [(12, 0), (0, 1), (1, 2), (2, 5), (5, 10)]
    last = [
        m for m in messages_of(db, order["orderId"]) if m["type"] == "TAOBAO_ORDER_STATUS_CHANGE"
    ]
    assert last[-1]["order"]["payMethod"] == "voucher"
    assert last[-1]["order"]["sequence"] == last[-1]["sequence"]


def test_approve_needs_the_amount_received(api, dev, settings):
    order = uploaded(api, dev, one_shop_order(api, dev, settings))
    v = order["voucher"]
    err = assert_error(
        review(api, v["voucherId"], "approve", receivedAmount=v["amount"] - 1), 40001
    )
    assert field_names(err) == ["receivedAmount"]
    err = assert_error(review(api, v["voucherId"], "approve"), 40001)
    assert field_names(err) == ["receivedAmount"]
    err = assert_error(review(api, v["voucherId"], "reject"), 40001)
    assert field_names(err) == ["reason"]
    err = assert_error(review(api, v["voucherId"], "maybe", receivedAmount=v["amount"]), 40001)
    assert field_names(err) == ["decision"]
    assert_error(review(api, "tv_" + "0" * 24, "approve", receivedAmount=1), 40401)
    # nothing moved: still under review, no credit
    assert detail(api, dev, order["orderId"])["status"] == 1
    assert voucher_page(api)["data"][0]["reviewStatus"] == "pending"
    assert [e["type"] for e in ledger(api, dev)] == ["topup"]  # the fixture's seed only


def test_a_voucher_is_decided_once(api, dev, settings):
    (lines,) = shop_lines(settings, shops=1, per=1)
    approved = uploaded(api, dev, created(api, dev, lines))
    approve(api, approved)
    v = approved["voucher"]
    assert_error(review(api, v["voucherId"], "approve", receivedAmount=v["amount"]), 40901)
    assert_error(review(api, v["voucherId"], "reject", reason="too late"), 40901)
    rejected = uploaded(api, dev, created(api, dev, lines))
    w = rejected["voucher"]
    assert_ok(review(api, w["voucherId"], "reject", reason="blurred"))
    assert_error(review(api, w["voucherId"], "approve", receivedAmount=w["amount"]), 40901)
    assert_error(review(api, w["voucherId"], "reject", reason="again"), 40901)
    # the second decisions changed nothing: one credit, the first reason kept
    credits = [e for e in ledger(api, dev) if e["reference"] == f"voucher:{v['voucherId']}"]
    assert len(credits) == 1
    assert detail(api, dev, approved["orderId"])["status"] == 10
    seen = detail(api, dev, rejected["orderId"])
    assert seen["status"] == 3 and seen["voucher"]["rejectReason"] == "blurred"
    assert not [e for e in ledger(api, dev) if e["reference"] == f"voucher:{w['voucherId']}"]


# --- 12.8 reject --------------------------------------------------------------------------------
def test_reject_then_pay_from_the_wallet(api, dev, settings, db):
    order = uploaded(api, dev, one_shop_order(api, dev, settings))
    out = assert_ok(review(api, order["voucher"]["voucherId"], "reject", reason="amount unclear"))
    assert out["reviewStatus"] == "rejected"
    rejected = out["order"]
    assert rejected["status"] == 3
    assert rejected["voucher"]["rejectReason"] == "amount unclear"
    assert rejected["voucher"]["reviewStatus"] == "rejected"
    assert rejected["paidAmount"] == 0
    assert balance(api, dev)["availableAmount"] == 100_000  # a rejection credits nothing

    paid = assert_ok(pay(api, dev, order["orderId"]))
    assert (paid["status"], paid["payMethod"]) == (10, "balance")
    assert paid["paidAmount"] == order["purchaseAmount"]
    assert paid["availableAmount"] == 100_000 - order["purchaseAmount"]
    seen = detail(api, dev, order["orderId"])
    assert (seen["status"], seen["payMethod"]) == (10, "balance")
    assert status_moves(db, order["orderId"]) == [(12, 0), (0, 1), (1, 3), (3, 10)]


def test_reject_then_upload_again(api, dev, settings, db):
    order = uploaded(api, dev, one_shop_order(api, dev, settings))
    first = order["voucher"]["voucherId"]
    assert_ok(review(api, first, "reject", reason="wrong account"))
    again = assert_ok(
        upload(
            api,
            dev,
            order["orderId"],
            order["purchaseAmount"],
            images=["https://img.example.com/retry.png"],
        )
    )
    assert again["status"] == 1
    second = again["voucher"]
    assert second["voucherId"] != first and second["reviewStatus"] == "pending"
    assert second["transferAccountImgs"] == ["https://img.example.com/retry.png"]
    assert second["rejectReason"] is None
    assert [v["voucherId"] for v in voucher_page(api)["data"]] == [second["voucherId"]]
    done = approve(api, again)
    assert done["order"]["status"] == 10
    assert status_moves(db, order["orderId"]) == [
        (12, 0),
        (0, 1),
        (1, 3),
        (3, 1),
        (1, 2),
        (2, 5),
        (5, 10),
    ]


def test_cancel_after_a_rejection(api, dev, settings):
    order = uploaded(api, dev, one_shop_order(api, dev, settings))
    assert_ok(review(api, order["voucher"]["voucherId"], "reject", reason="no"))
    out = assert_ok(api.call(dev, "POST", CANCEL, body={"orderId": order["orderId"]}))
    assert out["status"] == 4 and out["closeTime"] is not None


# --- 12.8 approve, the marketplace refusing the payment -----------------------------------------
def test_approve_when_the_marketplace_refuses_the_payment(api, dev, settings, db):
    order = one_shop_order(api, dev, settings)
    amount = order["purchaseAmount"]
    start = balance(api, dev)["availableAmount"]
    under_review = uploaded(api, dev, order)
    fault(api, "taobao.order.pay", upstreamCode="SYSTEM_BUSY", count=1)

    out = approve(api, under_review)
    assert out["reviewStatus"] == "approved"
    back = out["order"]
    assert back["status"] == 0 and back["paidAmount"] == 0
    assert back["pendingOperation"] is None
    # the transfer stays in the wallet: credited, the hold released
    assert balance(api, dev) == {
        "currency": "CNY",
        "availableAmount": start + amount,
        "heldAmount": 0,
        "totalAmount": start + amount,
    }
    kinds = [(e["type"], e["amount"]) for e in ledger(api, dev)][1:]
    assert kinds == [("topup", amount), ("hold", -amount), ("release", amount)]
    assert status_moves(db, order["orderId"]) == [(12, 0), (0, 1), (1, 2), (2, 5), (5, 0)]
    # the voucher is spent: it is not reviewed again, and the order is paid from the wallet
    assert_error(
        review(api, under_review["voucher"]["voucherId"], "approve", receivedAmount=amount), 40901
    )
    paid = assert_ok(pay(api, dev, order["orderId"]))
    assert (paid["status"], paid["paidAmount"]) == (10, amount)
    assert paid["availableAmount"] == start
    assert detail(api, dev, order["orderId"])["status"] == 10
    assert status_moves(db, order["orderId"])[-1] == (0, 10)


def test_decisions_are_audit_logged_with_the_request_id(api, dev, settings, db):
    (lines,) = shop_lines(settings, shops=1, per=1)
    one = uploaded(api, dev, created(api, dev, lines))
    two = uploaded(api, dev, created(api, dev, lines))
    three = uploaded(api, dev, created(api, dev, lines))
    v1, v2 = one["voucher"], two["voucher"]
    r1 = review(api, v1["voucherId"], "approve", receivedAmount=v1["amount"], reviewer="alice")
    r2 = review(api, v2["voucherId"], "reject", reason="blurred")
    assert assert_ok(r1)["reviewStatus"] == "approved"
    assert assert_ok(r2)["reviewStatus"] == "rejected"
    # refusals change nothing and leave no row
    assert_error(review(api, v2["voucherId"], "reject", reason="again"), 40901)
    v3 = three["voucher"]
    assert_error(review(api, v3["voucherId"], "approve", receivedAmount=v3["amount"] + 1), 40001)
    assert voucher_audit(db) == [
        (
            "admin",
            "voucher.approve",
            v1["voucherId"],
            r1.json()["requestId"],
            {
                "orderId": one["orderId"],
                "amount": v1["amount"],
                "receivedAmount": v1["amount"],
                "reason": None,
                "reviewer": "alice",
            },
        ),
        (
            "admin",
            "voucher.reject",
            v2["voucherId"],
            r2.json()["requestId"],
            {
                "orderId": two["orderId"],
                "amount": v2["amount"],
                "receivedAmount": None,
                "reason": "blurred",
                "reviewer": "admin",
            },
        ),
    ]
    listed = voucher_page(api, reviewStatus="all")["data"]
    assert {v["voucherId"]: v["reviewer"] for v in listed} == {
        v1["voucherId"]: "alice",
        v2["voucherId"]: "admin",
        v3["voucherId"]: None,
    }


def test_approve_after_the_order_closed_under_review_credits_only(api, dev, settings, db, app):
    order = uploaded(api, dev, one_shop_order(api, dev, settings))
    start = balance(api, dev)["availableAmount"]
    # the marketplace's pay timeout runs while the voucher waits for review
    advance(api, settings.sandbox_pay_timeout_seconds + 60)
    run_feed(app)
    assert detail(api, dev, order["orderId"])["status"] == 4
    out = approve(api, order)
    assert out["reviewStatus"] == "approved"
    # the transfer arrived: it is the developer's; the closed order stays closed
    assert out["order"]["status"] == 4 and out["order"]["paidAmount"] == 0
    assert balance(api, dev)["availableAmount"] == start + order["purchaseAmount"]
    assert balance(api, dev)["heldAmount"] == 0
    assert status_moves(db, order["orderId"]) == [(12, 0), (0, 1), (1, 4)]
