"""The invoice as a real PDF (fpdf2 with the bundled DejaVu fonts, so any Unicode name renders)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

# fontTools logs every glyph of every subset at INFO level.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
NOTE = (
    "Dokument wystawiony przez symulator ERP (dane demonstracyjne, nie jest fakturą). "
    "Kursy NBP są symulowane; prawdziwy ERP stosuje opublikowaną tabelę A NBP."
)


def _pdf() -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def _line(pdf: FPDF, text: str, *, size: float = 9, bold: bool = False, height: float = 5) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _party_lines(party: dict[str, Any], address: dict[str, Any] | None) -> list[str]:
    lines = [value for value in (party.get("company"), party.get("name")) if value]
    if "nip" in party:
        lines += [party["street"], f"{party['zip_code']} {party['city']}", f"NIP: {party['nip']}"]
        return lines
    if address:
        lines.append(address.get("street") or "")
        lines.append(f"{address.get('zip_code') or ''} {address.get('city') or ''}".strip())
        lines.append(address.get("country_code") or "")
    lines += [f"{tax['type']}: {tax['value']}" for tax in party.get("tax_ids", [])]
    return [line for line in lines if line]


def _parties(pdf: FPDF, invoice: dict[str, Any]) -> None:
    seller = _party_lines(invoice["seller"], None)
    buyer = _party_lines(invoice["buyer"], invoice["billing_address"])
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y()
    for column, (title, lines) in enumerate((("Sprzedawca", seller), ("Nabywca", buyer))):
        pdf.set_xy(pdf.l_margin + column * half, top)
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(half, 6, title, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 9)
        for text in lines:
            pdf.multi_cell(half - 4, 4.5, text, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin, top + 6 + 4.5 * max(len(seller), len(buyer)) + 4)


def _table(pdf: FPDF, rows: Sequence[tuple[str, ...]], widths: tuple[int, ...]) -> None:
    pdf.set_font(FAMILY, "", 8)
    align = ("LEFT",) + ("RIGHT",) * (len(widths) - 1)
    with pdf.table(col_widths=widths, text_align=align, line_height=5) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)


def render(invoice: dict[str, Any], *, created: datetime) -> bytes:
    pdf = _pdf()
    pdf.set_creation_date(created)
    pdf.set_title(f"Faktura {invoice['number']}")
    pdf.set_author(invoice["seller"]["name"])
    currency = invoice["currency"]
    _line(pdf, f"Faktura VAT {invoice['number']}", size=16, bold=True, height=9)
    _line(pdf, f"Data wystawienia: {invoice['issue_date']}    Miejsce wystawienia: Warszawa")
    _line(pdf, f"Data sprzedaży: {invoice['sale_date']}    Zamówienie: {invoice['order_number']}")
    _line(pdf, f"Waluta: {currency}")
    pdf.ln(3)
    _parties(pdf, invoice)
    rows = [("Lp. / Nazwa", "Ilość", "Cena brutto", "VAT %", "Netto", "VAT", "Brutto")]
    for index, item in enumerate(invoice["lines"], start=1):
        name = f"{index}. {item['name']}" + (f" ({item['code']})" if item["code"] else "")
        rows.append(
            (
                name,
                str(item["quantity"]),
                item["unit_price"],
                item["vat_rate"],
                item["net"],
                item["vat"],
                item["gross"],
            )
        )
    _table(pdf, rows, (70, 12, 22, 14, 22, 20, 22))
    _line(pdf, f"Podsumowanie VAT ({currency})", bold=True)
    summary = [("Stawka VAT", "Netto", "VAT", "Brutto")]
    summary += [
        (f"{row['vat_rate']} %", row["net"], row["vat"], row["gross"]) for row in invoice["summary"]
    ]
    _table(pdf, summary, (40, 30, 30, 30))
    _line(pdf, f"Razem do zapłaty: {invoice['total']} {currency}", size=12, bold=True, height=7)
    _line(pdf, "Sposób płatności: zapłacono (przedpłata w serwisie sprzedaży)")
    rate = invoice["exchange_rate"]
    if rate:
        pdf.ln(3)
        _line(pdf, "Przeliczenie na PLN (art. 31a ustawy o VAT)", bold=True)
        _line(
            pdf,
            f"Kurs średni NBP {rate['currency']} z dnia {rate['date']}, tabela {rate['table']}: "
            f"1 {rate['currency']} = {rate['rate']} PLN",
        )
        pln = [("Stawka VAT", "Netto PLN", "VAT PLN", "Brutto PLN")]
        pln += [
            (f"{row['vat_rate']} %", row["net"], row["vat"], row["gross"])
            for row in invoice["summary_pln"]
        ]
        _table(pdf, pln, (40, 30, 30, 30))
        _line(pdf, f"Razem w PLN: {invoice['total_pln']} PLN", size=11, bold=True, height=7)
    pdf.ln(6)
    pdf.set_text_color(110, 110, 110)
    _line(pdf, NOTE, size=7, height=4)
    return bytes(pdf.output())
