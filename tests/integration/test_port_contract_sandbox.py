"""The port contract (tests/support/port_contract.py) against the sandbox adapter, alone and
behind ``GuardedMarketplace`` (limiter, retries of reads, call log), on SQLite and
PostgreSQL; and the sandbox alone as Taobao."""

from __future__ import annotations

import pytest

from daigou.bootstrap import bootstrap
from daigou.core.clock import ManualClock
from daigou.marketplace import port as P
from daigou.marketplace.calls import CallRecorder
from daigou.marketplace.guarded import GuardedMarketplace
from daigou.marketplace.limits import Limiter
from daigou.marketplace.sandbox.adapter import SandboxMarketplace
from daigou.marketplace.sandbox.clock import SandboxClock
from daigou.marketplace.sandbox.controls import SandboxOperator
from tests.support.port_contract import STATUSES_TAOBAO, PortContract

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def sandbox(settings, db):
    return SandboxMarketplace(db, settings, SandboxClock(db, ManualClock(START_MS)))


class TestSandbox(PortContract):
    @pytest.fixture
    def bare(self, settings, db):
        return sandbox(settings, db)

    @pytest.fixture
    def market(self, bare):
        return bare

    @pytest.fixture
    def seller(self, bare):
        return SandboxOperator(bare)


class TestGuardedSandbox(TestSandbox):
    @pytest.fixture
    def market(self, bare, db):
        recorder = CallRecorder(db, background=False)
        guarded = GuardedMarketplace(
            bare, Limiter("sandbox", calls_per_second=0, concurrency=4), recorder
        )
        yield guarded
        guarded.close()
        assert recorder.pending() == 0


class TestTheGatewaysComposite(PortContract):
    """The port as the gateway's use cases get it: the composition root's composite of guarded
    adapters, one per platform."""

    @pytest.fixture
    def gateway(self, settings, db):
        gateway = bootstrap(settings, db, ManualClock(START_MS))
        yield gateway
        gateway.close()

    @pytest.fixture
    def market(self, gateway):
        return gateway.marketplaces

    @pytest.fixture
    def seller(self, gateway):
        return gateway.sandbox


class TestSandboxTaobao(TestSandbox):
    """The same contract on the sandbox's Taobao: its statuses are PandaPon's numeric codes and
    a reverse order is asked with the goods statuses "1" / "2" (the gateway's Taobao core)."""

    platform = P.Platform.TAOBAO
    statuses = STATUSES_TAOBAO
    goods_received = "2"
    goods_not_received = "1"
