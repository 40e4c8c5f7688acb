"""Sprzedaż ▸ Zamówienia's documents: the invoice and tracking numbers an operator holds, and
columns other apps add through sales.links (the ERP's document number), read in one query."""

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sales import links
from sales.links import ListColumn, list_column_register
from sales.models import SalesOrder, SalesOrderNote
from sales.selectors import sales_order_list_details
from sales.services import (
    InvoiceData,
    sales_order_attention_flag,
    sales_order_invoice_record,
    sales_order_note_add,
    sales_order_shipment_add,
)
from tests.support.factories import make_sales_order
from tests.support.html import text

pytestmark = pytest.mark.django_db
ORDER_LIST = reverse("sales:order_list")


def row_of(page: str, number: str) -> str:
    start = page.rindex("<tr", 0, page.index(number))
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def shipped(settings, tmp_path) -> SalesOrder:
    """An order with an invoice and two parcels, flagged for attention."""
    settings.MEDIA_ROOT = tmp_path
    order = make_sales_order(invoice_requested=True)
    for waybill in ("620111111111111111111111", "620222222222222222222222"):
        sales_order_shipment_add(
            order_id=order.pk, carrier_code="INPOST", waybill=waybill, user=None
        )
    sales_order_invoice_record(order_id=order.pk, data=InvoiceData(number="FV/7/2026"), pdf=None)
    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował")
    return order


def test_the_list_shows_invoice_and_tracking_numbers_and_flags_in_words(operator_client, shipped):
    make_sales_order()

    row = row_of(text(operator_client.get(ORDER_LIST)), shipped.number)

    assert "FV/7/2026" in row
    assert "620222222222222222222222" in row and "+1 inny" in row  # the latest, and one more
    assert "Kupujący anulował" in row  # the reason shows, not only on hover
    assert '<span class="flag invoice">Faktura</span>' in row


@pytest.fixture
def note_column():
    """A column another app could add: here the order's first note."""
    notes = SalesOrderNote.objects.filter(order=OuterRef("pk")).order_by("id")
    list_column_register(
        ListColumn(name="note", label="Notatka", value=lambda: Subquery(notes.values("text")[:1]))
    )
    yield
    del links._list_columns["note"]


def test_a_registered_column_shows_on_the_list(operator_client, note_column):
    order = make_sales_order()
    sales_order_note_add(order_id=order.pk, text="Zadzwonić przed wysyłką", user=None)

    page = text(operator_client.get(ORDER_LIST))

    assert "<th>Notatka</th>" in page
    assert "Zadzwonić przed wysyłką" in row_of(page, order.number)


def test_the_documents_of_a_page_are_one_query_whatever_the_columns(shipped, note_column):
    orders = [shipped, make_sales_order()]

    with CaptureQueriesContext(connection) as queries:
        sales_order_list_details(orders=orders, columns=links.list_columns())

    assert len(queries) == 1
    assert shipped.invoice_number == "FV/7/2026" and shipped.more_waybills == 1
    assert orders[1].invoice_number == "" and orders[1].waybill == ""
