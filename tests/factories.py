"""Test data built as database rows; shared by every app's tests.

Orders are made from the captured Allegro payloads in tests/fixtures/, so a test sees exactly
what the importer would store. Keyword overrides set model columns over what the payload says.
"""

import copy
import json
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone

from allegro.importer import order_fields_from_form, order_lines_from_form
from allegro.models import AllegroAccount, AllegroImportProblem, AllegroOrder, AllegroOrderLine
from allegro.payloads import parse_checkout_form

FIXTURES = Path(__file__).resolve().parent / "fixtures"
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
