from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from allegro.conversion.models import OfferProductLink
from sales.models import SalesOrder
from shop.models import Product
from tests.support.factories import (
    load_fixture,
    make_account,
    make_allegro_order,
    make_user,
)
from tests.support.html import messages_of, text

pytestmark = pytest.mark.django_db
ORDER_LIST = reverse("allegro:orders:order_list")


@pytest.fixture
def pl_products():
    """Products whose SKUs match both offers of the Polish fixture."""
    return [
        Product.objects.create(
            sku=sku, name=sku, vat_rate=Decimal("23"), price=Money("10.00", "PLN")
        )
        for sku in ("KET-1700-INOX", "FLT-02")
    ]


def detail_url(order) -> str:
    return reverse("allegro:orders:order_detail", args=[order.pk])


def convert_url(order) -> str:
    return reverse("allegro:conversion:order_convert", args=[order.pk])


def test_operator_creates_the_sales_order_from_the_detail_page(operator_client, pl_products):
    order = make_allegro_order()
    assert "Utwórz zamówienie" in text(operator_client.get(detail_url(order)))

    response = operator_client.post(convert_url(order))

    sales = SalesOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:order_detail", args=[sales.pk])
    assert messages_of(response) == [f"Utworzono zamówienie {sales.number}."]
    assert sales.created_by.username == "operator"
    page = text(operator_client.get(detail_url(order)))
    assert reverse("sales:order_detail", args=[sales.pk]) in page
    assert sales.number in page
    assert convert_url(order) not in page


def test_a_double_post_makes_one_sales_order(operator_client, pl_products):
    order = make_allegro_order()

    first = operator_client.post(convert_url(order))
    second = operator_client.post(convert_url(order))

    sales = SalesOrder.objects.get()
    assert first["Location"] == second["Location"]
    assert messages_of(second)[-1] == f"To zamówienie Allegro ma już zamówienie {sales.number}."


def test_a_refusal_shows_its_reason_on_the_allegro_order(operator_client, pl_products):
    payload = load_fixture("checkout-form-allegro-pl.json")
    payload["status"] = "FILLED_IN"
    order = make_allegro_order(payload)
    assert convert_url(order) not in text(operator_client.get(detail_url(order)))

    response = operator_client.post(convert_url(order))

    assert response["Location"] == detail_url(order)
    assert "Poczekaj, aż kupujący zapłaci" in messages_of(response)[0]
    assert not SalesOrder.objects.exists()


def test_unmatched_offers_get_a_product_picker_and_the_pick_is_remembered(operator_client):
    filters, kettle = (
        Product.objects.create(sku=sku, name=name, vat_rate=Decimal("23"), price=Money(1, "PLN"))
        for sku, name in (("FLT-02", "Filtr"), ("KET-17", "Czajnik stalowy"))
    )
    order = make_allegro_order()
    response = operator_client.post(convert_url(order))
    assert "17012345678" in messages_of(response)[0]

    page = text(operator_client.get(detail_url(order)))
    assert 'name="product_17012345678"' in page
    assert "KET-17 – Czajnik stalowy" in page
    assert 'name="remember_17012345678" id="id_remember_17012345678" checked' in page
    assert 'name="product_17012399901"' not in page  # the filters match by SKU

    response = operator_client.post(
        convert_url(order), {"product_17012345678": kettle.pk, "remember_17012345678": "on"}
    )

    sales = SalesOrder.objects.get()
    assert response["Location"] == reverse("sales:order_detail", args=[sales.pk])
    assert [line.product for line in sales.lines.all()] == [kettle, filters]
    assert OfferProductLink.objects.get().product == kettle


def test_a_pick_left_unremembered_is_not_kept(operator_client, pl_products):
    pl_products[0].delete()
    kettle = Product.objects.create(
        sku="KET-17", name="Czajnik", vat_rate=23, price=Money(1, "PLN")
    )

    operator_client.post(convert_url(make_allegro_order()), {"product_17012345678": kettle.pk})

    assert SalesOrder.objects.exists()
    assert not OfferProductLink.objects.exists()


