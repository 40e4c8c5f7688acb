"""RQ entry points of the import: each takes ids, loads rows and calls one service."""

import logging

from allegro.accounts.clients import client_for_account
from allegro.accounts.jobs import queue_per_working_account, run_for_account
from allegro.accounts.models import AllegroAccount
from allegro.orders.services import account_import_riding_out

logger = logging.getLogger(__name__)


def import_all_accounts(reconcile: bool = False) -> int:
    """Periodic: queue one import per connected account; returns how many were queued."""
    return queue_per_working_account(import_account, reconcile=reconcile)


def reconcile_all_accounts() -> int:
    return import_all_accounts(reconcile=True)


def import_account(account_id: int, reconcile: bool = False) -> dict[str, int] | str:
    """Import one account unless another worker is importing it right now
    (allegro.accounts.jobs.run_for_account: the lease only saves duplicate work; the cursor
    moves only if nobody moved it meanwhile, and orders are upserted by id). On Allegro's
    refusal the error is on the account for staff; pages already stored stay stored and a
    backfill keeps its position, so the next tick goes on from where this one stopped."""

    def run(account: AllegroAccount) -> dict[str, int]:
        stats = account_import_riding_out(
            account_id=account.pk, client=client_for_account(account), reconcile=reconcile
        )
        return {"created": stats.created, "updated": stats.updated, "requests": stats.requests}

    return run_for_account(f"allegro:import:{account_id}", account_id, run)
