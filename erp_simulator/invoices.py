"""Issuing sales invoices and corrections: numbering, VAT, the art. 31a PLN part, KSeF.

Prices arrive gross (as on Allegro); per line VAT = gross * rate / (100 + rate), rounded half
up to the grosz/haléř, net = gross - VAT. Which rate is the VAT rule's (`vat.py`). The tax
point decides the NBP rate (`tax_point`). Every invoice is submitted to the simulated KSeF
(`ksef.py`) unless the buyer is a consumer; its PDF is drawn only once it may be shown to the
buyer (accepted, offline, not_sent), and drawn again when that state changes.

A correction (`FK/<n>/<year>`) answers the differences against the state after the corrected
invoice and every earlier correction: returning 1 of 2 pieces is a line of quantity -1 with
negative net/VAT/gross.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from erp_simulator import ksef, pdf, rates, vat
from erp_simulator.errors import ApiError, invalid
from erp_simulator.store import next_number
from erp_simulator.validation import buyer_kind, money

CENT = Decimal("0.01")
WARSAW = ZoneInfo("Europe/Warsaw")
DELIVERY_CODE = "DELIVERY"
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
# What the invoice "file" (the simulator's stand-in for the FA(3) XML) is made of: its SHA-256
# is the hash in the KSeF links.
FILE_KEYS = (
    "kind",
    "number",
    "issue_date",
    "sale_date",
    "currency",
    "corrects",
    "correction_reason",
    "seller",
    "buyer",
    "billing_address",
    "vat_rule",
    "lines",
    "vat_summary",
    "total",
    "exchange_rate",
    "vat_summary_pln",
    "total_pln",
)


# What a correction takes over from the invoice it corrects.
KEPT_BY_CORRECTIONS = (
    "sale_date",
    "currency",
    "vat_rule",
    "vat_rule_text",
    "order_number",
    "seller",
    "buyer",
    "billing_address",
    "delivery_address",
    "delivery_method",
    "payment",
    "rate_source",
)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amounts(quantity: int, unit_price: Decimal, rate: Decimal) -> dict[str, Decimal]:
    gross = unit_price * quantity
    tax = cents(gross * rate / (100 + rate))
    return {"net": gross - tax, "vat": tax, "gross": gross}


def _line(item: dict[str, Any], values: dict[str, Decimal], **shown: Any) -> dict[str, Any]:
    return {
        "code": item["code"],
        "name": item["name"],
        "quantity": shown.get("quantity", item["quantity"]),
        "unit_price": str(shown.get("unit_price", item["unit_price"])),
        "net": str(values["net"]),
        "vat_rate": item["vat_rate"],
        "vat": str(values["vat"]),
        "gross": str(values["gross"]),
    }


def order_items(order: dict[str, Any], rule: vat.VatRule) -> list[dict[str, Any]]:
    """What is sold, at the VAT the rule decides: goods, then delivery (when it costs)."""
    items = [
        {
            "code": line["code"],
            "name": line["name"],
            "quantity": line["quantity"],
            "unit_price": line["unit_price"],
            "vat_rate": str(rule.line_rate(Decimal(line["vat_rate"]))),
        }
        for line in order["lines"]
    ]
    delivery = Decimal(order["delivery_cost"])
    if delivery > 0:
        rate = vat.delivery_rate(rule, [Decimal(line["vat_rate"]) for line in order["lines"]])
        items.append(
            {
                "code": DELIVERY_CODE,
                "name": "Dostawa",
                "quantity": 1,
                "unit_price": str(delivery),
                "vat_rate": str(rate),
            }
        )
    return items


def _item_amounts(item: dict[str, Any]) -> dict[str, Decimal]:
    return amounts(item["quantity"], Decimal(item["unit_price"]), Decimal(item["vat_rate"]))


def vat_summary(lines: list[dict[str, Any]]) -> list[dict[str, str]]:
    buckets: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        bucket = buckets.setdefault(
            line["vat_rate"], {"net": Decimal(0), "vat": Decimal(0), "gross": Decimal(0)}
        )
        for key in ("net", "vat", "gross"):
            bucket[key] += Decimal(line[key])
    return [
        {"rate": rate, **{key: str(value) for key, value in bucket.items()}}
        for rate, bucket in sorted(buckets.items(), key=lambda item: -Decimal(item[0]))
    ]


def in_pln(summary: list[dict[str, str]], rate: Decimal) -> tuple[list[dict[str, str]], str]:
    """Each row's net and VAT × rate, half up to the grosz; gross = their sum; the total is the
    sum of the rows' gross, so the PLN section adds up exactly."""
    rows = []
    for row in summary:
        net, tax = cents(Decimal(row["net"]) * rate), cents(Decimal(row["vat"]) * rate)
        gross = net + tax
        rows.append({"rate": row["rate"], "net": str(net), "vat": str(tax), "gross": str(gross)})
    total = sum((Decimal(row["gross"]) for row in rows), Decimal(0))
    return rows, str(cents(total))


