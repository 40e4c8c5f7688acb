"""Leases on the real Redis, held by real processes."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.conf import settings

from shop.leases import lease
from tests.support.workers import ROOT, wait_for

HOLDER = """
import sys, time, redis
sys.path.insert(0, {root!r})
from shop.leases import lease
with lease(redis.Redis.from_url({url!r}), {name!r}, seconds={seconds}) as held:
    print("held" if held else "busy", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def connection():
    return redis.Redis.from_url(settings.REDIS_URL)


def hold_in_a_process(name: str, seconds: float) -> subprocess.Popen:
    code = HOLDER.format(root=str(ROOT), url=settings.REDIS_URL, name=name, seconds=seconds)
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"held"
    return process


def test_a_second_holder_is_told_busy_while_the_first_lives(connection):
    name = f"test-lease:{uuid.uuid4()}"
    with lease(connection, name, seconds=5) as first, lease(connection, name, seconds=5) as second:
        assert (first, second) == (True, False)
    with lease(connection, name, seconds=5) as again:
        assert again is True


def test_a_living_holder_keeps_its_lease_well_past_the_lease_time(connection):
    name = f"test-lease:{uuid.uuid4()}"
    holder = hold_in_a_process(name, seconds=1)
    try:
        deadline = time.monotonic() + 3.5
        while time.monotonic() < deadline:  # three and a half lease times, renewed throughout
            with lease(connection, name, seconds=1) as held:
                assert held is False
            time.sleep(0.25)
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)


def test_a_killed_holders_lease_lapses_within_the_lease_time(connection):
    """kill -9 in the middle of the work: the next run waits the lease out, not 15 minutes."""
    name = f"test-lease:{uuid.uuid4()}"
    holder = hold_in_a_process(name, seconds=2)
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    # Nobody renews it now: what is left of it only shrinks, and never exceeds one lease.
    left = connection.pttl(name)
    assert 0 < left <= 2000
    wait_for(lambda: connection.pttl(name) < left, timeout=5, what="the lease to shrink")

    def acquired() -> bool:
        with lease(connection, name, seconds=2) as held:
            return held

    wait_for(acquired, timeout=10, interval=0.1, what="the lease to lapse")
