"""What the ERP needs for the tax point and the VAT rule comes over from Allegro with the
order: the buyer's kind, the EU VAT verification, the payment and the day it was sent; orders
converted before get the same by a data migration."""

import importlib
from datetime import UTC, date, datetime

import pytest
from django.apps import apps
from django.utils import timezone

from allegro.conversion.services import allegro_order_convert
from allegro.orders.models import AllegroOrderEvent
from sales.models import BuyerKind, SalesOrder
from shop.models import Currency, ShopSettings, ShopVariant
from tests.support.factories import CZ_FORM, load_fixture, make_allegro_order, make_product

pytestmark = pytest.mark.django_db

VACUUM_OFFER = "17098765432"
PAID_CZ = datetime(2026, 9, 22, 18, 41, 9, 207000, tzinfo=UTC)


@pytest.fixture(autouse=True)
def czech_shop() -> None:
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code="CZK").update(is_available=True)


def convert_czech(raw=CZ_FORM, **fields) -> SalesOrder:
    vacuum = make_product(sku="VAC-252")
    order = make_allegro_order(raw, **fields)
    return allegro_order_convert(
        allegro_order_id=order.pk,
        user=None,
        products={VACUUM_OFFER: vacuum.pk},
        fulfilled_outside_confirmed=True,
    ).sales_order


def test_a_verified_czech_company_converts_with_its_kind_verification_and_payment():
    sales = convert_czech()

    assert sales.buyer_kind == BuyerKind.COMPANY and sales.is_company_buyer
    assert sales.customer_vat_eu_verified is True
    assert {t["type"] for t in sales.customer_tax_ids} == {"CZ_ICO", "CZ_DIC", "VAT_EU"}
    assert (sales.payment_type, sales.paid_at) == ("ONLINE", PAID_CZ)
    assert sales.delivery_date is None


def test_a_buyer_without_company_data_is_a_consumer_and_cash_on_delivery_has_no_payment_day():
    raw = load_fixture(CZ_FORM)
    raw["invoice"] = {"required": False, "features": []}
    raw["payment"].update(type="CASH_ON_DELIVERY", finishedAt=None)

    sales = convert_czech(raw)

    assert sales.buyer_kind == BuyerKind.CONSUMER and not sales.customer_vat_eu_verified
    assert (sales.payment_type, sales.paid_at) == ("CASH_ON_DELIVERY", None)


def test_an_order_allegro_shows_as_sent_carries_the_day_it_was_sent():
    raw = load_fixture(CZ_FORM)
    raw["fulfillment"]["status"] = "SENT"
    sent = datetime(2026, 9, 24, 23, 30, tzinfo=UTC)  # the 25th in Warsaw
    order_fields = {"fulfillment_status": "SENT"}
    vacuum = make_product(sku="VAC-252")
    order = make_allegro_order(raw, **order_fields)
    AllegroOrderEvent.objects.create(
        account_id=order.account_id,
        event_id="ev-1",
        type="FULFILLMENT_STATUS_CHANGED",
        occurred_at=sent,
        checkout_form_id=order.checkout_form_id,
    )

    sales = allegro_order_convert(
        allegro_order_id=order.pk,
        user=None,
        products={VACUUM_OFFER: vacuum.pk},
        fulfilled_outside_confirmed=True,
    ).sales_order

    assert sales.fulfilled_outside and sales.delivery_date == date(2026, 9, 25)


def test_the_data_migration_fills_orders_converted_before_from_their_checkout_forms():
    czech = convert_czech()
    SalesOrder.objects.filter(pk=czech.pk).update(
        buyer_kind="", customer_vat_eu_verified=False, payment_type="", paid_at=None
    )
    migration = importlib.import_module("allegro.migrations.0011_sales_orders_buyer_and_payment")

    migration.forwards(apps, None)

    czech.refresh_from_db()
    assert czech.buyer_kind == BuyerKind.COMPANY and czech.customer_vat_eu_verified
    assert (czech.payment_type, czech.paid_at) == ("ONLINE", PAID_CZ)
    assert timezone.is_aware(czech.paid_at)
