"""Allegro ▸ Zamówienia as an operator works with it: who bought (name, not only the login)
and what (the first product and how many more), flags with words, and counts per status."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allegro.orders.models import AllegroOrder
from allegro.orders.selectors import allegro_order_list_details, allegro_order_status_counts
from shop import listing
from tests.support.factories import CZ_FORM, load_fixture, make_allegro_order
from tests.support.html import text

pytestmark = pytest.mark.django_db
ORDER_LIST = reverse("allegro:orders:order_list")


def row_of(page: str, login: str) -> str:
    """The table row that names `login`."""
    start = page.rindex("<tr", 0, page.index(login))
    return page[start : page.index("</tr>", start)]


def test_the_list_shows_the_buyers_name_and_what_was_bought(operator_client):
    make_allegro_order()  # Jan Kowalski: a kettle and a filter
    make_allegro_order(CZ_FORM)  # Petra Dvořáková of Dvořák Trading s.r.o.: one vacuum cleaner

    page = text(operator_client.get(ORDER_LIST))

    polish = row_of(page, "kowal_jan85")
    assert "<strong>Jan Kowalski</strong>" in polish
    assert "Czajnik elektryczny 1,7 l stal" in polish and "+1 inny" in polish
    czech = row_of(page, "petra_dvorakova")
    assert "<strong>Petra Dvořáková</strong>" in czech and "Dvořák Trading s.r.o." in czech
    assert "Odkurzacz bezprzewodowy 2w1 25,2 V" in czech and "inn" not in czech


def test_several_pieces_of_the_first_product_say_how_many():
    form = load_fixture("checkout-form-allegro-pl.json")
    form["lineItems"] = form["lineItems"][1:]  # only the filter, two of them
    order = make_allegro_order(form)

    allegro_order_list_details(orders=[order])

    assert order.first_product == "Filtr antywapienny do czajnika"
    assert order.first_quantity == 2 and order.more_products == 0


def test_the_details_of_a_page_are_one_query_whatever_its_size():
    for _ in range(3):
        make_allegro_order()
    orders = list(AllegroOrder.objects.all())

    with CaptureQueriesContext(connection) as queries:
        allegro_order_list_details(orders=orders)

    assert len(queries) == 1
    assert {order.buyer_name for order in orders} == {"Jan Kowalski"}


def test_flags_say_what_they_mean_without_hovering(operator_client):
    make_allegro_order(message_to_seller="Proszę o dostawę po 16:00.", invoice_required=True)

    row = row_of(text(operator_client.get(ORDER_LIST)), "kowal_jan85")

    assert '<span class="flag invoice">Faktura</span>' in row
    assert "✉ Wiadomość</span>" in row


def test_counts_per_buyer_and_fulfillment_status_in_one_query():
    make_allegro_order()
    make_allegro_order(fulfillment_status="SENT")
    make_allegro_order(CZ_FORM, status="FILLED_IN")

    with CaptureQueriesContext(connection) as queries:
        counts = allegro_order_status_counts(filters={"status": "READY_FOR_PROCESSING"})

    # A sub-count per status of both rows and each row's "All", each stopping at the cap.
    assert len(queries) == 1 and queries[0]["sql"].count("LIMIT 10001") == 15
    buyer = {chip.status: (chip.count, chip.active) for chip in counts["status"]}
    assert buyer == {
        "": (3, False),
        "READY_FOR_PROCESSING": (2, True),
        "FILLED_IN": (1, False),
    }
    # The fulfillment chips count within the chosen buyer status.
    fulfillment = {chip.status: chip.count for chip in counts["fulfillment_status"]}
    assert fulfillment == {"": 2, "NEW": 1, "SENT": 1}


def test_above_the_cap_a_chip_says_more_than_the_cap(monkeypatch, operator_client):
    monkeypatch.setattr(listing, "COUNT_CAP", 1)
    make_allegro_order()
    make_allegro_order(fulfillment_status="SENT")
    make_allegro_order(CZ_FORM, status="FILLED_IN")

    counts = allegro_order_status_counts(filters={"marketplace": "allegro-pl"})

    # Counted up to the cap + 1; with the filter, the CZ order is not among them.
    assert {chip.status: chip.count for chip in counts["status"]} == {
        "": 2,
        "READY_FOR_PROCESSING": 2,
    }
    assert {chip.status: chip.count for chip in counts["fulfillment_status"]} == {
        "": 2,
        "NEW": 1,
        "SENT": 1,
    }
    page = text(operator_client.get(ORDER_LIST, {"marketplace": "allegro-pl"}))
    ready = page.split('data-status="READY_FOR_PROCESSING"')[1].split("</a>")[0]
    assert "ponad 1" in ready
    assert '<span class="count">1</span>' in page.split('data-status="SENT"')[1].split("</a>")[0]


def test_with_a_search_the_counts_are_of_what_it_finds_looked_up_once():
    make_allegro_order()
    make_allegro_order(CZ_FORM, status="FILLED_IN")
    make_allegro_order(CZ_FORM, fulfillment_status="SENT")

    with CaptureQueriesContext(connection) as queries:
        counts = allegro_order_status_counts(filters={"q": "petra_dvorakova"})

    # The search (a UNION of the order's terms and its sales order's) once for 15 counts.
    assert (
        len(queries) == 1 and queries[0]["sql"].count('FROM "allegro_allegroordersearchterm"') == 1
    )
    assert {chip.status: chip.count for chip in counts["status"]} == {
        "": 2,
        "READY_FOR_PROCESSING": 1,
        "FILLED_IN": 1,
    }
    assert {chip.status: chip.count for chip in counts["fulfillment_status"]} == {
        "": 2,
        "NEW": 1,
        "SENT": 1,
    }


def test_a_search_that_can_match_nothing_counts_nothing():
    make_allegro_order()

    counts = allegro_order_status_counts(filters={"q": "--"})

    assert [chip.count for chips in counts.values() for chip in chips] == [0, 0]


def test_the_chips_link_the_same_filter_with_one_status(operator_client):
    make_allegro_order(CZ_FORM)

    page = text(operator_client.get(ORDER_LIST, {"marketplace": "allegro-cz", "page": "1"}))

    assert 'href="?marketplace=allegro-cz&amp;status=READY_FOR_PROCESSING"' in page
    assert 'href="?marketplace=allegro-cz&amp;fulfillment_status=NEW"' in page