def test_converting_needs_the_permission_and_a_post(client, operator_client, pl_products):
    order = make_allegro_order()
    client.force_login(make_user())

    assert client.post(convert_url(order)).status_code == 403
    assert operator_client.get(convert_url(order)).status_code == 405
    assert not SalesOrder.objects.exists()


def test_why_the_automatic_conversion_failed_is_shown_and_filtered(operator_client):
    failed = make_allegro_order(conversion_problem="Do ofert 17012345678 nie pasuje żaden produkt")
    make_allegro_order(buyer_login="inny_kupujacy")

    listed = text(operator_client.get(ORDER_LIST, {"conversion_failed": "on"}))
    detail = text(operator_client.get(detail_url(failed)))

    assert "Nie udało się automatycznie" in listed
    assert "Do ofert 17012345678 nie pasuje żaden produkt" in listed
    assert "inny_kupujacy" not in listed
    assert "Do ofert 17012345678 nie pasuje żaden produkt" in detail


def test_the_list_links_converted_orders_and_filters_the_rest(operator_client, pl_products):
    converted = make_allegro_order()
    operator_client.post(convert_url(converted))
    make_allegro_order(buyer_login="czeka_na_zamowienie")
    sales = SalesOrder.objects.get()

    everything = text(operator_client.get(ORDER_LIST))
    waiting = text(operator_client.get(ORDER_LIST, {"not_converted": "on"}))

    assert reverse("sales:order_detail", args=[sales.pk]) in everything
    assert sales.number in everything
    assert sales.number not in waiting
    assert "czeka_na_zamowienie" in waiting


def test_bulk_conversion_reports_created_already_converted_and_refused(
    operator_client, pl_products
):
    new = make_allegro_order()
    done = make_allegro_order()
    operator_client.post(convert_url(done))
    unpaid_payload = load_fixture("checkout-form-allegro-pl.json")
    unpaid_payload["status"] = "FILLED_IN"
    unpaid = make_allegro_order(unpaid_payload, buyer_login="nie_zaplacil")
    back = f"{ORDER_LIST}?marketplace=allegro-pl"

    response = operator_client.post(
        reverse("allegro:conversion:order_bulk_convert"),
        {"orders": [new.pk, done.pk, unpaid.pk], "next": back},
    )

    assert response["Location"] == back
    created, existing, refused = messages_of(response)[-3:]
    assert created == "Utworzone zamówienia: 1."
    assert existing == "Zamówienia utworzone już wcześniej: 1."
    assert refused.startswith("Nie utworzono zamówień: 1. Powody: nie_zaplacil (")
    assert "Poczekaj, aż kupujący zapłaci" in refused
    assert SalesOrder.objects.count() == 2
    new.refresh_from_db()
    assert new.sales_order_id is not None


def test_bulk_conversion_never_redirects_off_site(operator_client, pl_products):
    order = make_allegro_order()

    response = operator_client.post(
        reverse("allegro:conversion:order_bulk_convert"),
        {"orders": [order.pk], "next": "https://example.com/"},
    )

    assert response["Location"] == ORDER_LIST


def test_the_list_offers_bulk_conversion_of_paid_orders_only(operator_client):
    paid = make_allegro_order()
    unpaid_payload = load_fixture("checkout-form-allegro-pl.json")
    unpaid_payload["status"] = "FILLED_IN"
    unpaid = make_allegro_order(unpaid_payload)

    page = text(operator_client.get(ORDER_LIST))

    assert "Utwórz zamówienia" in page
    assert f'name="orders" value="{paid.pk}"' in page
    assert f'name="orders" value="{unpaid.pk}"' not in page


SETTINGS = reverse("allegro:accounts:settings")


def auto_url(account) -> str:
    return reverse("allegro:conversion:settings_auto_conversion", args=[account.pk])


def test_operator_cannot_switch_automatic_orders(operator_client):
    account = make_account()

    assert operator_client.post(auto_url(account), {"enabled": "on"}).status_code == 403
    account.refresh_from_db()
    assert account.auto_create_orders is False


