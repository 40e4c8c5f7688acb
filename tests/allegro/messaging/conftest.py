"""An Allegro order (imported, and converted into a sales order) whose buyer writes about it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from allegro.accounts.clients import client_for_account
from allegro.conversion.services import allegro_order_convert
from allegro.messaging.models import ReplyTemplate
from allegro.messaging.seed import ready_replies_add
from allegro.messaging.services import account_messages_import
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from emulator.catalogue import CATALOGUE
from shop.models import Currency, ShopSettings, ShopVariant
from tests.support.factories import make_product
from tests.support.offline import emulator_call


@dataclass(frozen=True)
class Ordered:
    form_id: str
    allegro_order: AllegroOrder

    @property
    def buyer(self) -> str:
        return self.allegro_order.buyer_login


@pytest.fixture
def place_order(allegro_emulator, connected_account) -> Callable[..., Ordered]:
    """A new paid order on `marketplace`, imported and (`convert`) made a sales order."""
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code__in=["CZK", "EUR", "HUF"]).update(is_available=True)
    for product in CATALOGUE:
        make_product(sku=product.sku)

    def place(marketplace: str = "allegro-pl", *, convert: bool = True) -> Ordered:
        [form_id] = emulator_call(allegro_emulator, "orders", {"marketplace": marketplace})["ids"]
        account_import_run(
            account_id=connected_account.id, client=client_for_account(connected_account)
        )
        order = AllegroOrder.objects.get(checkout_form_id=form_id)
        if convert:
            allegro_order_convert(allegro_order_id=order.pk, user=None)
            order.refresh_from_db()
        return Ordered(form_id, order)

    return place


@pytest.fixture
def buyer_writes(allegro_emulator) -> Callable[..., dict[str, Any]]:
    return lambda form_id, **body: emulator_call(
        allegro_emulator, "messages", {"order": form_id, **body}
    )


@pytest.fixture
def import_messages(connected_account) -> Callable[[], Any]:
    return lambda: account_messages_import(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )


def threads_on_allegro(base_url: str) -> list[dict[str, Any]]:
    return emulator_call(base_url, "threads", method="get")["threads"]


def ours_on_allegro(base_url: str, text: str) -> list[dict[str, Any]]:
    """The seller's messages with this text, in any thread (deleted ones too)."""
    return [
        message
        for thread in threads_on_allegro(base_url)
        for message in thread["messages"]
        if message["fromSeller"] and message["text"] == text
    ]


@pytest.fixture(autouse=True)
def _ready_replies(db: None) -> None:
    """The ready-made replies as the migration seeds them: a transactional test run before
    this one (a browser or fault test anywhere in the suite) flushed the tables they live in."""
    ready_replies_add(ReplyTemplate)
