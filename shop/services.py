"""Writes for the shop's settings and products; views call these and nothing else writes."""

import logging
from collections.abc import Collection
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from shop.currencies import currency_source
from shop.models import Currency, Product, ShopSettings, ShopVariant

logger = logging.getLogger(__name__)


def validate_ean(value: str) -> None:
    """An EAN-8 or EAN-13: digits only, the right length and a correct GS1 check digit."""
    if not value.isdigit() or len(value) not in (8, 13):
        raise ValidationError(_("An EAN has 8 or 13 digits."), code="ean_length")
    digits = [int(d) for d in value]
    # GS1: weights 3 and 1 alternate from the rightmost digit before the check digit.
    body = reversed(digits[:-1])
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    if (10 - total % 10) % 10 != digits[-1]:
        raise ValidationError(_("This EAN's check digit is wrong."), code="ean_checksum")


def shop_variant_set(*, variant: str, user: AbstractBaseUser | AnonymousUser) -> ShopSettings:
    if variant not in ShopVariant.values:
        raise ValidationError({"variant": _("Unknown shop variant.")})
    with transaction.atomic():
        shop_settings = ShopSettings.objects.select_for_update().get(pk=ShopSettings.load().pk)
        if shop_settings.variant == variant:
            return shop_settings
        previous = shop_settings.variant
        shop_settings.variant = variant
        shop_settings.save(update_fields=["variant", "updated_at"])
    logger.info(
        "shop.variant_set",
        extra={"user_id": user.pk, "previous": previous, "variant": variant},
    )
    return shop_settings


def currency_set_available(
    *, code: str, available: bool, user: AbstractBaseUser | AnonymousUser
) -> Currency:
    """Switch a foreign currency on or off by hand; the home currency (PLN) can never be
    switched off, and nothing is switched here while another system (the ERP) decides."""
    source = currency_source()
    if source is not None:
        raise ValidationError(
            _(
                "The shop's currencies come from %(source)s: switch %(code)s there; the next"
                " synchronization brings the change here."
            )
            % {"source": source, "code": code}
        )
    if code == settings.DEFAULT_CURRENCY:
        raise ValidationError(
            _("%(code)s is the shop's home currency and is always available.") % {"code": code}
        )
    if code not in settings.CURRENCIES:
        raise ValidationError(_("Unknown currency %(code)s.") % {"code": code})
    with transaction.atomic():
        currency, _created = Currency.objects.select_for_update().get_or_create(code=code)
        if currency.is_available == available:
            return currency
        currency.is_available = available
        currency.save(update_fields=["is_available", "updated_at"])
    logger.info(
        "shop.currency_set_available",
        extra={"user_id": user.pk, "code": code, "available": available},
    )
    return currency


@transaction.atomic
def currencies_set_from_source(*, available: Collection[str]) -> list[str]:
    """The source's own way in (the ERP sync): make exactly `available` the shop's foreign
    currencies, the home one staying on; returns "CZK+" / "EUR-" for each one switched."""
    changed = []
    for code in settings.CURRENCIES:
        if code == settings.DEFAULT_CURRENCY:
            continue
        currency, _created = Currency.objects.select_for_update().get_or_create(code=code)
        wanted = code in available
        if currency.is_available != wanted:
            currency.is_available = wanted
            currency.save(update_fields=["is_available", "updated_at"])
            changed.append(f"{code}{'+' if wanted else '-'}")
    return changed


def _product_save(product: Product) -> Product:
    if product.ean:
        try:
            validate_ean(product.ean)
        except ValidationError as error:
            raise ValidationError({"ean": error.messages}) from None
    product.full_clean()
    try:
        # The unique index is the real guard: full_clean's check can race another save.
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise ValidationError(
            {"sku": _("A product with this SKU already exists.")}, code="unique"
        ) from None
    return product


def product_create(
    *,
    sku: str,
    ean: str,
    name: str,
    vat_rate: Decimal,
    price: Money,
    user: AbstractBaseUser | AnonymousUser,
) -> Product:
    # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
    product = _product_save(
        Product(sku=sku, ean=ean, name=name, vat_rate=vat_rate, price=price)  # type: ignore[misc]
    )
    logger.info("shop.product_created", extra={"user_id": user.pk, "product_id": product.pk})
    return product


def product_update(
    *,
    product: Product,
    sku: str,
    ean: str,
    name: str,
    vat_rate: Decimal,
    price: Money,
    is_active: bool,
    user: AbstractBaseUser | AnonymousUser,
) -> Product:
    product.sku, product.ean, product.name = sku, ean, name
    # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
    product.vat_rate, product.is_active = vat_rate, is_active
    product.price = price  # type: ignore[assignment]
    _product_save(product)
    logger.info("shop.product_updated", extra={"user_id": user.pk, "product_id": product.pk})
    return product
