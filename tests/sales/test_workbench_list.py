"""The list's counts per status (with the filter applied) and internal notes on sales and
Allegro orders: kept with who and when, shown on the order pages, found by the list's search,
and never sent to Allegro."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allegro.orders.models import AllegroOrderNote
from allegro.writeback.models import AllegroWrite
from sales.models import SalesOrderNote, SalesOrderStatus
from sales.selectors import sales_order_status_counts
from sales.services import SalesOrderRefused, sales_order_attention_flag, sales_order_note_add
from shop import listing
from tests.support.factories import make_allegro_order, make_sales_order, make_user
from tests.support.html import messages_of, text

pytestmark = pytest.mark.django_db
S = SalesOrderStatus
ORDER_LIST = reverse("sales:order_list")


def chip_counts(counts) -> dict[str, int]:
    return {chip.status: chip.count for chip in counts.chips}


@pytest.fixture
def book():
    """3 new (one needing attention), 2 sent in CZK, 1 cancelled."""
    for _ in range(2):
        make_sales_order(status=S.NEW)
    flagged = make_sales_order(status=S.NEW)
    sales_order_attention_flag(order_id=flagged.pk, reason="Kupujący anulował")
    for _ in range(2):
        make_sales_order(status=S.SENT, currency="CZK")
    make_sales_order(status=S.CANCELLED)


def test_counts_per_status_in_one_query_each_capped(book):
    with CaptureQueriesContext(connection) as queries:
        counts = sales_order_status_counts(filters={})

    # A sub-count per status, "All" and attention, each stopping at the list's cap.
    assert len(queries) == 1 and queries[0]["sql"].count("LIMIT 10001") == 10
    assert chip_counts(counts) == {
        "": 6,
        S.NEW: 3,
        S.IN_PROGRESS: 0,
        S.READY_FOR_SHIPMENT: 0,
        S.READY_FOR_PICKUP: 0,
        S.SENT: 2,
        S.PICKED_UP: 0,
        S.ON_HOLD: 0,
        S.CANCELLED: 1,
    }
    assert counts.attention == 1


def test_counts_follow_the_filter_but_not_its_status(book):
    counts = sales_order_status_counts(filters={"currency": "CZK", "status": S.SENT})

    assert chip_counts(counts)[""] == 2 and chip_counts(counts)[S.NEW] == 0
    active = [chip.status for chip in counts.chips if chip.active]
    assert active == [S.SENT] and counts.attention == 0


def test_with_needs_attention_on_the_chips_count_only_those(book):
    counts = sales_order_status_counts(filters={"needs_attention": True})

    assert chip_counts(counts)[S.NEW] == 1 and chip_counts(counts)[""] == 1
    assert counts.attention_active


def test_above_the_cap_a_count_says_more_than_the_cap_and_below_it_is_exact(monkeypatch, book):
    monkeypatch.setattr(listing, "COUNT_CAP", 2)

    counts = sales_order_status_counts(filters={})
    # 3 new and 6 in all are more than 2: counted to 3 (the cap + 1) and no further.
    none = dict.fromkeys(["", *S], 0)
    assert chip_counts(counts) == none | {"": 3, S.NEW: 3, S.SENT: 2, S.CANCELLED: 1}
    assert counts.attention == 1
    # With a filter, each count is the filter's: 2 CZK orders, all sent, exactly.
    czk = chip_counts(sales_order_status_counts(filters={"currency": "CZK"}))
    assert (czk[""], czk[S.SENT], czk[S.NEW]) == (2, 2, 0)
    new = sales_order_status_counts(filters={"status": S.NEW, "needs_attention": True})
    assert chip_counts(new)[S.NEW] == 1 and new.attention == 1


def test_with_a_search_the_counts_are_of_what_it_finds_looked_up_once(monkeypatch, book):
    monkeypatch.setattr(listing, "COUNT_CAP", 2)
    make_sales_order(status=S.NEW, customer_name="Zofia Szukana")
    make_sales_order(status=S.SENT, customer_name="Zofia Szukana")

    with CaptureQueriesContext(connection) as queries:
        counts = sales_order_status_counts(filters={"q": "szukana", "status": S.SENT})

    assert len(queries) == 1 and queries[0]["sql"].count('FROM "sales_salesordersearchterm"') == 1
    found = chip_counts(counts)
    assert (found[""], found[S.NEW], found[S.SENT], found[S.CANCELLED]) == (2, 1, 1, 0)
    assert counts.attention == 0


def test_a_search_that_can_match_nothing_counts_nothing(book):
    counts = sales_order_status_counts(filters={"q": "--"})

    assert set(chip_counts(counts).values()) == {0} and counts.attention == 0


def test_the_chips_say_more_than_the_cap_as_the_pager_does(monkeypatch, operator_client, book):
    monkeypatch.setattr(listing, "COUNT_CAP", 2)

    page = text(operator_client.get(ORDER_LIST))

    def chip(status: str) -> str:
        return page.split(f'data-status="{status}"')[1].split("</a>")[0]

    assert "ponad 2" in chip("") and "ponad 2" in chip("NEW")
    assert '<span class="count">2</span>' in chip("SENT")
    assert '<span class="count">1</span>' in chip("attention")


def test_the_chips_link_the_same_filter_with_one_status(operator_client, book):
    response = operator_client.get(ORDER_LIST, {"currency": "CZK", "page": "1"})

    page = response.content.decode()
    assert 'href="?currency=CZK&amp;status=SENT"' in page
    assert 'href="?currency=CZK&amp;needs_attention=on"' in page
    assert "Wysłane" in text(response)
    # Statuses with no order of the filter get no chip.
    assert 'data-status="CANCELLED"' not in page

    chosen = operator_client.get(ORDER_LIST, {"status": "NEW", "needs_attention": "on"})
    assert [order.needs_attention for order in chosen.context["page"]] == [True]
    assert 'href="?status=NEW"' in chosen.content.decode()  # the attention chip switches off


# --- notes ------------------------------------------------------------------------------------


def test_a_note_keeps_its_author_and_text_and_goes_nowhere(operator_client):
    order = make_sales_order(status=S.NEW)

    response = operator_client.post(
        reverse("sales:order_note_add", args=[order.pk]), {"text": "  Zadzwonić przed wysyłką  "}
    )

    note = SalesOrderNote.objects.get()
    assert (note.order, note.text, note.author.username) == (
        order,
        "Zadzwonić przed wysyłką",
        "operator",
    )
    assert response.url.endswith("#notes")
    assert not AllegroWrite.objects.exists()
    page = text(operator_client.get(reverse("sales:order_detail", args=[order.pk])))
    assert "Zadzwonić przed wysyłką" in page and "operator" in page


@pytest.mark.parametrize("note", ["", "   ", "x" * 2001])
def test_an_empty_or_too_long_note_is_an_error_and_nothing_is_kept(operator_client, note):
    order = make_sales_order()

    response = operator_client.post(
        reverse("sales:order_note_add", args=[order.pk]), {"text": note}
    )

    assert response.status_code == 302
    assert "Notatka nie została zapisana" in " ".join(messages_of(response))
    assert not SalesOrderNote.objects.exists()


def test_the_service_refuses_an_empty_note():
    with pytest.raises(SalesOrderRefused):
        sales_order_note_add(order_id=make_sales_order().pk, text=" \n ", user=None)


def test_notes_need_their_permission(client: Client):
    order = make_sales_order()
    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(viewer)

    response = client.post(reverse("sales:order_note_add", args=[order.pk]), {"text": "Hej"})
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert response.status_code == 403 and not SalesOrderNote.objects.exists()
    assert reverse("sales:order_note_add", args=[order.pk]) not in page
    assert client.get(reverse("sales:order_note_add", args=[order.pk])).status_code in (403, 405)


def test_a_note_on_a_missing_order_is_404(operator_client):
    assert (
        operator_client.post(
            reverse("sales:order_note_add", args=[999999]), {"text": "Hej"}
        ).status_code
        == 404
    )


def test_the_list_search_finds_an_order_by_its_note_once(operator_client):
    order, _other = make_sales_order(), make_sales_order()
    for text_ in ("Klient odbierze osobiście w Krakowie", "Odbierze osobiście, potwierdzone"):
        sales_order_note_add(order_id=order.pk, text=text_, user=None)

    response = operator_client.get(ORDER_LIST, {"q": "osobiście"})

    assert [o.number for o in response.context["page"]] == [order.number]


def test_allegro_orders_take_notes_too(operator_client):
    allegro_order = make_allegro_order()

    response = operator_client.post(
        reverse("allegro:orders:order_note_add", args=[allegro_order.pk]),
        {"text": "Kupujący prosi o fakturę na firmę"},
    )

    note = AllegroOrderNote.objects.get()
    assert (note.order, note.author.username) == (allegro_order, "operator")
    assert response.url.endswith("#notes")
    assert not AllegroWrite.objects.exists()  # nothing of it goes to Allegro
    page = text(
        operator_client.get(reverse("allegro:orders:order_detail", args=[allegro_order.pk]))
    )
    assert "Kupujący prosi o fakturę na firmę" in page


def test_allegro_notes_refuse_bad_input_and_need_their_permission(operator_client, client):
    allegro_order = make_allegro_order()
    url = reverse("allegro:orders:order_note_add", args=[allegro_order.pk])

    response = operator_client.post(url, {"text": ""})
    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="view_allegroorder"))
    client.force_login(viewer)

    assert "Notatka nie została zapisana" in " ".join(messages_of(response))
    assert client.post(url, {"text": "Hej"}).status_code == 403
    assert not AllegroOrderNote.objects.exists()
