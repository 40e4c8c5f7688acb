"""Reads for conversion: which shop product each offer becomes, which orders to convert."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from allegro.accounts.models import AllegroAccount
from allegro.api.payloads import Line
from allegro.conversion.models import OfferProductLink
from allegro.orders.models import (
    CONVERTIBLE_ORDERS,
    AllegroOrder,
    AllegroOrderLine,
    FulfillmentStatus,
)
from shop.models import Product


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


def _auto_convertible(since: datetime | None) -> Q:
    # No cut-off means never switched on: nothing qualifies (the switch sets one).
    if since is None:
        return Q(pk__in=[])
    return CONVERTIBLE_ORDERS & Q(
        bought_at__gte=since, fulfillment_status__in=[FulfillmentStatus.NEW, ""]
    )


def allegro_orders_auto_convertible(*, account_id: int, retry_problems: bool) -> list[int]:
    """Ids of the account's orders the automatic conversion should try, oldest first.

    Paid, live and unconverted, bought at or after the account's cut-off (when the switch
    was turned on, or the date the administrator set); `retry_problems` includes those
    refused before. Orders the seller already moved on in Allegro (fulfillment past NEW:
    sent, picked up, ...) were handled elsewhere and are never taken: turning the switch on
    must not turn weeks of shipped orders into new sales orders.
    """
    since = AllegroAccount.objects.values_list("auto_convert_from", flat=True).get(pk=account_id)
    orders = AllegroOrder.objects.filter(_auto_convertible(since), account_id=account_id)
    if not retry_problems:
        orders = orders.filter(conversion_problem="")
    return list(orders.order_by("bought_at", "id").values_list("id", flat=True))


def accounts_auto_convert_waiting(*, accounts: Collection[AllegroAccount]) -> dict[int, int]:
    """Per account switched on: how many orders its automatic conversion takes now (those
    refused before included); one COUNT for all accounts. Accounts switched off take none."""
    which = Q(pk__in=[])
    for account in accounts:
        if account.auto_create_orders:
            which |= _auto_convertible(account.auto_convert_from) & Q(account_id=account.pk)
    counted = dict(
        AllegroOrder.objects.filter(which)
        .values("account_id")
        .annotate(count=Count("id"))
        .values_list("account_id", "count")
    )
    return {account.pk: counted.get(account.pk, 0) for account in accounts}


def account_auto_convert_count(*, account_id: int, since: datetime) -> int:
    """How many of the account's orders an automatic conversion from `since` takes now."""
    return AllegroOrder.objects.filter(_auto_convertible(since), account_id=account_id).count()


def allegro_order_lines_matched(*, order: AllegroOrder) -> list[tuple[Line, Product | None]]:
    """The order's lines, each with the product it becomes in a sales order, if any."""
    lines = order.form.lines
    matched = offer_products_match(account_id=order.account_id, lines=lines)
    return [(line, matched.get(line.offer_id)) for line in lines]
