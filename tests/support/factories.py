"""Test data built as database rows; shared by every app's tests.

Orders are made from the captured Allegro payloads in tests/fixtures/, so a test sees exactly
what the importer would store. Keyword overrides set model columns over what the payload says.
"""

import copy
import json
import uuid
from dataclasses import fields as dataclass_fields
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone
from djmoney.money import Money

from allegro.accounts.models import AllegroAccount
from allegro.api.payloads import parse_checkout_form
from allegro.orders.models import AllegroImportProblem, AllegroOrder, AllegroOrderLine
from allegro.orders.search import allegro_order_search_store
from allegro.orders.services import order_fields_from_form, order_lines_from_form
from sales.models import SalesOrder
from sales.services import LineData, NewSalesOrder, sales_order_create
from shop.models import Currency, Product

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PL_FORM = "checkout-form-allegro-pl.json"
CZ_FORM = "checkout-form-allegro-cz.json"


@cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def load_fixture(name: str) -> Any:
    """A fresh copy of a JSON fixture, safe to modify."""
    return json.loads(_fixture_text(name))


def make_user(*, role: str | None = None, username: str | None = None, **fields: Any) -> User:
    """A user, optionally in a role group (shop.roles.OPERATOR / ADMINISTRATOR)."""
    username = username or f"user-{uuid.uuid4().hex[:8]}"
    user = User.objects.create_user(username=username, password="password", **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_account(**overrides: Any) -> AllegroAccount:
    fields: dict[str, Any] = {
        "seller_id": str(uuid.uuid4().int)[:8],
        "login": "sklep_testowy",
        "base_marketplace": "allegro-pl",
        "access_token_encrypted": "x",
        "refresh_token_encrypted": "x",
        "access_token_expires_at": timezone.now() + timedelta(hours=12),
    }
    fields.update(overrides)
    return AllegroAccount.objects.create(**fields)


def make_allegro_order(
    payload: dict[str, Any] | str = PL_FORM,
    *,
    account: AllegroAccount | None = None,
    **overrides: Any,
) -> AllegroOrder:
    """An order (with its lines) stored as the importer stores it.

    `payload` is a fixture name or a checkout form dict. Each order gets a new checkout form
    id, written into the payload too, unless `checkout_form_id` is given.
    """
    raw = load_fixture(payload) if isinstance(payload, str) else copy.deepcopy(payload)
    raw["id"] = overrides.pop("checkout_form_id", None) or str(uuid.uuid4())
    form = parse_checkout_form(raw)
    fields: dict[str, Any] = {
        "account": account or AllegroAccount.objects.first() or make_account(),
        "checkout_form_id": form.id,
        **order_fields_from_form(form, raw),
    }
    fields.update(overrides)
    order = AllegroOrder.objects.create(**fields)
    AllegroOrderLine.objects.bulk_create(order_lines_from_form(order, form))
    allegro_order_search_store(orders=[order])  # as the importer does
    return order


def make_import_problem(
    *, account: AllegroAccount | None = None, **overrides: Any
) -> AllegroImportProblem:
    fields: dict[str, Any] = {
        "account": account or AllegroAccount.objects.first() or make_account(),
        "checkout_form_id": str(uuid.uuid4()),
        "reason": "lineItems: an order needs at least one line",
        "payload": {"id": "broken", "lineItems": []},
    }
    fields.update(overrides)
    return AllegroImportProblem.objects.create(**fields)


def make_product(*, sku: str | None = None, **overrides: Any) -> Product:
    """A product; a new SKU each time unless one is given."""
    fields: dict[str, Any] = {
        "sku": sku or f"SKU-{uuid.uuid4().hex[:8].upper()}",
        "name": "Kubek termiczny 450 ml",
        "vat_rate": Decimal("23.00"),
        "price": Money("49.99", "PLN"),
    }
    fields.update(overrides)
    return Product.objects.create(**fields)


def make_sales_order(**overrides: Any) -> SalesOrder:
    """A sales order made by sales_order_create, so it has its number, lines and first event.

    Overrides naming a NewSalesOrder field (currency, lines, customer_name, ...) go to the
    service; the rest (status, needs_attention, attention_reason, created_at, ...) are written
    on the row afterwards, without events. A currency other than PLN is made available first,
    as the ERP would.
    """
    new_names = {f.name for f in dataclass_fields(NewSalesOrder)}
    service_fields = {k: v for k, v in overrides.items() if k in new_names}
    row_fields = {k: v for k, v in overrides.items() if k not in new_names}
    user = row_fields.pop("user", None)
    currency = service_fields.setdefault("currency", "PLN")
    Currency.objects.filter(code=currency).update(is_available=True)
    service_fields.setdefault("channel", "allegro")
    service_fields.setdefault("marketplace", "allegro-pl")
    service_fields.setdefault("channel_reference", str(uuid.uuid4()))
    service_fields.setdefault("customer_name", "Jan Kowalski")
    service_fields.setdefault("customer_login", "kowal_jan85")
    service_fields.setdefault("customer_email", "jan.kowalski@example.com")
    service_fields.setdefault("delivery_cost", Money(Decimal("10.00"), currency))
    if "lines" not in service_fields:
        service_fields["lines"] = [
            LineData(product=make_product(), quantity=2, unit_price=Money("45.00", currency))
        ]
    order = sales_order_create(new=NewSalesOrder(**service_fields), user=user)
    if row_fields:
        SalesOrder.objects.filter(pk=order.pk).update(**row_fields)
        order.refresh_from_db()
    return order
