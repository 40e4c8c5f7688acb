"""Checkout forms in the db and the journal events every change writes.

The full form is stored as JSON next to the columns the list endpoint filters and sorts on,
so a page of 100 forms is one indexed query and a string join.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulator import sellers
from emulator.clock import iso
from emulator.faults import FAULTS
from offline.store import get_setting

SELLER_ID = "44012345"  # the first seller's (`emulator.sellers`)
# Event ids are numeric strings of Allegro's width; they only grow, even across a reset.
EVENT_ID_BASE = 1_758_000_000_000_000


@dataclass
class Order:
    form: dict[str, Any]
    rev_no: int = 1
    fulfillment_changes: int = 0
    merged_into: str | None = None
    seller_id: str = SELLER_ID  # whose order it is: only that seller's tokens see it

    @property
    def id(self) -> str:
        return self.form["id"]

    def bump_revision(self) -> str:
        self.rev_no += 1
        self.form["revision"] = revision_for(self.id, self.rev_no)
        return self.form["revision"]


@dataclass
class Built:
    """A freshly generated order with the history it would have on Allegro."""

    order: Order
    events: list[tuple[str, datetime, int]] = field(default_factory=list)  # type, at, rev_no
    history: list[tuple[str, datetime, int]] = field(default_factory=list)  # status, at, rev_no
    shipments: list[dict[str, Any]] = field(default_factory=list)


def revision_for(order_id: str, rev_no: int) -> str:
    return hashlib.blake2b(f"{order_id}:{rev_no}".encode(), digest_size=4).hexdigest()


def load(conn: sqlite3.Connection, order_id: str, *, include_merged: bool = False) -> Order | None:
    row = conn.execute(
        "SELECT data, rev_no, fulfillment_changes, merged_into, seller_id FROM orders WHERE id = ?",
        (order_id,),
    ).fetchone()
    if row is None or (row[3] and not include_merged):
        return None
    return Order(json.loads(row[0]), row[1], row[2], row[3], row[4])


def _row(order: Order) -> tuple[Any, ...]:
    form = order.form
    return (
        form["id"],
        form["marketplace"]["id"],
        form["status"],
        form["fulfillment"]["status"],
        form["fulfillment"]["shipmentSummary"]["lineItemsSent"],
        max(item["boughtAt"] for item in form["lineItems"]),
        form["updatedAt"],
        form["buyer"]["login"],
        (form.get("payment") or {}).get("id"),
        ((form.get("delivery") or {}).get("method") or {}).get("id"),
        order.rev_no,
        order.fulfillment_changes,
        order.merged_into,
        json.dumps(form, ensure_ascii=False, separators=(",", ":")),
        order.seller_id,
    )


SAVE_SQL = (
    "INSERT OR REPLACE INTO orders (id, marketplace, status, fulfillment_status, "
    "line_items_sent, bought_at, updated_at, buyer_login, payment_id, delivery_method_id, "
    "rev_no, fulfillment_changes, merged_into, data, seller_id) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def save(conn: sqlite3.Connection, order: Order) -> None:
    conn.execute(SAVE_SQL, _row(order))


def next_event_id(conn: sqlite3.Connection) -> int:
    top = conn.execute("SELECT MAX(id) FROM events").fetchone()[0] or 0
    return max(top, get_setting(conn, "event_floor", EVENT_ID_BASE)) + 1


def event_order(form: dict[str, Any], revision: str, seller_id: str) -> dict[str, Any]:
    """The `order` part of a journal event: a snapshot, not the full form."""
    buyer = form["buyer"]
    return {
        "seller": {"id": seller_id},
        "buyer": {
            key: buyer[key]
            for key in ("id", "email", "login", "guest", "preferences")
            if key in buyer
        },
        "lineItems": [
            {
                "id": item["id"],
                "offer": {
                    key: item["offer"][key]
                    for key in ("id", "name", "external")
                    if key in item["offer"]
                },
                "quantity": item["quantity"],
                "originalPrice": item["originalPrice"],
                "price": item["price"],
                "boughtAt": item["boughtAt"],
            }
            for item in form["lineItems"]
        ],
        "checkoutForm": {"id": form["id"], "revision": revision},
        "marketplace": {"id": form["marketplace"]["id"]},
    }


def _dropped(conn: sqlite3.Connection, event_type: str, seller_id: str) -> bool:
    subjects = sellers.names(conn, seller_id)
    return FAULTS.take(conn, "drop_events", event_type=event_type, subjects=subjects) is not None


def emit(conn: sqlite3.Connection, order: Order, event_type: str, at: datetime) -> int:
    """Append a journal event for the order's current revision; a drop fault hides it forever."""
    event_id = next_event_id(conn)
    form = order.form
    payload = json.dumps(event_order(form, form["revision"], order.seller_id), ensure_ascii=False)
    dropped = int(_dropped(conn, event_type, order.seller_id))
    conn.execute(
        "INSERT INTO events (id, type, occurred_at, order_id, dropped, data, seller_id) "
        "VALUES (?,?,?,?,?,?,?)",
        (event_id, event_type, iso(at), order.id, dropped, payload, order.seller_id),
    )
    return event_id


