"""Reads for the Allegro order pages: every query their views need lives here."""

from datetime import date
from typing import TypedDict

from django.db.models import Q, QuerySet

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderLine,
    AllegroOrderNote,
)
from shop.listing import Sorting, SortKey, narrowed

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
        by_form_id = Q(checkout_form_id__istartswith=search)
        # IN over the indexed offer column, not an EXISTS evaluated for every order.
        by_offer = Q(id__in=AllegroOrderLine.objects.filter(offer_id=search).values("order_id"))
        orders = orders.filter(by_form_id | Q(buyer_login__icontains=search) | by_offer)
        orders = orders.filter(Q(superseded_at__isnull=True) | by_form_id)
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
