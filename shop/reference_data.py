"""Rows every shop has, kept in step after each migrate (and after a test database flush,
which empties tables but sends post_migrate again)."""

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from shop.models import Currency
from shop.roles import sync_roles_after_migrate


def currencies_ensure(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Every known currency has a row: the home one available, the others switched off until
    the ERP makes them available. Existing rows keep their availability."""
    for code in settings.CURRENCIES:
        Currency.objects.using(using).get_or_create(
            code=code, defaults={"is_available": code == settings.DEFAULT_CURRENCY}
        )


def reference_data_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    currencies_ensure(using=using)
    sync_roles_after_migrate(using=using)
