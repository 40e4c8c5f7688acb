"""The sales order page shows each invoice's KSeF state and number (a link to KSeF's check),
the VAT rule in words, the rate used; an invoice waiting for KSeF has no PDF to download."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from sales.services import InvoiceData, sales_order_invoice_record
from tests.support.factories import make_sales_order
from tests.support.html import text

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KSEF_NUMBER = "7770000005-20261127-0A1B2C3D4E5F-7A"
KOD_I = "https://qr-test.ksef.mf.gov.pl/invoice/7770000005/27-11-2026/abc"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def record(order, **fields):
    values = {
        "number": "FV/17/2026",
        "source_id": "17",
        "vat_rule": "WDT",
        "vat_rule_text": "WDT – stawka 0% (art. 42 ustawy o VAT), odwrotne obciążenie",
        "total": Decimal("1378.00"),
        "total_pln": Decimal("238.95"),
        "exchange_rate": Decimal("0.1734"),
        "exchange_rate_table": "230/A/NBP/2026",
        "ksef_status": "accepted",
        "ksef_number": KSEF_NUMBER,
        "ksef_verification_url": KOD_I,
    }
    values.update(fields)
    pdf = ContentFile(PDF) if values["ksef_status"] in ("accepted", "not_sent") else None
    return sales_order_invoice_record(order_id=order.pk, data=InvoiceData(**values), pdf=pdf)


def page(client, order) -> str:
    with translation.override("pl"):
        response = client.get(reverse("sales:order_detail", args=[order.pk]))
    assert response.status_code == 200
    return text(response)


def test_the_page_shows_the_ksef_number_linked_to_the_check_the_rule_and_the_rate(
    operator_client,
):
    order = make_sales_order(currency="CZK")
    record(order)

    html = page(operator_client, order)

    assert f'href="{KOD_I}"' in html and KSEF_NUMBER in html
    assert "Przyjęta przez KSeF" in html
    assert "Wewnątrzwspólnotowa dostawa towarów (WDT)" in html and "odwrotne obciążenie" in html
    assert "1 CZK = 0,1734" in html and "230/A/NBP/2026" in html


def test_a_pending_invoice_shows_its_state_and_no_download_and_a_correction_names_its_invoice(
    operator_client,
):
    order = make_sales_order(currency="CZK")
    vat = record(order).invoice
    record(
        order,
        number="FVK/1/2026",
        source_id="18",
        kind="CORRECTION",
        corrects_number="FV/17/2026",
        correction_reason="Zwrot towaru",
        ksef_status="pending",
        ksef_number="",
        ksef_verification_url="",
    )

    html = page(operator_client, order)

    assert "Oczekuje na KSeF" in html and "brak PDF" in html
    assert "Korekta" in html and "Zwrot towaru" in html
    pending = order.invoices.get(number="FVK/1/2026")
    download = reverse("sales:invoice_download", args=[order.pk, pending.pk])
    assert download not in html
    assert operator_client.get(download).status_code == 404
    assert reverse("sales:invoice_download", args=[order.pk, vat.pk]) in html


def test_a_rejected_invoice_shows_the_reason(operator_client):
    order = make_sales_order()
    record(
        order,
        vat_rule="DOMESTIC",
        vat_rule_text="",
        ksef_status="rejected",
        ksef_number="",
        ksef_verification_url="",
        ksef_reason="Błąd weryfikacji semantyki dokumentu",
    )

    html = page(operator_client, order)

    assert "Odrzucona przez KSeF" in html and "Błąd weryfikacji semantyki" in html


def test_recording_the_same_invoice_twice_changes_nothing():
    order = make_sales_order()
    first = record(order)
    again = record(order)

    assert first.created and not again.created
    assert not again.ksef_changed and not again.attached
    assert order.invoices.count() == 1
    assert order.events.filter(type="INVOICE_ISSUED").count() == 1
