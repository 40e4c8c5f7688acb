"""Time for the offline servers: the real clock, and a fake one tests move by hand."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class Clock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)


class FakeClock(Clock):
    """A clock that only moves when told to: it stays at `start` (default: the real now).

    Tests pin dates on documents with it, and jump over token lifetimes with `advance`.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = (start or datetime.now(tz=UTC)).astimezone(UTC)

    def time(self) -> float:
        return self.moment.timestamp()

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)
