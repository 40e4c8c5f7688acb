"""Writes for the shop's settings and products; views call these and nothing else writes."""

import json
import logging
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from djmoney.money import Money

from shop.currencies import currency_source
from shop.models import AuditEntry, Currency, Product, ShopSettings, ShopVariant
from shop.roles import ADMINISTRATOR, OPERATOR

logger = logging.getLogger(__name__)


class _AuditEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Money):
            return f"{o.amount} {o.currency}"
        return super().default(o)


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(dict(values), cls=_AuditEncoder))
    return result


def audit_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> AuditEntry:
    """Write down who changed what, from which values to which.

    Call it inside the transaction of the change: the entry and the change are kept or rolled
    back together. `obj` names the changed row; without one, give its type, id and name."""
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    known = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        return AuditEntry.objects.create(
            user_id=known.pk if known is not None else None,
            username=known.get_username() if known is not None else "",
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:255],
            before=_jsonable(before),
            after=_jsonable(after),
        )


def audited_update(
    *,
    obj: models.Model,
    values: Mapping[str, Any],
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
) -> list[str]:
    """Set the fields of a row that differ from `values`, save only those (and `updated_at`)
    and write down the change. Gives the fields changed: none, and no write, when all agree.

    Call it inside the transaction that locked the row, like audit_record."""
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if not changed:
        return changed
    before = {field: getattr(obj, field) for field in changed}
    for field in changed:
        setattr(obj, field, values[field])
    obj.save(update_fields=[*changed, "updated_at"])
    audit_record(
        user=user, action=action, obj=obj, before=before, after={f: values[f] for f in changed}
    )
    return changed


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
        previous = shop_settings.variant
        values = {"variant": variant}
        action = "shop.variant_set"
        if not audited_update(obj=shop_settings, values=values, user=user, action=action):
            return shop_settings
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
        values = {"is_available": available}
        action = "shop.currency_set_available"
        if not audited_update(obj=currency, values=values, user=user, action=action):
            return currency
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


_PRODUCT_FIELDS = ("sku", "ean", "name", "vat_rate", "price", "is_active")


def _fields(product: Product) -> dict[str, Any]:
    return _jsonable({field: getattr(product, field) for field in _PRODUCT_FIELDS})


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
    with transaction.atomic():
        # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
        product = _product_save(
            Product(sku=sku, ean=ean, name=name, vat_rate=vat_rate, price=price)  # type: ignore[misc]
        )
        audit_record(
            user=user, action="shop.product_created", obj=product, before={}, after=_fields(product)
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
    # A bound form has already copied its values into `product`: "before" is the stored row.
    stored = Product.objects.filter(pk=product.pk).first()
    before = _fields(stored) if stored is not None else {}
    product.sku, product.ean, product.name = sku, ean, name
    # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
    product.vat_rate, product.is_active = vat_rate, is_active
    product.price = price  # type: ignore[assignment]
    with transaction.atomic():
        _product_save(product)
        after = _fields(product)
        if after != before:
            audit_record(
                user=user, action="shop.product_updated", obj=product, before=before, after=after
            )
    logger.info("shop.product_updated", extra={"user_id": user.pk, "product_id": product.pk})
    return product


ROLES = (OPERATOR, ADMINISTRATOR)


class UserRefused(Exception):
    """The user change was not made; the message says why and can be shown as it is."""


def _user_fields(target: User) -> dict[str, Any]:
    return {
        "username": target.get_username(),
        "role": ", ".join(
            sorted(target.groups.filter(name__in=ROLES).values_list("name", flat=True))
        ),
        "is_active": target.is_active,
    }


def _role_set(target: User, role: str) -> None:
    if role not in ROLES:
        raise UserRefused(_("Unknown role %(role)s.") % {"role": role})
    target.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    target.groups.add(Group.objects.get(name=role))


def user_create(
    *, username: str, password: str, role: str, user: AbstractBaseUser | AnonymousUser
) -> User:
    """A new member of staff in one of the roles; the password must pass the validators
    (settings.AUTH_PASSWORD_VALIDATORS). Raises ValidationError or UserRefused."""
    username = username.strip()
    validate_password(password, user=User(username=username))
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise UserRefused(
                _("A user named %(username)s already exists.") % {"username": username}
            )
        target = User.objects.create_user(username=username, password=password)
        _role_set(target, role)
        audit_record(
            user=user, action="user.created", obj=target, before={}, after=_user_fields(target)
        )
    logger.info("shop.user_created", extra={"user_id": user.pk, "target_id": target.pk})
    return target


def user_update(
    *,
    target_id: int,
    role: str,
    is_active: bool,
    password: str = "",
    user: AbstractBaseUser | AnonymousUser,
) -> User:
    """Change a user's role, switch them off or on, or give them a new password (when one is
    given). Administrators cannot take their own role away nor switch themselves off: the shop
    would be left without anyone to undo it."""
    with transaction.atomic():
        target = User.objects.select_for_update().get(pk=target_id)
        if target.pk == user.pk and (role != ADMINISTRATOR or not is_active):
            raise UserRefused(
                _("You cannot take away your own Administrator role nor deactivate yourself.")
            )
        if password:
            validate_password(password, user=target)
        before = _user_fields(target)
        _role_set(target, role)
        target.is_active = is_active
        if password:
            target.set_password(password)
        target.save()
        after = _user_fields(target)
        if password:
            before["password"], after["password"] = "", _("changed")
        if after != before:
            audit_record(user=user, action="user.updated", obj=target, before=before, after=after)
    logger.info("shop.user_updated", extra={"user_id": user.pk, "target_id": target.pk})
    return target


def lockout_lift(*, attempt_id: int, user: AbstractBaseUser | AnonymousUser) -> int:
    """Let the user name and the address of one recorded sign-in failure try again: every
    failure counted against either is forgotten. Returns how many records were removed."""
    with transaction.atomic():
        attempt = AccessAttempt.objects.filter(pk=attempt_id).first()
        if attempt is None:
            return 0
        matching = AccessAttempt.objects.filter(
            Q(username=attempt.username) | Q(ip_address=attempt.ip_address)
        )
        failures = sum(matching.values_list("failures_since_start", flat=True))
        count, _deleted = matching.delete()
        audit_record(
            user=user,
            action="auth.lockout_lifted",
            object_type="axes.AccessAttempt",
            object_id=str(attempt_id),
            object_repr=f"{attempt.username or '—'} / {attempt.ip_address or '—'}",
            before={"failures": failures},
            after={"failures": 0},
        )
    logger.info(
        "auth.lockout_lifted",
        extra={"user_id": user.pk, "username": attempt.username, "ip_address": attempt.ip_address},
    )
    return count
