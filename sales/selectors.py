"""Reads for Sprzedaż ▸ Zamówienia: every query the sales pages need lives here."""

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from sales.links import ListColumn
from sales.models import (
    ALLOWED_TRANSITIONS,
    SalesBulkRun,
    SalesBulkRunItem,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderInvoice,
    SalesOrderLine,
    SalesOrderNote,
    SalesOrderSearchTerm,
    SalesOrderShipment,
    SalesOrderSource,
    SalesOrderStatus,
)
from shop.counting import capped_counts
from shop.listing import Sorting, SortKey
from shop.search import search_condition

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


# The list's sortable columns (?sort=total, ?sort=-total), each served by an index of its
# fields and the id (sales.models.SalesOrder.Meta.indexes).
SALES_ORDER_SORTS = Sorting(
    keys={
        "date": SortKey(("created_at",), default_descending=True),
        "number": SortKey(("number_year", "number_sequence"), default_descending=True, unique=True),
        "customer": SortKey(("customer_name",)),
        "total": SortKey(("total",), default_descending=True),
        "status": SortKey(("status",)),
    },
    default="-date",
)


def _start_of_day(day: datetime.date) -> datetime.datetime:
    # Staff read dates in the shop's time zone (Europe/Warsaw). Comparing created_at with
    # aware bounds, not created_at__date, lets the database use the created_at index.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def sales_order_search_ids(*, query: str, except_kinds: Collection[str] = ()) -> QuerySet[Any]:
    """The ids (`order_id`) of the orders an operator's text finds: in any of their search
    terms (sales.search), as typed or as a phone number or a VAT EU number.

    `except_kinds` leaves out terms of those kinds (what a channel finds by itself).
    One index-backed sub-query for the list to take as `pk IN (…)`: on PostgreSQL a bitmap
    scan of the terms' trigram index, so the orders table is read only for the rows found."""
    condition = search_condition(query)
    terms = SalesOrderSearchTerm.objects.order_by()
    if except_kinds:
        terms = terms.exclude(kind__in=except_kinds)
    if condition is None:
        return terms.none().values("order_id")
    return terms.filter(condition).values("order_id")


def sales_order_list(*, filters: SalesOrderFilters) -> QuerySet[SalesOrder]:
    """Orders newest first, narrowed by the list's filters; one query whatever the page."""
    orders = SalesOrder.objects.all()
    search = (filters.get("q") or "").strip()
    if search:
        orders = orders.filter(pk__in=sales_order_search_ids(query=search))
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


def sales_order_list_details(
    *, orders: Sequence[SalesOrder], columns: Sequence[ListColumn]
) -> None:
    """Give the orders of one list page their documents: `invoice_number` (the latest
    invoice), `waybill` (the latest tracking number), `more_waybills` (how many others) and
    `column_values`, the values of other apps' `columns` in their order.

    One query over the page's ids, whatever the columns: the list's own query stays narrow
    and its count never works these out for every matching row."""
    if not orders:
        return
    invoices = SalesOrderInvoice.objects.filter(order=OuterRef("pk")).order_by("-created_at", "-id")
    shipments = SalesOrderShipment.objects.filter(order=OuterRef("pk"))
    extra = {f"column_{index}": column.value() for index, column in enumerate(columns)}
    rows = (
        SalesOrder.objects.filter(pk__in=[order.pk for order in orders])
        .annotate(
            invoice_number=Subquery(invoices.values("number")[:1]),
            waybill=Subquery(shipments.order_by("-created_at", "-id").values("waybill")[:1]),
            waybills=Subquery(
                shipments.order_by().values("order").annotate(n=Count("*")).values("n"),
                output_field=IntegerField(),
            ),
            **extra,
        )
        .values("pk", "invoice_number", "waybill", "waybills", *extra)
    )
    details = {row["pk"]: row for row in rows}
    for order in orders:
        row: dict[str, Any] = details.get(order.pk, {})
        order.invoice_number = row.get("invoice_number") or ""  # type: ignore[attr-defined]
        order.waybill = row.get("waybill") or ""  # type: ignore[attr-defined]
        order.more_waybills = max((row.get("waybills") or 0) - 1, 0)  # type: ignore[attr-defined]
        order.column_values = [row.get(name) or "" for name in extra]  # type: ignore[attr-defined]


def sales_order_sources() -> list[tuple[str, str]]:
    """(channel, marketplace) pairs that orders came from, for the list's source filter: a
    small table kept by sales_order_create, not a DISTINCT over every order."""
    return list(
        SalesOrderSource.objects.order_by("channel", "marketplace").values_list(
            "channel", "marketplace"
        )
    )


def sales_order_get(*, pk: int) -> SalesOrder:
    """One order with what its detail page shows; raises SalesOrder.DoesNotExist."""
    return SalesOrder.objects.select_related(
        "billing_address", "delivery_address", "created_by"
    ).get(pk=pk)


def sales_order_lines(*, order: SalesOrder) -> QuerySet:
    """The order's lines, each with `returned_quantity`: how many of it came back (None: none)."""
    return order.lines.annotate(returned_quantity=Sum("returned__quantity")).order_by("id")


def sales_order_events(*, order: SalesOrder) -> QuerySet[SalesOrderEvent]:
    """The order's history, oldest first, with who did each thing."""
    return order.events.select_related("user").order_by("created_at", "id")


def sales_order_next_statuses(*, order: SalesOrder) -> list[SalesOrderStatus]:
    """Where the order may go now, in the workflow's order (New … Cancelled)."""
    allowed = ALLOWED_TRANSITIONS[order.status]
    return [status for status in SalesOrderStatus if status in allowed]


