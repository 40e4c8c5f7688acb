"""Reads for the ERP pages and the sync."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from erp.models import ErpOrderLink, ErpStatus, ErpSyncRun
from sales.models import KsefStatus, SalesOrder, SalesOrderInvoice, SalesOrderStatus

RECENT_RUNS = 20
# How often a finished order is asked about again, for a correction the ERP may issue.
CORRECTION_LOOK_EVERY = timedelta(days=1)


def erp_document_number_column() -> Subquery:
    """The order's ERP document number, for Sprzedaż ▸ Zamówienia's column (sales.links):
    an expression over the sales order row, read for the shown page only."""
    links = ErpOrderLink.objects.filter(order=OuterRef("pk"))
    return Subquery(links.values("document_number")[:1])


def erp_sync_runs_recent(*, limit: int = RECENT_RUNS) -> QuerySet[ErpSyncRun]:
    return ErpSyncRun.objects.select_related("started_by").order_by("-started_at", "-id")[:limit]


def erp_sync_run_running() -> ErpSyncRun | None:
    return ErpSyncRun.objects.filter(state=ErpSyncRun.State.RUNNING).first()


def erp_orders_to_sync(*, order_ids: list[int] | None = None) -> list[int]:
    """The sales orders a sync looks at, oldest first.

    - never sent (no link, or a link without an ERP document): every order of any channel
      except CANCELLED ones – an order cancelled before the ERP saw it has nothing to do there;
    - in the ERP and not finished there: everything but documents CANCELLED in the ERP and
      DELIVERED ones whose invoice we already have (fulfilled outside the shop: any whose
      invoice we have, as the ERP ships nothing of them);
    - still, an order with an invoice waiting for KSeF (pending, or issued offline and not
      yet numbered) until KSeF answers, and a finished one once a day for
      ERP_CORRECTION_WATCH_DAYS after its last invoice, when the ERP may issue a correction.
    The admin action passes `order_ids` to narrow this to the orders selected.
    """
    now = timezone.now()
    not_sent = Q(erp_link__isnull=True) | Q(erp_link__document_number="")
    invoices = SalesOrderInvoice.objects.filter(order=OuterRef("pk")).exclude(erp_invoice_id="")
    waiting_for_ksef = Exists(
        invoices.filter(ksef_status__in=[KsefStatus.PENDING, KsefStatus.OFFLINE])
    )
    correctable = Exists(
        invoices.filter(created_at__gte=now - timedelta(days=settings.ERP_CORRECTION_WATCH_DAYS))
    ) & Q(erp_link__synced_at__lt=now - CORRECTION_LOOK_EVERY)
    finished = (
        Q(erp_link__erp_status=ErpStatus.CANCELLED)
        | (
            (Q(erp_link__erp_status=ErpStatus.DELIVERED) | Q(fulfilled_outside=True))
            & ~Q(erp_link__invoice_number="")
        )
    ) & ~(waiting_for_ksef | correctable)
    orders = SalesOrder.objects.filter(
        (not_sent & ~Q(status=SalesOrderStatus.CANCELLED)) | (~not_sent & ~finished)
    )
    if order_ids is not None:
        orders = orders.filter(pk__in=order_ids)
    return list(orders.order_by("created_at", "id").values_list("id", flat=True))


def erp_order_link(*, order: SalesOrder) -> ErpOrderLink | None:
    return ErpOrderLink.objects.filter(order=order).first()
