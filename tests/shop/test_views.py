from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from shop.models import Currency, Product, ShopSettings
from shop.roles import OPERATOR
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db
SETTINGS = reverse("shop:settings")
PRODUCT_NEW = reverse("shop:product_create")


def product_post(**overrides) -> dict:
    data = {
        "sku": "KET-1700",
        "ean": "5901234123457",
        "name": "Czajnik elektryczny 1,7 l",
        "vat_rate": "23",
        "price_0": "149.99",
        "price_1": "PLN",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def make_product(**overrides) -> Product:
    fields = {
        "sku": "KET-1700",
        "ean": "5901234123457",
        "name": "Czajnik",
        "vat_rate": Decimal("23"),
        "price": Money("149.99", "PLN"),
    }
    fields.update(overrides)
    return Product.objects.create(**fields)


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_is_open_and_in_polish(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "Zaloguj się" in response.content.decode()


def test_root_goes_to_allegro_orders(administrator_client):
    response = administrator_client.get("/")

    assert response["Location"] == reverse("allegro:orders:order_list")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", SETTINGS),
        ("post", SETTINGS),
        ("post", reverse("shop:currency_update")),
        ("get", PRODUCT_NEW),
    ],
)
def test_operator_cannot_reach_shop_settings(client, method, url):
    client.force_login(make_user(role=OPERATOR))

    assert getattr(client, method)(url).status_code == 403


def test_admin_sees_variant_currencies_and_products(administrator_client):
    make_product()

    page = administrator_client.get(SETTINGS).content.decode()

    assert "Wariant sklepu" in page
    assert "waluta podstawowa, zawsze dostępna" in page
    assert "udostępnia ją ERP" in page
    assert "KET-1700" in page


def test_admin_changes_the_variant(administrator_client):
    response = administrator_client.post(SETTINGS, {"variant": "ENTERPRISE"}, follow=True)

    assert ShopSettings.load().variant == "ENTERPRISE"
    assert "Ustawiono wariant sklepu: Enterprise." in response.content.decode()


def test_unknown_variant_shows_an_error_and_changes_nothing(administrator_client):
    response = administrator_client.post(SETTINGS, {"variant": "GOLD"})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert ShopSettings.load().variant == "STANDARD"


def test_admin_makes_a_currency_available_when_no_erp_is_connected(administrator_client, settings):
    settings.ERP_BACKEND = ""
    page = administrator_client.get(SETTINGS).content.decode()
    assert "Udostępnij" in page

    administrator_client.post(reverse("shop:currency_update"), {"code": "CZK", "available": "on"})

    assert Currency.objects.get(code="CZK").is_available


def test_with_an_erp_the_currencies_are_read_only_and_say_where_they_come_from(
    administrator_client, settings
):
    settings.ERP_BACKEND = "erp.backends.http.HttpErpBackend"

    page = administrator_client.get(SETTINGS).content.decode()
    response = administrator_client.post(
        reverse("shop:currency_update"), {"code": "HUF", "available": "on"}, follow=True
    )

    assert "Waluty pochodzą z ERP" in page
    assert "Udostępnij" not in page
    assert "Waluty sklepu pochodzą z ERP" in response.content.decode()
    assert not Currency.objects.filter(code="HUF", is_available=True).exists()


def test_switching_off_pln_is_refused_with_a_message(administrator_client, settings):
    settings.ERP_BACKEND = ""
    response = administrator_client.post(
        reverse("shop:currency_update"), {"code": "PLN"}, follow=True
    )

    assert "PLN to waluta podstawowa sklepu i jest zawsze dostępna." in response.content.decode()
    assert Currency.objects.get(code="PLN").is_available


def test_currency_toggle_is_post_only(administrator_client):
    assert administrator_client.get(reverse("shop:currency_update")).status_code == 405


def test_admin_adds_a_product(administrator_client):
    response = administrator_client.post(PRODUCT_NEW, product_post())

    assert response.status_code == 302
    product = Product.objects.get()
    assert product.price == Money(Decimal("149.99"), "PLN")
    assert product.ean == "5901234123457"


def test_admin_edits_a_product(administrator_client):
    product = make_product()

    administrator_client.post(
        reverse("shop:product_update", args=[product.pk]),
        product_post(name="Czajnik 2", price_0="1299.00", price_1="CZK", is_active=""),
    )

    product.refresh_from_db()
    assert product.name == "Czajnik 2"
    assert product.price == Money(Decimal("1299.00"), "CZK")
    assert not product.is_active


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"ean": "12345"}, "ean", "EAN ma 8 lub 13 cyfr."),
        ({"ean": "5901234123458"}, "ean", "Cyfra kontrolna tego EAN jest błędna."),
        ({"vat_rate": "150"}, "vat_rate", "Stawka VAT musi być jedną z: 23 %, 8 %, 5 %, 0 %."),
        ({"vat_rate": "7"}, "vat_rate", "Stawka VAT musi być jedną z: 23 %, 8 %, 5 %, 0 %."),
        ({"price_0": "-10.00"}, "price", "Cena nie może być ujemna."),
        ({"sku": "DUP-1"}, "sku", "Produkt o tym kodzie (SKU) już istnieje."),
    ],
)
def test_bad_product_input_shows_errors_and_saves_nothing(
    administrator_client, data, field, message
):
    make_product(sku="DUP-1", ean="")

    response = administrator_client.post(PRODUCT_NEW, product_post(**data))

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert Product.objects.count() == 1


def test_editing_a_product_offers_its_vat_rate_selected(administrator_client):
    product = make_product(vat_rate=Decimal("8.00"))

    response = administrator_client.get(reverse("shop:product_update", args=[product.pk]))

    assert response.context["form"]["vat_rate"].value() == "8"
    assert '<option value="8" selected>' in response.content.decode()


def test_product_search_narrows_the_list(administrator_client):
    make_product(sku="KET-1700", name="Czajnik")
    make_product(sku="VAC-252", name="Odkurzacz", ean="")

    page = administrator_client.get(SETTINGS, {"q": "odkurz"}).content.decode()

    assert "VAC-252" in page
    assert "KET-1700" not in page


def test_english_after_switching_language(administrator_client):
    response = administrator_client.post(
        reverse("set_language"), {"language": "en", "next": SETTINGS}, follow=True
    )

    page = response.content.decode()
    assert "Shop settings" in page
    assert "Ustawienia sklepu" not in page


def test_language_can_be_switched_before_signing_in(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )

    assert "Sign in" in response.content.decode()


def test_polish_even_when_the_browser_asks_for_english(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response.headers["Content-Language"] == "pl"
