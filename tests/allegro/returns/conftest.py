"""A Czech Allegro order of two lines, sent, imported and converted, for the returns tests."""

from dataclasses import dataclass
from typing import Any

import pytest

from allegro.accounts.clients import client_for_account
from allegro.conversion.services import allegro_order_convert
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from emulator.catalogue import CATALOGUE
from shop.models import Currency, ShopSettings, ShopVariant
from tests.support.factories import make_product
from tests.support.offline import emulator_call


@dataclass(frozen=True)
class SentOrder:
    allegro_order: AllegroOrder
    form: dict[str, Any]

    @property
    def sales_order_id(self) -> int:
        assert self.allegro_order.sales_order_id is not None
        return self.allegro_order.sales_order_id


@pytest.fixture
def czech_order(allegro_emulator: str, connected_account) -> SentOrder:
    """The demo's Czech order (BLN-12 × 1, FLT-02 × 3, a surcharge), sent and converted."""
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code="CZK").update(is_available=True)
    for product in CATALOGUE:
        make_product(sku=product.sku)
    client = client_for_account(connected_account)
    forms = client.checkout_forms(marketplace="allegro-cz", status="READY_FOR_PROCESSING").forms
    form = next(f for f in forms if len(f["lineItems"]) == 2 and f["surcharges"])
    account_import_run(account_id=connected_account.id, client=client)
    allegro_order = AllegroOrder.objects.get(checkout_form_id=form["id"])
    allegro_order_convert(allegro_order_id=allegro_order.id, user=None)
    allegro_order.refresh_from_db()
    # Sent afterwards (as the shop would have done it): only a sent order can come back.
    form = client.checkout_form(form["id"])
    client.fulfillment_set(form["id"], status="SENT", revision=form["revision"])
    return SentOrder(allegro_order, client.checkout_form(form["id"]))


def open_return(base_url: str, order: SentOrder, line: int = 0, quantity: int | None = None):
    item: dict[str, Any] = {"lineItemId": order.form["lineItems"][line]["id"], "reason": "DAMAGED"}
    if quantity:
        item["quantity"] = quantity
    return emulator_call(base_url, f"orders/{order.form['id']}/return", {"items": [item]})
