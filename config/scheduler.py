"""The one scheduler of the periodic jobs (config/cron.py), made to outlive Redis outages.

RQ's own cron scheduler stops at the first connection error, and nothing queues imports or
the write-back sweep until someone starts it again. This one keeps its schedule in memory,
waits for Redis with a growing pause (1 s up to 30 s) and goes on where it was; every periodic
job is idempotent, so a tick enqueued twice or late does no harm. A supervisor (systemd's
Restart=always, scripts/run's loop) still restarts it if the process itself dies.
"""

import contextlib
import logging
import time

from django_rq.cron import DjangoCronScheduler
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.exceptions import DuplicateSchedulerError, StopRequested

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
MAX_PAUSE = 30.0


class ResilientCronScheduler(DjangoCronScheduler):
    def start(self) -> None:
        self._install_signal_handlers()
        pause = 1.0
        registered = False
        try:
            while True:
                try:
                    if not registered:
                        # Redis kept our entry through a short outage: we are registered.
                        with contextlib.suppress(DuplicateSchedulerError):
                            self.register_birth()
                        registered = True
                        logger.info("scheduler.started", extra={"scheduler": self.name})
                    if self.enqueue_jobs():
                        self.save()
                    self.heartbeat()
                    if pause > 1.0:
                        logger.info("scheduler.redis_back", extra={"scheduler": self.name})
                    pause = 1.0
                    sleep = self.calculate_sleep_interval()
                except OUTAGE_ERRORS as error:
                    # One line per attempt, no traceback: an outage is expected, not a bug.
                    logger.warning(
                        "scheduler.redis_unavailable",
                        extra={"scheduler": self.name, "error": str(error), "retry_in": pause},
                    )
                    registered = False
                    sleep, pause = pause, min(pause * 2, MAX_PAUSE)
                if sleep > 0:
                    time.sleep(sleep)
        except (KeyboardInterrupt, StopRequested):
            logger.info("scheduler.stopping", extra={"scheduler": self.name})
        finally:
            # With Redis away its heartbeat simply ages out of the registry.
            with contextlib.suppress(*OUTAGE_ERRORS):
                self.register_death()
