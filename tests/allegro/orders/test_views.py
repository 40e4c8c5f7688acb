from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from shop.roles import ADMINISTRATOR
from tests.support.factories import (
    CZ_FORM,
    load_fixture,
    make_allegro_order,
    make_import_problem,
    make_user,
)
from tests.support.html import text

pytestmark = pytest.mark.django_db
ORDER_LIST = reverse("allegro:orders:order_list")


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


def test_administrator_sees_settings_in_navigation(administrator_client):
    page = text(administrator_client.get(ORDER_LIST))

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
    # the account filter's choices, then the page: count and rows (account joined, lines
    # never touched), and the menu's unread messages
    with django_assert_max_num_queries(10):
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


def test_raw_payload_is_shown_to_administrators(administrator_client):
    order = make_allegro_order(CZ_FORM)

    page = text(administrator_client.get(reverse("allegro:orders:order_detail", args=[order.pk])))

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


def test_an_order_from_an_unknown_marketplace_is_listed_with_a_note_and_no_checkbox(
    operator_client,
):
    form = load_fixture("checkout-form-allegro-pl.json")
    form["marketplace"] = {"id": "allegro-de"}
    form["status"] = "READY_FOR_PROCESSING"
    order = make_allegro_order(form, buyer_login="hans_de")
    business = load_fixture("checkout-form-allegro-pl.json")
    business["marketplace"] = {"id": "allegro-business-pl"}
    make_allegro_order(business)

    response = operator_client.get(ORDER_LIST)
    page = text(response)
    detail = text(operator_client.get(reverse("allegro:orders:order_detail", args=[order.pk])))

    assert "hans_de" in page and "nieznany rynek" in page
    assert f'value="{order.pk}" form="bulk-convert"' not in response.content.decode()
    assert "business.allegro.pl" in page
    assert "Nieznany rynek allegro-de" in detail


def test_the_history_says_allegros_events_in_words(operator_client):
    from django.utils import timezone

    from allegro.orders.models import AllegroOrderEvent

    order = make_allegro_order()
    for number, kind in enumerate(["READY_FOR_PROCESSING", "SOMETHING_NEW"]):
        AllegroOrderEvent.objects.create(
            account=order.account,
            event_id=f"ev-{number}",
            type=kind,
            occurred_at=timezone.now(),
            checkout_form_id=order.checkout_form_id,
        )
    page = text(operator_client.get(reverse("allegro:orders:order_detail", args=[order.pk])))
    assert "<td>Opłacone: gotowe do realizacji</td>" in page
    assert "<td>READY_FOR_PROCESSING</td>" not in page
    assert "<td>SOMETHING_NEW</td>" in page  # a type Allegro adds later is shown as it came
