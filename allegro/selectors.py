"""Reads for the Allegro pages: every query the views need lives here."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from allegro.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderLine,
    BuyerStatus,
    FulfillmentStatus,
    OfferProductLink,
)
from allegro.payloads import Line
from shop.models import Product


class OrderFilters(TypedDict, total=False):
    marketplace: str
    status: str
    fulfillment_status: str
    not_converted: bool
    conversion_failed: bool
    bought_from: date | None
    bought_to: date | None
    q: str


def _with_conversion(orders: QuerySet[AllegroOrder]) -> QuerySet[AllegroOrder]:
    # The single place that knows whether an order became a sales order; the list, its
    # filters and the detail follow it. The sales order comes by select_related, which the
    # paginator's COUNT leaves out (an annotation through the join would keep it there).
    return orders.select_related("sales_order").annotate(
        is_converted=ExpressionWrapper(
            Q(sales_order_id__isnull=False), output_field=BooleanField()
        ),
    )


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
    if filters.get("marketplace"):
        orders = orders.filter(marketplace=filters["marketplace"])
    if filters.get("status"):
        orders = orders.filter(status=filters["status"])
    if filters.get("fulfillment_status"):
        orders = orders.filter(fulfillment_status=filters["fulfillment_status"])
    if filters.get("not_converted"):
        orders = orders.filter(sales_order__isnull=True)
    if filters.get("conversion_failed"):
        orders = orders.filter(sales_order__isnull=True).exclude(conversion_problem="")
    # __date compares in the current time zone (Europe/Warsaw), as staff read the dates.
    if filters.get("bought_from"):
        orders = orders.filter(bought_at__date__gte=filters["bought_from"])
    if filters.get("bought_to"):
        orders = orders.filter(bought_at__date__lte=filters["bought_to"])
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


@dataclass(frozen=True)
class ProductIndex:
    """The products of many orders' offers, read at once for a batch of conversions."""

    by_sku: Mapping[str, Product]
    by_offer: Mapping[str, Product]


def product_index(*, account_id: int, order_ids: Collection[int]) -> ProductIndex:
    lines = AllegroOrderLine.objects.filter(order_id__in=order_ids)
    products = Product.objects.filter(is_active=True, sku__in=lines.values("offer_external_id"))
    links = OfferProductLink.objects.filter(
        account_id=account_id, offer_id__in=lines.values("offer_id"), product__is_active=True
    ).select_related("product")
    return ProductIndex(
        by_sku={product.sku: product for product in products},
        by_offer={link.offer_id: link.product for link in links},
    )


def offer_products_match(
    *, account_id: int, lines: Iterable[Line], index: ProductIndex | None = None
) -> dict[str, Product]:
    """The shop product of each line's offer, by offer id; offers with none are left out.

    An offer's external id is the product's SKU; failing that, the product an operator tied
    to the offer before. Inactive products match nothing: they are no longer sold.
    """
    lines = list(lines)
    matched = _match(lines, index) if index is not None else {}
    rest = [line for line in lines if line.offer_id not in matched]
    if rest:
        # Without an index, or for what it lacks (it was read before the orders changed).
        matched |= _match(rest, _index_read(account_id, rest))
    return matched


def _index_read(account_id: int, lines: list[Line]) -> ProductIndex:
    skus = {line.external_id for line in lines if line.external_id}
    by_sku = {p.sku: p for p in Product.objects.filter(sku__in=skus, is_active=True)}
    offers = {line.offer_id for line in lines if line.external_id not in by_sku}
    links = OfferProductLink.objects.filter(
        account_id=account_id, offer_id__in=offers, product__is_active=True
    ).select_related("product")
    return ProductIndex(by_sku=by_sku, by_offer={link.offer_id: link.product for link in links})


def _match(lines: Iterable[Line], index: ProductIndex) -> dict[str, Product]:
    matched = {}
    for line in lines:
        product = index.by_sku.get(line.external_id) or index.by_offer.get(line.offer_id)
        if product is not None:
            matched[line.offer_id] = product
    return matched


def product_choices() -> QuerySet[Product]:
    """What an operator may pick for an offer that matches no product."""
    return Product.objects.filter(is_active=True).order_by("sku")


def allegro_orders_auto_convertible(*, account_id: int, retry_problems: bool) -> list[int]:
    """Ids of the account's orders the automatic conversion should try, oldest first.

    Paid, live and unconverted; `retry_problems` includes those refused before. Orders the
    seller already moved on in Allegro (fulfillment past NEW) were handled elsewhere: turning
    the switch on must not turn weeks of shipped orders into new sales orders.
    """
    orders = AllegroOrder.objects.filter(
        account_id=account_id,
        status=BuyerStatus.READY_FOR_PROCESSING,
        superseded_at__isnull=True,
        sales_order__isnull=True,
        fulfillment_status__in=[FulfillmentStatus.NEW, ""],
    )
    if not retry_problems:
        orders = orders.filter(conversion_problem="")
    return list(orders.order_by("bought_at", "id").values_list("id", flat=True))


def allegro_order_lines_matched(*, order: AllegroOrder) -> list[tuple[Line, Product | None]]:
    """The order's lines, each with the product it becomes in a sales order, if any."""
    lines = order.form.lines
    matched = offer_products_match(account_id=order.account_id, lines=lines)
    return [(line, matched.get(line.offer_id)) for line in lines]
