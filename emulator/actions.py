"""Changes to orders: the seller's writes from the API and the buyer's moves from /_emulator.

Each takes a connection inside a write transaction, so the form, its revision and its journal
event land together (or not at all).
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from emulator.catalogue import CARRIER_IDS, MARKETS, REMOVED_CARRIERS
from emulator.clock import iso
from emulator.errors import ApiError, not_found
from emulator.money import amount_of, price
from emulator.orders import Order, emit, load, save, shipments_of
from emulator.seed import make_uuid, shipment_id
from emulator.validation import invalid, json_object, optional_string

FULFILLMENT_STATUSES = {
    "NEW",
    "PROCESSING",
    "READY_FOR_SHIPMENT",
    "READY_FOR_PICKUP",
    "SENT",
    "PICKED_UP",
    "CANCELLED",
    "SUSPENDED",
    "RETURNED",
}
MAX_FULFILLMENT_CHANGES = 100  # allegro-api#11908
MAX_INVOICE_BYTES = 3 * 1024 * 1024


def _order(conn: sqlite3.Connection, order_id: str) -> Order:
    order = load(conn, order_id)
    if order is None:
        raise not_found()
    return order


def set_fulfillment(
    conn: sqlite3.Connection, now: datetime, order_id: str, body: Any, revision: str | None
) -> None:
    order = _order(conn, order_id)
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(status, str) or status not in FULFILLMENT_STATUSES:
        raise invalid(422, f"Unrecognized status value: {status}", "status")
    if status == "RETURNED":
        raise ApiError(
            422,
            "FULFILLMENT_STATUS_NOT_ALLOWED",
            "RETURNED cannot be set by the seller",
            path="status",
        )
    if revision is not None and revision != order.form["revision"]:
        raise ApiError(
            409,
            "CONFLICT",
            f"Provided revision {revision} is outdated, current is {order.form['revision']}",
            user_message="The order has changed. Refresh it and try again.",
        )
    if order.fulfillment_changes >= MAX_FULFILLMENT_CHANGES:
        raise ApiError(
            422,
            "FULFILLMENT_STATUS_CHANGE_LIMIT_EXCEEDED",
            f"The fulfillment status of this order was changed {MAX_FULFILLMENT_CHANGES} times",
        )
    # Like Allegro we count a "change" to the same status too; callers should not send those.
    order.form["fulfillment"]["status"] = status
    order.fulfillment_changes += 1
    revision = order.bump_revision()
    save(conn, order)
    conn.execute(
        "INSERT INTO fulfillment_history (order_id, status, revision, at) VALUES (?,?,?,?)",
        (order.id, status, revision, iso(now)),
    )
    emit(conn, order, "FULFILLMENT_STATUS_CHANGED", now)


def add_shipment(
    conn: sqlite3.Connection, now: datetime, order_id: str, body: Any
) -> dict[str, Any]:
    order = _order(conn, order_id)
    body = json_object(body, 400)
    carrier = body.get("carrierId")
    waybill = body.get("waybill")
    if isinstance(carrier, str) and carrier in REMOVED_CARRIERS:
        raise invalid(
            400,
            f"Carrier {carrier} is not supported since {REMOVED_CARRIERS[carrier]}; "
            "see GET /order/carriers",
            "carrierId",
        )
    if not isinstance(carrier, str) or carrier not in CARRIER_IDS:
        raise invalid(400, f"Unknown carrier id: {carrier}", "carrierId")
    if not isinstance(waybill, str) or not waybill.strip() or len(waybill) > 64:
        raise invalid(400, "Waybill cannot be empty or longer than 64 characters", "waybill")
    carrier_name = body.get("carrierName")
    if carrier == "OTHER":
        if not isinstance(carrier_name, str) or not carrier_name.strip() or len(carrier_name) > 30:
            raise invalid(400, "carrierName (1-30 chars) is required with OTHER", "carrierName")
    else:
        carrier_name = None  # the spec: ignored unless carrierId is OTHER
    own = [item["id"] for item in order.form["lineItems"]]
    ids = _line_item_ids(body.get("lineItems")) or own
    unknown = [line_id for line_id in ids if line_id not in own]
    if unknown:
        raise invalid(422, f"Line item {unknown[0]} does not belong to the order", "lineItems")
    shipment: dict[str, Any] = {
        "id": shipment_id(carrier, waybill, uuid.uuid4().hex[:8]),
        "waybill": waybill,
        "carrierId": carrier,
        "lineItems": [{"id": line_id} for line_id in ids],
        "createdAt": iso(now),
    }
    if carrier_name:
        shipment["carrierName"] = carrier_name
    conn.execute(
        "INSERT INTO shipments (id, order_id, data) VALUES (?,?,?)",
        (shipment["id"], order.id, json.dumps(shipment)),
    )
    sent = {line["id"] for s in shipments_of(conn, order.id) for line in s["lineItems"]}
    summary = "ALL" if sent >= set(own) else "SOME"
    order.form["fulfillment"]["shipmentSummary"]["lineItemsSent"] = summary
    order.bump_revision()  # the revision moves, updatedAt does not
    save(conn, order)
    return shipment


def _line_item_ids(requested: Any) -> list[str]:
    """The ids of a shipment's `lineItems`: a list of `{"id": ...}`; absent, null or [] is none
    (then the shipment holds every line). Anything else, `{}` included, is a 422."""
    if requested is None:
        return []
    if not isinstance(requested, list):
        raise invalid(422, "lineItems must be a list of {id}", "lineItems")
    ids = [item.get("id") if isinstance(item, dict) else None for item in requested]
    strings = [line_id for line_id in ids if isinstance(line_id, str)]
    if len(strings) != len(ids):
        raise invalid(422, "Every line item needs an id (a string)", "lineItems")
    return strings


def invoices_of(conn: sqlite3.Connection, order_id: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT data FROM invoices WHERE order_id = ? ORDER BY seq", (order_id,))
    return [json.loads(row[0]) for row in rows]


def add_invoice(conn: sqlite3.Connection, now: datetime, order_id: str, body: Any) -> str:
    order = _order(conn, order_id)
    file = body.get("file") if isinstance(body, dict) else None
    name = file.get("name") if isinstance(file, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise invalid(422, "file.name is required", "file.name")
    number = optional_string(body, "invoiceNumber")
    if order.form["status"] != "READY_FOR_PROCESSING":
        raise ApiError(422, "ORDER_NOT_PAID", "Invoices can be added to paid orders only")
    invoice: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "createdAt": iso(now),
        "file": {"name": name},
    }
    if number is not None:
        invoice["invoiceNumber"] = number
    conn.execute(
        "INSERT INTO invoices (id, order_id, data) VALUES (?,?,?)",
        (invoice["id"], order.id, json.dumps(invoice)),
    )
    return invoice["id"]


def upload_invoice(
    conn: sqlite3.Connection,
    now: datetime,
    order_id: str,
    invoice_id: str,
    content: bytes,
    content_type: str,
) -> None:
    _order(conn, order_id)
    row = conn.execute(
        "SELECT data, file IS NOT NULL FROM invoices WHERE id = ? AND order_id = ?",
        (invoice_id, order_id),
    ).fetchone()
    if row is None:
        raise not_found("Invoice")
    if row[1]:
        raise ApiError(409, "INVOICE_FILE_ALREADY_UPLOADED", "Invoice already has a file")
    if len(content) > MAX_INVOICE_BYTES:
        raise ApiError(413, "FILE-TOO-LARGE", "The file is too large. Max file size is 3MB")
    if content_type.split(";")[0].strip() != "application/pdf" or not content.startswith(b"%PDF-"):
        raise ApiError(422, "FILE-CONTENT-INVALID", "The file is empty or is not a PDF document")
    invoice = json.loads(row[0])
    # The antivirus scan is instant here; real Allegro shows WAITING for a while.
    invoice["file"].update(
        {
            "uploadedAt": iso(now),
            "securityVerification": {"status": "ACCEPTED", "verifiedAt": iso(now)},
            "verification": {"status": "NOT_APPLICABLE", "details": []},
        }
    )
    conn.execute(
        "UPDATE invoices SET data = ?, file = ? WHERE id = ?",
        (json.dumps(invoice), content, invoice_id),
    )


def cancel(conn: sqlite3.Connection, now: datetime, order_id: str, event_type: str) -> Order:
    order = _order(conn, order_id)
    order.form["status"] = "CANCELLED"
    order.form["updatedAt"] = iso(now)
    order.bump_revision()
    save(conn, order)
    emit(conn, order, event_type, now)
    return order


def add_surcharge(
    conn: sqlite3.Connection, now: datetime, order_id: str, amount: str | None
) -> Order:
    order = _order(conn, order_id)
    form = order.form
    currency = form["summary"]["totalToPay"]["currency"]
    value = (
        Decimal(amount) if amount else MARKETS[form["marketplace"]["id"]].local_price(Decimal("10"))
    )
    form["surcharges"].append(
        {
            "id": str(uuid.uuid4()),
            "type": "ONLINE",
            "provider": "AF",
            "finishedAt": iso(now),
            "paidAmount": price(value, currency),
            "features": [],
        }
    )
    form["summary"]["totalToPay"] = price(
        amount_of(form["summary"]["totalToPay"]) + value, currency
    )
    form["updatedAt"] = iso(now)
    order.bump_revision()
    save(conn, order)
    emit(conn, order, "READY_FOR_PROCESSING", now)
    return order


def merge(conn: sqlite3.Connection, now: datetime, ids: list[str]) -> Order:
    """The buyer paid several purchases at once: Allegro replaces them with one new form."""
    if len(ids) < 2 or len(set(ids)) != len(ids):
        raise invalid(422, "Give at least two distinct order ids")
    orders = [_order(conn, order_id) for order_id in ids]
    if len({o.seller_id for o in orders}) != 1:
        raise invalid(422, "Orders of different sellers cannot be merged")
    currencies = {o.form["summary"]["totalToPay"]["currency"] for o in orders}
    if len(currencies) != 1:
        raise invalid(422, "Orders in different currencies cannot be merged")
    currency = currencies.pop()
    first = orders[0].form
    rng = random.Random(f"merge:{':'.join(ids)}")
    lines = [item for o in orders for item in o.form["lineItems"]]
    lines_total = sum((amount_of(i["price"]) * int(i["quantity"]) for i in lines), Decimal("0"))
    delivery = json.loads(json.dumps(first.get("delivery") or {}))
    total = lines_total + amount_of(delivery.get("cost"))
    form: dict[str, Any] = {
        **json.loads(json.dumps(first)),
        "id": make_uuid(rng),
        "lineItems": lines,  # the same line item ids: the only link to the old forms
        "surcharges": [],
        "status": "READY_FOR_PROCESSING",
        "fulfillment": {
            "status": "NEW",
            "shipmentSummary": {"lineItemsSent": "NONE"},
            "provider": {"id": "SELLER"},
        },
        "payment": {
            "id": make_uuid(rng),
            "type": "ONLINE",
            "provider": "AF",
            "finishedAt": iso(now),
            "paidAmount": price(total, currency),
            "features": [],
        },
        "summary": {"totalToPay": price(total, currency)},
        "updatedAt": iso(now),
        "revision": "",
    }
    merged = Order(form, rev_no=0, seller_id=orders[0].seller_id)
    for kind in ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"):
        merged.bump_revision()
        save(conn, merged)
        emit(conn, merged, kind, now)
    for old in orders:
        old.merged_into = merged.id
        save(conn, old)
    return merged
