"""Outbox rows: something another system (Allegro, the ERP) must be told, written in the
transaction of the change that causes it and carried out by an idempotent RQ job.

The row, not Redis, is the truth. A worker takes the row for a lease (`claim`): one killed
mid-way loses it when the lease runs out. A failed attempt waits its backoff (`postpone`), a
finished one says how it ended (`finish`), and a periodic sweep queues again the rows whose
jobs were lost (`lost`): Redis restarted, a worker was killed, Redis was down at commit.

Each concrete model keeps its own `state` field and `State` choices (what "done" means differs
from one outbox to the next) and overrides a field below where its verbose name differs.
"""

from datetime import datetime, timedelta
from typing import Any, Self

from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# RQ's scheduler works in whole seconds and may start a delayed job a little early; refusing
# it would leave the row to the sweep, a minute later.
SCHEDULER_SLACK = timedelta(seconds=2)


def due_index(name: str) -> models.Index:
    """The index the jobs and the sweep find the rows waiting to be sent by."""
    return models.Index(fields=["next_attempt_at"], condition=Q(state="PENDING"), name=name)


class OutboxRow(models.Model):
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(auto_now_add=True)
    # A worker holds the row until then; one killed mid-way loses it to the sweep.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def being_sent(self, now: datetime) -> bool:
        """A worker holds it now: it may reach the other side any moment."""
        return self.claimed_until is not None and self.claimed_until > now

    @staticmethod
    def unclaimed(now: datetime) -> Q:
        """Held by no worker (never taken, or its lease ran out)."""
        return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)

    @classmethod
    def claim(cls, pk: int, now: datetime, *, lease: timedelta, **due: Any) -> bool:
        """Take the row for this worker for `lease` and count the attempt; False if it is not
        due (`due` narrows it, e.g. to a state) or another worker holds it."""
        return bool(
            cls._default_manager.filter(pk=pk, next_attempt_at__lte=now + SCHEDULER_SLACK, **due)
            .filter(cls.unclaimed(now))
            .update(claimed_until=now + lease, attempts=F("attempts") + 1)
        )

    @classmethod
    def postpone(cls, pk: int, *, delay: timedelta, error: str, **fields: Any) -> None:
        """Give the row back to be tried again in `delay`, with what went wrong."""
        now = timezone.now()
        cls._default_manager.filter(pk=pk).update(
            next_attempt_at=now + delay,
            last_error=error,
            claimed_until=None,
            updated_at=now,
            **fields,
        )

    @classmethod
    def finish(cls, pk: int, *, error: str = "", **fields: Any) -> None:
        """Record how the row ended (its `state`, among `fields`), or that it now waits for the
        other side, and release it."""
        cls._default_manager.filter(pk=pk).update(
            last_error=error, claimed_until=None, updated_at=timezone.now(), **fields
        )

    @classmethod
    def lost(cls, now: datetime, *, quiet: timedelta, **due: Any) -> QuerySet[Self]:
        """The due rows no worker holds that have waited longer than `quiet`, longer than a
        queued job takes to start: their jobs were lost."""
        return (
            cls._default_manager.filter(next_attempt_at__lte=now, updated_at__lte=now - quiet)
            .filter(**due)
            .filter(cls.unclaimed(now))
        )
