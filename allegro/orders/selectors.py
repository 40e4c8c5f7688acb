"""Reads for the Allegro order pages: every query their views need lives here."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderLine,
    AllegroOrderNote,
    AllegroOrderSearchTerm,
    BuyerStatus,
    FulfillmentStatus,
)
from sales.selectors import sales_order_search_ids
from shop.counting import capped_counts
from shop.listing import Sorting, SortKey, narrowed
from shop.search import search_condition

# The list's sortable columns, each served by a partial index of its fields and the id over
# the live orders (allegro.orders.models.AllegroOrder.Meta.indexes).
ALLEGRO_ORDER_SORTS = Sorting(
    keys={
        "date": SortKey(("bought_at",), default_descending=True),
        "buyer": SortKey(("buyer_login",)),
        "total": SortKey(("total",), default_descending=True),
        "status": SortKey(("status",)),
        "fulfillment": SortKey(("fulfillment_status",)),
    },
    default="-date",
)


class OrderFilters(TypedDict, total=False):
    account: AllegroAccount | None
    marketplace: str
    status: str
    fulfillment_status: str
    not_converted: bool
    conversion_failed: bool
    bought_from: date | None
    bought_to: date | None
    q: str


def _with_conversion(orders: QuerySet[AllegroOrder]) -> QuerySet[AllegroOrder]:
    # The sales order comes by select_related, which the paginator's COUNT leaves out.
    return orders.select_related("sales_order")


# What the sales order knows from the checkout form, which the order's own terms have too: a
# search matching thousands of buyers or products then reads them once, not twice.
FORM_KINDS = (
    "reference",
    "login",
    "email",
    "name",
    "company",
    "phone",
    "city",
    "pickup",
    "tax_id",
    "offer_id",
    "product",
    "sku",
    "ean",
)


def allegro_order_search_ids(*, query: str) -> QuerySet[Any]:
    """The ids of the orders an operator's text finds: in the order's own terms (its checkout
    form, its notes: allegro.orders.search), or in what its sales order has beyond the form
    (our number, tracking, invoice and KSeF numbers, the ERP's document, notes). A UNION of
    two index-backed sub-queries, each answered from a trigram index on PostgreSQL; an OR
    across them would read every order."""
    condition = search_condition(query)
    own = AllegroOrderSearchTerm.objects.order_by()
    if condition is None:
        return own.none().values("order_id")
    through_sales = (
        AllegroOrder.objects.order_by()
        .filter(sales_order_id__in=sales_order_search_ids(query=query, except_kinds=FORM_KINDS))
        .values("id")
    )
    return own.filter(condition).values("order_id").union(through_sales)


def allegro_order_list(*, filters: OrderFilters) -> QuerySet[AllegroOrder]:
    """Live orders, newest first, narrowed by the list's filters.

    Merged (superseded) forms are left out, except that a search by checkout form id still
    finds them, so an operator holding an old id can follow it to the order that replaced it.
    """
    orders = (
        AllegroOrder.objects.select_related("account")
        # The list reads columns only: the payload of every skipped row would be decoded.
        .defer("payload")
    )
    orders = _with_conversion(orders)
    search = (filters.get("q") or "").strip()
    if search:
        orders = orders.filter(id__in=allegro_order_search_ids(query=search))
        orders = orders.filter(
            Q(superseded_at__isnull=True) | Q(checkout_form_id__istartswith=search)
        )
    else:
        orders = orders.filter(superseded_at__isnull=True)
    orders = narrowed(
        orders,
        filters,
        {
            "account": "account",
            "marketplace": "marketplace",
            "status": "status",
            "fulfillment_status": "fulfillment_status",
            # __date compares in the current time zone (Europe/Warsaw), as staff read the dates.
            "bought_from": "bought_at__date__gte",
            "bought_to": "bought_at__date__lte",
        },
    )
    if filters.get("not_converted"):
        orders = orders.filter(sales_order__isnull=True)
    if filters.get("conversion_failed"):
        orders = orders.filter(sales_order__isnull=True).exclude(conversion_problem="")
    return orders.order_by("-bought_at", "-id")


def allegro_order_list_details(*, orders: Sequence[AllegroOrder]) -> None:
    """Give the orders of one list page what the list shows beyond its columns: the buyer's
    name (`buyer_name`, `buyer_company`, from the stored form) and the first product bought
    (`first_product`, `first_quantity`, `more_products`: how many other lines).

    One query over the page's ids: the list's own query reads neither the payload nor the
    lines, and its count must not work these out for every matching row."""
    lines = AllegroOrderLine.objects.filter(order=OuterRef("pk"))
    rows = (
        AllegroOrder.objects.filter(pk__in=[order.pk for order in orders])
        .annotate(
            first_name=KT("payload__buyer__firstName"),
            last_name=KT("payload__buyer__lastName"),
            company=KT("payload__buyer__companyName"),
            first_product=Subquery(lines.order_by("id").values("offer_name")[:1]),
            first_quantity=Subquery(lines.order_by("id").values("quantity")[:1]),
            line_count=Subquery(
                lines.order_by().values("order").annotate(n=Count("*")).values("n"),
                output_field=IntegerField(),
            ),
        )
        .values(
            "pk",
            "first_name",
            "last_name",
            "company",
            "first_product",
            "first_quantity",
            "line_count",
        )
    )
    details: dict[int, Any] = {row["pk"]: row for row in rows}
    for order in orders:
        row = details.get(order.pk, {})
        name = " ".join(part for part in (row.get("first_name"), row.get("last_name")) if part)
        order.buyer_name = name  # type: ignore[attr-defined]
        order.buyer_company = row.get("company") or ""  # type: ignore[attr-defined]
        order.first_product = row.get("first_product") or ""  # type: ignore[attr-defined]
        order.first_quantity = row.get("first_quantity") or 0  # type: ignore[attr-defined]
        order.more_products = max((row.get("line_count") or 0) - 1, 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StatusChip:
    """One status and how many orders of the list's filter have it; `query` narrows to it."""

    field: str  # "status" (the buyer's side) or "fulfillment_status" (the seller's)
    status: str  # "" for every status
    label: str
    count: int
    active: bool


def allegro_order_status_counts(*, filters: OrderFilters) -> dict[str, list[StatusChip]]:
    """How many orders of the list's filter are in each buyer status and each fulfillment
    status, each counted up to COUNT_CAP + 1 as the list's own count is.

    Each buyer status chip counts the filter with that buyer status (and the chosen
    fulfillment status, if any); each fulfillment chip, the other way round; "All" of a row,
    the filter with the other row's choice. Without a search, one query of sub-counts
    (shop.counting.capped_counts), each from a partial index over the live orders that starts
    with what it compares (status; fulfillment status; the marketplace, then either) and
    stopping after 10,001 entries: 5-8 ms at 1,000,000 orders, where a grouped count read
    every live order's entry (86 ms). With a search, one grouped count of what it found (the
    search reads them all anyway). Statuses no order has are left out, except "All"."""
    narrowed_filters: Any = {
        k: v for k, v in filters.items() if k not in ("status", "fulfillment_status")
    }
    orders = allegro_order_list(filters=narrowed_filters)
    chosen = {
        "status": filters.get("status") or "",
        "fulfillment_status": filters.get("fulfillment_status") or "",
    }
    rows = {"status": BuyerStatus.choices, "fulfillment_status": FulfillmentStatus.choices}
    counted: dict[str, QuerySet[AllegroOrder]] = {}
    for field, choices in rows.items():
        other = "fulfillment_status" if field == "status" else "status"
        base = orders.filter(**{other: chosen[other]}) if chosen[other] else orders
        counted[f"{field}:"] = base
        for value, _label in choices:
            counted[f"{field}:{value}"] = base.filter(**{field: value})
    if (filters.get("q") or "").strip():
        counts = _grouped_counts(orders, chosen)
    else:
        counts = capped_counts(counted)

    def chips(field: str, choices: Any) -> list[StatusChip]:
        shown = [StatusChip(field, "", "", counts[f"{field}:"], not chosen[field])]
        return shown + [
            StatusChip(field, value, str(label), counts[f"{field}:{value}"], chosen[field] == value)
            for value, label in choices
            if counts.get(f"{field}:{value}")
        ]

    return {field: chips(field, choices) for field, choices in rows.items()}


def _grouped_counts(orders: QuerySet[AllegroOrder], chosen: dict[str, str]) -> dict[str, int]:
    """allegro_order_status_counts's counts ("<field>:<status>") in one GROUP BY of `orders`."""
    pairs = orders.order_by().values_list("status", "fulfillment_status").annotate(n=Count("*"))
    counts: dict[str, int] = {"status:": 0, "fulfillment_status:": 0}
    for status, fulfillment, n in pairs:
        for field, value, other, other_value in (
            ("status", status, "fulfillment_status", fulfillment),
            ("fulfillment_status", fulfillment, "status", status),
        ):
            if not chosen[other] or chosen[other] == other_value:
                counts[f"{field}:"] += n
                counts[f"{field}:{value}"] = counts.get(f"{field}:{value}", 0) + n
    return counts


def allegro_order_get(*, pk: int) -> AllegroOrder:
    """One order with what its detail page shows; raises DoesNotExist."""
    orders = _with_conversion(AllegroOrder.objects.select_related("account", "superseded_by"))
    return orders.get(pk=pk)


def allegro_order_events(*, order: AllegroOrder) -> QuerySet[AllegroOrderEvent]:
    return AllegroOrderEvent.objects.filter(
        account_id=order.account_id, checkout_form_id=order.checkout_form_id
    ).order_by("occurred_at", "event_id")


def allegro_order_superseded(*, order: AllegroOrder) -> QuerySet[AllegroOrder]:
    """The earlier forms that were merged into this one."""
    return order.supersedes.order_by("bought_at", "id")


def allegro_problem_list() -> QuerySet[AllegroImportProblem]:
    return AllegroImportProblem.objects.filter(resolved_at__isnull=True).select_related("account")


def allegro_problem_count() -> int:
    return AllegroImportProblem.objects.filter(resolved_at__isnull=True).count()


def allegro_order_notes(*, order: AllegroOrder) -> QuerySet[AllegroOrderNote]:
    """The shop's own notes on the order, oldest first, with who wrote each."""
    return order.notes.select_related("author").order_by("created_at", "id")
