import copy
import json
from decimal import Decimal

import pytest
from djmoney.money import Money

from allegro.api.payloads import MalformedCheckoutForm, parse_checkout_form
from tests.support.factories import FIXTURES


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def czech_form() -> dict:
    return load("checkout-form-allegro-cz.json")


def test_czech_order_keeps_its_crowns_and_pickup_point(czech_form):
    form = parse_checkout_form(czech_form)

    assert form.marketplace == "allegro-cz"
    assert form.total_to_pay == Money(Decimal("1378.00"), "CZK")
    assert form.delivery.cost == Money(Decimal("79.00"), "CZK")
    assert form.lines[0].unit_price == Money(Decimal("1299.00"), "CZK")
    assert form.delivery.pickup_point.id == "9290"
    assert form.delivery.pickup_point.name == "Z-BOX Praha 2, Korunní 74"
    assert form.delivery.pickup_point.address.city == "Praha"


def test_czech_company_tax_ids_have_readable_labels(czech_form):
    invoice = parse_checkout_form(czech_form).invoice

    assert invoice.required
    assert invoice.vat_eu_verified
    assert [(t.label, t.value) for t in invoice.tax_ids] == [
        ("IČO", "27654321"),
        ("DIČ", "CZ27654321"),
        ("VAT EU", "CZ27654321"),
    ]
    assert not invoice.missing_tax_id


def test_buyer_post_code_and_delivery_zip_code_are_both_read(czech_form):
    form = parse_checkout_form(czech_form)

    assert form.buyer.address.zip_code == "100 00"
    assert form.delivery.address.zip_code == "100 00"


def test_nulls_are_accepted_where_fields_are_optional(czech_form):
    czech_form["messageToSeller"] = None
    czech_form["delivery"]["pickupPoint"] = None
    czech_form["invoice"] = None
    czech_form["buyer"]["address"] = None

    form = parse_checkout_form(czech_form)

    assert form.message_to_seller == ""
    assert form.delivery.pickup_point is None
    assert not form.invoice.required


def test_invoice_required_without_tax_id_is_flagged(czech_form):
    czech_form["invoice"]["address"]["company"] = None

    assert parse_checkout_form(czech_form).invoice.missing_tax_id


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda f: f.pop("id"), "id: is missing"),
        (lambda f: f.update(id="not-a-uuid"), "id: not a UUID"),
        (lambda f: f.update(status="PAID"), "status: unknown value 'PAID'"),
        (lambda f: f["summary"].pop("totalToPay"), "summary.totalToPay: is missing"),
        (
            lambda f: f["summary"]["totalToPay"].update(currency="USD"),
            "summary.totalToPay.currency: unknown currency 'USD'",
        ),
        (
            lambda f: f["lineItems"][0]["price"].update(amount="12,5"),
            "lineItems[0].price.amount: not a decimal number",
        ),
        (lambda f: f["lineItems"][0].update(quantity=0), "lineItems[0].quantity: must be at least"),
        (
            lambda f: f["lineItems"][0]["price"].update(currency="PLN"),
            "lineItems[0].price: currency PLN differs from the total's CZK",
        ),
        (lambda f: f.update(lineItems=[]), "lineItems: an order needs at least one line"),
        (lambda f: f.update(buyer="petra"), "buyer: expected an object"),
        (
            lambda f: f["lineItems"][0].update(boughtAt="yesterday"),
            "lineItems[0].boughtAt: not an ISO 8601 date-time",
        ),
        # Money is never rounded nor guessed.
        (
            lambda f: f["summary"]["totalToPay"].update(amount="12.345"),
            "summary.totalToPay.amount: '12.345' has more decimals than CZK has (2)",
        ),
        (
            lambda f: f["lineItems"][0]["price"].update(amount="0.001"),
            "lineItems[0].price.amount: '0.001' has more decimals than CZK has (2)",
        ),
        (
            lambda f: f["delivery"]["cost"].update(amount="seventy"),
            "delivery.cost.amount: not a decimal number: 'seventy'",
        ),
        (
            lambda f: f["summary"]["totalToPay"].update(amount="1e15"),
            "summary.totalToPay.amount: amount 1E+15 is too large",
        ),
        (
            lambda f: f["summary"]["totalToPay"].update(amount=12.5),
            "summary.totalToPay.amount: expected a string",
        ),
    ],
)
def test_malformed_forms_are_refused_with_a_readable_reason(czech_form, mutate, reason):
    broken = copy.deepcopy(czech_form)
    mutate(broken)

    with pytest.raises(MalformedCheckoutForm) as error:
        parse_checkout_form(broken)

    assert reason in error.value.reason


def test_a_form_that_is_not_an_object_is_refused():
    with pytest.raises(MalformedCheckoutForm, match="expected an object"):
        parse_checkout_form(["not", "a", "form"])


def test_trailing_zeros_are_not_extra_decimals(czech_form):
    czech_form["lineItems"][0]["price"]["amount"] = "1378.000"
    czech_form["lineItems"][0]["originalPrice"]["amount"] = "1378.000"

    line = parse_checkout_form(czech_form).lines[0]

    assert line.unit_price == Money("1378", "CZK")
