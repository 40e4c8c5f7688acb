from decimal import Decimal
from typing import ClassVar, Self

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from shop.notices import audit_action_label


class ShopVariant(models.TextChoices):
    STANDARD = "STANDARD", "Standard"
    PRO = "PRO", "Pro"
    ENTERPRISE = "ENTERPRISE", "Enterprise"
    B2B = "B2B", "B2B"


# Variants that may sell on Allegro's foreign marketplaces.
FOREIGN_SALES_VARIANTS = frozenset({ShopVariant.ENTERPRISE, ShopVariant.B2B})


class OneRowSettings(models.Model):
    """Settings kept in one row (id 1, which each table's check constraint holds to);
    `load()` is the only way to reach it."""

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def load(cls) -> Self:
        return cls._default_manager.get_or_create(id=1)[0]


class ShopSettings(OneRowSettings):
    """The one row of shop-wide settings."""

    variant = models.CharField(
        _("shop variant"), max_length=16, choices=ShopVariant.choices, default=ShopVariant.STANDARD
    )

    class Meta:
        verbose_name = _("shop settings")
        verbose_name_plural = _("shop settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="shop_settings_singleton")]
        permissions = [
            ("manage_shop_settings", _("Can manage shop settings")),
            ("manage_users", _("Can manage users, their roles and sign-in lockouts")),
            ("view_audit_trail", _("Can see the audit trail")),
        ]

    def __str__(self) -> str:
        return str(_("Shop settings"))

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


class AuditEntry(models.Model):
    """One change of settings, accounts, roles or products: who, when, and the values before
    and after. Written by `shop.services.audit_record` in the transaction of the change, so
    the change and its entry are kept or lost together. Never edited."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as written: the entry still says who it was after the user is renamed or deleted.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '—'} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        """The action in words ("Konto Allegro wstrzymane"), its code when nobody named it."""
        return audit_action_label(self.action)

    def changes_in_words(self) -> list[tuple[str, object, object]]:
        """`changes()` for the trail's page: a field by its verbose name when the changed
        model still has it, yes/no for switches; anything else as it was recorded."""
        try:
            model = apps.get_model(self.object_type) if self.object_type else None
        except (LookupError, ValueError):
            model = None

        def label(name: str) -> str:
            try:
                return str(model._meta.get_field(name).verbose_name) if model else name
            except FieldDoesNotExist:
                return name

        def value(raw: object) -> object:
            return (gettext("yes") if raw else gettext("no")) if isinstance(raw, bool) else raw

        return [(label(f), value(old), value(new)) for f, old, new in self.changes()]

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field that differs, in a stable order."""
        fields = sorted(set(self.before) | set(self.after))
        return [
            (field, self.before.get(field), self.after.get(field))
            for field in fields
            if self.before.get(field) != self.after.get(field)
        ]


class InternalNote(models.Model):
    """Staff's own note on something (an order of any channel): who wrote it and when. The
    shop keeps it to itself; nothing of it is ever sent to a channel or the ERP."""

    text = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        abstract = True
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="%(app_label)s_%(class)s_has_text")
        ]

    def __str__(self) -> str:
        return self.text[:50]


class SearchTerm(models.Model):
    """One normalized text an order is found by (shop.search): its number, the buyer's phone,
    a tracking number. Each app keeps a table of these for its orders; on PostgreSQL the term
    has a trigram index and a prefix index (made by shop.search.term_indexes in the app's
    migration, as SQLite has neither)."""

    kind = models.CharField(_("kind"), max_length=16)
    term = models.TextField(_("term"))

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=~Q(term=""), name="%(app_label)s_%(class)s_given")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.term}"
