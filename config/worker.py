"""The RQ worker the back office runs (settings.RQ["WORKER_CLASS"])."""

import contextlib
import threading
from typing import Any

from django.db import close_old_connections
from redis.exceptions import RedisError
from rq import SimpleWorker

# Seconds between the heartbeats administrators' health checks read (shop.health): well under
# the minute after which a silent worker raises their banner, idle or busy.
HEARTBEAT_SECONDS = 20


class ShopWorker(SimpleWorker):
    """Runs jobs in the worker process instead of forking one per job.

    RQ's default worker forks a process for every job, which then opens its own database
    connection: about 260 ms a job on two cores, far too slow for status updates that take
    one 10 ms request each. In-process jobs keep the connection, so it is treated like a
    request's: dropped when it is broken or older than CONN_MAX_AGE, before and after a job.

    It beats every HEARTBEAT_SECONDS: an idle RQ worker waits up to its TTL (7 minutes by
    default) for a job before it beats again, and an in-process job gets no monitoring beats,
    so either would look dead on the health page.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("worker_ttl", HEARTBEAT_SECONDS + 15)  # waits TTL - 15 s for a job
        super().__init__(*args, **kwargs)

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        close_old_connections()
        done = threading.Event()

        def beat() -> None:
            while not done.wait(HEARTBEAT_SECONDS):
                with contextlib.suppress(RedisError):
                    self.heartbeat()

        beater = threading.Thread(target=beat, name="worker-heartbeat", daemon=True)
        beater.start()
        try:
            return super().perform_job(*args, **kwargs)
        finally:
            done.set()
            beater.join()
            close_old_connections()
