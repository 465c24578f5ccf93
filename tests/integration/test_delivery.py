"""The delivery engine against a real receiver on loopback (both databases): signatures, order
per key, retries on the gateway clock, giving up after 3 days, 410, leases, and (PostgreSQL)
two `daigou worker` processes, one of them killed mid-delivery."""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook

from daigou.core import ids
from daigou.core.clock import ManualClock
from daigou.core.sealed import seal
from daigou.db.session import Database
from daigou.developers.models import Developer
from daigou.messages import service as messages
from daigou.messages.delivery import GIVE_UP_AFTER_MS, Deliverer, retry_delay_ms
from daigou.messages.models import CallbackConfig, DeliveryAttempt, OutboxMessage
from tests.support.gateway import make_settings
from tests.support.receiver import Receiver
from tests.support.serve import BIN, Child

START = 1_800_000_000_000


@pytest.fixture
def rx():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def fast_settings(tmp_path, db_url):
    return make_settings(tmp_path, db_url, callback_timeout_seconds=1.0)


def add_developer(db: Database, name: str = "d") -> int:
    with db.transaction() as s:
        dev = Developer(
            develop_id=ids.develop_id(),
            main_user_id=ids.numeric_id(13),
            name=name,
            status="enabled",
            rate_limit_per_minute=600,
            cashier_pay_allowed=False,
            created_at=START,
            modified_at=START,
        )
        s.add(dev)
        s.flush()
        return dev.id


def configure(db, settings, developer: int, url: str, types: list[str] | None = None) -> str:
    secret = ids.webhook_secret()
    with db.transaction() as s:
        s.add(
            CallbackConfig(
                developer_id=developer,
                url=url,
                enabled=True,
                message_types=json.dumps(types or []),
                secret_enc=seal(settings.resolved_secret_key, secret),
                secret_created_at=START,
                updated_at=START,
            )
        )
    return secret


def write(
    db, developer: int, key: str, count: int = 1, now: int = START, kind: str = "X"
) -> list[str]:
    out = []
    with db.transaction() as s:
        for i in range(count):
            m = messages.record(
                s,
                developer_id=developer,
                user_id=None,
                platform=1,
                message_type=kind if kind != "X" else "ORDER_BUYER_VIEW_ORDER_PAY",
                order_key=key,
                body={"key": key, "i": i},
                now_ms=now,
            )
            s.flush()
            out.append(m.message_id)
    return out


def status_of(db, message_id: str) -> OutboxMessage:
    with db.transaction() as s:
        row = s.execute(
            select(OutboxMessage).where(OutboxMessage.message_id == message_id)
        ).scalar_one()
        s.expunge(row)
        return row


def attempts_of(db, message_id: str) -> list[DeliveryAttempt]:
    seq = status_of(db, message_id).seq
    with db.transaction() as s:
        rows = list(
            s.execute(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.message_seq == seq)
                .order_by(DeliveryAttempt.attempt)
            ).scalars()
        )
        s.expunge_all()
        return rows


def test_a_delivery_is_signed_and_logged(db, fast_settings, clock, rx):
    dev = add_developer(db)
    secret = configure(db, fast_settings, dev, rx.url)
    (mid,) = write(db, dev, "1688:1")
    assert Deliverer(db, fast_settings, clock).drain() == 1
    (req,) = rx.wait_for(1)
    payload = Webhook(secret).verify(req.body, req.headers)  # raises on a bad signature
    assert payload["messageId"] == mid == req.headers["webhook-id"]
    assert payload["messageType"] == "ORDER_BUYER_VIEW_ORDER_PAY"
    assert payload["messagePlatform"] == 1 and payload["timestamp"] == str(START)
    assert payload["messageBody"] == {"sequence": 1, "key": "1688:1", "i": 0}
    assert abs(int(req.headers["webhook-timestamp"]) - time.time()) < 60  # real seconds
    row = status_of(db, mid)
    assert (row.delivery_status, row.attempts, row.delivered_at) == ("delivered", 1, START)
    assert row.lease_owner is None and row.next_attempt_at is None
    (attempt,) = attempts_of(db, mid)
    assert (attempt.http_status, attempt.error, attempt.url) == (200, None, rx.url)


