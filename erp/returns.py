"""Returned goods to the ERP, which corrects the invoice; the correction then reaches the
sales order (and from there the channel, as every invoice does).

`sales` announces a recorded return; `on_return_recorded` writes an ErpReturn row in that
transaction and queues `erp.jobs.send_return` after commit. The job sends the return (the ERP
is idempotent by its reference), downloads the correction's PDF and applies the document as
a sync would. An order whose invoice is not issued yet waits: the job tries again later.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from erp.backends import get_backend
from erp.backends.base import ErpBackend, ErpError, ErpRefused
from erp.models import ErpReturn
from erp.sync import _apply_document, _pdfs_needed
from sales.models import SalesOrderReturn
from shop.queueing import JobQueue

logger = logging.getLogger(__name__)
_queue = JobQueue(logger, "erp.return.enqueue_failed", exc_info=False)

JOB = "erp.jobs.send_return"
LEASE = timedelta(minutes=5)
# While the ERP has no invoice to correct (the order is not shipped there yet).
WAIT_FOR_INVOICE = timedelta(minutes=10)
MAX_DELAY = timedelta(hours=1)


def _enqueue(return_id: int, delay: timedelta | None = None) -> None:
    _queue.put(JOB, return_id, delay=delay or 0, erp_return_id=return_id)


def on_return_recorded(*, sales_return: SalesOrderReturn, **kwargs: Any) -> None:
    if not settings.ERP_BACKEND:
        return
    row, created = ErpReturn.objects.get_or_create(sales_return=sales_return)
    if created:
        transaction.on_commit(lambda: _enqueue(row.pk))


def _postpone(row: ErpReturn, delay: timedelta, message: str) -> None:
    ErpReturn.postpone(row.pk, delay=delay, error=message)
    _enqueue(row.pk, delay)


def erp_return_send(*, erp_return_id: int, backend: ErpBackend | None = None) -> str:
    """Send one recorded return if it is due; safe to run twice or after a crash."""
    now = timezone.now()
    if not ErpReturn.claim(erp_return_id, now, lease=LEASE, state=ErpReturn.State.PENDING):
        return "not due"
    row = ErpReturn.objects.select_related("sales_return__order").get(pk=erp_return_id)
    sales_return = row.sales_return
    order = sales_return.order
    items = [(line.line.code, line.quantity) for line in sales_return.lines.select_related("line")]
    backend = backend or get_backend()
    try:
        document = backend.return_send(
            number=order.number,
            reference=sales_return.reference,
            items=items,
            reason=(sales_return.reason and f"Zwrot towaru ({sales_return.reason})")
            or "Zwrot towaru",
        )
        pdfs = {i.id: backend.invoice_pdf(i.id) for i in _pdfs_needed(order.pk, document)}
    except ErpRefused as error:
        if error.code == "conflict":
            _postpone(row, WAIT_FOR_INVOICE, str(error))
            return "waiting for the invoice"
        ErpReturn.finish(row.pk, state=ErpReturn.State.FAILED, error=str(error))
        logger.warning("erp.return.refused", extra={"erp_return_id": row.pk, "error": str(error)})
        return "failed"
    except ErpError as error:
        delay = min(timedelta(seconds=30 * 2 ** min(row.attempts, 7)), MAX_DELAY)
        _postpone(row, delay, str(error))
        return "retry"
    _apply_document(order_id=order.pk, document=document, pdfs=pdfs, user=None)
    ErpReturn.finish(row.pk, state=ErpReturn.State.DONE)
    return "done"


def erp_returns_sweep(*, limit: int = 500) -> int:
    """Queue again the returns whose jobs were lost or whose wait is over."""
    now = timezone.now()
    due = ErpReturn.lost(
        now, quiet=timedelta(seconds=60), state=ErpReturn.State.PENDING
    ).values_list("id", flat=True)[:limit]
    count = 0
    for return_id in due:
        _enqueue(return_id)
        count += 1
    return count
