"""RQ entry points of the order book: each takes ids, loads rows, calls one service."""

import django_rq
from django.conf import settings

from sales.services import sales_bulk_run_perform
from shop.leases import lease


def bulk_run(run_id: int) -> dict[str, int] | str:
    """Carry out a bulk run's pending orders. A second job for the same run (queued again)
    steps aside while the first holds the lease; after it, it finds nothing pending."""
    connection = django_rq.get_connection("default")
    with lease(connection, f"sales:bulk:{run_id}", seconds=settings.JOB_LEASE_SECONDS) as held:
        if not held:
            return "busy"
        run = sales_bulk_run_perform(run_id=run_id)
    return {"run": run.pk, "total": run.total}
