"""Allegro ▸ Zamówienia's search finds an order by its checkout form, its notes and what the
shop did with it since (tracking and invoice numbers); each kind of term is tried on both
lists in tests/sales/test_search.py."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allegro.orders.models import AllegroOrderSearchTerm
from allegro.orders.selectors import allegro_order_list
from allegro.orders.services import allegro_order_note_add, orders_store
from sales.models import SalesOrderSearchTerm
from sales.services import sales_order_shipment_add
from tests.support.factories import CZ_FORM, load_fixture, make_allegro_order
from tests.support.search import make_searchable_orders

pytestmark = pytest.mark.django_db
ORDER_LIST = reverse("allegro:orders:order_list")


def found(query: str, **filters) -> list[int]:
    return [order.pk for order in allegro_order_list(filters={"q": query, **filters})]


@pytest.fixture
def orders():
    return make_searchable_orders()


def test_the_search_finds_the_notes_on_the_allegro_order_and_on_its_sales_order(orders):
    assert found("bublinkové") == [orders.czech.pk]
    assert found("zadni vchod") == [orders.czech.pk]


def test_an_order_not_converted_is_found_by_its_buyer(orders):
    unconverted = make_allegro_order(CZ_FORM)

    assert set(found("Dvořáková")) == {unconverted.pk, orders.czech.pk}
    assert found("VAC-252-CZ", not_converted=True) == [unconverted.pk]


def test_a_tracking_number_added_later_is_found(orders):
    assert found("Z1234567890") == []

    sales_order_shipment_add(
        order_id=orders.polish_sales.pk, carrier_code="PACKETA", waybill="Z1234567890", user=None
    )

    assert found("Z1234567890") == [orders.polish.pk]


def test_the_importer_keeps_the_terms_of_a_changed_form():
    order = make_allegro_order(CZ_FORM)
    allegro_order_note_add(order_id=order.pk, text="Volat předem", user=None)
    raw = load_fixture(CZ_FORM)
    raw["id"] = order.checkout_form_id
    raw["revision"] = "r-new"
    raw["buyer"]["login"] = "petra_nova"

    orders_store(account=order.account, raws=[raw])

    assert found("petra_nova") == [order.pk]
    logins = AllegroOrderSearchTerm.objects.filter(order=order, kind="login")
    assert list(logins.values_list("term", flat=True)) == ["petranova"]
    assert found("volat předem") == [order.pk]


def test_the_page_searches_with_as_many_queries_as_without(operator_client, orders):
    operator_client.get(ORDER_LIST)
    with CaptureQueriesContext(connection) as unfiltered:
        operator_client.get(ORDER_LIST)
    with CaptureQueriesContext(connection) as searched:
        response = operator_client.get(
            ORDER_LIST, {"q": "FV/2026/12/0007", "marketplace": "allegro-cz"}
        )

    assert [o.pk for o in response.context["page"]] == [orders.czech.pk]
    assert len(searched) == len(unfiltered)


def test_the_data_migration_fills_the_terms_of_existing_orders(orders):
    before = set(AllegroOrderSearchTerm.objects.values_list("order_id", "kind", "term"))
    offers = set(
        SalesOrderSearchTerm.objects.filter(source="allegro").values_list("order_id", "term")
    )
    AllegroOrderSearchTerm.objects.all().delete()
    SalesOrderSearchTerm.objects.filter(source="allegro").delete()
    migration = importlib.import_module("allegro.migrations.0019_search_terms")

    migration.backfill(apps, connection.schema_editor())

    assert set(AllegroOrderSearchTerm.objects.values_list("order_id", "kind", "term")) == before
    after = SalesOrderSearchTerm.objects.filter(source="allegro").values_list("order_id", "term")
    assert (
        set(after)
        == offers
        == {
            (orders.czech_sales.pk, "17098765432"),
            *((orders.polish_sales.pk, offer) for offer in ("17012345678", "17012399901")),
        }
    )
