"""RQ entry points of the message centre: each takes ids, loads rows and calls one service."""

from functools import partial

from allegro.accounts.clients import client_for_account
from allegro.accounts.jobs import queue_per_working_account, run_for_account
from allegro.accounts.models import AllegroAccount
from allegro.api.budget import WRITE
from allegro.messaging.services import (
    account_messages_import,
    messaging_sweep,
    reply_send,
    thread_read_push,
)


def import_all_accounts_messages() -> int:
    """Periodic: queue one import of threads and messages per connected, unpaused account."""
    return queue_per_working_account(import_account_messages)


def import_account_messages(account_id: int) -> dict[str, int] | str:
    """One account's import unless another worker runs it now (the lease saves duplicate
    work only: messages are upserted by id)."""

    def run(account: AllegroAccount) -> dict[str, int]:
        stats = account_messages_import(account_id=account.pk, client=client_for_account(account))
        return {"threads": stats.threads, "messages": stats.messages}

    return run_for_account(f"allegro:messages:import:{account_id}", account_id, run)


# Replies and read flags go before imports in the shared request budget: staff wait on them.
_client_for = partial(client_for_account, priority=WRITE)


def send_reply(reply_id: int) -> str:
    return reply_send(reply_id=reply_id, client_for=_client_for)


def push_read(thread_id: int) -> str:
    return thread_read_push(thread_id=thread_id, client_for=_client_for)


def sweep_messaging() -> int:
    """Periodic: queue again the replies and read flags whose jobs were lost."""
    return messaging_sweep()