def tax_point(order: dict[str, Any], issue_date: date) -> date:
    """Art. 19a: paid in advance -> the payment day (the shop's `sale_date`); otherwise the
    day the goods were handed over (`delivery_date`) or shipped (the issue day).

    A version-2 order (no `payment` key at all) keeps version 2's meaning: `sale_date`.
    """
    sale_date = date.fromisoformat(order["sale_date"])
    if "payment" not in order:
        return sale_date
    payment = order["payment"]
    if payment and payment.get("finished_at") and payment.get("type") != "CASH_ON_DELIVERY":
        return sale_date
    if order.get("delivery_date"):
        return date.fromisoformat(order["delivery_date"])
    return issue_date


def _with_amounts(
    data: dict[str, Any], lines: list[dict[str, Any]], exchange_rate: dict[str, str] | None
) -> dict[str, Any]:
    summary = vat_summary(lines)
    total = sum((Decimal(line["gross"]) for line in lines), Decimal(0))
    summary_pln, total_pln = None, None
    if exchange_rate is not None:
        summary_pln, total_pln = in_pln(summary, Decimal(exchange_rate["rate"]))
    return {
        **data,
        "lines": lines,
        "vat_summary": summary,
        "total": str(total),
        "exchange_rate": exchange_rate,
        "vat_summary_pln": summary_pln,
        "total_pln": total_pln,
    }


def issue(conn: sqlite3.Connection, order: dict[str, Any], now: datetime) -> int:
    """Issue the VAT invoice of a validated order inside the caller's write transaction."""
    issue_date = now.astimezone(WARSAW).date()
    seq = next_number(conn, "FV", issue_date.year)
    rule = vat.rule_for(order)
    point = tax_point(order, issue_date)
    exchange_rate, rate_source = None, None
    if order["currency"] != "PLN":
        nbp = rates.rate_for_sale(order["currency"], point)
        exchange_rate, rate_source = nbp.as_json(), "nbp" if nbp.published else "simulated"
    items = order_items(order, rule)
    data = _with_amounts(
        {
            "kind": "VAT",
            "number": f"FV/{seq}/{issue_date.year}",
            "corrects": None,
            "correction_reason": None,
            "issue_date": issue_date.isoformat(),
            "sale_date": point.isoformat(),
            "currency": order["currency"],
            "vat_rule": rule.name,
            "vat_rule_text": rule.text,
            "order_number": order["number"],
            "seller": SELLER,
            "buyer": order["customer"],
            "billing_address": order["billing_address"],
            "delivery_address": order["delivery_address"],
            "delivery_method": order["delivery_method"],
            "payment": order.get("payment"),
            "rate_source": rate_source,
            "items": items,  # the state after this invoice, which a correction starts from
        },
        [_line(item, _item_amounts(item)) for item in items],
        exchange_rate,
    )
    return _store(conn, data, now)


def _store(conn: sqlite3.Connection, data: dict[str, Any], now: datetime) -> int:
    document = json.dumps({key: data[key] for key in FILE_KEYS}, ensure_ascii=False, sort_keys=True)
    data["file_sha256"] = ksef.invoice_hash(document.encode())
    state = ksef.submit(conn, now, consumer=buyer_kind(data["buyer"]) == "consumer")
    if state["offline"]:
        state["certificate_url"] = ksef.certificate_url(
            conn, SELLER["nip"], data["file_sha256"], now
        )
    data["ksef"] = state
    cursor = conn.execute(
        "INSERT INTO invoices (number, order_number, data, pdf) VALUES (?, ?, ?, ?)",
        (data["number"], data["order_number"], json.dumps(data, ensure_ascii=False), b""),
    )
    invoice_id = int(cursor.lastrowid or 0)
    if state["status"] in ksef.SHOWABLE:
        _draw(conn, invoice_id, data, now)
    return invoice_id


# Reading.


