"""RQ entry points of returns and refunds: each takes ids, loads rows and calls one service."""

from functools import partial

import django_rq
from django.conf import settings

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.accounts.selectors import accounts_working_ids
from allegro.api.budget import WRITE
from allegro.api.errors import AllegroError
from allegro.returns.services import (
    account_returns_import,
    refund_follow,
    refund_perform,
    refunds_sweep,
    rejection_perform,
)
from shop.leases import lease

# Refunds and rejections go before imports in the shared request budget, as writes do.
_writer = partial(client_for_account, priority=WRITE)


def import_returns_all_accounts() -> int:
    """Periodic: queue one returns import per connected, unpaused account."""
    queue = django_rq.get_queue("default")
    account_ids = accounts_working_ids()
    for account_id in account_ids:
        queue.enqueue(import_returns, account_id)
    return len(account_ids)


def import_returns(account_id: int) -> dict[str, int] | str:
    connection = django_rq.get_connection("default")
    with lease(
        connection, f"allegro:returns:{account_id}", seconds=settings.JOB_LEASE_SECONDS
    ) as held:
        if not held:
            return "busy"
        account = AllegroAccount.objects.get(pk=account_id)
        if not account.is_connected or account.paused:
            return "not connected"
        try:
            stats = account_returns_import(
                account_id=account_id, client=client_for_account(account)
            )
        except AllegroError as error:
            return f"failed: {error}"
        return {"created": stats.created, "updated": stats.updated}


def perform_refund(refund_id: int) -> str:
    return refund_perform(refund_id=refund_id, client_for=_writer)


def follow_refund(refund_id: int) -> str:
    return refund_follow(refund_id=refund_id, client_for=_writer)


def perform_rejection(return_pk: int) -> str:
    return rejection_perform(return_pk=return_pk, client_for=_writer)


def sweep_refunds() -> int:
    """Periodic: queue again the refunds and rejections whose jobs were lost."""
    return refunds_sweep()
