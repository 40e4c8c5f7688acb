"""Reads for the Allegro order pages: every query their views need lives here."""

from datetime import date
from typing import Any, TypedDict

from django.db.models import Q, QuerySet

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderNote,
    AllegroOrderSearchTerm,
)
from sales.selectors import sales_order_search_ids
from shop.listing import narrowed
from shop.search import search_condition


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
