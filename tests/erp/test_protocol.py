"""Protocol 3 on the shop's side: the order's tax-point data, the invoice fields parsed, and
the hash that keeps orders sent under protocol 2 from looking changed."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from erp.backends.base import (
    ErpBadResponse,
    ErpCustomer,
    ErpOrder,
    ErpPayment,
    ErpTaxId,
    erp_order_payload,
)
from erp.backends.http import parse_document
from erp.sync import erp_order_hash, erp_order_unchanged
from tests.erp.v3 import KOD_I, KSEF_NUMBER, document, invoice

MONDAY = date(2026, 11, 30)


def order(**fields) -> ErpOrder:
    values = {
        "number": "ZS/2026/000001",
        "currency": "CZK",
        "order_date": MONDAY,
        "channel": "allegro",
        "marketplace": "allegro-cz",
        "customer": ErpCustomer(
            name="Petr Veselý",
            company="Vesel Trading s.r.o.",
            tax_ids=(ErpTaxId("VAT_EU", "CZ27654321"),),
            vat_eu_verified=True,
        ),
        "billing_address": None,
        "delivery_address": None,
        "pickup_point": None,
        "delivery_method": "Zásilkovna",
        "delivery_cost": Decimal("79.00"),
        "lines": (),
        "total": Decimal("79.00"),
    }
    values.update(fields)
    return ErpOrder(**values)


# --- the order --------------------------------------------------------------------------------


def test_an_order_paid_on_friday_and_converted_on_monday_has_fridays_sale_date():
    paid = ErpPayment("ONLINE", datetime(2026, 11, 27, 9, 30, tzinfo=UTC))

    payload = erp_order_payload(order(payment=paid))

    assert payload["sale_date"] == "2026-11-27"
    assert payload["payment"] == {"type": "ONLINE", "finished_at": "2026-11-27T09:30:00Z"}


def test_the_tax_point_is_the_warsaw_day_of_the_payment():
    # 23:30 UTC on Friday is already Saturday in Warsaw.
    paid = ErpPayment("ONLINE", datetime(2026, 11, 27, 23, 30, tzinfo=UTC))

    assert erp_order_payload(order(payment=paid))["sale_date"] == "2026-11-28"


@pytest.mark.parametrize(
    "payment",
    [
        None,
        ErpPayment("CASH_ON_DELIVERY", datetime(2026, 11, 27, 9, 30, tzinfo=UTC)),
        ErpPayment("ONLINE", None),
    ],
)
def test_cash_on_delivery_or_unpaid_keeps_the_orders_day_as_before(payment):
    assert erp_order_payload(order(payment=payment))["sale_date"] == "2026-11-30"


def test_the_order_carries_the_buyer_kind_tax_ids_verification_and_delivery_date():
    payload = erp_order_payload(order(delivery_date=date(2026, 11, 28), document_only=True))

    assert payload["customer"]["kind"] == "company"
    assert payload["customer"]["tax_ids"] == [{"type": "VAT_EU", "value": "CZ27654321"}]
    assert payload["customer"]["vat_eu_verified"] is True
    assert payload["delivery_date"] == "2026-11-28"
    assert payload["payment"] is None


def test_a_buyer_of_unknown_kind_is_a_company_with_a_tax_id_else_a_consumer():
    consumer = order(customer=ErpCustomer(name="Kovács Anna"))

    assert erp_order_payload(consumer)["customer"]["kind"] == "consumer"
    assert erp_order_payload(order())["customer"]["kind"] == "company"


def test_the_version_2_body_is_exactly_what_was_sent_before():
    paid = ErpPayment("ONLINE", datetime(2026, 11, 27, 9, 30, tzinfo=UTC))

    v2 = erp_order_payload(order(payment=paid, delivery_date=MONDAY), version=2)

    assert v2["sale_date"] == "2026-11-30"
    assert "payment" not in v2 and "delivery_date" not in v2
    assert set(v2["customer"]) == {"name", "company", "tax_ids", "email", "phone"}


def test_an_order_sent_under_version_2_is_unchanged_until_a_sent_field_changes():
    paid = ErpPayment("ONLINE", datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    before = order()
    sent_under_v2 = erp_order_hash(before, version=2)

    upgraded = order(payment=paid)  # the same order, with what protocol 3 adds

    assert erp_order_hash(upgraded) != sent_under_v2
    assert erp_order_unchanged(upgraded, sent_under_v2)
    assert not erp_order_unchanged(order(delivery_method="PPL"), sent_under_v2)
    assert erp_order_unchanged(upgraded, erp_order_hash(upgraded))


# --- the answers ------------------------------------------------------------------------------


def test_a_version_3_document_parses_every_invoice_with_its_ksef_state():
    vat = invoice()
    correction = invoice(
        "FVK/1/2026", invoice_id="18", corrects={"id": "17", "number": "FV/17/2026"}, quantity=-1
    )

    parsed = parse_document(document("ZS/2026/000001", vat, correction))

    first, second = parsed.invoices
    assert parsed.invoice == first and parsed.all_invoices == (first, second)
    assert (first.kind, first.vat_rule, first.ksef.status) == ("VAT", "WDT", "accepted")
    assert first.ksef.number == KSEF_NUMBER and first.ksef.verification_url == KOD_I
    assert first.vat_rule_text.startswith("WDT – stawka 0%")
    assert first.lines[0].vat_rate == Decimal("0.00") and first.lines[0].code == "VAC-252"
    assert first.vat_summary[0].gross == Decimal("1299.00")
    assert first.exchange_rate.table == "230/A/NBP/2026" and first.total_pln == Decimal("225.25")
    assert second.kind == "CORRECTION" and second.corrects.number == "FV/17/2026"
    assert second.lines[0].quantity == -1 and second.total == Decimal("-1299.00")
    assert second.correction_reason == "Zwrot towaru"


def test_a_version_2_document_still_parses_with_no_ksef_data():
    v2 = {
        key: value
        for key, value in invoice().items()
        if key in {"id", "number", "issue_date", "sale_date", "currency", "total", "exchange_rate"}
    }
    data = document("ZS/2026/000001", v2)
    del data["invoices"]
    data["invoice"] = v2

    parsed = parse_document(data)

    assert parsed.invoice.ksef is None and parsed.invoice.kind == "VAT"
    assert parsed.invoices == () and parsed.all_invoices == (parsed.invoice,)


def _broken(change) -> dict:
    data = document("ZS/2026/000001", invoice())
    change(data["invoices"][0])
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda i: i.update(kind="PROFORMA"),
        lambda i: i.update(ksef={"status": "maybe"}),
        lambda i: i.update(ksef="accepted"),
        lambda i: i.update(vat_rule="ZW"),
        lambda i: i.update(lines={"code": "X"}),
        lambda i: i["lines"][0].update(vat_rate="zero"),
        lambda i: i["lines"][0].pop("gross"),
        lambda i: i["vat_summary"][0].update(net=1.5),
        lambda i: i.update(kind="CORRECTION", corrects=None),
        lambda i: i["ksef"].update(number=17),
    ],
    ids=[
        "kind",
        "ksef-status",
        "ksef-not-object",
        "vat-rule",
        "lines-not-list",
        "line-rate",
        "line-gross-missing",
        "summary-float",
        "correction-of-nothing",
        "ksef-number-type",
    ],
)
def test_a_malformed_version_3_field_is_a_bad_response(change):
    with pytest.raises(ErpBadResponse, match="does not fit"):
        parse_document(_broken(change))
