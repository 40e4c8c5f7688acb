from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from djmoney.money import Money

from allegro.conversion.models import OfferProductLink
from sales.models import SalesOrder
from shop.models import Product
from shop.roles import ADMINISTRATOR, OPERATOR
from tests.factories import (
    CZ_FORM,
    load_fixture,
    make_account,
    make_allegro_order,
    make_import_problem,
    make_user,
)

pytestmark = pytest.mark.django_db
ORDER_LIST = reverse("allegro:orders:order_list")


@pytest.fixture
def operator_client(client):
    client.force_login(make_user(role=OPERATOR, username="operator"))
    return client


@pytest.fixture
def admin_client_(client):
    client.force_login(make_user(role=ADMINISTRATOR, username="szef"))
    return client


def text(response) -> str:
    """The page as a reader sees it: non-breaking spaces (money, numbers) as plain ones."""
    return response.content.decode().replace("\xa0", " ")


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(ORDER_LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_a_role_gets_403(client):
    client.force_login(make_user())

    assert client.get(ORDER_LIST).status_code == 403


def test_operator_sees_orders_but_not_admin_navigation(operator_client):
    make_allegro_order(buyer_login="kowal_jan85")

    response = operator_client.get(ORDER_LIST)

    page = text(response)
    assert response.status_code == 200
    assert "kowal_jan85" in page
    assert "Allegro ▸ Zamówienia" in page
    assert "Ustawienia sklepu" not in page
    assert "Allegro ▸ Ustawienia" not in page
    assert "operator" in page and "Operator" in page


def test_administrator_sees_settings_in_navigation(admin_client_):
    page = text(admin_client_.get(ORDER_LIST))

    assert "Ustawienia sklepu" in page
    assert "Allegro ▸ Ustawienia" in page


def test_czech_order_total_is_shown_in_crowns(operator_client):
    make_allegro_order(CZ_FORM)

    page = text(operator_client.get(ORDER_LIST))

    assert "1 378,00 CZK" in page
    assert "allegro.cz" in page


def test_filters_are_applied_from_the_query_string(operator_client):
    make_allegro_order(CZ_FORM)
    make_allegro_order(buyer_login="kowal_jan85")

    page = text(operator_client.get(ORDER_LIST, {"marketplace": "allegro-cz"}))

    assert "petra_dvorakova" in page
    assert "kowal_jan85" not in page


def test_invalid_filter_shows_an_error_instead_of_failing(operator_client):
    make_allegro_order()

    response = operator_client.get(ORDER_LIST, {"bought_from": "jutro"})

    assert response.status_code == 200
    assert "kowal_jan85" in text(response)
    assert 'class="notice error"' in text(response)


def test_pages_keep_the_filters(operator_client):
    for _ in range(51):
        make_allegro_order(CZ_FORM)

    page = text(operator_client.get(ORDER_LIST, {"marketplace": "allegro-cz"}))

    assert "?marketplace=allegro-cz&amp;page=2" in page
    second = operator_client.get(ORDER_LIST, {"marketplace": "allegro-cz", "page": 2})
    assert text(second).count("petra_dvorakova</a>") == 1


@pytest.mark.parametrize("count", [10, 60])
def test_list_makes_the_same_queries_whatever_the_size(
    operator_client, django_assert_max_num_queries, count
):
    for index in range(count):
        make_allegro_order(CZ_FORM if index % 2 else load_fixture("checkout-form-allegro-pl.json"))
    make_import_problem()

    # session, user, permissions (user's own + groups'), role in the header, problem count,
    # then the page: count and rows (account joined, lines never touched)
    with django_assert_max_num_queries(8):
        response = operator_client.get(ORDER_LIST, {"page": 2 if count > 50 else 1})

    assert response.status_code == 200


def test_unresolved_import_problems_are_linked_from_the_list(operator_client):
    make_import_problem()

    page = text(operator_client.get(ORDER_LIST))

    assert reverse("allegro:orders:problem_list") in page
    assert "1 problem importu" in page


def test_czech_order_detail_shows_pickup_point_and_company_ids(operator_client):
    order = make_allegro_order(CZ_FORM)

    response = operator_client.get(reverse("allegro:orders:order_detail", args=[order.pk]))

    page = text(response)
    assert response.status_code == 200
    assert "Z-BOX Praha 2, Korunní 74" in page
    assert "9290" in page
    assert "Výdejní box Zásilkovna, nonstop" in page
    assert "Korunní 1208/74" in page
    assert 'IČO</dt><dd class="mono">27654321' in page
    assert 'DIČ</dt><dd class="mono">CZ27654321' in page
    assert "VAT EU" in page
    assert "1 299,00 CZK" in page
    assert "79,00 CZK" in page
    assert "1 378,00 CZK" in page


def test_detail_warns_when_an_invoice_is_wanted_without_a_tax_id(operator_client):
    payload = load_fixture(CZ_FORM)
    del payload["invoice"]["address"]["company"]
    order = make_allegro_order(payload)

    page = text(operator_client.get(reverse("allegro:orders:order_detail", args=[order.pk])))

    assert "nie podał numeru podatkowego" in page


def test_raw_payload_is_hidden_from_operators(operator_client):
    order = make_allegro_order(CZ_FORM)

    page = text(operator_client.get(reverse("allegro:orders:order_detail", args=[order.pk])))

    assert "calculatedNumberOfPackages" not in page


def test_raw_payload_is_shown_to_administrators(admin_client_):
    order = make_allegro_order(CZ_FORM)

    page = text(admin_client_.get(reverse("allegro:orders:order_detail", args=[order.pk])))

    assert "calculatedNumberOfPackages" in page


def test_superseded_order_links_to_its_replacement(operator_client):
    live = make_allegro_order()
    old = make_allegro_order(
        superseded_by=live, superseded_at=datetime(2026, 9, 22, tzinfo=ZoneInfo("UTC"))
    )

    page = text(operator_client.get(reverse("allegro:orders:order_detail", args=[old.pk])))

    assert reverse("allegro:orders:order_detail", args=[live.pk]) in page
    assert live.checkout_form_id in page


def test_unreadable_stored_form_is_reported_not_a_server_error(operator_client):
    order = make_allegro_order()
    order.payload = {"id": order.checkout_form_id}
    order.save(update_fields=["payload"])

    response = operator_client.get(reverse("allegro:orders:order_detail", args=[order.pk]))

    assert response.status_code == 200
    assert "summary: is missing" in text(response)


def test_problem_list_shows_payload_only_with_permission(operator_client, client):
    make_import_problem(reason="lineItems[0].price: is missing", payload={"secret": "marker"})

    operator_page = text(operator_client.get(reverse("allegro:orders:problem_list")))
    assert "lineItems[0].price: is missing" in operator_page
    assert "marker" not in operator_page

    client.force_login(make_user(role=ADMINISTRATOR))
    assert "marker" in text(client.get(reverse("allegro:orders:problem_list")))


def test_polish_by_default_and_english_after_switching(operator_client):
    assert "Allegro ▸ Zamówienia" in text(operator_client.get(ORDER_LIST))

    response = operator_client.post(
        reverse("set_language"), {"language": "en", "next": ORDER_LIST}, follow=True
    )

    assert "Allegro ▸ Orders" in text(response)
    assert "Allegro ▸ Zamówienia" not in text(response)


def test_django_admin_shows_orders_read_only_and_never_tokens(admin_client):
    order = make_allegro_order(CZ_FORM)
    order.account.access_token_encrypted = "gAAAA-ciphertext-marker"
    order.account.save(update_fields=["access_token_encrypted"])

    account_page = admin_client.get(
        reverse("admin:allegro_allegroaccount_change", args=[order.account.pk])
    )
    order_page = admin_client.get(reverse("admin:allegro_allegroorder_change", args=[order.pk]))

    assert account_page.status_code == 200
    assert "ciphertext-marker" not in account_page.content.decode()
    assert order_page.status_code == 200
    assert 'name="buyer_login"' not in order_page.content.decode()
    assert admin_client.get(reverse("admin:allegro_allegroorder_add")).status_code == 403


# Allegro order → sales order, by hand and in bulk; the automatic switch in the settings.


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


def flashed(response) -> list[str]:
    return [str(message).replace("\xa0", " ") for message in get_messages(response.wsgi_request)]


def test_operator_creates_the_sales_order_from_the_detail_page(operator_client, pl_products):
    order = make_allegro_order()
    assert "Utwórz zamówienie" in text(operator_client.get(detail_url(order)))

    response = operator_client.post(convert_url(order))

    sales = SalesOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:order_detail", args=[sales.pk])
    assert flashed(response) == [f"Utworzono zamówienie {sales.number}."]
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
    assert flashed(second)[-1] == f"To zamówienie Allegro ma już zamówienie {sales.number}."


def test_a_refusal_shows_its_reason_on_the_allegro_order(operator_client, pl_products):
    payload = load_fixture("checkout-form-allegro-pl.json")
    payload["status"] = "FILLED_IN"
    order = make_allegro_order(payload)
    assert convert_url(order) not in text(operator_client.get(detail_url(order)))

    response = operator_client.post(convert_url(order))

    assert response["Location"] == detail_url(order)
    assert "Poczekaj, aż kupujący zapłaci" in flashed(response)[0]
    assert not SalesOrder.objects.exists()


def test_unmatched_offers_get_a_product_picker_and_the_pick_is_remembered(operator_client):
    filters, kettle = (
        Product.objects.create(sku=sku, name=name, vat_rate=Decimal("23"), price=Money(1, "PLN"))
        for sku, name in (("FLT-02", "Filtr"), ("KET-17", "Czajnik stalowy"))
    )
    order = make_allegro_order()
    response = operator_client.post(convert_url(order))
    assert "17012345678" in flashed(response)[0]

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
    created, existing, refused = flashed(response)[-3:]
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
    admin_client_, django_capture_on_commit_callbacks
):
    account = make_account()
    assert "Twórz automatycznie zamówienia do ofert" in text(admin_client_.get(SETTINGS))

    with django_capture_on_commit_callbacks() as queued:
        response = admin_client_.post(auto_url(account), {"enabled": "on"})

    account.refresh_from_db()
    assert response["Location"] == SETTINGS
    assert account.auto_create_orders is True
    assert len(queued) == 1  # the orders already waiting are converted at once
    assert 'name="enabled" checked' in text(admin_client_.get(SETTINGS))

    admin_client_.post(auto_url(account), {})

    account.refresh_from_db()
    assert account.auto_create_orders is False