def test_a_key_waits_for_its_earlier_message_and_other_keys_do_not(db, fast_settings, clock, rx):
    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url)
    a1, a2, a3 = write(db, dev, "1688:A", 3)
    (b1,) = write(db, dev, "1688:B", 1)
    rx.status = 500  # every first attempt fails
    deliverer = Deliverer(db, fast_settings, clock)
    deliverer.drain()
    got = [r.headers["webhook-id"] for r in rx.requests]
    assert sorted(got) == sorted([a1, b1])  # A2 and A3 wait behind A1; B's key went too
    assert status_of(db, a1).delivery_status == "pending"
    assert status_of(db, a2).attempts == 0
    rx.status = 200
    clock.advance(retry_delay_ms(1) / 1000)
    deliverer.drain()
    ids_in_order = [r.headers["webhook-id"] for r in rx.requests]
    by_key = [i for i in ids_in_order if i in (a1, a2, a3)]
    first_seen = list(dict.fromkeys(by_key))
    assert first_seen == [a1, a2, a3]
    assert all(status_of(db, m).delivery_status == "delivered" for m in (a1, a2, a3, b1))


def test_receiver_down_then_up_gets_everything_in_order(db, fast_settings, clock, rx):
    dev = add_developer(db)
    secret = configure(db, fast_settings, dev, rx.url)
    sent = {k: write(db, dev, f"1688:{k}", 4) for k in range(5)}
    rx.down()
    deliverer = Deliverer(db, fast_settings, clock)
    for _ in range(4):  # an hour or so of failing attempts
        deliverer.drain()
        clock.advance(600)
    assert rx.requests == []
    logged = attempts_of(db, sent[0][0])
    assert logged and all(a.error == "connect" and a.http_status is None for a in logged)
    rx.up()
    for _ in range(12):
        clock.advance(3600)
        deliverer.drain()
    reqs = rx.requests
    assert len({r.headers["webhook-id"] for r in reqs}) == 20 == len(reqs)
    order: dict[str, list[int]] = defaultdict(list)
    for r in reqs:
        body = Webhook(secret).verify(r.body, r.headers)
        order[body["messageBody"]["key"]].append(body["messageBody"]["sequence"])
    assert all(seqs == [1, 2, 3, 4] for seqs in order.values())


@pytest.mark.parametrize(
    ("setup", "error", "status"),
    [
        ({"status": 302}, "non_2xx", 302),
        ({"status": 404}, "non_2xx", 404),
        ({"delay": 2.5}, "timeout", None),
    ],
)
def test_failed_attempts_are_classified_and_retried(
    db, fast_settings, clock, rx, setup, error, status
):
    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url)
    (mid,) = write(db, dev, "1688:1")
    for name, value in setup.items():
        setattr(rx, name, value)
    Deliverer(db, fast_settings, clock).drain()
    (attempt,) = attempts_of(db, mid)
    assert (attempt.error, attempt.http_status) == (error, status)
    row = status_of(db, mid)
    assert row.delivery_status == "pending" and row.next_attempt_at == START + retry_delay_ms(1)


def test_a_huge_answer_is_cut_to_a_snippet(db, fast_settings, clock, rx):
    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url)
    (mid,) = write(db, dev, "1688:1")
    rx.body_size = 5_000_000
    Deliverer(db, fast_settings, clock).drain()
    (attempt,) = attempts_of(db, mid)
    assert attempt.http_status == 200 and attempt.error is None
    assert attempt.response_snippet is not None and len(attempt.response_snippet) <= 256


def test_connection_refused_is_a_connect_error(db, fast_settings, clock):
    from tests.support.receiver import refused_port

    dev = add_developer(db)
    configure(db, fast_settings, dev, f"http://127.0.0.1:{refused_port()}/hook")
    (mid,) = write(db, dev, "1688:1")
    Deliverer(db, fast_settings, clock).drain()
    assert [a.error for a in attempts_of(db, mid)] == ["connect"]


def test_410_disables_the_url_and_keeps_the_messages(db, fast_settings, clock, rx):
    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url)
    m1, m2 = write(db, dev, "1688:1", 2)
    rx.status = 410
    deliverer = Deliverer(db, fast_settings, clock)
    deliverer.drain()
    with db.transaction() as s:
        config = s.get(CallbackConfig, dev)
        assert config is not None and not config.enabled
        assert "410" in (config.disabled_reason or "")
    clock.advance(3600)
    assert deliverer.drain() == 0  # nothing goes to a disabled URL
    assert status_of(db, m1).delivery_status == "pending"
    assert status_of(db, m2).delivery_status == "pending"
    assert len(rx.requests) == 1


