"""Allegro's timestamps. The clocks themselves (`Clock`, `FakeClock`) are `offline.clock`'s."""

from __future__ import annotations

from datetime import UTC, datetime

from offline.clock import Clock, FakeClock

__all__ = ["Clock", "FakeClock", "iso", "parse_iso"]


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
