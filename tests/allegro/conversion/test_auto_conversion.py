"""Automatic conversion against the emulator, on the real Redis queue, and at volume."""

import copy
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import django_rq
import pytest
from django.db import transaction
from django.utils import timezone, translation
from djmoney.money import Money
from rq import SimpleWorker

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.conversion.jobs import auto_convert_account, auto_convert_all_accounts
from allegro.conversion.services import (
    account_auto_conversion_set,
    account_orders_auto_convert,
    allegro_order_convert,
)
from allegro.orders.models import AllegroOrder
from allegro.orders.selectors import allegro_order_list
from allegro.orders.services import account_import_run, orders_store
from emulator.catalogue import CATALOGUE
from sales.models import SalesOrder
from shop.models import Currency, Product, ShopSettings, ShopVariant
from shop.notices import notice_text
from tests.support.factories import load_fixture
from tests.support.offline import emulator_call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def shop():
    """The demo's catalogue; currencies as the migration leaves them (transactional tests
    start from a flushed database)."""
    for code in ("PLN", "CZK", "EUR", "HUF"):
        Currency.objects.update_or_create(code=code, defaults={"is_available": code == "PLN"})
    Product.objects.bulk_create(
        Product(sku=p.sku, name=p.name, vat_rate=Decimal("23"), price=Money(p.price_pln, "PLN"))
        for p in CATALOGUE
    )
    with translation.override("pl"):
        yield


@pytest.fixture
def queue():
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


def work_off(queue) -> None:
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def run_import(account: AllegroAccount) -> None:
    account.refresh_from_db()
    account_import_run(account_id=account.id, client=client_for_account(account))


LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def switch_on_since(account: AllegroAccount, since: datetime) -> None:
    """Switched on as an administrator does, taking orders bought since `since`."""
    AllegroAccount.objects.filter(pk=account.pk).update(
        auto_create_orders=True, auto_convert_from=since
    )


def sales_order_of(checkout_form_id: str) -> SalesOrder | None:
    return (
        AllegroOrder.objects.select_related("sales_order")
        .get(checkout_form_id=checkout_form_id)
        .sales_order
    )


def test_new_paid_orders_become_sales_orders_and_refusals_say_why(
    allegro_emulator, connected_account, queue
):
    run_import(connected_account)
    account_auto_conversion_set(account_id=connected_account.id, enabled=True, user=None)
    work_off(queue)  # switching on takes none of the orders bought before
    assert not SalesOrder.objects.exists()

    bought = {"bought_at": timezone.now().isoformat()}
    polish = emulator_call(
        allegro_emulator, "orders", {"marketplace": "allegro-pl", "count": 2, **bought}
    )["ids"]
    czech = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-cz", **bought})[
        "ids"
    ][0]
    run_import(connected_account)
    assert queue.count >= 1  # queued by the imported page, after its commit
    work_off(queue)

    for form_id in polish:
        sales = sales_order_of(form_id)
        assert sales is not None
        assert (sales.channel, sales.channel_reference, sales.created_by) == (
            "allegro",
            form_id,
            None,
        )
    refused = AllegroOrder.objects.get(checkout_form_id=czech)
    assert refused.sales_order_id is None
    # Kept as a code, said in each reader's language (shop.notices).
    assert refused.conversion_problem.startswith('{"code": "allegro.conversion.marketplace"')
    assert "wymagają wariantu Enterprise lub B2B" in notice_text(refused.conversion_problem)
    assert refused in allegro_order_list(filters={"conversion_failed": True})

    # The shop starts selling abroad; the periodic sweep tries again and succeeds.
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code="CZK").update(is_available=True)
    assert auto_convert_all_accounts() == 1
    work_off(queue)

    refused.refresh_from_db()
    assert refused.sales_order.currency == "CZK"
    assert refused.conversion_problem == ""
    assert refused not in allegro_order_list(filters={"conversion_failed": True})


def test_nothing_is_converted_while_the_switch_is_off(allegro_emulator, connected_account, queue):
    emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl", "count": 2})

    run_import(connected_account)

    assert queue.count == 0
    assert auto_convert_account(connected_account.id) == "off"
    assert not SalesOrder.objects.exists()


def test_running_the_automatic_conversion_twice_makes_nothing_more(
    allegro_emulator, connected_account
):
    emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl", "count": 3})
    run_import(connected_account)
    switch_on_since(connected_account, LONG_AGO)

    first = auto_convert_account(connected_account.id)
    again = auto_convert_account(connected_account.id, retry_problems=True)

    assert first["created"] >= 3
    assert again["created"] == 0
    assert SalesOrder.objects.count() == first["created"]


