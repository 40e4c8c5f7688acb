"""Allegro order → sales order: what is copied, every refusal, and exactly once."""

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import translation
from djmoney.money import Money

from allegro.conversion.models import OfferProductLink
from allegro.conversion.services import ConversionRefused, allegro_order_convert
from allegro.orders.models import AllegroOrder
from allegro.orders.services import orders_store
from allegro.writeback.models import AllegroWrite
from sales.links import marketplace_name as source_badge
from sales.links import source_link
from sales.models import SalesOrder, SalesOrderEvent, SalesOrderNumberSequence
from sales.services import SalesOrderRefused
from shop.models import Currency, Product, ShopSettings, ShopVariant
from shop.notices import notice_text
from tests.support.factories import (
    CZ_FORM,
    load_fixture,
    make_account,
    make_allegro_order,
    make_user,
)

pytestmark = pytest.mark.django_db

# The Polish fixture sells a kettle whose offer carries an external id no product has, and
# filters whose external id is the shop's SKU.
KETTLE_OFFER, FILTER_OFFER = "17012345678", "17012399901"
VACUUM_OFFER = "17098765432"  # the Czech fixture's offer, external id VAC-252-CZ


@pytest.fixture(autouse=True)
def polish() -> Any:
    with translation.override("pl"):
        yield


def make_product(sku: str, *, name: str = "", vat_rate: str = "23.00", **fields: Any) -> Product:
    return Product.objects.create(
        sku=sku,
        name=name or f"Produkt {sku}",
        vat_rate=Decimal(vat_rate),
        price=Money("10.00", "PLN"),
        **fields,
    )


@pytest.fixture
def kettle() -> Product:
    return make_product("KET-1700-INOX", name="Czajnik elektryczny 1,7 l")


@pytest.fixture
def filters() -> Product:
    return make_product("FLT-02", name="Filtr antywapienny")


def convert(order: AllegroOrder, **kwargs: Any):
    kwargs.setdefault("user", None)
    return allegro_order_convert(allegro_order_id=order.pk, **kwargs)


def numbers_used() -> int:
    return sum(SalesOrderNumberSequence.objects.values_list("last_number", flat=True))


def refused(order: AllegroOrder, **kwargs: Any) -> ConversionRefused:
    """Convert, expecting a refusal that leaves no trace."""
    numbers_before = numbers_used()
    with pytest.raises(ConversionRefused) as caught:
        convert(order, **kwargs)
    order.refresh_from_db()
    assert order.sales_order_id is None
    assert not SalesOrder.objects.exists()
    assert numbers_used() == numbers_before
    return caught.value


def czech_shop(*, crowns: bool = True) -> None:
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code="CZK").update(is_available=crowns)


def test_a_paid_polish_order_becomes_a_sales_order_with_everything_the_shop_needs(kettle, filters):
    operator = make_user(username="operator")
    order = make_allegro_order()

    result = convert(order, user=operator)

    sales = result.sales_order
    assert result.created is True
    assert sales.number.startswith("ZS/")
    assert (sales.channel, sales.marketplace, sales.channel_reference, sales.currency) == (
        "allegro",
        "allegro-pl",
        order.checkout_form_id,
        "PLN",
    )
    assert (sales.customer_name, sales.customer_login) == ("Jan Kowalski", "kowal_jan85")
    assert sales.customer_email == "q7m2x9ka1b+4c1d2e3f5@allegromail.pl"
    assert sales.customer_phone == "+48601234567"
    assert sales.invoice_requested is False
    # No invoice address on the form: the bill goes to the buyer's own address.
    assert sales.billing_address.lines == ["Jan Kowalski", "Solna 12/4", "60-166 Poznań", "PL"]
    assert sales.delivery_address.lines == [
        "Jan Kowalski",
        "Grunwaldzka 182",
        "60-166 Poznań",
        "PL",
    ]
    assert sales.delivery_method == "Allegro Kurier DPD"
    assert sales.delivery_cost == Money("14.99", "PLN")
    assert sales.buyer_message == "Proszę o dostawę po 16:00."
    assert [
        (line.product, line.name, line.quantity, line.unit_price, line.vat_rate)
        for line in sales.lines.all()
    ] == [
        (kettle, "Czajnik elektryczny 1,7 l stal", 1, Money("149.99", "PLN"), Decimal("23.00")),
        (filters, "Filtr antywapienny do czajnika", 2, Money("24.50", "PLN"), Decimal("23.00")),
    ]
    assert sales.total == order.total == Money("213.98", "PLN")
    assert list(sales.events.values_list("type", "user")) == [
        (SalesOrderEvent.Type.CREATED, operator.pk)
    ]
    order.refresh_from_db()
    assert order.sales_order == sales


