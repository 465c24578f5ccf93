"""CONTRACT section 3: Idempotency-Key on every POST, scoped to the developer."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.support.api import assert_envelope, assert_error, assert_ok, field_names, plain_logs

SUB = "/open/subaccount/addOrUpdate"
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def key(k: str) -> dict[str, str]:
    return {"Idempotency-Key": k}


def sub_count(api, dev) -> int:
    return assert_ok(api.call(dev, "GET", "/open/subaccount/list"))["totalRecords"]


def ledger_entries(api, develop_id: str) -> list[dict]:
    page = assert_ok(api.admin("GET", "/admin/wallet/ledger", params={"developId": develop_id}))
    return page["data"]


def test_same_key_and_body_replays_the_stored_response_and_does_the_work_once(api, dev):
    body = {"userName": "alice"}  # no userId: every real create makes a new sub-account
    first = api.call(dev, "POST", SUB, body=body, extra=key("create-alice"))
    created = assert_ok(first)
    assert "idempotent-replayed" not in first.headers
    second = api.call(dev, "POST", SUB, body=body, extra=key("create-alice"))
    assert second.headers["idempotent-replayed"] == "true"
    replayed = assert_envelope(second)  # also: X-Request-Id equals the body's requestId
    assert second.status_code == 200
    assert {k: v for k, v in replayed.items() if k != "requestId"} == {
        k: v for k, v in first.json().items() if k != "requestId"
    }
    assert replayed["data"]["userId"] == created["userId"]
    assert sub_count(api, dev) == 1
    # without the key the same body creates another one
    assert_ok(api.call(dev, "POST", SUB, body=body))
    assert sub_count(api, dev) == 2


def test_admin_topups_under_one_key_move_money_once(api, dev):
    before = len(ledger_entries(api, dev.develop_id))
    topup = {"developId": dev.develop_id, "type": "topup", "amount": 500, "reference": "wire-1"}
    h = key("topup-1")
    r1 = api.admin("POST", "/admin/wallet/adjust", topup, headers=h)
    assert assert_ok(r1)["balance"]["availableAmount"] == 100_500
    r2 = api.admin("POST", "/admin/wallet/adjust", topup, headers=h)
    assert r2.headers["idempotent-replayed"] == "true"
    assert assert_ok(r2) == assert_ok(r1)
    # another reference under the same key is another request: refused, nothing moves
    r3 = api.admin("POST", "/admin/wallet/adjust", {**topup, "reference": "wire-2"}, headers=h)
    assert_error(r3, 40902)
    assert len(ledger_entries(api, dev.develop_id)) == before + 1
    assert assert_ok(api.call(dev, "GET", "/open/account/balance"))["availableAmount"] == 100_500


def test_same_key_with_another_request_answers_40902(api, dev):
    assert_ok(api.call(dev, "POST", SUB, body={"userId": "u1", "userName": "one"}, extra=key("k")))
    for other in ({"userId": "u1", "userName": "two"}, {"userId": "u2", "userName": "one"}):
        r = api.call(dev, "POST", SUB, body=other, extra=key("k"))
        assert r.json()["code"] == 40902, other
        assert_error(r, 40902)
        assert "idempotent-replayed" not in r.headers
    # nothing of the refused requests was done
    rows = assert_ok(api.call(dev, "GET", "/open/subaccount/list"))["data"]
    assert [(s["userId"], s["userName"]) for s in rows] == [("u1", "one")]
    # the path and the query are part of the request too (admin scope)
    assert_ok(
        api.admin(
            "POST",
            "/admin/developer/update",
            {"developId": dev.develop_id, "remark": "x"},
            headers=key("adm"),
        )
    )
    other_path = api.admin(
        "POST", "/admin/key/update", {"developId": dev.develop_id}, headers=key("adm")
    )
    assert_error(other_path, 40902)


def test_repeat_while_the_first_is_running_answers_40903(api, dev, monkeypatch):
    import daigou.developers.service as developers

    started, release = threading.Event(), threading.Event()
    real = developers.save_sub_account

    def slow(*args, **kwargs):
        started.set()
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(developers, "save_sub_account", slow)
    body = {"userName": "slow"}
    results = {}
    first = threading.Thread(
        target=lambda: results.update(r=api.call(dev, "POST", SUB, body=body, extra=key("slow")))
    )
    first.start()
    try:
        assert started.wait(10)
        assert_error(api.call(dev, "POST", SUB, body=body, extra=key("slow")), 40903)
    finally:
        release.set()
        first.join(10)
    created = assert_ok(results["r"])
    # once finished, the repeat gets the stored response
    again = api.call(dev, "POST", SUB, body=body, extra=key("slow"))
    assert again.headers["idempotent-replayed"] == "true"
    assert assert_ok(again) == created
    assert sub_count(api, dev) == 1


def test_keys_are_scoped_per_developer(api, dev):
    other = api.create_developer()
    body = {"userId": "shared", "userName": "same"}
    for d in (dev, other):
        r = api.call(d, "POST", SUB, body=body, extra=key("same-key"))
        assert_ok(r)
        assert "idempotent-replayed" not in r.headers
        assert sub_count(api, d) == 1
    # the admin scope is separate from the developers'
    r = api.admin(
        "POST",
        "/admin/developer/update",
        {"developId": dev.develop_id, "remark": "y"},
        headers=key("same-key"),
    )
    assert_ok(r)
    assert "idempotent-replayed" not in r.headers


def test_malformed_idempotency_key_answers_40001(api, dev):
    for bad in ("k" * 256, "tab\there", "del\x7f", ""):
        r = api.call(dev, "POST", SUB, body={"userName": "x"}, extra=key(bad))
        assert r.json()["code"] == 40001, (repr(bad), r.text)
        assert field_names(assert_error(r, 40001)) == ["Idempotency-Key"]
    assert sub_count(api, dev) == 0
    # 255 printable characters, spaces included, are a valid key
    assert_ok(api.call(dev, "POST", SUB, body={"userName": "x"}, extra=key("k ~!" + "k" * 251)))


def test_validation_failures_are_not_stored(api, dev):
    h = key("fix-and-retry")
    assert_error(api.call(dev, "POST", SUB, body={"userName": "n" * 65}, extra=h), 40001)
    assert_error(api.call(dev, "POST", SUB, raw=b"{broken", extra=h), 40002)
    assert_error(
        api.call(dev, "POST", SUB, body={"remark": "no name"}, extra=h), 40001
    )  # service-level
    fixed = api.call(dev, "POST", SUB, body={"userName": "fixed"}, extra=h)
    assert_ok(fixed)
    assert "idempotent-replayed" not in fixed.headers


def test_business_errors_are_stored_and_replayed(api, dev):
    adjust = {
        "developId": dev.develop_id,
        "type": "adjustment",
        "amount": -200_000,
        "reference": "fine-1",
        "remark": "too much",
    }
    h = key("adjust-down")
    assert_error(api.admin("POST", "/admin/wallet/adjust", adjust, headers=h), 40201)
    # money arrives, but the same key and body still answer the stored 40201
    api.admin(
        "POST",
        "/admin/wallet/adjust",
        {"developId": dev.develop_id, "type": "topup", "amount": 200_000, "reference": "more"},
    )
    r = api.admin("POST", "/admin/wallet/adjust", adjust, headers=h)
    assert r.headers["idempotent-replayed"] == "true"
    assert_error(r, 40201)
    assert assert_ok(api.call(dev, "GET", "/open/account/balance"))["availableAmount"] == 300_000


def test_internal_errors_are_not_stored_so_a_retry_does_the_work(api, dev, monkeypatch):
    import daigou.developers.service as developers

    def boom(*args, **kwargs):
        raise RuntimeError("transient")

    monkeypatch.setattr(developers, "save_sub_account", boom)
    with plain_logs():
        assert_error(
            api.call(dev, "POST", SUB, body={"userName": "later"}, extra=key("retry")), 50001
        )
    monkeypatch.undo()
    r = api.call(dev, "POST", SUB, body={"userName": "later"}, extra=key("retry"))
    assert assert_ok(r)["userName"] == "later"
    assert "idempotent-replayed" not in r.headers
    assert sub_count(api, dev) == 1


def test_stored_keys_expire_after_24_hours_and_prune_removes_them(db):
    from daigou.http import guards
    from daigou.http.models import IdempotencyRecord

    t0 = 1_800_000_000_000
    old = guards.claim_key(db, "dev-a", "old", "fp-1", t0, DAY_MS, 60_000)
    old.complete(200, b'{"code":200}')
    young = guards.claim_key(db, "dev-a", "young", "fp-1", t0 + 2 * HOUR_MS, DAY_MS, 60_000)
    young.complete(200, b'{"code":200}')
    now = t0 + DAY_MS + HOUR_MS
    # still inside 24 h: replayed; the old one has expired and may be reused for anything
    stored = guards.claim_key(db, "dev-a", "young", "fp-1", now, DAY_MS, 60_000)
    assert isinstance(stored, guards.StoredResponse) and stored.body == b'{"code":200}'
    with db.transaction() as s:
        removed = guards.prune(s, now, DAY_MS)
    assert removed["idempotencyKeys"] == 1
    with db.transaction() as s:
        keys = set(s.execute(sa.select(IdempotencyRecord.key)).scalars())
    assert keys == {"young"}
    again = guards.claim_key(db, "dev-a", "old", "fp-2", now, DAY_MS, 60_000)
    assert isinstance(again, guards.Claim)


def test_claims_in_progress_answer_40903_until_their_lock_expires(db):
    import pytest

    from daigou.core.errors import ApiError
    from daigou.http import guards

    t0 = 1_800_000_000_000
    claim = guards.claim_key(db, "dev-a", "k", "fp", t0, DAY_MS, 60_000)
    assert isinstance(claim, guards.Claim)
    with pytest.raises(ApiError) as err:
        guards.claim_key(db, "dev-a", "k", "fp", t0 + 59_000, DAY_MS, 60_000)
    assert err.value.code == 40903
    with pytest.raises(ApiError) as err:
        guards.claim_key(db, "dev-a", "k", "other", t0 + 59_000, DAY_MS, 60_000)
    assert err.value.code == 40902
    # the first request died: after the lock a retry takes the claim over
    taken = guards.claim_key(db, "dev-a", "k", "fp", t0 + 61_000, DAY_MS, 60_000)
    assert isinstance(taken, guards.Claim)
    claim.complete(200, b"stale")  # the dead request's late completion changes nothing
    taken.complete(200, b"fresh")
    stored = guards.claim_key(db, "dev-a", "k", "fp", t0 + 62_000, DAY_MS, 60_000)
    assert isinstance(stored, guards.StoredResponse) and stored.body == b"fresh"
    # another scope is another key space
    assert isinstance(guards.claim_key(db, "dev-b", "k", "other", t0, DAY_MS, 60_000), guards.Claim)


def test_a_stored_response_with_a_secret_is_encrypted_at_rest(api, db):
    """Registering a developer answers its API secret; the stored replay must not keep it in
    clear (secrets are encrypted at rest, decision 0002), and a replay still answers it."""
    from sqlalchemy import text

    headers = {"Idempotency-Key": "create-dev-secret-1"}
    first = api.admin("POST", "/admin/developer/create", {"name": "sealed"}, headers=headers)
    secret = first.json()["data"]["secret"]
    with db.reading() as conn:
        (stored,) = conn.execute(
            text("SELECT response_body FROM idempotency_key WHERE key = 'create-dev-secret-1'")
        ).one()
    assert secret.encode() not in bytes(stored)
    again = api.admin("POST", "/admin/developer/create", {"name": "sealed"}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["secret"] == secret