def _load(conn: sqlite3.Connection, invoice_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT data FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def ksef_view(invoice_id: int, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The invoice's `ksef` object as of `now`."""
    state = ksef.current(data["ksef"], now)
    status = state["status"]
    accepted_at = ksef.accepted_at(state)
    number = None
    if status == "accepted" and accepted_at is not None:
        number = ksef.number(SELLER["nip"], accepted_at, f"{data['file_sha256']}:{invoice_id}")
    verification_url = None
    if status in ("accepted", "offline"):
        verification_url = ksef.verification_url(
            SELLER["nip"], data["issue_date"], data["file_sha256"]
        )
    certificate_url = None
    if state["offline"] and status in ("accepted", "offline"):
        certificate_url = state["certificate_url"]
    return {
        "status": status,
        "number": number,
        "verification_url": verification_url,
        "certificate_url": certificate_url,
        "reason": state["reason"] if status == "rejected" else None,
    }


def _json(invoice_id: int, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    state = ksef_view(invoice_id, data, now)
    corrects = data["corrects"]
    return {
        "id": str(invoice_id),
        "number": data["number"],
        "kind": data["kind"],
        "corrects": corrects,
        "correction_reason": data["correction_reason"],
        "issue_date": data["issue_date"],
        "sale_date": data["sale_date"],
        "currency": data["currency"],
        "vat_rule": data["vat_rule"],
        "vat_rule_text": data["vat_rule_text"],
        "lines": data["lines"],
        "vat_summary": data["vat_summary"],
        "total": data["total"],
        "exchange_rate": data["exchange_rate"],
        "vat_summary_pln": data["vat_summary_pln"],
        "total_pln": data["total_pln"],
        "ksef": state,
        "pdf_url": f"/api/invoices/{invoice_id}/pdf" if state["status"] in ksef.SHOWABLE else None,
    }


def invoice_json(conn: sqlite3.Connection, invoice_id: int, now: datetime) -> dict[str, Any]:
    data = _load(conn, invoice_id)
    assert data is not None
    return _json(invoice_id, data, now)


def of_order(conn: sqlite3.Connection, order_number: str, now: datetime) -> list[dict[str, Any]]:
    """Every invoice of an order, corrections included, in issue order."""
    rows = conn.execute(
        "SELECT id, data FROM invoices WHERE order_number = ? ORDER BY id", (order_number,)
    ).fetchall()
    return [_json(int(row[0]), json.loads(row[1]), now) for row in rows]


def find_by_number(conn: sqlite3.Connection, number: str) -> int:
    row = conn.execute("SELECT id FROM invoices WHERE number = ?", (number,)).fetchone()
    if row is None:
        raise ApiError(404, "not_found", f"no invoice {number!r} in the ERP")
    return int(row[0])


# The PDF.


def _draw(conn: sqlite3.Connection, invoice_id: int, data: dict[str, Any], now: datetime) -> bytes:
    state = ksef_view(invoice_id, data, now)
    document = pdf.render({**data, "id": str(invoice_id), "ksef": state}, created=now)
    data = {**data, "ksef": ksef.current(data["ksef"], now), "pdf_for": state["status"]}
    conn.execute(
        "UPDATE invoices SET data = ?, pdf = ? WHERE id = ?",
        (json.dumps(data, ensure_ascii=False), document, invoice_id),
    )
    return document


def pdf_bytes(conn: sqlite3.Connection, invoice_id: int, now: datetime, *, draw: bool) -> bytes:
    """The stored PDF; b"" when it must be (re)drawn first and `draw` is false (a read-only
    connection). 404 for an unknown invoice or one that may not be shown (pending, rejected)."""
    data = _load(conn, invoice_id)
    if data is None:
        raise ApiError(404, "not_found", f"no invoice {invoice_id}")
    status = ksef.current(data["ksef"], now)["status"]
    if status not in ksef.SHOWABLE:
        raise ApiError(
            404, "not_found", f"invoice {data['number']} has no PDF: its KSeF status is {status}"
        )
    if data.get("pdf_for") == status:
        row = conn.execute("SELECT pdf FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
        return bytes(row[0])
    return _draw(conn, invoice_id, data, now) if draw else b""


# KSeF moves (control API).


def set_ksef(
    conn: sqlite3.Connection, number: str, to: str, reason: str | None, now: datetime
) -> dict[str, Any]:
    """pending/offline/rejected -> accepted; pending -> rejected. The invoice, after."""
    invoice_id = find_by_number(conn, number)
    data = _load(conn, invoice_id)
    assert data is not None
    state = ksef.current(data["ksef"], now)
    if state["status"] != to:
        allowed = {"accepted": ("pending", "offline", "rejected"), "rejected": ("pending",)}
        if state["status"] not in allowed[to]:
            raise ApiError(
                409, "conflict", f"invoice {number} is {state['status']} in KSeF, cannot be {to}"
            )
        state = ksef.accept(state, now) if to == "accepted" else ksef.reject(state, reason)
        data["ksef"] = state
        conn.execute(
            "UPDATE invoices SET data = ? WHERE id = ?",
            (json.dumps(data, ensure_ascii=False), invoice_id),
        )
    return _json(invoice_id, data, now)


# Corrections.


def _latest(conn: sqlite3.Connection, order_number: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT data FROM invoices WHERE order_number = ? ORDER BY id DESC LIMIT 1",
        (order_number,),
    ).fetchone()
    return dict(json.loads(row[0]))


def _index(items: list[dict[str, Any]], code: Any, field: str, *, goods_only: bool) -> int:
    if not isinstance(code, str) or not code:
        raise invalid(field, "give the code of an invoiced line")
    found = [
        index
        for index, item in enumerate(items)
        if item["code"] == code and not (goods_only and code == DELIVERY_CODE)
    ]
    if not found:
        raise invalid(field, f"no invoiced line {code!r}")
    if len(found) > 1:
        raise invalid(field, f"{code!r} names more than one line")
    return found[0]


def _changes(
    items: list[dict[str, Any]], body: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """(the items after, the difference lines, the default reason) of a correction request."""
    returns, prices = body.get("returns"), body.get("prices")
    if (returns is None) == (prices is None):
        raise invalid("returns", 'give either "returns" or "prices"')
    key = "returns" if returns is not None else "prices"
    requested = returns if returns is not None else prices
    if not isinstance(requested, list) or not requested:
        raise invalid(key, "must be a non-empty list")
    after = [dict(item) for item in items]
    touched: list[int] = []
    for position, entry in enumerate(requested):
        field = f"{key}[{position}]"
        if not isinstance(entry, dict):
            raise invalid(field, "must be an object")
        index = _index(after, entry.get("code"), f"{field}.code", goods_only=key == "returns")
        if key == "returns":
            quantity = entry.get("quantity")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise invalid(f"{field}.quantity", "must be an integer of at least 1")
            left = after[index]["quantity"]
            if quantity > left:
                raise invalid(
                    f"{field}.quantity",
                    f"cannot return {quantity} of {entry['code']}: "
                    f"{left} invoiced and not returned yet",
                )
            after[index]["quantity"] = left - quantity
        else:
            price = money(entry.get("unit_price"), f"{field}.unit_price")
            if price == Decimal(after[index]["unit_price"]):
                raise invalid(f"{field}.unit_price", "is the invoiced price already")
            after[index]["unit_price"] = str(price)
        if index not in touched:
            touched.append(index)
    lines = []
    for index in sorted(touched):
        before, now_item = items[index], after[index]
        old, new = _item_amounts(before), _item_amounts(now_item)
        diff = {key: new[key] - old[key] for key in ("net", "vat", "gross")}
        if key == "returns":
            shown = {
                "quantity": now_item["quantity"] - before["quantity"],
                "unit_price": before["unit_price"],
            }
        else:
            shown = {
                "quantity": before["quantity"],
                "unit_price": Decimal(now_item["unit_price"]) - Decimal(before["unit_price"]),
            }
        lines.append(_line(before, diff, **shown))
    return after, lines, "Zwrot towaru" if key == "returns" else "Korekta ceny"


def correct(
    conn: sqlite3.Connection,
    order_number: str,
    invoice_id: int,
    body: dict[str, Any],
    now: datetime,
) -> int:
    """Issue a correction of the order's invoice `invoice_id`; 422 for an impossible one."""
    corrected = _load(conn, invoice_id)
    assert corrected is not None
    status = ksef.current(corrected["ksef"], now)["status"]
    if status in ("pending", "rejected"):
        raise ApiError(
            409, "conflict", f"invoice {corrected['number']} is {status} in KSeF: not correctable"
        )
    items, lines, default_reason = _changes(_latest(conn, order_number)["items"], body)
    reason = body.get("reason") or default_reason
    if not isinstance(reason, str):
        raise invalid("reason", "must be a string")
    issue_date = now.astimezone(WARSAW).date()
    seq = next_number(conn, "FK", issue_date.year)
    view = ksef_view(invoice_id, corrected, now)
    data = _with_amounts(
        {
            **{key: corrected[key] for key in KEPT_BY_CORRECTIONS},
            "kind": "CORRECTION",
            "number": f"FK/{seq}/{issue_date.year}",
            "corrects": {
                "id": str(invoice_id),
                "number": corrected["number"],
                "ksef_number": view["number"],
                "issue_date": corrected["issue_date"],
            },
            "correction_reason": reason.strip(),
            "issue_date": issue_date.isoformat(),
            "items": items,
        },
        lines,
        corrected["exchange_rate"],  # a correction keeps the corrected invoice's rate
    )
    return _store(conn, data, now)
