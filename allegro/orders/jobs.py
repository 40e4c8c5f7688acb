"""RQ entry points of the import: each takes ids, loads rows and calls one service."""

import logging

import django_rq
from django.conf import settings

from allegro.accounts.clients import client_for_account
from allegro.accounts.jobs import queue_per_working_account
from allegro.accounts.models import AllegroAccount
from allegro.api.errors import AllegroError
from allegro.orders.services import account_import_riding_out
from shop.leases import lease

logger = logging.getLogger(__name__)


def import_all_accounts(reconcile: bool = False) -> int:
    """Periodic: queue one import per connected account; returns how many were queued."""
    return queue_per_working_account(import_account, reconcile=reconcile)


def reconcile_all_accounts() -> int:
    return import_all_accounts(reconcile=True)


def import_account(account_id: int, reconcile: bool = False) -> dict[str, int] | str:
    """Import one account unless another worker is importing it right now.

    The lease only saves duplicate work; correctness comes from the database (the cursor
    moves only if nobody moved it meanwhile, and orders are upserted by id). A killed worker's
    lease lapses within JOB_LEASE_SECONDS, so the next import is delayed by no more.
    """
    connection = django_rq.get_connection("default")
    key = f"allegro:import:{account_id}"
    with lease(connection, key, seconds=settings.JOB_LEASE_SECONDS) as held:
        return _import_account(account_id, reconcile) if held else "busy"


def _import_account(account_id: int, reconcile: bool) -> dict[str, int] | str:
    account = AllegroAccount.objects.get(pk=account_id)
    if not account.is_connected:
        return "not connected"
    if account.paused:
        return "paused"
    try:
        stats = account_import_riding_out(
            account_id=account_id, client=client_for_account(account), reconcile=reconcile
        )
    except AllegroError as error:
        # The error is on the account for staff. Pages already stored stay stored, and a
        # backfill keeps its position, so the next tick goes on from where this one stopped.
        return f"failed: {error}"
    return {"created": stats.created, "updated": stats.updated, "requests": stats.requests}
