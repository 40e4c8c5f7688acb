"""Time source. Injectable so tests can jump past token lifetimes and grace periods."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)


class FakeClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(tz=UTC)).timestamp()

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def iso(moment: datetime) -> str:
    """Allegro's timestamp shape: UTC, milliseconds, `Z`. Fixed width, so it sorts as text."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    """Parse a query-string timestamp; naive values are taken as UTC. Raises ValueError."""
    value = value.strip().replace("Z", "+00:00")
    if "T" in value:
        # An unencoded `+01:00` arrives as a space after form decoding.
        value = value.replace(" ", "+")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
