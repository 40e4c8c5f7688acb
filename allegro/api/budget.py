"""One request budget per Allegro application (Client ID), shared through Redis.

Allegro allows 9,000 requests a minute per Client ID, and that limit is shared by every seller
account and every installation using the same Client ID; it cannot be raised (allegro-api
#13034). So the budget here is counted per Client ID, not per account: every worker process
and every account of this installation draw from it.

How it is counted (one Lua script, so the check and the count are one atomic step in Redis):

- The ceiling is `per_minute` (settings.ALLEGRO_REQUESTS_PER_MINUTE, 6,000 by default: a
  third under Allegro's 9,000 leaves room for other installations sharing the Client ID, for
  OAuth calls, which Allegro counts too, and for the clocks of Allegro and Redis disagreeing).
  It is spent in one-second slices of `per_minute // 60`, so a burst cannot spend a minute in a
  second. Seconds are Redis's clock (TIME), the same for every process and machine.
- Writes (status, tracking numbers, invoices, and staff waiting on a page) may use the whole
  slice. Reads (imports, backfill, reconciliation) may use at most `read_share` % of it, so the
  rest is always there for writes, however much there is to import.
- Reads are split fairly: every account that read within the last `ACTIVE_SECONDS` is
  active, and each may take at most its equal part of the reads' share of a slice. One
  account's backfill cannot take the reads of another.
- A caller refused waits for the next second (with a little jitter) and asks again; when the
  wait would exceed `max_wait` it gets AllegroRateLimited, so its job is retried later.
- A 429 applies to the Client ID, so it pauses every account and every worker of the
  installation for Retry-After (or `default_pause`); calling during the block prolongs it.
- For staff, each slice also counts requests per account (all, and reads); the slices are
  kept a little over a minute, so `usage()` adds up the last 60 in one round trip.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field
from typing import Any

from redis import Redis

from allegro.api.errors import AllegroRateLimited

WRITE = "write"
READ = "read"

# An account that read within this many seconds counts for the fair split of reads.
ACTIVE_SECONDS = 3

# Per-second slices are kept this long: the last full minute must still be there to show.
SLICE_TTL_SECONDS = 70

# Returns {admitted (1/0), milliseconds to wait when refused, paused (1/0), the second}.
_ADMIT = """
local prefix, per_second, read_share = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local priority, account, active_seconds = ARGV[4], ARGV[5], tonumber(ARGV[6])
local slice_ttl = tonumber(ARGV[7])
local paused = redis.call('PTTL', prefix .. 'pause')
if paused > 0 then
  return {0, paused, 1, 0}
end
local now = redis.call('TIME')
local second = tonumber(now[1])
local to_next = 1000 - math.floor(tonumber(now[2]) / 1000)
local slice = prefix .. 's:' .. second
local total = tonumber(redis.call('HGET', slice, 'total') or '0')
if total >= per_second then
  return {0, to_next, 0, second}
end
if priority == 'read' then
  local readers = prefix .. 'readers'
  redis.call('ZADD', readers, second, account)
  redis.call('ZREMRANGEBYSCORE', readers, '-inf', second - active_seconds)
  redis.call('EXPIRE', readers, active_seconds * 2 + 1)
  local active = redis.call('ZCARD', readers)
  local reads_cap = math.max(1, math.floor(per_second * read_share / 100))
  local fair = math.max(1, math.floor(reads_cap / active))
  local reads = tonumber(redis.call('HGET', slice, 'reads') or '0')
  local mine = tonumber(redis.call('HGET', slice, 'r:' .. account) or '0')
  if reads >= reads_cap or mine >= fair then
    return {0, to_next, 0, second}
  end
  redis.call('HINCRBY', slice, 'reads', 1)
  redis.call('HINCRBY', slice, 'r:' .. account, 1)
