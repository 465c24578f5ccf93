"""The shared test helpers keep their promises: polling returns as soon as the condition holds
and fails with what it saw at the deadline; a child process's output is drained all along, so a
chatty child never blocks on a full pipe."""

from __future__ import annotations

import sys
import time

import pytest

from tests.support.serve import OUTPUT_LIMIT, Child
from tests.support.wait import wait_until


def test_wait_until_returns_the_first_truthy_value():
    calls = iter([0, None, "", 7, 8])
    assert wait_until(lambda: next(calls), timeout=5, interval=0.001) == 7


def test_wait_until_fails_at_the_deadline_saying_what_it_saw():
    started = time.monotonic()
    with pytest.raises(AssertionError, match="timed out after 0.2s: saw 3"):
        wait_until(lambda: False, timeout=0.2, interval=0.05, message=lambda: "saw 3")
    assert 0.2 <= time.monotonic() - started < 5


def test_a_chatty_child_is_drained_and_its_output_kept():
    # 2 MB on stdout and stderr: far beyond a pipe's buffer, so an undrained child would block
    script = (
        "import sys\n"
        "for i in range(20_000):\n"
        "    print('x' * 50, i)\n"
        "    print('e' * 50, i, file=sys.stderr)\n"
        "print('done')\n"
    )
    child = Child([sys.executable, "-c", script], env={})
    wait_until(lambda: child.poll() is not None, timeout=60, message=child.describe)
    assert child.stop() == 0
    # what is kept is the end (the last 1,000,000 characters), the part a failure is about
    assert "done\n" in child.output
    assert OUTPUT_LIMIT - 100 < len(child.output) <= OUTPUT_LIMIT


def test_a_running_child_is_stopped():
    script = "import time; print('up', flush=True); time.sleep(60)"
    child = Child([sys.executable, "-c", script], {})
    wait_until(lambda: "up" in child.output, timeout=30)
    assert child.stop(timeout=5) != 0
    assert child.poll() is not None
