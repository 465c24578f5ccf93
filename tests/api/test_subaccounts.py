"""ENDPOINTS 0.3 and 0.4, and what a sub-account (the `user-id` header) may see and do."""

from __future__ import annotations

import time

from tests.support.api import assert_error, assert_ok, field_names

SAVE = "/open/subaccount/addOrUpdate"
LIST = "/open/subaccount/list"
LEDGER = "/open/account/ledger"
BALANCE = "/open/account/balance"


def save(api, dev, **body):
    return api.call(dev, "POST", SAVE, body=body)


def listing(api, dev, **params):
    return assert_ok(api.call(dev, "GET", LIST, params=params))


def test_create_without_user_id_generates_one_and_returns_the_sub_account(api, dev):
    before = int(time.time() * 1000)
    sub = assert_ok(save(api, dev, userName="Alice", remark="first buyer"))
    assert sub["userId"].isdigit()
    assert (sub["userName"], sub["remark"], sub["status"]) == ("Alice", "first buyer", "enabled")
    assert (
        before - 5_000 <= sub["createTime"] == sub["modifyTime"] <= int(time.time() * 1000) + 5_000
    )
    assert_ok(api.call(dev, "GET", BALANCE, user_id=sub["userId"]))


def test_update_changes_only_the_fields_given_and_disabling_answers_40301(api, dev):
    created = assert_ok(save(api, dev, userId="buyer_1", userName="Bob", remark="r1"))
    assert created["userId"] == "buyer_1"
    updated = assert_ok(save(api, dev, userId="buyer_1", remark="r2"))
    assert (updated["userName"], updated["remark"], updated["status"]) == ("Bob", "r2", "enabled")
    assert updated["createTime"] == created["createTime"]
    assert updated["modifyTime"] >= created["modifyTime"]
    assert_ok(save(api, dev, userId="buyer_1", status="disabled"))
    assert_error(api.call(dev, "GET", BALANCE, user_id="buyer_1"), 40301)
    assert_error(api.call(dev, "GET", LEDGER, user_id="buyer_1"), 40301)
    assert_ok(save(api, dev, userId="buyer_1", status="enabled"))
    assert_ok(api.call(dev, "GET", BALANCE, user_id="buyer_1"))
    page = listing(api, dev)
    assert page["totalRecords"] == 1 and page["data"][0]["remark"] == "r2"


def test_invalid_sub_account_fields_answer_40001(api, dev):
    cases = [
        ({"remark": "no name on create"}, "userName"),
        (
            {"userId": "new-one", "remark": "unknown userId creates, so a name is needed"},
            "userName",
        ),
        ({"userName": "n" * 65}, "userName"),
        ({"userName": "x", "remark": "r" * 201}, "remark"),
        ({"userName": "x", "userId": "has space"}, "userId"),
        ({"userName": "x", "userId": "u" * 65}, "userId"),
        ({"userName": "x", "status": "paused"}, "status"),
    ]
    for body, field in cases:
        r = save(api, dev, **body)
        assert r.json()["code"] == 40001, (body, r.text)
        assert field in field_names(assert_error(r, 40001)), (body, r.text)
    assert listing(api, dev)["totalRecords"] == 0


def test_list_filters_by_status_and_user_id_and_pages(api, dev):
    for uid in ("a1", "a2", "a3"):
        assert_ok(save(api, dev, userId=uid, userName=uid))
    assert_ok(save(api, dev, userId="a2", status="disabled"))
    everything = listing(api, dev)
    assert everything["totalRecords"] == 3
    assert sorted(s["userId"] for s in everything["data"]) == ["a1", "a2", "a3"]
    assert [s["userId"] for s in listing(api, dev, status="disabled")["data"]] == ["a2"]
    assert sorted(s["userId"] for s in listing(api, dev, status="enabled")["data"]) == ["a1", "a3"]
    assert [s["userId"] for s in listing(api, dev, userId="a3")["data"]] == ["a3"]
    page1 = listing(api, dev, pageNo=1, pageSize=2)
    page2 = listing(api, dev, pageNo=2, pageSize=2)
    assert (page2["totalRecords"], page2["totalPage"], page2["currentPage"], page2["pageSize"]) == (
        3,
        2,
        2,
        2,
    )
    assert (len(page1["data"]), len(page2["data"])) == (2, 1)
    assert sorted(s["userId"] for s in page1["data"] + page2["data"]) == ["a1", "a2", "a3"]
    assert page2["nextCursor"] is None


