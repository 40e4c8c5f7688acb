"""Invoices under KSeF end to end: an Allegro order (the emulator) becomes a sales order, goes
to the ERP (the simulator, protocol 3), its invoice comes back and reaches the Allegro order
only when the buyer may receive it. The simulator's clock is pinned, so KSeF's delay and the
NBP table are decided by the test."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.conversion.services import allegro_order_convert
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from allegro.writeback.models import AllegroWrite
from allegro.writeback.services import write_perform
from emulator.catalogue import CATALOGUE
from erp.models import ErpSyncRun
from erp.sync import sync_run_perform, sync_run_start
from erp_simulator.clock import FakeClock
from erp_simulator.testing import running_simulator
from sales.models import SalesOrder, SalesOrderInvoice
from shop.models import Currency, ShopSettings, ShopVariant
from tests.support.factories import make_product
from tests.support.offline import emulator_call, simulator_call

pytestmark = pytest.mark.django_db
KSEF_NUMBER = re.compile(r"^\d{10}-\d{8}-[0-9A-F]{12}-[0-9A-F]{2}$")
MONDAY = datetime(2026, 10, 19, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


@pytest.fixture
def erp(tmp_path: Path, settings, clock: FakeClock) -> Iterator[str]:
    """The ERP simulator on a pinned clock; the shop's ERP settings point at it."""
    with running_simulator(tmp_path / "erp.sqlite3", clock=clock) as url:
        settings.ERP_BACKEND = "erp.backends.http.HttpErpBackend"
        settings.ERP_API_URL = url
        settings.ERP_API_TOKEN = "erp-simulator-token"
        settings.ERP_HTTP_TIMEOUT = 5
        settings.MEDIA_ROOT = tmp_path / "media"
        for code in ("CZK", "HUF"):
            simulator_call(url, "currencies", {"code": code, "available": True})
        yield url


@pytest.fixture
def shop(allegro_emulator, connected_account) -> AllegroAccount:
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code__in=["CZK", "HUF"]).update(is_available=True)
    for product in CATALOGUE:
        make_product(sku=product.sku)
    return connected_account


def allegro_order(
    base_url: str,
    account: AllegroAccount,
    marketplace: str,
    *,
    company: bool,
    paid_at: str = "2026-10-19T08:00:00Z",
) -> AllegroOrder:
    """A paid order of the emulator, imported; its buyer made (in the stored form) a verified
    company with an EU VAT number, or a consumer, who paid online at `paid_at`."""
    form_id = emulator_call(base_url, "orders", {"marketplace": marketplace})["ids"][0]
    account_import_run(account_id=account.id, client=client_for_account(account))
    order = AllegroOrder.objects.get(checkout_form_id=form_id)
    raw = order.payload
    country = marketplace[-2:].upper()
    if company:
        raw["invoice"] = {
            "required": True,
            "features": ["VAT_EU_VERIFIED"],
            "address": {
                "street": "Vinohradská 1511/230",
                "city": "Praha",
                "zipCode": "100 00",
                "countryCode": country,
                "company": {
                    "name": "Vesel Trading s.r.o.",
                    "ids": [
                        {"type": "CZ_ICO", "value": "27654321"},
                        {"type": "VAT_EU", "value": "CZ27654321"},
                    ],
                },
            },
        }
    else:
        raw["invoice"] = {"required": False, "features": []}
    raw["payment"].update(type="ONLINE", finishedAt=paid_at)
    if raw["delivery"].get("address"):
        raw["delivery"]["address"]["countryCode"] = country
    AllegroOrder.objects.filter(pk=order.pk).update(payload=raw, invoice_required=company)
    return AllegroOrder.objects.get(pk=order.pk)


def convert(order: AllegroOrder) -> SalesOrder:
    return allegro_order_convert(allegro_order_id=order.pk, user=None).sales_order


def sync() -> ErpSyncRun:
    run, created = sync_run_start(trigger=ErpSyncRun.Trigger.MANUAL, user=None)
    assert created
    done = sync_run_perform(run_id=run.pk)
    assert done.failed == 0, done.errors
    return done


def perform_all() -> None:
    for write_id in AllegroWrite.objects.filter(state="PENDING").values_list("id", flat=True):
        write_perform(write_id=write_id, client_for=client_for_account)


