"""Protocol-3 answers as the ERP gives them, and an in-memory ERP speaking them, for the tests
of parsing, storage and write-back gating that need an answer the simulator would not give on
demand (a v2 simulator, a rejection at a chosen moment, a malformed field)."""

import copy
from typing import Any

from erp.backends.base import ErpCurrency, ErpDocument, ErpOrder, erp_order_payload
from erp.backends.http import parse_document

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KSEF_NUMBER = "7770000005-20261127-0A1B2C3D4E5F-7A"
KOD_I = "https://qr-test.ksef.mf.gov.pl/invoice/7770000005/27-11-2026/abc"
KOD_II = "https://qr-test.ksef.mf.gov.pl/certificate/Nip/7770000005/abc"


def ksef(status: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": status,
        "number": None,
        "verification_url": None,
        "certificate_url": None,
        "reason": None,
    }
    if status == "accepted":
        data.update(number=KSEF_NUMBER, verification_url=KOD_I)
    if status == "offline":
        data.update(verification_url=KOD_I, certificate_url=KOD_II)
    if status == "rejected":
        data.update(reason="Błąd weryfikacji semantyki dokumentu")
    data.update(fields)
    return data


def invoice(
    number: str = "FV/17/2026",
    *,
    invoice_id: str = "17",
    status: str = "accepted",
    rule: str = "WDT",
    rate: str = "0.00",
    code: str = "VAC-252",
    corrects: dict[str, str] | None = None,
    quantity: int = 1,
    **ksef_fields: Any,
) -> dict[str, Any]:
    showable = status in ("accepted", "offline", "not_sent")
    sign = -1 if quantity < 0 else 1
    return {
        "id": invoice_id,
        "number": number,
        "kind": "CORRECTION" if corrects else "VAT",
        "corrects": corrects,
        "correction_reason": "Zwrot towaru" if corrects else None,
        "issue_date": "2026-11-30",
        "sale_date": "2026-11-27",
        "currency": "CZK",
        "vat_rule": rule,
        "vat_rule_text": {
            "WDT": "WDT – stawka 0% (art. 42 ustawy o VAT), odwrotne obciążenie: VAT rozlicza"
            " nabywca",
            "OSS": "OSS – procedura unijna, VAT kraju konsumpcji (HU 27%)",
            "DOMESTIC": "",
        }[rule],
        "lines": [
            {
                "code": code,
                "name": "Odkurzacz",
                "quantity": quantity,
                "unit_price": "1299.00",
                "net": f"{sign * 1299:.2f}",
                "vat_rate": rate,
                "vat": "0.00",
                "gross": f"{sign * 1299:.2f}",
            }
        ],
        "vat_summary": [{"rate": rate, "net": "1299.00", "vat": "0.00", "gross": "1299.00"}],
        "total": f"{sign * 1299:.2f}",
        "exchange_rate": {
            "currency": "CZK",
            "rate": "0.1734",
            "table": "230/A/NBP/2026",
            "date": "2026-11-26",
        },
        "vat_summary_pln": [{"rate": rate, "net": "225.25", "vat": "0.00", "gross": "225.25"}],
        "total_pln": f"{sign * 225.25:.2f}",
        "ksef": ksef(status, **ksef_fields),
        "pdf_url": f"/api/invoices/{invoice_id}/pdf" if showable else None,
    }


def document(number: str, *invoices: dict[str, Any], status: str = "SHIPPED") -> dict[str, Any]:
    first = next((i for i in invoices if i.get("kind", "VAT") == "VAT"), None)
    return {
        "number": number,
        "document_number": f"ZK/{number[-6:]}",
        "status": status,
        "updated_at": "2026-11-30T10:00:00Z",
        "invoice": first,
        "invoices": list(invoices),
    }


class MemoryErp:
    """An ERP backend in memory: accepts every order, answers the documents a test sets."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.sent: list[dict[str, Any]] = []
        self.pdfs_fetched: list[str] = []

    def set(self, data: dict[str, Any]) -> None:
        self.documents[data["number"]] = copy.deepcopy(data)

    def order_send(self, order: ErpOrder) -> ErpDocument:
        self.sent.append(erp_order_payload(order))
        data = self.documents.setdefault(order.number, document(order.number, status="ACCEPTED"))
        return parse_document(data, created=len(self.sent) == 1)

    def orders_lookup(self, numbers: list[str]) -> list[ErpDocument]:
        return [parse_document(self.documents[n]) for n in numbers if n in self.documents]

    def invoice_pdf(self, invoice_id: str) -> bytes:
        self.pdfs_fetched.append(invoice_id)
        return PDF

    def currencies(self) -> list[ErpCurrency]:
        return [ErpCurrency(code, True) for code in ("PLN", "CZK", "EUR", "HUF")]