def test_sub_accounts_belong_to_one_developer(api, dev):
    other = api.create_developer()
    assert_ok(save(api, dev, userId="mine", userName="Mine", remark="keep"))
    # the same userId sent by another developer is a new sub-account of theirs
    theirs = assert_ok(save(api, other, userId="mine", userName="Theirs"))
    assert theirs["userName"] == "Theirs"
    assert [s["userName"] for s in listing(api, dev)["data"]] == ["Mine"]
    assert [s["userName"] for s in listing(api, other)["data"]] == ["Theirs"]
    assert_ok(save(api, other, userId="only-theirs", userName="T2"))
    assert_error(api.call(dev, "GET", BALANCE, user_id="only-theirs"), 40301)


def test_a_sub_account_cannot_manage_sub_accounts_and_lists_only_itself(api, dev):
    for uid in ("s1", "s2"):
        assert_ok(save(api, dev, userId=uid, userName=uid))
    r = api.call(dev, "POST", SAVE, body={"userId": "s2", "status": "disabled"}, user_id="s1")
    assert_error(r, 40301)
    r = api.call(dev, "POST", SAVE, body={"userName": "sneaky"}, user_id="s1")
    assert_error(r, 40301)
    assert [s["userId"] for s in assert_ok(api.call(dev, "GET", LIST, user_id="s1"))["data"]] == [
        "s1"
    ]
    assert listing(api, dev)["totalRecords"] == 2
    assert all(s["status"] == "enabled" for s in listing(api, dev)["data"])


def test_a_sub_account_sees_only_its_own_ledger_entries_and_the_main_account_sees_all(api, dev, db):
    from daigou.developers.service import developer_pk_in
    from daigou.wallet import service as wallet

    for uid in ("ua", "ub"):
        assert_ok(save(api, dev, userId=uid, userName=uid))
    now = int(time.time() * 1000)
    with db.transaction() as s:
        pk = developer_pk_in(s, dev.develop_id)
        for i, uid in enumerate(("ua", "ub", "ua")):
            wallet.topup(
                s, developer_id=pk, amount=100 + i, reference=f"sub-{i}", now_ms=now, user_id=uid
            )

    def entries(user_id=None, **params):
        return assert_ok(api.call(dev, "GET", LEDGER, user_id=user_id, params=params))

    a = entries("ua")
    assert a["totalRecords"] == 2
    assert sorted(e["amount"] for e in a["data"]) == [100, 102]
    assert {e["userId"] for e in a["data"]} == {"ua"}
    b = entries("ub")
    assert [(e["userId"], e["amount"]) for e in b["data"]] == [("ub", 101)]
    main = entries()
    assert main["totalRecords"] == 4  # the seed top-up and the three above
    assert {e["userId"] for e in main["data"]} == {None, "ua", "ub"}
    # cursor paging keeps the scope
    first = entries("ua", pageSize=1)
    assert first["nextCursor"]
    second = entries("ua", pageSize=1, cursor=first["nextCursor"])
    assert {e["userId"] for e in first["data"] + second["data"]} == {"ua"}
    assert second["nextCursor"] is None
    # sub-accounts spend from the developer's wallet: the same balance
    assert assert_ok(api.call(dev, "GET", BALANCE, user_id="ua")) == assert_ok(
        api.call(dev, "GET", BALANCE)
    )
