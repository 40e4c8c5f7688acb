"""Two converted Allegro orders with everything an operator may search them by, for the
search tests of both lists (tests/sales/test_search.py, tests/allegro/orders/test_search.py)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from djmoney.money import Money

from allegro.conversion.services import allegro_order_convert
from allegro.orders.models import AllegroOrder
from allegro.orders.services import allegro_order_note_add
from erp.models import ErpOrderLink
from erp.services import erp_search_terms_set
from sales.models import SalesOrder
from sales.services import (
    InvoiceData,
    sales_order_invoice_record,
    sales_order_note_add,
    sales_order_shipment_add,
)
from shop.models import Currency, Product, ShopSettings, ShopVariant
from tests.support.factories import CZ_FORM, PL_FORM, load_fixture, make_allegro_order

# The Polish buyer asked for a company invoice: the PL fixture with a NIP written with dashes.
NIP = "781-176-76-96"
WAYBILL = "00340434161094042557"
INVOICE = "FV/2026/12/0007"
KSEF = "5265877635-20261203-0100A1B2C3D4-E5"
ERP_DOCUMENT = "ZAM/2026/0042"
ERP_INVOICE = "FV/2026/12/0007"


@dataclass
class Searchable:
    czech: AllegroOrder  # converted; with a tracking number, an ERP invoice and notes
    czech_sales: SalesOrder
    polish: AllegroOrder  # converted; nothing added
    polish_sales: SalesOrder


def _polish_form_with_nip() -> dict:
    raw = load_fixture(PL_FORM)
    raw["invoice"] = {
        "required": True,
        "features": [],
        "address": {
            "street": "Półwiejska 2",
            "city": "Poznań",
            "zipCode": "61-888",
            "countryCode": "PL",
            "company": {
                "name": "Kowalski AGD sp. z o.o.",
                "ids": [{"type": "PL_NIP", "value": NIP}],
                "vatPayerStatus": "ACTIVE",
            },
        },
    }
    return raw


def make_searchable_orders() -> Searchable:
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code="CZK").update(is_available=True)
    for sku, ean in (("KET-1700-INOX", "5901234123457"), ("FLT-02", ""), ("VAC-252-CZ", "")):
        Product.objects.create(
            sku=sku, name=sku, ean=ean, vat_rate=Decimal("23.00"), price=Money(10, "PLN")
        )
    czech = make_allegro_order(CZ_FORM)
    polish = make_allegro_order(_polish_form_with_nip())
    czech_sales = allegro_order_convert(allegro_order_id=czech.pk, user=None).sales_order
    polish_sales = allegro_order_convert(allegro_order_id=polish.pk, user=None).sales_order
    sales_order_shipment_add(
        order_id=czech_sales.pk, carrier_code="PACKETA", waybill=WAYBILL, user=None
    )
    sales_order_invoice_record(
        order_id=czech_sales.pk,
        data=InvoiceData(
            number=INVOICE, issue_date=date(2026, 12, 3), ksef_status="accepted", ksef_number=KSEF
        ),
    )
    link = ErpOrderLink.objects.create(
        order=czech_sales, document_number=ERP_DOCUMENT, invoice_number=ERP_INVOICE
    )
    erp_search_terms_set(link)
    sales_order_note_add(order_id=czech_sales.pk, text="Zadní vchod, zvonit 2×", user=None)
    allegro_order_note_add(order_id=czech.pk, text="Balit do bublinkové fólie", user=None)
    czech.refresh_from_db()
    polish.refresh_from_db()
    return Searchable(czech, czech_sales, polish, polish_sales)


# (what is searched, the text typed) -> which order it finds: "czech" or "polish".
BOTH_LISTS = [
    ("our order number", "{czech_sales.number}", "czech"),
    ("Allegro checkout form id", "{czech.checkout_form_id}", "czech"),
    ("Allegro checkout form id, its start", "{czech.checkout_form_id:.8}", "czech"),
    ("ERP document number", ERP_DOCUMENT, "czech"),
    ("ERP / invoice number", INVOICE, "czech"),
    ("invoice number without slashes", "FV 2026 12 0007", "czech"),
    ("KSeF number", KSEF, "czech"),
    ("tracking number", WAYBILL, "czech"),
    ("tracking number, its end", WAYBILL[-8:], "czech"),
    ("buyer's name", "Dvořáková", "czech"),
    ("buyer's name without accents", "petra dvorakova", "czech"),
    ("login fragment", "KOWAL_JAN", "polish"),
    ("e-mail", "t4p8r1zx6c", "czech"),
    ("phone as typed", "+48 601 234 567", "polish"),
    ("phone without the country code", "601-234-567", "polish"),
    ("phone with 00 and the code", "0048601234567", "polish"),
    ("Czech phone", "+420 603 123 456", "czech"),
    ("company", "dvořák trading", "czech"),
    ("Polish company", "Kowalski AGD", "polish"),
    ("NIP with dashes", NIP, "polish"),
    ("NIP as VAT EU", "PL7811767696", "polish"),
    ("IČO", "27654321", "czech"),
    ("DIČ", "CZ 27654321", "czech"),
    ("city", "Praha", "czech"),
    ("city without accents", "poznan", "polish"),
    ("SKU", "VAC-252-CZ", "czech"),
    ("SKU in lower case", "ket-1700", "polish"),
    ("EAN", "5901234123457", "polish"),
    ("offer id", "17098765432", "czech"),
    ("offer name", "odkurzacz bezprzewodowy", "czech"),
]
NO_HIT = ["ZS/1999/999999", "nikt-taki", "+48 500 000 000", "?!"]