def test_a_message_fails_for_good_after_three_days_and_releases_its_key(
    db, fast_settings, clock, rx
):
    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url)
    m1, m2 = write(db, dev, "1688:1", 2)
    rx.status = 500
    deliverer = Deliverer(db, fast_settings, clock)
    elapsed = 0
    while status_of(db, m1).delivery_status == "pending" and elapsed < 5 * 86_400:
        deliverer.drain()
        clock.advance(3600)
        elapsed += 3600
    row = status_of(db, m1)
    assert row.delivery_status == "failed" and row.failed_at is not None
    assert row.failed_at - START >= GIVE_UP_AFTER_MS
    tried = attempts_of(db, m1)
    assert len(tried) >= 10 and all(a.http_status == 500 for a in tried)
    # the next message of the key goes now, with 3 days of its own
    second = status_of(db, m2)
    assert second.delivery_status == "pending" and second.attempts >= 1
    rx.status = 200
    clock.advance(86_400)
    deliverer.drain()
    assert status_of(db, m2).delivery_status == "delivered"


def test_types_not_asked_for_get_no_attempt_and_hold_nothing_back(db, fast_settings, clock, rx):
    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url, types=["WALLET_BALANCE_CHANGE"])
    (skipped,) = write(db, dev, "wallet", 1, kind="ORDER_BUYER_VIEW_ORDER_PAY")
    (wanted,) = write(db, dev, "wallet", 1, kind="WALLET_BALANCE_CHANGE")
    Deliverer(db, fast_settings, clock).drain()
    assert [r.headers["webhook-id"] for r in rx.requests] == [wanted]
    row = status_of(db, skipped)
    assert row.delivery_status == "pending" and row.attempts == 0 and row.next_attempt_at is None


def test_a_live_lease_keeps_other_workers_off_and_an_expired_one_does_not(
    db, fast_settings, clock, rx
):
    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url)
    (mid,) = write(db, dev, "1688:1")
    far = int(time.time() * 1000) + 600_000
    with db.transaction() as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.message_id == mid)
            .values(lease_owner="w-other", lease_until=far)
        )
    deliverer = Deliverer(db, fast_settings, clock)
    assert deliverer.drain() == 0
    with db.transaction() as s:
        s.execute(
            update(OutboxMessage).where(OutboxMessage.message_id == mid).values(lease_until=1)
        )
    assert deliverer.drain() == 1
    assert status_of(db, mid).delivery_status == "delivered"


def test_a_redelivery_asked_for_is_logged_as_manual(db, fast_settings, clock, rx):
    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url)
    (mid,) = write(db, dev, "1688:1")
    deliverer = Deliverer(db, fast_settings, clock)
    deliverer.drain()
    with db.transaction() as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.message_id == mid)
            .values(delivery_status="pending", next_attempt_at=START, manual=True)
        )
    deliverer.drain()
    assert [a.manual for a in attempts_of(db, mid)] == [False, True]
    assert status_of(db, mid).manual is False
    assert [r.headers["webhook-id"] for r in rx.requests] == [mid, mid]


