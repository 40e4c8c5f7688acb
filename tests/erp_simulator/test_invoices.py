"""Fulfilment, invoice numbering, the PDF and the NBP rule (art. 31a)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from erp_simulator import rates
from erp_simulator.invoices import cents
from tests.erp_simulator.conftest import Erp, order


def _pdf_text(erp: Erp, url: str) -> str:
    response = erp.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


V1_KEYS = (
    "id",
    "number",
    "issue_date",
    "sale_date",
    "currency",
    "total",
    "exchange_rate",
    "total_pln",
    "pdf_url",
)


def test_fulfil_issues_gapless_invoices(erp: Erp) -> None:
    for n in (1, 2, 3):
        erp.send(order(number=f"ZS/2026/00000{n}"))
    erp.sim("orders/cancel", {"number": "ZS/2026/000002"})
    shipped = erp.sim("orders/fulfil", {"all": True}).json["orders"]
    assert [doc["status"] for doc in shipped] == ["SHIPPED", "SHIPPED"]
    assert [doc["invoice"]["number"] for doc in shipped] == ["FV/1/2026", "FV/2/2026"]
    cancelled = erp.get("/api/orders", query_string={"number": "ZS/2026/000002"}).json
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["invoice"] is None
    delivered = erp.sim("orders/deliver", {"number": "ZS/2026/000001"}).json
    assert delivered["status"] == "DELIVERED"
    assert delivered["invoice"]["number"] == "FV/1/2026"
    assert erp.sim("orders/cancel", {"number": "ZS/2026/000001"}).status_code == 409
    state = erp.sim("state", method="GET").json
    assert state["invoices"] == 2
    assert state["orders"]["DELIVERED"] == 1


def test_czk_invoice_json_and_pdf(erp: Erp) -> None:
    # A version-2 order: a Czech company without a verified EU VAT number -> OSS, CZ 21 %.
    erp.send(order())
    invoice = erp.sim("orders/fulfil", {"number": "ZS/2026/000001"}).json["invoice"]
    rate = rates.rate_for_sale("CZK", date(2026, 11, 26))
    assert {key: invoice[key] for key in V1_KEYS} == {
        "id": "1",
        "number": "FV/1/2026",
        "issue_date": "2026-11-27",
        "sale_date": "2026-11-26",
        "currency": "CZK",
        "total": "1378.00",
        "exchange_rate": {
            "currency": "CZK",
            "rate": str(rate.rate),
            "table": rate.table,
            "date": "2026-11-25",
        },
        "total_pln": invoice["vat_summary_pln"][0]["gross"],
        "pdf_url": "/api/invoices/1/pdf",
    }
    assert invoice["kind"] == "VAT"
    assert invoice["vat_rule"] == "OSS"
    assert invoice["vat_summary"] == [
        {"rate": "21.00", "net": "1138.84", "vat": "239.16", "gross": "1378.00"}
    ]
    net, vat = (cents(Decimal(v) * rate.rate) for v in ("1138.84", "239.16"))
    assert invoice["vat_summary_pln"] == [
        {"rate": "21.00", "net": str(net), "vat": str(vat), "gross": str(net + vat)}
    ]
    text = _pdf_text(erp, invoice["pdf_url"])
    assert "FV/1/2026" in text
    assert f"{invoice['total_pln']} PLN" in text
    assert rate.table in text
    assert "1378.00 CZK" in text
    assert "Šťastná Žába s.r.o." in text
    assert "Vysavač ěščřžýáíéůú" in text
    assert "NIP: 7770000005" in text


def test_pln_invoice_has_no_rate(erp: Erp) -> None:
    erp.send(order(currency="PLN"))
    invoice = erp.sim("orders/fulfil", {"number": "ZS/2026/000001"}).json["invoice"]
    assert invoice["exchange_rate"] is None
    assert invoice["total_pln"] is None
    text = _pdf_text(erp, invoice["pdf_url"])
    assert "1378.00 PLN" in text
    assert "art. 31a" not in text
    assert "Razem w PLN" not in text


def test_unknown_invoice_pdf_is_404(erp: Erp) -> None:
    assert erp.get("/api/invoices/99/pdf").status_code == 404


def test_nbp_rule_business_day_before_sale() -> None:
    # a Monday sale takes Friday's table
    assert rates.previous_business_day(date(2026, 11, 30)) == date(2026, 11, 27)
    # after a holiday: 12.11.2026 (Thu) follows 11.11 (Independence Day) -> 10.11
    assert rates.previous_business_day(date(2026, 11, 12)) == date(2026, 11, 10)
    # Easter Monday 2026-04-06: a Tuesday sale takes Good Friday's table (03.04)
    assert rates.previous_business_day(date(2026, 4, 7)) == date(2026, 4, 3)
    # Christmas 2025 (24, 25, 26 Dec are holidays since 2025) and the new year
    assert rates.previous_business_day(date(2025, 12, 29)) == date(2025, 12, 23)
    assert rates.previous_business_day(date(2026, 1, 2)) == date(2025, 12, 31)
    assert rates.previous_business_day(date(2027, 1, 7)) == date(2027, 1, 5)


def test_nbp_tables_count_business_days() -> None:
    assert rates.table_number(date(2026, 1, 2)) == "001/A/NBP/2026"
    assert rates.table_number(date(2026, 1, 5)) == "002/A/NBP/2026"
    assert rates.table_number(date(2026, 1, 7)) == "003/A/NBP/2026"  # 6.01 is a holiday
    first = rates.mid_rate("EUR", date(2026, 3, 2))
    assert first == rates.mid_rate("EUR", date(2026, 3, 2))  # deterministic
    for day in (date(2025, 1, 2), date(2026, 6, 15), date(2027, 12, 31)):
        assert Decimal("0.165") < rates.mid_rate("CZK", day).rate < Decimal("0.180")
        assert Decimal("4.20") < rates.mid_rate("EUR", day).rate < Decimal("4.40")
        assert Decimal("0.0104") < rates.mid_rate("HUF", day).rate < Decimal("0.0112")


def test_invoice_for_sale_after_weekend_uses_friday(erp: Erp) -> None:
    erp.send(order(sale_date="2026-11-23"))  # a Monday
    invoice = erp.sim("orders/fulfil", {"number": "ZS/2026/000001"}).json["invoice"]
    assert invoice["exchange_rate"]["date"] == "2026-11-20"