def invoices_on_allegro(base_url: str, order: SalesOrder) -> list[str]:
    state = emulator_call(base_url, f"orders/{order.channel_reference}", method="get")
    return [i["invoiceNumber"] for i in state["invoices"] if i.get("file")]


def test_a_verified_czech_company_gets_a_wdt_invoice_on_allegro_only_once_ksef_accepted(
    allegro_emulator, shop, erp, clock
):
    simulator_call(erp, "ksef", {"mode": "accept", "delay_seconds": 600})
    order = convert(allegro_order(allegro_emulator, shop, "allegro-cz", company=True))
    sync()
    simulator_call(erp, "orders/fulfil", {"number": order.number})

    sync()
    perform_all()

    invoice = SalesOrderInvoice.objects.get(order=order)
    assert invoice.ksef_status == "pending" and not invoice.pdf
    assert invoices_on_allegro(allegro_emulator, order) == []

    clock.advance(601)
    sync()
    perform_all()

    invoice.refresh_from_db()
    assert invoice.ksef_status == "accepted" and KSEF_NUMBER.match(invoice.ksef_number)
    assert invoice.ksef_verification_url.startswith("https://")
    assert invoice.vat_rule == "WDT" and "odwrotne obciążenie" in invoice.vat_rule_text
    assert {line.vat_rate for line in order.lines.all()} == {Decimal("0.00")}
    assert invoices_on_allegro(allegro_emulator, order) == [invoice.number]


def test_a_hungarian_consumer_pays_27_percent_under_oss_and_gets_the_invoice_at_once(
    allegro_emulator, shop, erp
):
    AllegroAccount.objects.filter(pk=shop.pk).update(invoices_for_everyone=True)
    simulator_call(erp, "ksef", {"mode": "accept", "delay_seconds": 600})
    order = convert(allegro_order(allegro_emulator, shop, "allegro-hu", company=False))
    sync()
    simulator_call(erp, "orders/fulfil", {"number": order.number})

    sync()
    perform_all()

    invoice = SalesOrderInvoice.objects.get(order=order)
    assert (invoice.ksef_status, invoice.vat_rule) == ("not_sent", "OSS")
    assert "27%" in invoice.vat_rule_text
    assert {line.vat_rate for line in order.lines.all()} == {Decimal("27.00")}
    assert invoices_on_allegro(allegro_emulator, order) == [invoice.number]


def test_paid_on_friday_converted_on_monday_the_invoice_uses_thursdays_nbp_table(
    allegro_emulator, shop, erp
):
    simulator_call(erp, "ksef", {"mode": "accept", "delay_seconds": 0})
    friday = "2026-10-16T10:00:00Z"
    order = convert(
        allegro_order(allegro_emulator, shop, "allegro-cz", company=True, paid_at=friday)
    )
    sync()
    simulator_call(erp, "orders/fulfil", {"number": order.number})

    sync()

    invoice = SalesOrderInvoice.objects.get(order=order)
    assert invoice.sale_date == date(2026, 10, 16)
    assert invoice.exchange_rate_date == date(2026, 10, 15)
    assert invoice.exchange_rate and invoice.exchange_rate_table.endswith("/A/NBP/2026")


def test_a_correction_made_in_the_erp_reaches_allegro_as_a_second_invoice_once(
    allegro_emulator, shop, erp
):
    simulator_call(erp, "ksef", {"mode": "accept", "delay_seconds": 0})
    order = convert(allegro_order(allegro_emulator, shop, "allegro-cz", company=True))
    sync()
    simulator_call(erp, "orders/fulfil", {"number": order.number})
    sync()
    perform_all()
    line = order.lines.first()
    simulator_call(
        erp,
        "orders/correct",
        {
            "number": order.number,
            "returns": [{"code": line.code, "quantity": 1}],
            "reason": "Zwrot",
        },
    )

    sync()
    perform_all()
    sync()
    perform_all()

    first, correction = SalesOrderInvoice.objects.filter(order=order).order_by("id")
    assert correction.kind == "CORRECTION" and correction.corrects == first
    assert correction.total.amount < 0 and correction.ksef_status == "accepted"
    assert invoices_on_allegro(allegro_emulator, order) == [first.number, correction.number]
    assert (
        AllegroWrite.objects.filter(allegro_order__sales_order=order, kind="INVOICE").count() == 2
    )