def test_convert_twice_returns_the_same_sales_order(kettle, filters):
    order = make_allegro_order()
    first = convert(order)

    second = convert(order)

    assert second.created is False
    assert second.sales_order == first.sales_order
    assert SalesOrder.objects.count() == 1
    assert numbers_used() == 1


def test_the_sales_order_links_back_to_its_allegro_order(kettle, filters):
    order = make_allegro_order()

    sales = convert(order).sales_order

    assert source_link(sales) == ("Zamówienie Allegro", f"/allegro/zamowienia/{order.pk}/")


def test_a_success_clears_the_problem_left_by_the_automatic_conversion(kettle, filters):
    order = make_allegro_order(conversion_problem="Brak produktu")

    convert(order)

    order.refresh_from_db()
    assert order.conversion_problem == ""


@pytest.mark.parametrize("status", ["BOUGHT", "FILLED_IN"])
def test_an_unpaid_order_is_refused_until_the_buyer_pays(kettle, filters, status):
    raw = load_fixture("checkout-form-allegro-pl.json")
    raw["status"] = status

    refusal = refused(make_allegro_order(raw))

    assert refusal.code == "not_paid"
    assert "Poczekaj, aż kupujący zapłaci" in refusal.message


def test_a_cancelled_order_is_refused(kettle, filters):
    raw = load_fixture("checkout-form-allegro-pl.json")
    raw["status"] = "CANCELLED"

    refusal = refused(make_allegro_order(raw))

    assert refusal.code == "cancelled"
    assert "anulowane w Allegro" in refusal.message


def test_a_merged_order_is_refused_pointing_to_the_order_that_replaced_it(kettle, filters):
    successor = make_allegro_order()
    merged = make_allegro_order(superseded_by=successor, superseded_at=successor.imported_at)

    refusal = refused(merged)

    assert refusal.code == "superseded"
    assert refusal.replaced_by == successor
    assert successor.checkout_form_id in refusal.message


def test_an_offer_matching_no_product_stops_the_conversion_and_names_the_offer(filters):
    refusal = refused(make_allegro_order())

    assert refusal.code == "unmatched"
    assert [line.offer_id for line in refusal.unmatched] == [KETTLE_OFFER]
    assert KETTLE_OFFER in refusal.message and "KET-1700-INOX" in refusal.message
    assert FILTER_OFFER not in refusal.message
    assert "Wybierz produkt" in refusal.message


def test_an_inactive_product_matches_nothing(filters):
    make_product("KET-1700-INOX", is_active=False)

    assert refused(make_allegro_order()).code == "unmatched"


def test_an_offer_remembered_for_the_account_finds_its_product(filters):
    order = make_allegro_order()
    kettle = make_product("KET-17")
    OfferProductLink.objects.create(account=order.account, offer_id=KETTLE_OFFER, product=kettle)

    sales = convert(order).sales_order

    assert [line.product.sku for line in sales.lines.all()] == ["KET-17", "FLT-02"]