# --- several worker processes (PostgreSQL) ------------------------------------------------------
def _worker(url: str, settings, tmp_path: Path, name: str) -> Child:
    """`daigou worker` as a child process, its output drained all along."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAIGOU_")}
    env.update(
        DAIGOU_DATABASE_URL=url,
        DAIGOU_DATA_DIR=str(tmp_path / name),
        DAIGOU_SECRET_KEY=settings.resolved_secret_key,
        DAIGOU_ADMIN_TOKEN="adm_test",
        DAIGOU_LOG_LEVEL="WARNING",
        DAIGOU_DELIVERY_LEASE_SECONDS="10",
        DAIGOU_DELIVERY_CONCURRENCY="50",
        DAIGOU_CALLBACK_TIMEOUT_SECONDS="5",
    )
    return Child([str(BIN / "daigou"), "worker"], env)


def _first_arrivals(rx: Receiver) -> dict[str, list[int]]:
    seen: set[str] = set()
    order: dict[str, list[int]] = defaultdict(list)
    for r in rx.requests:
        mid = r.headers["webhook-id"]
        if mid in seen:
            continue
        seen.add(mid)
        body = r.json()["messageBody"]
        order[body["key"]].append(body["sequence"])
    return order


def _wait_delivered(db: Database, total: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        with db.reading() as conn:
            done = conn.execute(
                select(OutboxMessage.seq).where(OutboxMessage.delivery_status == "delivered")
            ).all()
        if len(done) >= total:
            return len(done)
        time.sleep(0.3)
    return len(done)


@pytest.mark.postgres_only
@pytest.mark.timeout(240)
def test_two_worker_processes_share_the_outbox(db, db_url, settings, tmp_path, rx):
    dev = add_developer(db)
    secret = configure(db, settings, dev, rx.url)
    now = int(time.time() * 1000)
    for k in range(80):
        write(db, dev, f"1688:{k}", 25, now=now)
    workers = [_worker(db_url, settings, tmp_path, n) for n in ("a", "b")]
    try:
        assert _wait_delivered(db, 2000, 150) == 2000
    finally:
        for w in workers:
            w.stop(timeout=20)
    reqs = rx.requests
    ids_seen = [r.headers["webhook-id"] for r in reqs]
    assert len(set(ids_seen)) == 2000
    # nothing is sent twice by two workers at once: a message arrives again only when an
    # attempt of it failed (the receiver took it but the answer was lost) and it was retried
    twice = {i for i in ids_seen if ids_seen.count(i) > 1}
    with db.reading() as conn:
        retried = {
            r[0]
            for r in conn.execute(
                select(OutboxMessage.message_id)
                .join(DeliveryAttempt, DeliveryAttempt.message_seq == OutboxMessage.seq)
                .where(DeliveryAttempt.error.is_not(None))
            )
        }
    assert twice <= retried, (twice, retried)
    assert all(seqs == list(range(1, 26)) for seqs in _first_arrivals(rx).values())
    Webhook(secret).verify(reqs[0].body, reqs[0].headers)


@pytest.mark.postgres_only
@pytest.mark.timeout(240)
def test_a_worker_killed_mid_delivery_loses_nothing(db, db_url, settings, tmp_path, rx):
    dev = add_developer(db)
    configure(db, settings, dev, rx.url)
    now = int(time.time() * 1000)
    for k in range(20):
        write(db, dev, f"1688:{k}", 10, now=now)
    rx.delay = 0.3  # deliveries stay in flight long enough to be cut
    first = _worker(db_url, settings, tmp_path, "a")
    rx.wait_for(30, timeout=60)
    first.kill(timeout=10)
    second = _worker(db_url, settings, tmp_path, "b")
    try:
        assert _wait_delivered(db, 200, 150) == 200  # leases of the dead worker expire (10 s)
    finally:
        second.stop(timeout=20)
    order = _first_arrivals(rx)
    assert sum(len(v) for v in order.values()) == 200
    assert all(seqs == list(range(1, 11)) for seqs in order.values())


def test_a_rolled_back_change_leaves_no_message(db):
    dev = add_developer(db)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.transaction() as s:
        messages.record(
            s,
            developer_id=dev,
            user_id=None,
            platform=2,
            message_type="WALLET_BALANCE_CHANGE",
            order_key="wallet",
            body={},
            now_ms=START,
        )
        s.flush()
        raise Boom
    with db.reading() as conn:
        assert conn.execute(select(OutboxMessage.seq)).all() == []


def test_messages_are_kept_thirty_days_then_pruned(db, fast_settings, clock, rx):
    from daigou.workers.runner import WorkerRunner

    dev = add_developer(db)
    configure(db, fast_settings, dev, rx.url)
    (old,) = write(db, dev, "1688:old", now=START)
    (recent,) = write(db, dev, "1688:new", now=START + 20 * 86_400_000)
    deliverer = Deliverer(db, fast_settings, clock)
    deliverer.drain()
    clock.advance(31 * 86_400)
    deliverer.drain()  # the recent one is due now
    runner = WorkerRunner(db, fast_settings, clock, deliver=False)
    assert runner.prune_messages() == 1
    with db.reading() as conn:
        left = [r[0] for r in conn.execute(select(OutboxMessage.message_id))]
        logs = conn.execute(select(DeliveryAttempt.message_seq)).all()
    assert left == [recent]
    assert len(logs) == 1  # the pruned message's attempt log went with it
