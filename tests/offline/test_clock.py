from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

from offline.clock import Clock, FakeClock


def test_the_real_clock_moves() -> None:
    clock = Clock()
    before = time.time()
    now = clock.now()
    assert now.tzinfo is not None
    assert before - 1 <= clock.time() and abs(now.timestamp() - before) < 5


def test_the_fake_clock_stays_put_until_advanced() -> None:
    start = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    clock = FakeClock(start)
    time.sleep(0.01)
    assert clock.now() == start and clock.time() == start.timestamp()
    clock.advance(3601.5)
    assert clock.now() == start + timedelta(seconds=3601.5)
    assert clock.time() == start.timestamp() + 3601.5


def test_the_fake_clock_answers_in_utc_and_defaults_to_the_real_now() -> None:
    prague = timezone(timedelta(hours=1))
    clock = FakeClock(datetime(2026, 11, 27, 10, 30, tzinfo=prague))
    assert clock.now() == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)
    assert abs(FakeClock().time() - time.time()) < 5


def test_the_servers_clock_names_are_the_one_fake_clock() -> None:
    from emulator.clock import FakeClock as EmulatorClock
    from erp_simulator.clock import FixedClock

    assert EmulatorClock is FakeClock is FixedClock
