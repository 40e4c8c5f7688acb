"""RQ entry points of returns and refunds: each takes ids, loads rows and calls one service."""

from functools import partial

from allegro.accounts.clients import client_for_account
from allegro.accounts.jobs import queue_per_working_account, run_for_account
from allegro.accounts.models import AllegroAccount
from allegro.api.budget import WRITE
from allegro.returns.services import (
    account_returns_import,
    refund_follow,
    refund_perform,
    refunds_sweep,
    rejection_perform,
)

# Refunds and rejections go before imports in the shared request budget, as writes do.
_writer = partial(client_for_account, priority=WRITE)


def import_returns_all_accounts() -> int:
    """Periodic: queue one returns import per connected, unpaused account."""
    return queue_per_working_account(import_returns)


def import_returns(account_id: int) -> dict[str, int] | str:
    def run(account: AllegroAccount) -> dict[str, int]:
        stats = account_returns_import(account_id=account.pk, client=client_for_account(account))
        return {"created": stats.created, "updated": stats.updated}

    return run_for_account(f"allegro:returns:{account_id}", account_id, run)


def perform_refund(refund_id: int) -> str:
    return refund_perform(refund_id=refund_id, client_for=_writer)


def follow_refund(refund_id: int) -> str:
    return refund_follow(refund_id=refund_id, client_for=_writer)


def perform_rejection(return_pk: int) -> str:
    return rejection_perform(return_pk=return_pk, client_for=_writer)


def sweep_refunds() -> int:
    """Periodic: queue again the refunds and rejections whose jobs were lost."""
    return refunds_sweep()
