from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from djmoney.money import Money

from shop.models import Currency, Product, ShopSettings
from shop.services import (
    currencies_set_from_source,
    currency_set_available,
    product_create,
    shop_variant_set,
    validate_ean,
)
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ean", ["5901234123457", "96385074", "4006381333931"])
def test_valid_eans_pass(ean):
    validate_ean(ean)


@pytest.mark.parametrize("ean", ["590123412345", "5901234123458", "59012341234a7", "1234567"])
def test_bad_eans_are_refused(ean):
    with pytest.raises(ValidationError):
        validate_ean(ean)


@pytest.fixture
def no_erp(settings):
    """No ERP backend configured: the administrator switches currencies by hand."""
    settings.ERP_BACKEND = ""


def test_home_currency_cannot_be_switched_off(no_erp):
    with pytest.raises(ValidationError, match="PLN"):
        currency_set_available(code="PLN", available=False, user=make_user())

    assert Currency.objects.get(code="PLN").is_available


def test_foreign_currency_is_switched_and_switching_twice_changes_nothing(no_erp):
    user = make_user()

    currency_set_available(code="CZK", available=True, user=user)
    currency = currency_set_available(code="CZK", available=True, user=user)

    assert currency.is_available
    assert Currency.objects.get(code="CZK").is_available


def test_currencies_are_not_switched_by_hand_while_the_erp_decides(settings):
    settings.ERP_BACKEND = "erp.backends.http.HttpErpBackend"

    with pytest.raises(ValidationError, match="ERP"):
        currency_set_available(code="HUF", available=True, user=make_user())

    assert not Currency.objects.filter(code="HUF", is_available=True).exists()


def test_the_erp_sync_still_switches_currencies_while_it_decides(settings):
    settings.ERP_BACKEND = "erp.backends.http.HttpErpBackend"

    changed = currencies_set_from_source(available={"HUF"})

    assert changed == ["HUF+"]
    assert Currency.objects.get(code="HUF").is_available


def test_variant_is_saved():
    shop_variant_set(variant="B2B", user=make_user())

    assert ShopSettings.load().variant == "B2B"


def test_unknown_variant_is_refused():
    with pytest.raises(ValidationError):
        shop_variant_set(variant="GOLD", user=make_user())

    assert ShopSettings.load().variant == "STANDARD"


def test_duplicate_sku_is_refused_by_the_service_itself():
    user = make_user()
    fields = {"ean": "", "name": "Czajnik", "vat_rate": Decimal("23"), "user": user}
    product_create(sku="KET-1", price=Money("149.99", "PLN"), **fields)

    with pytest.raises(ValidationError) as error:
        product_create(sku="KET-1", price=Money("1.00", "PLN"), **fields)

    assert "sku" in error.value.message_dict
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "fields"),
    [
        ("price", {"price": Money("-10.00", "PLN")}),
        ("vat_rate", {"vat_rate": Decimal("7")}),
    ],
)
def test_product_service_refuses_a_negative_price_or_a_vat_rate_poland_has_not(field, fields):
    values = {"sku": "KET-1", "ean": "", "name": "Czajnik", "vat_rate": Decimal("23")}
    values["price"] = Money("149.99", "PLN")

    with pytest.raises(ValidationError) as error:
        product_create(**{**values, **fields}, user=make_user())

    assert field in error.value.message_dict
    assert not Product.objects.exists()


@pytest.mark.parametrize("fields", [{"price": Money("-0.01", "PLN")}, {"vat_rate": Decimal("7")}])
def test_the_database_itself_refuses_a_negative_price_or_an_unknown_vat_rate(fields):
    values = {"sku": "KET-1", "name": "Czajnik", "vat_rate": Decimal("23")}
    values["price"] = Money("1.00", "PLN")

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(**{**values, **fields})
