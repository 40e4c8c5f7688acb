"""What an Allegro order is found by: its terms in AllegroOrderSearchTerm (see shop.search).

Kept from the checkout form each time the importer stores it (form id, the buyer's login,
name, e-mail, phone and company, the delivery and invoice addresses' names, companies,
cities and phones, tax ids, the pickup point, each line's offer id, offer name, SKU and the
EAN of the shop's product of that SKU) and from the order's internal notes. A converted
order is also found by its sales order's terms (allegro.orders.selectors), which is where
tracking numbers, invoices and the ERP's numbers are; and the sales order learns from here
the offer ids it cannot know (`sales_order_offer_terms_set`).
"""

import logging
from collections.abc import Collection, Iterator, Sequence
from types import SimpleNamespace
from typing import Any

from allegro.api.payloads import Address, CheckoutForm, MalformedCheckoutForm, parse_checkout_form
from allegro.orders.models import AllegroOrder, AllegroOrderNote, AllegroOrderSearchTerm
from sales.search import sales_order_search_terms_set
from shop.models import Product
from shop.search import Terms, search_terms

logger = logging.getLogger(__name__)

CHANNEL_SOURCE = "allegro"
# Orders read at a time when many are indexed (the data migration).
CHUNK = 2000


def _address_values(address: Address | None) -> Terms:
    if address is None:
        return []
    return [
        ("name", f"{address.first_name} {address.last_name}"),
        ("company", address.company_name),
        ("city", address.city),
        ("phone", address.phone_number),
    ]


def _form_values(form: CheckoutForm, eans: dict[str, str]) -> Iterator[tuple[str, str]]:
    buyer, delivery, invoice = form.buyer, form.delivery, form.invoice
    yield from [
        ("email", buyer.email),
        ("name", buyer.name),
        ("company", buyer.company_name),
        ("phone", buyer.phone_number),
        ("company", invoice.company_name),
        ("name", invoice.natural_person),
    ]
    yield from _address_values(buyer.address)
    yield from _address_values(delivery.address)
    yield from _address_values(invoice.address)
    if delivery.pickup_point is not None:
        yield ("pickup", delivery.pickup_point.id)
    for tax_id in invoice.tax_ids:
        yield ("tax_id", tax_id.value)
    for line in form.lines:
        yield from [
            ("offer_id", line.offer_id),
            ("product", line.offer_name),
            ("sku", line.external_id),
            ("ean", eans.get(line.external_id, "")),
        ]


def _form(order: Any) -> CheckoutForm | None:
    form = order.__dict__.get("form")  # the importer's parsed view, if it is there
    if form is not None:
        return form
    try:
        return parse_checkout_form(order.payload)
    except MalformedCheckoutForm:
        # Stored before a rule of the contract was checked: found by its columns only.
        logger.warning("allegro.search.malformed", extra={"allegro_order_id": order.pk})
        return None


def search_rows(models: Any, orders: Sequence[Any]) -> list[Any]:
    """Unsaved term rows of `orders` (stored AllegroOrder rows with their payload), read in a
    fixed number of queries (a benchmark's loader writes them by COPY). `models` gives
    AllegroOrderSearchTerm, AllegroOrderNote and Product as `term`, `note` and `product`: the
    real ones, or the data migration's."""
    ids = [order.pk for order in orders]
    forms = {order.pk: _form(order) for order in orders}
    skus = {line.external_id for form in forms.values() if form for line in form.lines}
    skus.discard("")
    eans = dict(
        models.product.objects.filter(sku__in=skus).exclude(ean="").values_list("sku", "ean")
    )
    notes: dict[int, list[str]] = {}
    for order_id, text in models.note.objects.filter(order_id__in=ids).values_list(
        "order_id", "text"
    ):
        notes.setdefault(order_id, []).append(text)
    rows = []
    for order in orders:
        form = forms[order.pk]
        values: list[tuple[str, str]] = [
            ("reference", order.checkout_form_id),
            ("login", order.buyer_login),
            *(("note", text) for text in notes.get(order.pk, [])),
            *(_form_values(form, eans) if form else []),
        ]
        rows += [
            models.term(order_id=order.pk, kind=kind, term=term)
            for kind, term in sorted(search_terms(values))
        ]
    return rows


def search_store(models: Any, orders: Sequence[Any]) -> None:
    """Replace the terms of `orders` with search_rows's, in a fixed number of queries."""
    rows = search_rows(models, orders)
    ids = [order.pk for order in orders]
    models.term.objects.filter(order_id__in=ids).delete()
    models.term.objects.bulk_create(rows, batch_size=5000)


_REAL = SimpleNamespace(term=AllegroOrderSearchTerm, note=AllegroOrderNote, product=Product)


def allegro_order_search_store(*, orders: Sequence[AllegroOrder]) -> None:
    """Bring the terms of these stored orders up to date; in the caller's transaction."""
    if orders:
        search_store(_REAL, orders)


def allegro_order_search_refresh(*, order_ids: Collection[int]) -> None:
    ids = sorted(order_ids)
    for start in range(0, len(ids), CHUNK):
        allegro_order_search_store(
            orders=list(AllegroOrder.objects.filter(pk__in=ids[start : start + CHUNK]))
        )


def sales_order_offer_terms_set(*, sales_order_id: int, offer_ids: Collection[str]) -> None:
    """Tell the sales order the Allegro offers it was bought from, which its lines do not
    name: Sprzedaż ▸ Zamówienia then finds it by an offer id."""
    sales_order_search_terms_set(
        order_id=sales_order_id,
        source=CHANNEL_SOURCE,
        terms=[("offer_id", offer_id) for offer_id in offer_ids],
    )