def test_a_link_remembered_for_another_account_does_not_count(filters):
    order = make_allegro_order()
    other = make_account(login="inny_sklep")
    OfferProductLink.objects.create(account=other, offer_id=KETTLE_OFFER, product=filters)

    assert refused(order).code == "unmatched"


def test_the_operator_picks_a_product_and_the_choice_is_remembered(filters):
    operator = make_user(username="operator")
    kettle = make_product("KET-17")
    order = make_allegro_order()

    sales = convert(order, user=operator, products={KETTLE_OFFER: kettle.pk}).sales_order

    assert sales.lines.first().product == kettle
    link = OfferProductLink.objects.get()
    assert (link.account, link.offer_id, link.product, link.created_by) == (
        order.account,
        KETTLE_OFFER,
        kettle,
        operator,
    )
    # The next order of the same offer converts without asking.
    assert convert(make_allegro_order(account=order.account)).created


def test_a_pick_not_to_remember_is_used_once(filters):
    kettle = make_product("KET-17")

    convert(make_allegro_order(), products={KETTLE_OFFER: kettle.pk}, remember=False)

    assert not OfferProductLink.objects.exists()


def test_only_the_offers_chosen_to_be_remembered_are(filters):
    kettle = make_product("KET-17")

    convert(make_allegro_order(), products={KETTLE_OFFER: kettle.pk}, remember=set())

    assert not OfferProductLink.objects.exists()


def test_a_pick_of_an_inactive_product_is_refused(filters):
    retired = make_product("KET-OLD", is_active=False)

    refusal = refused(make_allegro_order(), products={KETTLE_OFFER: retired.pk})

    assert refusal.code == "unmatched"
    assert not OfferProductLink.objects.exists()


def test_a_czech_order_is_refused_on_the_standard_variant():
    vacuum = make_product("VAC-252")
    Currency.objects.filter(code="CZK").update(is_available=True)

    refusal = refused(make_allegro_order(CZ_FORM), products={VACUUM_OFFER: vacuum.pk})

    assert refusal.code == "marketplace"
    assert refusal.message == "Zamówienia z allegro.cz wymagają wariantu Enterprise lub B2B."


def test_a_business_allegro_pl_order_converts_on_the_standard_variant_in_pln(kettle, filters):
    form = load_fixture("checkout-form-allegro-pl.json")
    form["marketplace"] = {"id": "allegro-business-pl"}
    assert ShopSettings.load().variant == ShopVariant.STANDARD

    sales = convert(make_allegro_order(form)).sales_order

    assert (sales.marketplace, sales.currency) == ("allegro-business-pl", "PLN")
    assert sales.total == Money("213.98", "PLN")
    assert source_badge(sales) == "business.allegro.pl"


def test_an_order_from_an_unknown_marketplace_is_refused_saying_so(kettle, filters):
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    form = load_fixture("checkout-form-allegro-pl.json")
    form["marketplace"] = {"id": "allegro-de"}

    refusal = refused(make_allegro_order(form))

    assert refusal.code == "marketplace_unknown"
    assert "allegro-de" in refusal.message


def test_a_czech_order_waits_for_the_erp_to_make_crowns_available():
    czech_shop(crowns=False)
    vacuum = make_product("VAC-252")

    refusal = refused(make_allegro_order(CZ_FORM), products={VACUUM_OFFER: vacuum.pk})

    assert refusal.code == "currency_unavailable"
    assert "Udostępnij walutę CZK z systemu ERP" in refusal.message


def test_a_currency_the_shop_does_not_know_is_refused():
    czech_shop()
    Currency.objects.filter(code="CZK").delete()
    vacuum = make_product("VAC-252")

    refusal = refused(make_allegro_order(CZ_FORM), products={VACUUM_OFFER: vacuum.pk})

    assert refusal.code == "currency_unknown"
    assert "Sklep nie zna waluty CZK" in refusal.message


