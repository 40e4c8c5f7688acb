"""RQ entry points of the message centre: each takes ids, loads rows and calls one service."""

from functools import partial

import django_rq
from django.conf import settings

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.accounts.selectors import accounts_working_ids
from allegro.api.budget import WRITE
from allegro.api.errors import AllegroError
from allegro.messaging.services import (
    account_messages_import,
    messaging_sweep,
    reply_send,
    thread_read_push,
)
from shop.leases import lease


def import_all_accounts_messages() -> int:
    """Periodic: queue one import of threads and messages per connected, unpaused account."""
    queue = django_rq.get_queue("default")
    account_ids = accounts_working_ids()
    for account_id in account_ids:
        queue.enqueue(import_account_messages, account_id)
    return len(account_ids)


def import_account_messages(account_id: int) -> dict[str, int] | str:
    """One account's import unless another worker runs it now (the lease saves duplicate
    work only: messages are upserted by id)."""
    connection = django_rq.get_connection("default")
    key = f"allegro:messages:import:{account_id}"
    with lease(connection, key, seconds=settings.JOB_LEASE_SECONDS) as held:
        if not held:
            return "busy"
        account = AllegroAccount.objects.get(pk=account_id)
        if not account.is_connected or account.paused:
            return "not connected"
        try:
            stats = account_messages_import(
                account_id=account_id, client=client_for_account(account)
            )
        except AllegroError as error:
            # What was stored stays stored; the next tick goes on from there.
            return f"failed: {error}"
        return {"threads": stats.threads, "messages": stats.messages}


# Replies and read flags go before imports in the shared request budget: staff wait on them.
_client_for = partial(client_for_account, priority=WRITE)


def send_reply(reply_id: int) -> str:
    return reply_send(reply_id=reply_id, client_for=_client_for)


def push_read(thread_id: int) -> str:
    return thread_read_push(thread_id=thread_id, client_for=_client_for)


def sweep_messaging() -> int:
    """Periodic: queue again the replies and read flags whose jobs were lost."""
    return messaging_sweep()
