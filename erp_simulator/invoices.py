"""Issuing sales invoices: gapless numbering, per-line net/VAT/gross and the art. 31a PLN part.

Prices arrive gross (as on Allegro); per line VAT = gross * rate / (100 + rate), rounded half
up to the grosz/haléř, net = gross - VAT. Delivery is a line of its own at the highest VAT
rate among the goods (a simplification; a real ERP follows its own tax setup).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from erp_simulator import pdf, rates
from erp_simulator.store import next_number

CENT = Decimal("0.01")
WARSAW = ZoneInfo("Europe/Warsaw")
SELLER = {
    "name": "Sklep Demo Sp. z o.o.",
    "street": "ul. Świętokrzyska 12",
    "zip_code": "00-916",
    "city": "Warszawa",
    "country_code": "PL",
    "nip": "7770000005",
    "vat_eu": "PL7770000005",
    "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _split(gross: Decimal, vat_rate: Decimal) -> tuple[Decimal, Decimal]:
    vat = cents(gross * vat_rate / (100 + vat_rate))
    return gross - vat, vat


def compute(order: dict[str, Any]) -> dict[str, Any]:
    """Invoice lines and the VAT summary (per rate) in the order's currency."""
    lines = []
    for line in order["lines"]:
        unit = Decimal(line["unit_price"])
        gross = unit * line["quantity"]
        net, vat = _split(gross, Decimal(line["vat_rate"]))
        lines.append(
            {
                "code": line["code"],
                "name": line["name"],
                "quantity": line["quantity"],
                "unit_price": str(unit),
                "vat_rate": line["vat_rate"],
                "net": str(net),
                "vat": str(vat),
                "gross": str(gross),
            }
        )
    delivery = Decimal(order["delivery_cost"])
    if delivery > 0:
        vat_rate = max(Decimal(line["vat_rate"]) for line in order["lines"])
        net, vat = _split(delivery, vat_rate)
        lines.append(
            {
                "code": None,
                "name": f"Dostawa: {order['delivery_method'] or 'przesyłka'}",
                "quantity": 1,
                "unit_price": str(delivery),
                "vat_rate": str(vat_rate),
                "net": str(net),
                "vat": str(vat),
                "gross": str(delivery),
            }
        )
    summary: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        bucket = summary.setdefault(
            line["vat_rate"], {"net": Decimal(0), "vat": Decimal(0), "gross": Decimal(0)}
        )
        for key in ("net", "vat", "gross"):
            bucket[key] += Decimal(line[key])
    return {
        "lines": lines,
        "summary": [
            {"vat_rate": rate, **{key: str(value) for key, value in bucket.items()}}
            for rate, bucket in sorted(summary.items(), key=lambda item: -Decimal(item[0]))
        ],
    }


def _in_pln(summary: list[dict[str, str]], rate: Decimal) -> list[dict[str, str]]:
    rows = []
    for row in summary:
        net, vat = cents(Decimal(row["net"]) * rate), cents(Decimal(row["vat"]) * rate)
        rows.append({"vat_rate": row["vat_rate"], "net": str(net), "vat": str(vat)})
        rows[-1]["gross"] = str(net + vat)
    return rows


def issue(conn: sqlite3.Connection, order: dict[str, Any], now: datetime) -> int:
    """Issue the invoice for a validated order inside the caller's write transaction."""
    issue_date = now.astimezone(WARSAW).date()
    seq = next_number(conn, "FV", issue_date.year)
    number = f"FV/{seq}/{issue_date.year}"
    computed = compute(order)
    total = Decimal(order["total"])
    exchange_rate = None
    total_pln = None
    summary_pln = None
    if order["currency"] != "PLN":
        nbp = rates.rate_for_sale(order["currency"], date.fromisoformat(order["sale_date"]))
        exchange_rate = nbp.as_json()
        total_pln = str(cents(total * nbp.rate))
        summary_pln = _in_pln(computed["summary"], nbp.rate)
    data = {
        "number": number,
        "issue_date": issue_date.isoformat(),
        "sale_date": order["sale_date"],
        "currency": order["currency"],
        "total": str(total),
        "exchange_rate": exchange_rate,
        "total_pln": total_pln,
        "order_number": order["number"],
        "seller": SELLER,
        "buyer": order["customer"],
        "billing_address": order["billing_address"],
        "delivery_address": order["delivery_address"],
        "lines": computed["lines"],
        "summary": computed["summary"],
        "summary_pln": summary_pln,
    }
    cursor = conn.execute(
        "INSERT INTO invoices (number, order_number, data, pdf) VALUES (?, ?, ?, ?)",
        (number, order["number"], json.dumps(data, ensure_ascii=False), b""),
    )
    invoice_id = int(cursor.lastrowid or 0)
    document = pdf.render({**data, "id": str(invoice_id)}, created=now)
    conn.execute("UPDATE invoices SET pdf = ? WHERE id = ?", (document, invoice_id))
    return invoice_id


def invoice_json(conn: sqlite3.Connection, invoice_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT data FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
    data = json.loads(row[0])
    return {
        "id": str(invoice_id),
        "number": data["number"],
        "issue_date": data["issue_date"],
        "sale_date": data["sale_date"],
        "currency": data["currency"],
        "total": data["total"],
        "exchange_rate": data["exchange_rate"],
        "total_pln": data["total_pln"],
        "pdf_url": f"/api/invoices/{invoice_id}/pdf",
    }


def pdf_bytes(conn: sqlite3.Connection, invoice_id: int) -> bytes | None:
    row = conn.execute("SELECT pdf FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
    return bytes(row[0]) if row else None