def test_orders_the_seller_already_shipped_are_left_alone(allegro_emulator, connected_account):
    run_import(connected_account)
    switch_on_since(connected_account, LONG_AGO)  # even with a date that covers them all

    auto_convert_account(connected_account.id)

    handled = AllegroOrder.objects.exclude(fulfillment_status="NEW")
    assert handled.filter(status="READY_FOR_PROCESSING").exists()
    assert not handled.filter(sales_order__isnull=False).exists()


@pytest.mark.parametrize("cancel", ["cancel", "auto-cancel"])
def test_a_cancellation_after_conversion_flags_the_sales_order_and_keeps_its_status(
    allegro_emulator, connected_account, cancel
):
    form_id = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl"})["ids"][0]
    run_import(connected_account)
    order = AllegroOrder.objects.get(checkout_form_id=form_id)
    sales = allegro_order_convert(allegro_order_id=order.pk, user=None).sales_order

    emulator_call(allegro_emulator, f"orders/{form_id}/{cancel}")
    run_import(connected_account)

    sales.refresh_from_db()
    assert sales.status == "NEW"
    assert sales.needs_attention is True
    expected = {
        "cancel": "Kupujący anulował zamówienie w Allegro",
        "auto-cancel": "Allegro automatycznie anulowało zamówienie",
    }[cancel]
    assert expected in notice_text(sales.attention_reason)
    assert form_id in notice_text(sales.attention_reason)


def test_orders_over_several_product_batches_each_convert_once(connected_account, monkeypatch):
    """Products are read a batch of orders at a time; every order of every batch (the last one
    short) becomes exactly one sales order. How fast is bench/conversion_bench.py's to say."""
    monkeypatch.setattr("allegro.conversion.services.BATCH_SIZE", 7)
    template = load_fixture("checkout-form-allegro-pl.json")
    for line in template["lineItems"]:
        line["offer"]["external"]["id"] = "FLT-02"
    raws = []
    for _ in range(23):
        raw = copy.deepcopy(template)
        raw["id"] = str(uuid.uuid4())
        for line in raw["lineItems"]:
            line["id"] = str(uuid.uuid4())
        raws.append(raw)
    with transaction.atomic():
        orders_store(account=connected_account, raws=raws)
    switch_on_since(connected_account, LONG_AGO)

    stats = account_orders_auto_convert(account_id=connected_account.id, retry_problems=False)

    assert (stats.created, stats.refused) == (23, 0)
    assert SalesOrder.objects.count() == 23
    converted = AllegroOrder.objects.filter(checkout_form_id__in=[raw["id"] for raw in raws])
    assert converted.filter(sales_order__isnull=True).count() == 0
    assert len(set(converted.values_list("sales_order_id", flat=True))) == 23


def test_switching_on_takes_none_of_the_orders_the_backfill_brought(
    allegro_emulator, connected_account, queue
):
    run_import(connected_account)  # the last 30 days: paid ones among them, new and shipped
    waiting = AllegroOrder.objects.filter(status="READY_FOR_PROCESSING", fulfillment_status="NEW")
    assert waiting.exists()

    account_auto_conversion_set(account_id=connected_account.id, enabled=True, user=None)
    work_off(queue)
    auto_convert_all_accounts()
    work_off(queue)

    assert not SalesOrder.objects.exists()


def test_a_date_the_administrator_sets_takes_the_paid_new_orders_since_then_only(
    allegro_emulator, connected_account, queue
):
    now = timezone.now()
    recent = emulator_call(
        allegro_emulator,
        "orders",
        {"count": 2, "bought_at": (now - timedelta(days=2)).isoformat()},
    )["ids"]
    older = emulator_call(
        allegro_emulator, "orders", {"bought_at": (now - timedelta(days=9)).isoformat()}
    )["ids"]
    run_import(connected_account)
    shipped = AllegroOrder.objects.filter(
        status="READY_FOR_PROCESSING",
        fulfillment_status__in=["SENT", "PICKED_UP"],
        bought_at__gte=now - timedelta(days=3),
    )
    AllegroOrder.objects.filter(checkout_form_id=recent[1]).update(fulfillment_status="SENT")

    account_auto_conversion_set(
        account_id=connected_account.id,
        enabled=True,
        user=None,
        since=now - timedelta(days=3),
    )
    work_off(queue)

    assert sales_order_of(recent[0]) is not None
    assert sales_order_of(recent[1]) is None  # Allegro shows it sent: never automatic
    assert sales_order_of(older[0]) is None
    assert not shipped.filter(sales_order__isnull=False).exists()
