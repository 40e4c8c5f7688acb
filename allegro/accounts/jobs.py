"""What every per-account periodic job of the channel shares: one job queued per working
account, and each run under a lease, for a connected, unpaused account only."""

from collections.abc import Callable
from typing import Any, TypeVar

import django_rq
from django.conf import settings

from allegro.accounts.models import AllegroAccount
from allegro.accounts.selectors import accounts_working_ids
from allegro.api.errors import AllegroError
from shop.leases import lease

R = TypeVar("R")


def queue_per_working_account(job: Callable[..., Any], **kwargs: Any) -> int:
    """Periodic: queue `job(account_id, **kwargs)` per connected, unpaused account; returns
    how many were queued."""
    queue = django_rq.get_queue("default")
    account_ids = accounts_working_ids()
    for account_id in account_ids:
        queue.enqueue(job, account_id, **kwargs)
    return len(account_ids)


def run_for_account(key: str, account_id: int, work: Callable[[AllegroAccount], R]) -> R | str:
    """`work(account)` unless another worker holds `key` now ("busy"), the account is not
    connected or is paused (said), or Allegro refused ("failed: ..."; what was stored stays
    stored and the next tick goes on from there).

    The lease only saves duplicate work; correctness comes from the database (rows upserted
    by id). A killed worker's lease lapses within JOB_LEASE_SECONDS, so the next run is
    delayed by no more."""
    connection = django_rq.get_connection("default")
    with lease(connection, key, seconds=settings.JOB_LEASE_SECONDS) as held:
        if not held:
            return "busy"
        account = AllegroAccount.objects.get(pk=account_id)
        if not account.is_connected:
            return "not connected"
        if account.paused:
            return "paused"
        try:
            return work(account)
        except AllegroError as error:
            return f"failed: {error}"
