"""One request budget per Allegro account, shared by every worker process through Redis.

Allegro allows 9,000 requests a minute per application and prolongs a 429 block for whoever
keeps calling, so the budget is counted in one-second slices (a burst cannot spend a minute
in a second) and a 429 seen by one worker pauses them all.
"""

import random
import time

from redis import Redis

from allegro.api.errors import AllegroRateLimited


class RedisRequestGate:
    def __init__(
        self,
        *,
        account_id: int,
        redis: Redis,
        per_minute: int,
        max_wait: float,
        default_pause: float,
    ) -> None:
        self.redis = redis
        self.per_second = max(1, per_minute // 60)
        self.max_wait = max_wait
        self.default_pause = default_pause
        self.pause_key = f"allegro:pause:{account_id}"
        self.slice_prefix = f"allegro:budget:{account_id}:"

    def _wait_needed(self) -> float:
        pause_ms = self.redis.pttl(self.pause_key)
        if pause_ms > 0:
            # Jitter: workers released together would otherwise hit Allegro together.
            return pause_ms / 1000 * random.uniform(1.0, 1.2)
        now = time.time()
        second = int(now)
        key = f"{self.slice_prefix}{second}"
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 5)
        taken, _ = pipe.execute()
        if taken <= self.per_second:
            return 0.0
        return second + 1 - now

    def before_request(self) -> None:
        waited = 0.0
        while (wait := self._wait_needed()) > 0:
            if waited + wait > self.max_wait:
                raise AllegroRateLimited(
                    "The request budget for this account is spent; try again shortly.",
                    retry_after=wait,
                )
            time.sleep(wait)
            waited += wait

    def rate_limited(self, retry_after: float | None) -> None:
        pause = max(retry_after or self.default_pause, 1.0)
        # Never shorten a pause another worker set for longer.
        if self.redis.pttl(self.pause_key) < pause * 1000:
            self.redis.set(self.pause_key, 1, px=int(pause * 1000))

    def paused_for(self) -> float:
        """Seconds left of a 429 pause (0 if none), for staff to see."""
        return max(self.redis.pttl(self.pause_key), 0) / 1000
