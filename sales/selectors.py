"""Reads for Sprzedaż ▸ Zamówienia: every query the sales pages need lives here."""

import datetime
from typing import TypedDict

from django.db.models import Q, QuerySet
from django.utils import timezone

from sales.models import ALLOWED_TRANSITIONS, SalesOrder, SalesOrderEvent, SalesOrderStatus

# A source filter value is "<channel>" (every marketplace of it) or "<channel>:<marketplace>".
SOURCE_SEPARATOR = ":"


class SalesOrderFilters(TypedDict, total=False):
    q: str
    status: str
    source: str
    currency: str
    created_from: datetime.date | None
    created_to: datetime.date | None
    needs_attention: bool


def _start_of_day(day: datetime.date) -> datetime.datetime:
    # Staff read dates in the shop's time zone (Europe/Warsaw). Comparing created_at with
    # aware bounds, not created_at__date, lets the database use the created_at index.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def sales_order_list(*, filters: SalesOrderFilters) -> QuerySet[SalesOrder]:
    """Orders newest first, narrowed by the list's filters; one query whatever the page."""
    orders = SalesOrder.objects.all()
    search = (filters.get("q") or "").strip()
    if search:
        orders = orders.filter(
            Q(number__icontains=search)
            | Q(customer_name__icontains=search)
            | Q(customer_company__icontains=search)
            | Q(customer_login__icontains=search)
            | Q(customer_email__icontains=search)
            | Q(channel_reference__istartswith=search)
        )
    if filters.get("status"):
        orders = orders.filter(status=filters["status"])
    source = filters.get("source") or ""
    if source:
        channel, _sep, marketplace = source.partition(SOURCE_SEPARATOR)
        orders = orders.filter(channel=channel)
        if marketplace:
            orders = orders.filter(marketplace=marketplace)
    if filters.get("currency"):
        orders = orders.filter(currency=filters["currency"])
    created_from = filters.get("created_from")
    if created_from:
        orders = orders.filter(created_at__gte=_start_of_day(created_from))
    created_to = filters.get("created_to")
    if created_to:
        next_day = created_to + datetime.timedelta(days=1)
        orders = orders.filter(created_at__lt=_start_of_day(next_day))
    if filters.get("needs_attention"):
        orders = orders.filter(needs_attention=True)
    return orders.order_by("-created_at", "-id")


def sales_order_sources() -> list[tuple[str, str]]:
    """(channel, marketplace) pairs that orders came from, for the list's source filter."""
    pairs = SalesOrder.objects.order_by().values_list("channel", "marketplace").distinct()
    return sorted(pairs)


def sales_order_get(*, pk: int) -> SalesOrder:
    """One order with what its detail page shows; raises SalesOrder.DoesNotExist."""
    return SalesOrder.objects.select_related(
        "billing_address", "delivery_address", "created_by"
    ).get(pk=pk)


def sales_order_lines(*, order: SalesOrder) -> QuerySet:
    return order.lines.order_by("id")


def sales_order_events(*, order: SalesOrder) -> QuerySet[SalesOrderEvent]:
    """The order's history, oldest first, with who did each thing."""
    return order.events.select_related("user").order_by("created_at", "id")


def sales_order_next_statuses(*, order: SalesOrder) -> list[SalesOrderStatus]:
    """Where the order may go now, in the workflow's order (New … Cancelled)."""
    allowed = ALLOWED_TRANSITIONS[order.status]
    return [status for status in SalesOrderStatus if status in allowed]
