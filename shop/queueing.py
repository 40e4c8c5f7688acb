"""Queueing the RQ job that carries out a row already written (an outbox row, a run).

The row, not Redis, is the truth: a job that cannot be queued (Redis down) is logged and
left to the periodic sweep, which queues the row again once Redis is back. Failing instead
would only turn the operator's saved change into an error page.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import django_rq
from django.conf import settings
from django.db import transaction
from redis.exceptions import RedisError


@dataclass(frozen=True)
class JobQueue:
    """How one part of the shop queues its jobs: the logger and event that tell of a job Redis
    did not take, and the setting (if any) that bounds how long one job may run."""

    log: logging.Logger
    event: str
    timeout_setting: str | None = None
    exc_info: bool = True

    def put(
        self, job: str, /, *args: object, delay: timedelta | float = 0, **extra: object
    ) -> bool:
        """Queue the job (its dotted path) with `args` now, or in `delay`; False, with the
        event logged (`extra` beside it), when Redis is down."""
        if not isinstance(delay, timedelta):
            delay = timedelta(seconds=delay)
        options = {}
        if self.timeout_setting is not None:
            options["job_timeout"] = getattr(settings, self.timeout_setting)
        try:
            queue = django_rq.get_queue("default")
            if delay > timedelta(0):
                queue.enqueue_in(delay, job, *args, **options)
            else:
                queue.enqueue(job, *args, **options)
        except RedisError:
            self.log.warning(self.event, extra=extra, exc_info=self.exc_info)
            return False
        return True

    def after_commit(self, job: str, /, *args: object, **extra: Any) -> None:
        """`put` once the transaction commits: the job must find the row it carries out."""
        transaction.on_commit(partial(self.put, job, *args, **extra))
