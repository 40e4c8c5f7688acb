from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField


class ShopVariant(models.TextChoices):
    STANDARD = "STANDARD", "Standard"
    PRO = "PRO", "Pro"
    ENTERPRISE = "ENTERPRISE", "Enterprise"
    B2B = "B2B", "B2B"


# Variants that may sell on Allegro's foreign marketplaces.
FOREIGN_SALES_VARIANTS = frozenset({ShopVariant.ENTERPRISE, ShopVariant.B2B})


class ShopSettings(models.Model):
    """The one row of shop-wide settings; `load()` is the only way to reach it."""

    variant = models.CharField(
        _("shop variant"), max_length=16, choices=ShopVariant.choices, default=ShopVariant.STANDARD
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shop settings")
        verbose_name_plural = _("shop settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="shop_settings_singleton")]
        permissions = [("manage_shop_settings", _("Can manage shop settings"))]

    def __str__(self) -> str:
        return str(_("Shop settings"))

    @classmethod
    def load(cls) -> "ShopSettings":
        settings_row, _created = cls.objects.get_or_create(id=1)
        return settings_row

    @property
    def sells_abroad(self) -> bool:
        return self.variant in FOREIGN_SALES_VARIANTS


class Currency(models.Model):
    """A currency the shop can sell in; PLN always, the others once made available (by the ERP)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    is_available = models.BooleanField(_("available"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(code=settings.DEFAULT_CURRENCY, is_available=False),
                name="currency_home_always_available",
            ),
            models.CheckConstraint(
                condition=Q(code__in=settings.CURRENCIES), name="currency_code_known"
            ),
        ]

    def __str__(self) -> str:
        return self.code


# Poland's VAT rates for goods (23 %, reduced 8 % and 5 %, 0 %); a product has one of them.
VAT_RATES = (Decimal("23"), Decimal("8"), Decimal("5"), Decimal("0"))


def vat_rate_refusal() -> str:
    return str(_("VAT rate must be one of: %(rates)s.")) % {
        "rates": ", ".join(f"{rate} %" for rate in VAT_RATES)
    }


def validate_vat_rate(value: Decimal) -> None:
    if value not in VAT_RATES:
        raise ValidationError(vat_rate_refusal(), code="vat_rate")


def validate_price(value: Decimal) -> None:
    """A price is 0 or more (djmoney hands the validator the Money's amount or the Money)."""
    amount = getattr(value, "amount", value)
    if amount is not None and amount < 0:
        raise ValidationError(_("A price cannot be negative."), code="price_negative")


class Product(models.Model):
    sku = models.CharField(_("code (SKU)"), max_length=64, unique=True)
    ean = models.CharField(_("EAN"), max_length=14, blank=True)
    name = models.CharField(_("name"), max_length=255)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[validate_vat_rate],
    )
    price = MoneyField(
        _("price"),
        max_digits=14,
        decimal_places=2,
        default_currency=settings.DEFAULT_CURRENCY,
        currency_choices=[(c, c) for c in settings.CURRENCIES],
        validators=[validate_price],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Annotations only (nothing changes at run time): djmoney swaps the default manager's class
    # for one made inside a function, which the django-stubs plugin cannot look up.
    objects: ClassVar[models.Manager["Product"]]
    _default_manager: ClassVar[models.Manager["Product"]]

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vat_rate__in=VAT_RATES), name="product_vat_rate_polish"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} – {self.name}"