def sales_order_notes(*, order: SalesOrder) -> QuerySet[SalesOrderNote]:
    """The order's internal notes, oldest first, with who wrote each."""
    return order.notes.select_related("author").order_by("created_at", "id")


# --- counts per status ------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChip:
    status: str  # "" for every status
    label: str
    count: int  # up to COUNT_CAP + 1: "more than 10,000"
    active: bool


@dataclass(frozen=True)
class StatusCounts:
    chips: list[StatusChip]
    attention: int  # of the orders the status filter leaves, those that need attention
    attention_active: bool


def sales_order_status_counts(*, filters: SalesOrderFilters) -> StatusCounts:
    """How many orders of the list's filter are in each status, and how many need attention,
    each counted up to COUNT_CAP + 1 as the list's own count is (beyond: "more than 10,000").

    Without a search, one query of sub-counts (shop.counting.capped_counts): the filter
    without its status and attention parts, with each status in turn (each chip is the same
    filter with one status), with none ("All") and the attention count, each from an index
    that starts with what it compares (status; source or currency, then status; the attention
    partial index) and stopping after 10,001 entries: 4-8 ms at 1,000,000 orders, where a
    grouped count read every order (58-86 ms unfiltered). With a search, one grouped count
    of what it found: the search reads every order it finds anyway, and sub-counts would
    each read them again."""
    narrowed: Any = {k: v for k, v in filters.items() if k not in ("status", "needs_attention")}
    orders = sales_order_list(filters=narrowed)
    chosen = filters.get("status") or ""
    only_attention = bool(filters.get("needs_attention"))
    shown = orders.filter(needs_attention=True) if only_attention else orders
    attention = orders.filter(needs_attention=True)
    if chosen:
        attention = attention.filter(status=chosen)
    if (filters.get("q") or "").strip():
        counts = _grouped_counts(orders, only_attention=only_attention, chosen=chosen)
    else:
        counted = {"": shown, "attention": attention}
        counts = capped_counts(
            counted | {status.value: shown.filter(status=status) for status in SalesOrderStatus}
        )
    chips = [StatusChip("", "", counts[""], not chosen)]
    chips += [
        StatusChip(status.value, str(status.label), counts[status.value], chosen == status)
        for status in SalesOrderStatus
    ]
    return StatusCounts(chips=chips, attention=counts["attention"], attention_active=only_attention)


def _grouped_counts(orders: QuerySet[SalesOrder], *, only_attention: bool, chosen: str) -> dict:
    """sales_order_status_counts's counts in one GROUP BY status over `orders`."""
    rows = (
        orders.order_by()
        .values("status")
        .annotate(
            orders=Count("*"), attention=Count("needs_attention", filter=Q(needs_attention=True))
        )
    )
    every = {row["status"]: row["orders"] for row in rows}
    attention = {row["status"]: row["attention"] for row in rows}
    shown = attention if only_attention else every
    counts = {status.value: shown.get(status.value, 0) for status in SalesOrderStatus}
    counts[""] = sum(shown.values())
    counts["attention"] = attention.get(chosen, 0) if chosen else sum(attention.values())
    return counts


# --- printing ---------------------------------------------------------------------------------


def sales_orders_for_print(*, order_ids: Collection[int]) -> list[SalesOrder]:
    """The orders with all a printed page shows (addresses, lines with products, notes),
    in a fixed number of queries whatever their count, in the order of their numbers."""
    return list(
        SalesOrder.objects.filter(pk__in=order_ids)
        .select_related("billing_address", "delivery_address")
        .prefetch_related(
            Prefetch("lines", queryset=SalesOrderLine.objects.select_related("product")),
            Prefetch("notes", queryset=SalesOrderNote.objects.select_related("author")),
        )
        .order_by("number_year", "number_sequence")
    )


@dataclass
class PickLine:
    """One product to take from the shelves, summed over the orders picked."""

    code: str
    ean: str
    name: str
    quantity: int = 0
    orders: list[str] = field(default_factory=list)


def sales_pick_list(*, order_ids: Collection[int]) -> list[PickLine]:
    """Each product of the orders once, with its total quantity and the orders it goes to,
    by SKU; one query."""
    rows = (
        SalesOrderLine.objects.filter(order_id__in=order_ids)
        .order_by("code", "order__number_year", "order__number_sequence", "id")
        .values_list(
            "product_id", "code", "product__ean", "product__name", "quantity", "order__number"
        )
    )
    picks: dict[int, PickLine] = {}
    for product_id, code, ean, name, quantity, number in rows:
        pick = picks.setdefault(product_id, PickLine(code=code, ean=ean, name=name))
        pick.quantity += quantity
        if number not in pick.orders:
            pick.orders.append(number)
    return list(picks.values())


# --- bulk runs --------------------------------------------------------------------------------


def sales_bulk_run_get(*, pk: int) -> SalesBulkRun:
    """Raises SalesBulkRun.DoesNotExist."""
    return SalesBulkRun.objects.select_related("started_by").get(pk=pk)


def sales_bulk_run_tally(*, run: SalesBulkRun) -> dict[str, int]:
    """How many of the run's orders have each outcome (every outcome present, 0 if none)."""
    counted = dict(
        run.items.order_by()
        .values_list("outcome")
        .annotate(n=Count("*"))
        .values_list("outcome", "n")
    )
    return {outcome: counted.get(outcome, 0) for outcome in SalesBulkRunItem.Outcome.values}


def sales_bulk_run_items(*, run: SalesBulkRun) -> QuerySet[SalesBulkRunItem]:
    """The run's orders, refusals first (what the operator must act on), then in run order."""
    first = Case(
        When(outcome=SalesBulkRunItem.Outcome.REFUSED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        run.items.select_related("order")
        .only("id", "outcome", "message", "order__id", "order__number", "order__status")
        .order_by(first, "id")
    )
