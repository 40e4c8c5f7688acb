"""The search of Sprzedaż ▸ Zamówienia (and of Allegro ▸ Zamówienia, for each kind of term)
finds an order by anything an operator holds: our number, Allegro's form id, the ERP's
document, invoice, KSeF and tracking numbers, the buyer's name, login, e-mail, phone, company,
tax ids, city, SKU, EAN, offer id and name, a note; with no more queries than the list."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allegro.orders.selectors import allegro_order_list
from erp.models import ErpOrderLink, ErpSyncRun
from erp.sync import sync_run_perform, sync_run_start
from sales.models import SalesOrderSearchTerm, SalesOrderStatus
from sales.selectors import sales_order_list
from sales.services import sales_order_shipment_add, sales_order_status_change
from tests.support.factories import make_sales_order
from tests.support.search import BOTH_LISTS, NO_HIT, make_searchable_orders

pytestmark = pytest.mark.django_db
ORDER_LIST = reverse("sales:order_list")


def found(query: str, **filters) -> list[int]:
    return [order.pk for order in sales_order_list(filters={"q": query, **filters})]


@pytest.fixture
def orders():
    return make_searchable_orders()


def found_in_allegro(query: str) -> list[int]:
    return [order.pk for order in allegro_order_list(filters={"q": query})]


@pytest.mark.parametrize(("what", "query", "which"), BOTH_LISTS, ids=[r[0] for r in BOTH_LISTS])
def test_both_lists_find_the_order_by_each_kind_of_term_and_no_other(orders, what, query, which):
    query = query.format(**vars(orders))
    sales, allegro = vars(orders)[f"{which}_sales"], vars(orders)[which]

    assert found(query) == [sales.pk]
    assert found_in_allegro(query) == [allegro.pk]


def test_the_search_finds_an_internal_note_of_the_order(orders):
    assert found("zadní VCHOD") == [orders.czech_sales.pk]


@pytest.mark.parametrize("query", NO_HIT)
def test_a_text_no_order_holds_finds_nothing(orders, query):
    assert found(query) == found_in_allegro(query) == []


def test_a_short_text_is_the_start_of_a_term(orders):
    """Under 3 letters there are no trigrams: the text must start a term (a prefix index)."""
    assert found("Pr") == [orders.czech_sales.pk]  # Praha
    assert found("ah") == []  # inside "Praha" only


def test_a_tracking_number_added_later_is_found(orders):
    assert found("Z1234567890") == []

    sales_order_shipment_add(
        order_id=orders.polish_sales.pk, carrier_code="PACKETA", waybill="Z 123 4567 890", user=None
    )

    assert found("Z1234567890") == [orders.polish_sales.pk]


def test_the_erp_invoice_and_document_of_a_sync_are_found(sim):
    order = make_sales_order()
    run, _created = sync_run_start(trigger=ErpSyncRun.Trigger.MANUAL, user=None)
    sync_run_perform(run_id=run.pk)
    sim("orders/fulfil", {"number": order.number})
    run, _created = sync_run_start(trigger=ErpSyncRun.Trigger.MANUAL, user=None)
    sync_run_perform(run_id=run.pk)

    link = ErpOrderLink.objects.get(order=order)
    assert link.document_number and link.invoice_number
    make_sales_order()  # another order, not found
    assert found(link.document_number) == [order.pk]
    assert found(link.invoice_number) == [order.pk]


def test_the_search_keeps_the_lists_other_filters(orders):
    sales_order_status_change(
        order_id=orders.czech_sales.pk, status=SalesOrderStatus.IN_PROGRESS, user=None
    )

    assert found("Praha", status=SalesOrderStatus.IN_PROGRESS) == [orders.czech_sales.pk]
    assert found("Praha", status=SalesOrderStatus.NEW) == []
    assert found("Praha", currency="PLN") == []


def test_the_page_searches_with_as_many_queries_as_without(operator_client, orders):
    operator_client.get(ORDER_LIST)  # warm up: session, permissions
    with CaptureQueriesContext(connection) as unfiltered:
        operator_client.get(ORDER_LIST)
    with CaptureQueriesContext(connection) as searched:
        response = operator_client.get(ORDER_LIST, {"q": "+420 603 123 456", "status": "NEW"})

    assert [o.pk for o in response.context["page"]] == [orders.czech_sales.pk]
    assert len(searched) == len(unfiltered)


def test_the_data_migration_fills_the_terms_of_existing_orders(orders):
    before = set(SalesOrderSearchTerm.objects.values_list("order_id", "source", "kind", "term"))
    SalesOrderSearchTerm.objects.filter(source="sales").delete()
    migration = importlib.import_module("sales.migrations.0011_search_terms")

    migration.backfill(apps, connection.schema_editor())

    after = set(SalesOrderSearchTerm.objects.values_list("order_id", "source", "kind", "term"))
    assert after == before
    assert found("Dvořáková") == [orders.czech_sales.pk]