def insert_built(conn: sqlite3.Connection, built: list[Built]) -> list[str]:
    """Store generated orders with their shipments, history and journal (in time order)."""
    conn.executemany(SAVE_SQL, [_row(b.order) for b in built])
    journal = sorted(
        ((at, kind, b.order, rev_no) for b in built for kind, at, rev_no in b.events),
        key=lambda entry: (entry[0], entry[3]),
    )
    first_id = next_event_id(conn)
    rows = []
    for offset, (at, kind, order, rev_no) in enumerate(journal):
        payload = event_order(order.form, revision_for(order.id, rev_no), order.seller_id)
        dropped = int(_dropped(conn, kind, order.seller_id))
        rows.append(
            (
                first_id + offset,
                kind,
                iso(at),
                order.id,
                dropped,
                json.dumps(payload, ensure_ascii=False),
                order.seller_id,
            )
        )
    conn.executemany(
        "INSERT INTO events (id, type, occurred_at, order_id, dropped, data, seller_id) "
        "VALUES (?,?,?,?,?,?,?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO fulfillment_history (order_id, status, revision, at) VALUES (?,?,?,?)",
        [
            (b.order.id, status, revision_for(b.order.id, rev_no), iso(at))
            for b in built
            for status, at, rev_no in b.history
        ],
    )
    conn.executemany(
        "INSERT INTO shipments (id, order_id, data) VALUES (?,?,?)",
        [(s["id"], b.order.id, json.dumps(s)) for b in built for s in b.shipments],
    )
    return [b.order.id for b in built]


def order_state(conn: sqlite3.Connection, order_id: str) -> dict[str, Any] | None:
    """Everything we know about one order, merged-away ones included (for test assertions)."""
    order = load(conn, order_id, include_merged=True)
    if order is None:
        return None
    events = conn.execute(
        "SELECT id, type, occurred_at, dropped, json_extract(data, '$.checkoutForm.revision') "
        "FROM events WHERE order_id = ? ORDER BY id",
        (order_id,),
    ).fetchall()
    history = conn.execute(
        "SELECT status, revision, at FROM fulfillment_history WHERE order_id = ? ORDER BY id",
        (order_id,),
    ).fetchall()
    invoices = conn.execute(
        "SELECT data, length(file) FROM invoices WHERE order_id = ? ORDER BY seq", (order_id,)
    ).fetchall()
    return {
        "checkoutForm": order.form,
        "seller": order.seller_id,
        "mergedInto": order.merged_into,
        "visible": order.merged_into is None,
        "revisionNumber": order.rev_no,
        "fulfillmentChanges": order.fulfillment_changes,
        "fulfillmentHistory": [
            {"status": status, "revision": revision, "at": at} for status, revision, at in history
        ],
        "events": [
            {
                "id": str(eid),
                "type": kind,
                "occurredAt": at,
                "dropped": bool(dropped),
                "revision": rev,
            }
            for eid, kind, at, dropped, rev in events
        ],
        "shipments": shipments_of(conn, order_id),
        "invoices": [{**json.loads(data), "fileSize": size} for data, size in invoices],
    }


def shipments_of(conn: sqlite3.Connection, order_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT data FROM shipments WHERE order_id = ? ORDER BY seq", (order_id,)
    ).fetchall()
    return [json.loads(row[0]) for row in rows]
