"""RQ entry points: each takes ids, loads rows, calls one service and returns something small."""

import logging
import time

import django_rq
from django.conf import settings

from allegro.backoff import retry_delay
from allegro.client import AllegroError
from allegro.conversion import account_orders_auto_convert
from allegro.importer import account_import_run
from allegro.models import AllegroAccount
from allegro.tokens import client_for_account
from allegro.writeback import write_perform, writes_sweep

logger = logging.getLogger(__name__)


def _connected_account_ids() -> list[int]:
    return list(
        AllegroAccount.objects.filter(status=AllegroAccount.Status.CONNECTED).values_list(
            "id", flat=True
        )
    )


def import_all_accounts(reconcile: bool = False) -> int:
    """Periodic: queue one import per connected account; returns how many were queued."""
    queue = django_rq.get_queue("default")
    account_ids = _connected_account_ids()
    for account_id in account_ids:
        queue.enqueue(import_account, account_id, reconcile=reconcile)
    return len(account_ids)


def reconcile_all_accounts() -> int:
    return import_all_accounts(reconcile=True)


def import_account(account_id: int, reconcile: bool = False) -> dict[str, int] | str:
    """Import one account unless another worker is importing it right now.

    The Redis lock only saves duplicate work; correctness comes from the database (the cursor
    moves only if nobody moved it meanwhile, and orders are upserted by id).
    """
    lock = django_rq.get_connection("default").lock(
        f"allegro:import:{account_id}", timeout=settings.ALLEGRO_IMPORT_LOCK_TIMEOUT
    )
    if not lock.acquire(blocking=False):
        return "busy"
    try:
        account = AllegroAccount.objects.get(pk=account_id)
        if not account.is_connected:
            return "not connected"
        client = client_for_account(account)
        attempt = 1
        while True:
            try:
                stats = account_import_run(
                    account_id=account_id, client=client, reconcile=reconcile
                )
                return {
                    "created": stats.created,
                    "updated": stats.updated,
                    "requests": stats.requests,
                }
            except AllegroError as error:
                # The error is on the account for staff. Pages already stored stay stored,
                # so a retry goes on from the cursor; a permanent error waits for the next tick.
                if not error.is_transient or attempt >= settings.ALLEGRO_IMPORT_ATTEMPTS:
                    return f"failed: {error}"
                time.sleep(retry_delay(attempt, error))
                attempt += 1
    finally:
        lock.release()


def auto_convert_all_accounts() -> int:
    """Periodic: queue the automatic conversion of every account that has it switched on.

    It retries orders refused before, since products and currencies may have been added."""
    queue = django_rq.get_queue("default")
    account_ids = list(
        AllegroAccount.objects.filter(auto_create_orders=True).values_list("id", flat=True)
    )
    for account_id in account_ids:
        queue.enqueue(auto_convert_account, account_id, retry_problems=True)
    return len(account_ids)


def auto_convert_account(account_id: int, retry_problems: bool = False) -> dict[str, int] | str:
    """Turn the account's paid Allegro orders into sales orders, if the switch is on.

    Queued after each imported page and by the periodic sweep. The Redis lock only saves
    duplicate work; exactly once comes from the row lock in allegro_order_convert.
    """
    lock = django_rq.get_connection("default").lock(
        f"allegro:auto-convert:{account_id}", timeout=settings.ALLEGRO_IMPORT_LOCK_TIMEOUT
    )
    if not lock.acquire(blocking=False):
        # The running job picks up orders stored while it runs, and the sweep retries.
        return "busy"
    try:
        if not AllegroAccount.objects.filter(pk=account_id, auto_create_orders=True).exists():
            return "off"
        stats = account_orders_auto_convert(account_id=account_id, retry_problems=retry_problems)
        return {"created": stats.created, "refused": stats.refused}
    finally:
        lock.release()


def perform_write(write_id: int) -> str:
    """Carry out one write to Allegro (status, tracking number, invoice) if it is due."""
    return write_perform(write_id=write_id, client_for=client_for_account)


def sweep_writes() -> int:
    """Periodic: queue again the writes whose jobs were lost or that waited out a pause."""
    return writes_sweep()
