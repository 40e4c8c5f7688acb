"""Carrier tracking history: `GET /order/carriers/{carrierId}/tracking?waybill=...`.

A parcel is any shipment a seller added to an order (`POST .../shipments`, or a seeded one).
Its history starts PENDING when the waybill was added; `/_emulator/parcels/advance` appends
what the carrier reports next (in transit, out for delivery, delivered, returned, ...).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulator.api import seller_of, vnd
from emulator.catalogue import CARRIER_IDS
from emulator.clock import iso, parse_iso
from emulator.errors import ControlError
from emulator.validation import invalid
from offline.app import json_object
from offline.errors import json_response

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

SCHEMA = """
CREATE TABLE IF NOT EXISTS parcel_events (
    seq INTEGER PRIMARY KEY,
    carrier_id TEXT NOT NULL,
    waybill TEXT NOT NULL,
    code TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    description TEXT
);
CREATE INDEX IF NOT EXISTS parcel_events_waybill ON parcel_events (carrier_id, waybill);
"""
TABLES = ("parcel_events",)

CODES = (
    "AVAILABLE_FOR_PICKUP",
    "DELIVERED",
    "IN_TRANSIT",
    "ISSUE",
    "NOTICE_LEFT",
    "PENDING",
    "RELEASED_FOR_DELIVERY",
    "RETURNED",
)
# The words a demo or a test may use instead of Allegro's codes.
ALIASES = {"OUT_FOR_DELIVERY": "RELEASED_FOR_DELIVERY", "PICKUP": "AVAILABLE_FOR_PICKUP"}
MAX_WAYBILLS = 20  # the spec's maxItems


def _shipments(
    conn: sqlite3.Connection, seller_id: str | None, carrier_id: str, waybill: str
) -> list[str]:
    """createdAt of each shipment with this carrier and waybill (of the seller, if given)."""
    query = (
        "SELECT json_extract(s.data, '$.createdAt') FROM shipments s JOIN orders o "
        "ON o.id = s.order_id WHERE json_extract(s.data, '$.carrierId') = ? "
        "AND json_extract(s.data, '$.waybill') = ?"
    )
    params: list[Any] = [carrier_id, waybill]
    if seller_id is not None:
        query += " AND o.seller_id = ?"
        params.append(seller_id)
    return [row[0] for row in conn.execute(query + " ORDER BY s.seq", params)]


def history(
    conn: sqlite3.Connection, seller_id: str | None, carrier_id: str, waybill: str
) -> dict[str, Any]:
    """One waybill's ParcelTrackingHistory; an unknown waybill has no trackingDetails."""
    created = _shipments(conn, seller_id, carrier_id, waybill)
    if not created:
        return {"waybill": waybill}
    statuses: list[dict[str, Any]] = [{"occurredAt": created[0], "code": "PENDING"}]
    for code, at, description in conn.execute(
        "SELECT code, occurred_at, description FROM parcel_events "
        "WHERE carrier_id = ? AND waybill = ? ORDER BY occurred_at, seq",
        (carrier_id, waybill),
    ):
        status = {"occurredAt": at, "code": code}
        if description:
            status["description"] = description
        statuses.append(status)
    return {
        "waybill": waybill,
        "trackingDetails": {
            "statuses": statuses,
            "createdAt": created[0],
            "updatedAt": statuses[-1]["occurredAt"],
        },
    }


def tracking(app: EmulatorApp, request: Request, carrier_id: str) -> Response:
    if carrier_id not in CARRIER_IDS:
        raise invalid(400, f"Unknown carrier id: {carrier_id}", "carrierId")
    waybills = [w for w in request.args.getlist("waybill") if w]
    if not waybills:
        raise invalid(400, "Give at least one waybill", "waybill")
    if len(waybills) > MAX_WAYBILLS:
        raise invalid(400, f"At most {MAX_WAYBILLS} waybills in one request", "waybill")
    with app.store.read() as conn:
        found = [history(conn, seller_of(request), carrier_id, w) for w in waybills]
    return vnd({"carrierId": carrier_id, "waybills": found})


def advance(
    conn: sqlite3.Connection,
    now: datetime,
    *,
    waybill: str,
    code: str,
    carrier_id: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """The carrier reports `code` for the parcel; returns its history as the API shows it."""
    code = ALIASES.get(code.upper(), code.upper())
    if code not in CODES:
        raise ControlError(f"status must be one of {list(CODES)} (or {sorted(ALIASES)})")
    query = (
        "SELECT DISTINCT json_extract(data, '$.carrierId') FROM shipments "
        "WHERE json_extract(data, '$.waybill') = ?"
    )
    carriers = [row[0] for row in conn.execute(query, (waybill,))]
    if carrier_id is not None:
        carriers = [c for c in carriers if c == carrier_id]
    if not carriers:
        raise ControlError("no parcel was sent with that waybill", 404)
    if len(carriers) > 1:
        raise ControlError(f"several carriers have that waybill: give carrierId of {carriers}")
    conn.execute(
        "INSERT INTO parcel_events (carrier_id, waybill, code, occurred_at, description) "
        "VALUES (?,?,?,?,?)",
        (carriers[0], waybill, code, iso(now), description),
    )
    return {"carrierId": carriers[0], **history(conn, None, carriers[0], waybill)}


def advance_endpoint(app: EmulatorApp, request: Request) -> Response:
    """POST {"waybill", "status", "carrierId"?, "description"?, "at"?}."""
    body = json_object(request, ControlError)
    waybill, code = body.get("waybill"), body.get("status")
    if not isinstance(waybill, str) or not isinstance(code, str):
        raise ControlError("waybill and status are required (strings)")
    try:
        now = parse_iso(body["at"]) if body.get("at") else app.clock.now()
    except ValueError:
        raise ControlError("at must be an ISO date-time") from None
    with app.store.write() as conn:
        parcel = advance(
            conn,
            now,
            waybill=waybill,
            code=code,
            carrier_id=body.get("carrierId"),
            description=body.get("description"),
        )
    return json_response(parcel, 201)
