"""Reads for Allegro ▸ Zwroty and the return and refund panels of both order pages."""

from datetime import date
from typing import TypedDict

from django.db.models import Q, QuerySet

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import AllegroOrder
from allegro.returns.models import OPEN_RETURN_STATUSES, AllegroRefund, AllegroReturn
from shop.listing import narrowed


class ReturnFilters(TypedDict, total=False):
    account: AllegroAccount | None
    status: str
    decision: str
    waiting: bool
    created_from: date | None
    created_to: date | None
    q: str


def allegro_return_list(*, filters: ReturnFilters) -> QuerySet[AllegroReturn]:
    """Returns newest first, narrowed by the list's filters."""
    rows = AllegroReturn.objects.select_related(
        "account", "allegro_order", "allegro_order__sales_order"
    ).defer("payload", "allegro_order__payload")
    search = (filters.get("q") or "").strip()
    if search:
        rows = rows.filter(
            Q(buyer_login__icontains=search)
            | Q(reference_number__icontains=search)
            | Q(parcel_waybill__iexact=search)
            | Q(checkout_form_id__istartswith=search)
            | Q(return_id__istartswith=search)
            | Q(allegro_order__sales_order__number__iexact=search)
        )
    rows = narrowed(
        rows,
        filters,
        {
            "account": "account",
            "status": "status",
            "decision": "decision",
            "created_from": "created_on_allegro__date__gte",
            "created_to": "created_on_allegro__date__lte",
        },
    )
    if filters.get("waiting"):
        rows = rows.filter(status__in=OPEN_RETURN_STATUSES, decision="")
    return rows.order_by("-created_on_allegro", "-id")


def allegro_return_get(*, pk: int) -> AllegroReturn:
    return AllegroReturn.objects.select_related("account", "allegro_order", "decided_by").get(pk=pk)


def allegro_returns_waiting_count() -> int:
    return AllegroReturn.objects.filter(status__in=OPEN_RETURN_STATUSES, decision="").count()


def allegro_order_returns(*, allegro_order: AllegroOrder) -> list[AllegroReturn]:
    return list(
        AllegroReturn.objects.filter(
            Q(allegro_order=allegro_order)
            | Q(
                account_id=allegro_order.account_id, checkout_form_id=allegro_order.checkout_form_id
            )
        )
        .prefetch_related("lines")
        .order_by("created_on_allegro", "id")
    )


def allegro_order_refunds(*, allegro_order: AllegroOrder) -> list[AllegroRefund]:
    return list(
        AllegroRefund.objects.filter(allegro_order=allegro_order)
        .select_related("created_by", "customer_return")
        .order_by("created_at", "id")
    )
