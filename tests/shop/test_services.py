from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from shop.models import Currency, Product, ShopSettings
from shop.services import (
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


def test_home_currency_cannot_be_switched_off():
    with pytest.raises(ValidationError, match="PLN"):
        currency_set_available(code="PLN", available=False, user=make_user())

    assert Currency.objects.get(code="PLN").is_available


def test_foreign_currency_is_switched_and_switching_twice_changes_nothing():
    user = make_user()

    currency_set_available(code="CZK", available=True, user=user)
    currency = currency_set_available(code="CZK", available=True, user=user)

    assert currency.is_available
    assert Currency.objects.get(code="CZK").is_available


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