def test_a_czech_company_order_converts_in_crowns_with_pickup_point_and_tax_ids():
    czech_shop()
    vacuum = make_product("VAC-252", vat_rate="23.00")
    order = make_allegro_order(CZ_FORM)

    sales = convert(order, products={VACUUM_OFFER: vacuum.pk}).sales_order

    assert (sales.currency, sales.marketplace) == ("CZK", "allegro-cz")
    assert sales.total == Money("1378.00", "CZK")
    assert sales.delivery_cost == Money("79.00", "CZK")
    line = sales.lines.get()
    assert (line.unit_price, line.vat_rate) == (Money("1299.00", "CZK"), Decimal("21.00"))
    assert sales.pickup_point_id == "9290"
    assert sales.pickup_point_name == "Z-BOX Praha 2, Korunní 74"
    assert sales.pickup_point_address == "Korunní 1208/74, 120 00 Praha, CZ"
    assert sales.pickup_point_description == "Výdejní box Zásilkovna, nonstop"
    assert sales.customer_company == "Dvořák Trading s.r.o."
    assert sales.customer_tax_ids == [
        {"type": "CZ_ICO", "label": "IČO", "value": "27654321"},
        {"type": "CZ_DIC", "label": "DIČ", "value": "CZ27654321"},
        {"type": "VAT_EU", "label": "VAT EU", "value": "CZ27654321"},
    ]
    assert sales.invoice_requested is True
    assert sales.billing_address.lines == [
        "Dvořák Trading s.r.o.",
        "Petra Dvořáková",
        "Vinohradská 1511/230",
        "100 00 Praha",
        "CZ",
    ]
    assert sales.needs_attention is False


def test_a_total_that_differs_from_what_the_buyer_pays_is_refused_with_the_difference(
    kettle, filters
):
    raw = load_fixture("checkout-form-allegro-pl.json")
    raw["summary"]["totalToPay"]["amount"] = "223.98"

    refusal = refused(make_allegro_order(raw))

    message = refusal.message.replace("\xa0", " ")  # money keeps its number and unit together
    assert refusal.code == "total_mismatch"
    assert "razem 213,98 zł" in message
    assert "płaci w Allegro 223,98 zł" in message
    assert "różnica 10,00 zł" in message


def test_surcharges_and_additional_services_count_towards_the_total(kettle, filters):
    raw = load_fixture("checkout-form-allegro-pl.json")
    raw["lineItems"][0]["selectedAdditionalServices"] = [
        {
            "definitionId": "CARRY_IN",
            "name": "Wniesienie",
            "price": {"amount": "20.00", "currency": "PLN"},
            "quantity": 1,
        }
    ]
    raw["surcharges"] = [
        {
            "id": "5f0c1d2e-3f7a-11f1-8c21-0b9a3e6d2c55",
            "type": "ONLINE",
            "provider": "P24",
            "paidAmount": {"amount": "5.01", "currency": "PLN"},
        }
    ]
    raw["summary"]["totalToPay"]["amount"] = "238.99"

    sales = convert(make_allegro_order(raw)).sales_order

    assert sales.delivery_cost == Money("40.00", "PLN")  # 14.99 + 20.00 + 5.01
    assert sales.lines_total == Money("198.99", "PLN")
    assert sales.total == Money("238.99", "PLN")


def test_an_invoice_wanted_without_a_tax_id_flags_the_sales_order(kettle, filters):
    raw = load_fixture("checkout-form-allegro-pl.json")
    raw["invoice"] = {
        "required": True,
        "address": {"street": "Solna 12/4", "city": "Poznań", "zipCode": "60-166"},
    }

    sales = convert(make_allegro_order(raw)).sales_order

    assert sales.needs_attention is True
    assert "nie podał numeru podatkowego" in notice_text(sales.attention_reason)
    assert sales.invoice_requested is True


