"""What a sales order is found by: its terms in SalesOrderSearchTerm (see shop.search).

Sales keeps the rows of its own data (source "sales": number, the channel's reference, the
buyer's name, company, e-mail, phone, login, tax ids, the addresses' names, companies,
cities and phones, SKU, EAN and name of each line, tracking numbers, invoice and KSeF
numbers, internal notes), rebuilt by `sales_order_search_refresh` whenever one of its
services changes them. A channel or the ERP adds what only it knows (Allegro's offer ids,
the ERP's document number) through `sales_order_search_terms_set` under its own source, when
that changes: sales never asks who they are.
"""

from collections.abc import Collection, Iterator
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from sales.models import SalesOrder, SalesOrderSearchTerm
from shop.search import Terms, search_terms

SOURCE = "sales"
# Orders read at a time when many are (re)indexed: a backfill, a benchmark's load.
CHUNK = 2000


def _address_values(address: Any) -> Terms:
    if address is None:
        return []
    return [
        ("name", address.name),
        ("company", address.company_name),
        ("city", address.city),
        ("phone", address.phone_number),
    ]


def _order_values(order: Any) -> Iterator[tuple[str, str]]:
    """(kind, raw value) of everything of the order an operator may hold. Reads attributes
    only, so the data migration's historical models go through it too."""
    yield from [
        ("number", order.number),
        ("reference", order.channel_reference),
        ("name", order.customer_name),
        ("company", order.customer_company),
        ("email", order.customer_email),
        ("phone", order.customer_phone),
        ("login", order.customer_login),
        ("pickup", order.pickup_point_id),
    ]
    for tax_id in order.customer_tax_ids or []:
        if isinstance(tax_id, dict):
            yield ("tax_id", str(tax_id.get("value") or ""))
    yield from _address_values(order.billing_address)
    yield from _address_values(order.delivery_address)
    for line in order.lines.all():
        yield from [("sku", line.code), ("ean", line.product.ean), ("product", line.name)]
    for shipment in order.shipments.all():
        yield ("waybill", shipment.waybill)
    for invoice in order.invoices.all():
        yield from [("invoice", invoice.number), ("ksef", invoice.ksef_number)]
    for note in order.notes.all():
        yield ("note", note.text)


def search_rows(orders: QuerySet, term_model: Any) -> list[Any]:
    """Unsaved term rows (source "sales") for `orders`, read in a fixed number of queries."""
    orders = orders.select_related("billing_address", "delivery_address").prefetch_related(
        "lines__product", "shipments", "invoices", "notes"
    )
    return [
        term_model(order_id=order.pk, source=SOURCE, kind=kind, term=term)
        for order in orders
        for kind, term in sorted(search_terms(_order_values(order)))
    ]


def search_rebuild(order_model: Any, term_model: Any, order_ids: Collection[int]) -> None:
    """Replace the "sales" terms of these orders, CHUNK orders at a time."""
    ids = sorted(order_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        term_model.objects.filter(order_id__in=chunk, source=SOURCE).delete()
        rows = search_rows(order_model.objects.filter(pk__in=chunk), term_model)
        term_model.objects.bulk_create(rows, batch_size=5000)


@transaction.atomic
def sales_order_search_refresh(*, order_ids: Collection[int]) -> None:
    """Bring the orders' own terms up to date with what they hold now. Called by every sales
    service that changes something searchable, in its transaction; running it twice changes
    nothing."""
    search_rebuild(SalesOrder, SalesOrderSearchTerm, order_ids)


@transaction.atomic
def sales_order_search_terms_set(*, order_id: int, source: str, terms: Terms) -> None:
    """Replace what `source` (a channel, the ERP) says the order is found by with `terms`,
    (kind, raw value) pairs normalized here; empty values are left out."""
    if source == SOURCE:
        raise ValueError("the order's own terms are sales_order_search_refresh's")
    SalesOrderSearchTerm.objects.filter(order_id=order_id, source=source).delete()
    SalesOrderSearchTerm.objects.bulk_create(
        SalesOrderSearchTerm(order_id=order_id, source=source, kind=kind, term=term)
        for kind, term in sorted(search_terms(terms))
    )
