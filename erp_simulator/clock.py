"""The ERP's timestamps. The clocks themselves (`Clock`, `FakeClock`) are `offline.clock`'s."""

from __future__ import annotations

from datetime import UTC, datetime

from offline.clock import Clock, FakeClock

# The name this module gave the fake clock before both servers shared one; kept for callers
# outside the simulator. New code: `FakeClock`.
FixedClock = FakeClock

__all__ = ["Clock", "FakeClock", "FixedClock", "iso"]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