def test_a_refusal_of_the_order_book_becomes_a_conversion_refusal(kettle, filters, monkeypatch):
    def refuse(**kwargs: Any) -> None:
        raise SalesOrderRefused("Zamówienie musi mieć co najmniej jedną pozycję.")

    monkeypatch.setattr("allegro.conversion.services.sales_order_create", refuse)

    refusal = refused(make_allegro_order())

    assert refusal.code == "sales_refused"
    assert refusal.message == "Zamówienie musi mieć co najmniej jedną pozycję."


def test_a_cancellation_imported_after_conversion_flags_the_sales_order(kettle, filters):
    order = make_allegro_order()
    sales = convert(order).sales_order
    cancelled = dict(order.payload, status="CANCELLED", revision="c0000001")

    orders_store(account=order.account, raws=[cancelled])

    sales.refresh_from_db()
    assert sales.status == "NEW"
    assert sales.needs_attention is True
    assert "anulowane w Allegro" in notice_text(sales.attention_reason)
    assert order.checkout_form_id in notice_text(sales.attention_reason)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_conversions_of_one_order_make_exactly_one_sales_order():
    # A transactional test starts from a flushed database: no currencies from the migration.
    Currency.objects.get_or_create(code="PLN", defaults={"is_available": True})
    make_product("KET-1700-INOX")
    make_product("FLT-02")
    order = make_allegro_order()
    barrier = threading.Barrier(8)
    results, errors = [], []

    def attempt() -> None:
        try:
            barrier.wait()
            results.append(convert(order))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(result.created for result in results) == [False] * 7 + [True]
    assert len({result.sales_order.pk for result in results}) == 1
    assert SalesOrder.objects.count() == 1
    assert numbers_used() == 1
    order.refresh_from_db()
    assert order.sales_order_id == results[0].sales_order.pk


@pytest.mark.parametrize(
    ("allegro_status", "sales_status"),
    [("SENT", "SENT"), ("PICKED_UP", "PICKED_UP"), ("RETURNED", "PICKED_UP")],
)
def test_an_order_allegro_shows_as_fulfilled_is_created_there_only_when_confirmed(
    kettle, filters, allegro_status, sales_status
):
    order = make_allegro_order(fulfillment_status=allegro_status)
    assert order.convertible() and order.convertible().needs_confirmation

    refusal = refused(order)

    assert refusal.code == "needs_confirmation"
    assert "Allegro" in refusal.message
    sales = convert(order, fulfilled_outside_confirmed=True).sales_order
    assert (sales.status, sales.fulfilled_outside) == (sales_status, True)
    assert list(sales.events.values_list("type", "to_status")) == [
        (SalesOrderEvent.Type.CREATED, sales_status)
    ]
    # Nothing is written back: the order starts where Allegro already is.
    assert not AllegroWrite.objects.exists()


def test_an_order_the_seller_cancelled_on_allegro_is_created_cancelled_when_confirmed(
    kettle, filters
):
    order = make_allegro_order(fulfillment_status="CANCELLED")

    assert refused(order).code == "needs_confirmation"
    sales = convert(order, fulfilled_outside_confirmed=True).sales_order
    assert (sales.status, sales.fulfilled_outside) == ("CANCELLED", True)


@pytest.mark.parametrize(
    ("allegro_status", "sales_status"),
    [
        ("", "NEW"),
        ("NEW", "NEW"),
        ("PROCESSING", "IN_PROGRESS"),
        ("READY_FOR_SHIPMENT", "READY_FOR_SHIPMENT"),
        ("READY_FOR_PICKUP", "READY_FOR_PICKUP"),
        ("SUSPENDED", "ON_HOLD"),
    ],
)
def test_an_order_not_yet_fulfilled_starts_at_allegros_stage_without_asking(
    kettle, filters, allegro_status, sales_status
):
    order = make_allegro_order(fulfillment_status=allegro_status)
    assert not order.convertible().needs_confirmation

    sales = convert(order).sales_order

    assert (sales.status, sales.fulfilled_outside) == (sales_status, False)
