"""Orders in the ERP: idempotent intake, the status machine and the order document."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from erp_simulator import invoices
from erp_simulator.clock import iso
from erp_simulator.errors import ApiError
from erp_simulator.store import next_number
from offline.store import get_setting

STATUSES = ("ACCEPTED", "IN_PROGRESS", "SHIPPED", "DELIVERED", "CANCELLED")
OPEN = ("ACCEPTED", "IN_PROGRESS")
DEFAULT_CURRENCIES = {"PLN": True, "CZK": False, "EUR": True, "HUF": False}


def currencies(conn: sqlite3.Connection) -> dict[str, bool]:
    return {**DEFAULT_CURRENCIES, **get_setting(conn, "currencies", {})}


def document(conn: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> dict[str, Any]:
    """The order document as of `now` (a pending KSeF answer may have arrived since)."""
    invoice = None
    if row["invoice_id"] is not None:
        invoice = invoices.invoice_json(conn, int(row["invoice_id"]), now)
    return {
        "number": row["number"],
        "document_number": row["document_number"],
        "status": row["status"],
        "updated_at": row["updated_at"],
        "invoice": invoice,
        "invoices": invoices.of_order(conn, row["number"], now),
    }


def get_row(conn: sqlite3.Connection, number: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM orders WHERE number = ?", (number,)).fetchone()


def find(conn: sqlite3.Connection, number: str, now: datetime) -> dict[str, Any] | None:
    row = get_row(conn, number)
    return document(conn, row, now) if row else None


def submit(
    conn: sqlite3.Connection, order: dict[str, Any], now: datetime
) -> tuple[int, dict[str, Any]]:
    """Take a validated order: (201, document) when new, (200, document) when known."""
    data = json.dumps(order, ensure_ascii=False, sort_keys=True)
    row = get_row(conn, order["number"])
    if row is not None and row["data"] == data:
        return 200, {**document(conn, row, now), "updated": False}
    if row is not None and row["status"] != "ACCEPTED":
        raise ApiError(
            409,
            "locked",
            f"order {order['number']} is {row['status']} in the ERP and can no longer be changed",
        )
    if not currencies(conn).get(order["currency"], False):
        raise ApiError(
            422,
            "currency_unavailable",
            f"currency {order['currency']} is not available in the ERP",
        )
    if row is None:
        seq = next_number(conn, "ZK", now.year)
        stamp = iso(now)
        conn.execute(
            "INSERT INTO orders (number, document_number, status, data, created_at, updated_at) "
            "VALUES (?, ?, 'ACCEPTED', ?, ?, ?)",
            (order["number"], f"ZK/{seq}/{now.year}", data, stamp, stamp),
        )
        _history(conn, order["number"], "ACCEPTED", now)
        if order.get("fulfilment") == "none":
            _document_only(conn, order, now)
        return 201, {**document(conn, get_row(conn, order["number"]), now), "updated": False}  # type: ignore[arg-type]
    conn.execute(
        "UPDATE orders SET data = ?, updated_at = ? WHERE number = ?",
        (data, iso(now), order["number"]),
    )
    return 200, {**document(conn, get_row(conn, order["number"]), now), "updated": True}  # type: ignore[arg-type]


def _history(conn: sqlite3.Connection, number: str, status: str, now: datetime) -> None:
    conn.execute(
        "INSERT INTO history (number, status, at) VALUES (?, ?, ?)", (number, status, iso(now))
    )


def _set_status(conn: sqlite3.Connection, number: str, status: str, now: datetime) -> None:
    conn.execute(
        "UPDATE orders SET status = ?, updated_at = ? WHERE number = ?", (status, iso(now), number)
    )
    _history(conn, number, status, now)


def _document_only(conn: sqlite3.Connection, order: dict[str, Any], now: datetime) -> None:
    """Fulfilled outside the ERP: the invoice is issued at once and the order stands SHIPPED,
    with no fulfilment step (it never waits in ACCEPTED/IN_PROGRESS to be shipped)."""
    invoice_id = invoices.issue(conn, order, now)
    conn.execute("UPDATE orders SET invoice_id = ? WHERE number = ?", (invoice_id, order["number"]))
    _set_status(conn, order["number"], "SHIPPED", now)


def _require(conn: sqlite3.Connection, number: str) -> sqlite3.Row:
    row = get_row(conn, number)
    if row is None:
        raise ApiError(404, "not_found", f"no order {number!r} in the ERP")
    return row


def fulfil(
    conn: sqlite3.Connection, number: str, now: datetime, *, to: str = "SHIPPED"
) -> dict[str, Any]:
    """ACCEPTED -> IN_PROGRESS -> SHIPPED (issuing the invoice); stops at `to`."""
    if to not in ("IN_PROGRESS", "SHIPPED"):
        raise ApiError(400, "bad_request", "to must be IN_PROGRESS or SHIPPED")
    row = _require(conn, number)
    if row["status"] not in OPEN:
        raise ApiError(409, "conflict", f"order {number} is {row['status']}, not open")
    if row["status"] == "ACCEPTED":
        _set_status(conn, number, "IN_PROGRESS", now)
    if to == "SHIPPED":
        invoice_id = invoices.issue(conn, json.loads(row["data"]), now)
        conn.execute("UPDATE orders SET invoice_id = ? WHERE number = ?", (invoice_id, number))
        _set_status(conn, number, "SHIPPED", now)
    return document(conn, _require(conn, number), now)


def fulfil_all(conn: sqlite3.Connection, now: datetime) -> list[dict[str, Any]]:
    numbers = [
        row[0]
        for row in conn.execute(
            "SELECT number FROM orders WHERE status IN ('ACCEPTED', 'IN_PROGRESS') "
            "ORDER BY created_at, rowid"
        )
    ]
    return [fulfil(conn, number, now) for number in numbers]


def deliver(conn: sqlite3.Connection, number: str, now: datetime) -> dict[str, Any]:
    """SHIPPED -> DELIVERED; an open order is fulfilled (and invoiced) on the way."""
    row = _require(conn, number)
    if row["status"] in OPEN:
        fulfil(conn, number, now)
    elif row["status"] != "SHIPPED":
        raise ApiError(409, "conflict", f"order {number} is {row['status']}, cannot deliver")
    _set_status(conn, number, "DELIVERED", now)
    return document(conn, _require(conn, number), now)


def cancel(conn: sqlite3.Connection, number: str, now: datetime) -> dict[str, Any]:
    row = _require(conn, number)
    if row["status"] not in OPEN:
        raise ApiError(409, "conflict", f"order {number} is {row['status']}, cannot cancel")
    _set_status(conn, number, "CANCELLED", now)
    return document(conn, _require(conn, number), now)


def correct(
    conn: sqlite3.Connection, number: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Issue a correction of a SHIPPED/DELIVERED order's invoice: the document, after."""
    row = _require(conn, number)
    if row["status"] not in ("SHIPPED", "DELIVERED") or row["invoice_id"] is None:
        raise ApiError(409, "conflict", f"order {number} is {row['status']}: no invoice to correct")
    invoices.correct(conn, number, int(row["invoice_id"]), body, now)
    return document(conn, _require(conn, number), now)


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    found = dict(conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
    return {status: int(found.get(status, 0)) for status in STATUSES}