def test_administrator_switches_automatic_orders_on_and_off(
    administrator_client, django_capture_on_commit_callbacks
):
    account = make_account()
    assert "Twórz automatycznie zamówienia do ofert" in text(administrator_client.get(SETTINGS))

    with django_capture_on_commit_callbacks() as queued:
        response = administrator_client.post(auto_url(account), {"enabled": "on"})

    account.refresh_from_db()
    assert response["Location"] == SETTINGS
    assert account.auto_create_orders is True
    assert len(queued) == 1  # the orders already waiting are converted at once
    assert 'name="enabled" checked' in text(administrator_client.get(SETTINGS))

    administrator_client.post(auto_url(account), {})

    account.refresh_from_db()
    assert account.auto_create_orders is False


# --- orders Allegro already shows as fulfilled ------------------------------------------------


def test_converting_an_order_allegro_shows_as_sent_asks_first(operator_client, pl_products):
    order = make_allegro_order(fulfillment_status="SENT")
    page = text(operator_client.get(detail_url(order)))
    assert 'name="fulfilled_outside_confirmed"' in page

    response = operator_client.post(convert_url(order))

    assert not SalesOrder.objects.exists()
    assert response["Location"] == detail_url(order)
    assert messages_of(response)[0].startswith("Allegro pokazuje już to zamówienie jako „Wysłane”")

    response = operator_client.post(convert_url(order), {"fulfilled_outside_confirmed": "on"})

    sales = SalesOrder.objects.get()
    assert response["Location"] == reverse("sales:order_detail", args=[sales.pk])
    assert (sales.status, sales.fulfilled_outside) == ("SENT", True)
    sales_page = text(operator_client.get(reverse("sales:order_detail", args=[sales.pk])))
    assert "Zrealizowane poza sklepem: ERP wystawia tylko fakturę" in sales_page


def test_an_order_not_yet_sent_needs_no_confirmation(operator_client, pl_products):
    order = make_allegro_order(fulfillment_status="NEW")

    assert 'name="fulfilled_outside_confirmed"' not in text(operator_client.get(detail_url(order)))


def test_bulk_conversion_lists_orders_allegro_shows_as_fulfilled_apart(
    operator_client, pl_products
):
    new = make_allegro_order()
    sent = make_allegro_order(fulfillment_status="SENT", buyer_login="wyslany_kupujacy")
    assert "zrealizowane w Allegro" in text(operator_client.get(ORDER_LIST))

    response = operator_client.post(
        reverse("allegro:conversion:order_bulk_convert"), {"orders": [new.pk, sent.pk]}
    )

    new.refresh_from_db()
    sent.refresh_from_db()
    assert new.sales_order is not None
    assert sent.sales_order is None and sent.conversion_problem == ""
    apart = [message for message in messages_of(response) if "wyslany_kupujacy" in message]
    assert len(apart) == 1
    assert detail_url(sent) in apart[0]


def test_settings_say_how_many_orders_the_automatic_conversion_takes(administrator_client):
    account = make_account()
    old = make_allegro_order(account=account, bought_at=timezone.now() - timedelta(days=5))
    make_allegro_order(account=account, bought_at=timezone.now() - timedelta(days=1))
    make_allegro_order(
        account=account, bought_at=timezone.now() - timedelta(days=1), fulfillment_status="SENT"
    )
    assert 'data-auto-convert-waiting="0"' in text(administrator_client.get(SETTINGS))

    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    response = administrator_client.post(auto_url(account), {"enabled": "on", "since": since})

    account.refresh_from_db()
    assert account.auto_create_orders is True
    assert timezone.localdate(account.auto_convert_from).isoformat() == since
    assert " 1 " in messages_of(response)[0]
    assert 'data-auto-convert-waiting="1"' in text(administrator_client.get(SETTINGS))
    assert old.bought_at < account.auto_convert_from


def test_switching_on_without_a_date_takes_orders_bought_from_now_on(administrator_client):
    account = make_account()
    make_allegro_order(account=account, bought_at=timezone.now() - timedelta(minutes=5))

    response = administrator_client.post(auto_url(account), {"enabled": "on"})

    account.refresh_from_db()
    assert account.auto_convert_from > timezone.now() - timedelta(minutes=1)
    assert " 0 " in messages_of(response)[0]
    assert 'data-auto-convert-waiting="0"' in text(administrator_client.get(SETTINGS))