end
redis.call('HINCRBY', slice, 'total', 1)
redis.call('HINCRBY', slice, 'a:' .. account, 1)
redis.call('EXPIRE', slice, slice_ttl)
return {1, 0, 0, second}
"""


# The pause left (ms) and the slices of the last 60 seconds by Redis's clock, in one call.
_USAGE = """
local prefix = ARGV[1]
local now = tonumber(redis.call('TIME')[1])
local out = {redis.call('PTTL', prefix .. 'pause')}
for second = now - 59, now do
  out[#out + 1] = redis.call('HGETALL', prefix .. 's:' .. second)
end
return out
"""


def budget_prefix(client_id: str) -> str:
    """Redis keys of a Client ID's budget; the id is hashed (it is half of a credential)."""
    digest = hashlib.sha256(client_id.encode()).hexdigest()[:16]
    return f"allegro:budget:{digest}:"


@dataclass(frozen=True)
class Admission:
    admitted: bool
    wait: float  # seconds to wait before asking again, when not admitted
    paused: bool  # not admitted because of a 429 pause
    second: int  # the slice (Redis's clock) it was counted in or refused from


@dataclass(frozen=True)
class AccountUsage:
    requests: int
    reads: int

    @property
    def writes(self) -> int:
        return self.requests - self.reads


@dataclass(frozen=True)
class BudgetUsage:
    """The last minute of a Client ID's budget, for staff."""

    per_minute: int
    requests: int
    # Keyed by account id as given to the gate (str; "" for calls made for no account).
    accounts: dict[str, AccountUsage] = field(default_factory=dict)
    paused_for: float = 0.0


class RedisRequestBudget:
    """The budget of one Client ID; `gate()` gives an account's callers their way into it."""

    def __init__(
        self,
        *,
        client_id: str,
        redis: Redis,
        per_minute: int,
        read_share: int,
        max_wait: float,
        default_pause: float,
    ) -> None:
        self.redis = redis
        self.prefix = budget_prefix(client_id)
        self.per_minute = per_minute
        self.per_second = max(1, per_minute // 60)
        self.read_share = min(max(read_share, 1), 100)
        self.max_wait = max_wait
        self.default_pause = default_pause
        self._admit = redis.register_script(_ADMIT)
        self._usage = redis.register_script(_USAGE)

    @property
    def pause_key(self) -> str:
        return f"{self.prefix}pause"

    def gate(self, *, account_id: int | None, priority: str = READ) -> RedisRequestGate:
        if priority not in (READ, WRITE):
            raise ValueError(f"priority must be {READ!r} or {WRITE!r}, not {priority!r}")
        return RedisRequestGate(self, account_id=account_id, priority=priority)

    def admit(self, *, account: str, priority: str) -> Admission:
        """One try for a place in the current second's slice."""
        admitted, wait_ms, paused, second = self._admit(
            args=[
                self.prefix,
                self.per_second,
                self.read_share,
                priority,
                account,
                ACTIVE_SECONDS,
                SLICE_TTL_SECONDS,
            ]
        )
        return Admission(bool(admitted), int(wait_ms) / 1000, bool(paused), int(second))

    def rate_limited(self, retry_after: float | None) -> None:
        pause = max(retry_after or self.default_pause, 1.0)
        # Never shorten a pause another worker set for longer.
        if self.redis.pttl(self.pause_key) < pause * 1000:
            self.redis.set(self.pause_key, 1, px=int(pause * 1000))

    def paused_for(self) -> float:
        """Seconds left of a 429 pause (0 if none), for staff to see."""
        return max(int(self.redis.pttl(self.pause_key)), 0) / 1000

    def usage(self) -> BudgetUsage:
        """The last 60 whole seconds and the current one, in one round trip."""
        paused_ms, *slices = self._usage(args=[self.prefix])
        total = 0
        requests: dict[str, int] = {}
        reads: dict[str, int] = {}
        for flat in slices:
            for raw_name, raw_count in zip(flat[::2], flat[1::2], strict=True):
                name = _text(raw_name)
                count = int(raw_count)
                if name == "total":
                    total += count
                elif name.startswith("a:"):
                    requests[name[2:]] = requests.get(name[2:], 0) + count
                elif name.startswith("r:"):
                    reads[name[2:]] = reads.get(name[2:], 0) + count
        return BudgetUsage(
            per_minute=self.per_minute,
            requests=total,
            accounts={
                account: AccountUsage(requests=count, reads=reads.get(account, 0))
                for account, count in requests.items()
            },
            paused_for=max(int(paused_ms), 0) / 1000,
        )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisRequestGate:
    """An account's way into its Client ID's budget, at one priority (see the module)."""

    def __init__(self, budget: RedisRequestBudget, *, account_id: int | None, priority: str):
        self.budget = budget
        self.account = "" if account_id is None else str(account_id)
        self.priority = priority

    def before_request(self) -> None:
        self.wait_for_place()

    def wait_for_place(self) -> int:
        """Wait until admitted; returns the second (Redis's clock) the request counts in."""
        waited = 0.0
        while True:
            admission = self.budget.admit(account=self.account, priority=self.priority)
            if admission.admitted:
                return admission.second
            wait = admission.wait
            # Jitter: workers released together would otherwise hit Allegro together.
            wait *= random.uniform(1.0, 1.2) if admission.paused else 1.0
            wait += random.uniform(0.0, 0.02)
            if waited + wait > self.budget.max_wait:
                raise AllegroRateLimited(
                    "The request budget of this application is spent; try again shortly.",
                    retry_after=wait,
                )
            time.sleep(wait)
            waited += wait

    def rate_limited(self, retry_after: float | None) -> None:
        """A 429 is Allegro's answer for the whole Client ID: every account pauses."""
        self.budget.rate_limited(retry_after)

    def paused_for(self) -> float:
        return self.budget.paused_for()
