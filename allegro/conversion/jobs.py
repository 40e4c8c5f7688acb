"""RQ entry points of the automatic conversion."""

import django_rq
from django.conf import settings

from allegro.accounts.models import AllegroAccount
from allegro.conversion.services import account_orders_auto_convert
from shop.leases import lease


def auto_convert_all_accounts() -> int:
    """Periodic: queue the automatic conversion of every account that has it switched on.

    It retries orders refused before, since products and currencies may have been added."""
    queue = django_rq.get_queue("default")
    account_ids = list(
        AllegroAccount.objects.filter(auto_create_orders=True, paused=False).values_list(
            "id", flat=True
        )
    )
    for account_id in account_ids:
        queue.enqueue(auto_convert_account, account_id, retry_problems=True)
    return len(account_ids)


def auto_convert_account(account_id: int, retry_problems: bool = False) -> dict[str, int] | str:
    """Turn the account's paid Allegro orders into sales orders, if the switch is on.

    Queued after each imported page and by the periodic sweep. The Redis lock only saves
    duplicate work; exactly once comes from the row lock in allegro_order_convert.
    """
    connection = django_rq.get_connection("default")
    key = f"allegro:auto-convert:{account_id}"
    with lease(connection, key, seconds=settings.JOB_LEASE_SECONDS) as held:
        if not held:
            # The running job picks up orders stored while it runs, and the sweep retries.
            return "busy"
        if not AllegroAccount.objects.filter(pk=account_id, auto_create_orders=True).exists():
            return "off"
        if AllegroAccount.objects.filter(pk=account_id, paused=True).exists():
            return "paused"  # the periodic sweep takes its orders once it is resumed
        stats = account_orders_auto_convert(account_id=account_id, retry_problems=retry_problems)
        return {"created": stats.created, "refused": stats.refused}
