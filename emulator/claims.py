"""Commission refund claims ("wniosek o rabat transakcyjny"): `/order/refund-claims`.

Allegro gives the commission back for a purchase the buyer never paid for, or one paid and
then returned (refunded). So a claim for a line of a paid order is refused beyond the quantity
that came back (`/_emulator/orders/<id>/line-returned`, or the whole order when its fulfillment
is RETURNED), and all claims of a line together never exceed its quantity. A claim starts
IN_PROGRESS; Allegro's answer is a control call (`/_emulator/refund-claims/<id>/decide`); the
seller may cancel it while it is not decided.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulator.api import seller_of, vnd
from emulator.clock import iso
from emulator.errors import ApiError, ControlError
from emulator.money import amount_of
from emulator.validation import int_arg, invalid, json_request
from offline.app import json_object
from offline.errors import json_response

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

SCHEMA = """
CREATE TABLE IF NOT EXISTS refund_claims (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    seller_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    line_item_id TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refund_claims_line ON refund_claims (line_item_id);
CREATE TABLE IF NOT EXISTS returned_lines (
    line_item_id TEXT PRIMARY KEY,
    quantity INTEGER NOT NULL
);
"""
TABLES = ("refund_claims", "returned_lines")

STATUSES = (
    "IN_PROGRESS",
    "WAITING_FOR_PAYMENT_REFUND",
    "GRANTED",
    "REJECTED",
    "REJECTED_AFTER_APPEAL",
    "CANCELLED",
    "APPEALED",
)
# Claims that no longer hold any of the line's quantity.
RELEASED = ("CANCELLED", "REJECTED", "REJECTED_AFTER_APPEAL")
# The seller may cancel only what Allegro has not decided yet.
CANCELLABLE = ("IN_PROGRESS", "WAITING_FOR_PAYMENT_REFUND")
# Allegro's commission in the emulator: a flat 10 % of what the claimed items cost.
COMMISSION_RATE = Decimal("0.10")


def _line(conn: sqlite3.Connection, line_item_id: str) -> tuple[str, str, dict[str, Any]] | None:
    """(order id, seller id, the line item) of a live order holding this line item."""
    row = conn.execute(
        "SELECT o.id, o.seller_id, l.value FROM orders o, json_each(o.data, '$.lineItems') l "
        "WHERE json_extract(l.value, '$.id') = ? AND o.merged_into IS NULL",
        (line_item_id,),
    ).fetchone()
    return None if row is None else (row[0], row[1], json.loads(row[2]))


def _claimable(conn: sqlite3.Connection, form: dict[str, Any], line: dict[str, Any]) -> int:
    """How many items of the line may be claimed in all: every one if the buyer never paid
    (the order is not READY_FOR_PROCESSING) or the whole order came back; else those returned."""
    if form["status"] != "READY_FOR_PROCESSING" or form["fulfillment"]["status"] == "RETURNED":
        return int(line["quantity"])
    row = conn.execute(
        "SELECT quantity FROM returned_lines WHERE line_item_id = ?", (line["id"],)
    ).fetchone()
    return min(int(row[0]), int(line["quantity"])) if row else 0


def _claimed(conn: sqlite3.Connection, line_item_id: str) -> int:
    marks = ",".join("?" * len(RELEASED))
    row = conn.execute(
        f"SELECT COALESCE(SUM(quantity), 0) FROM refund_claims WHERE line_item_id = ? "
        f"AND status NOT IN ({marks})",
        (line_item_id, *RELEASED),
    ).fetchone()
    return int(row[0])


def create(conn: sqlite3.Connection, now: datetime, seller_id: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid(400, "Request body must be a JSON object")
    line_ref = body.get("lineItem")
    line_item_id = line_ref.get("id") if isinstance(line_ref, dict) else None
    quantity = body.get("quantity")
    if not isinstance(line_item_id, str) or not line_item_id:
        raise invalid(400, "lineItem.id is required", "lineItem.id")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise invalid(400, "quantity must be an integer greater than zero", "quantity")
    found = _line(conn, line_item_id)
    if found is None:
        raise ApiError(
            422, "LINE_ITEM_NOT_FOUND", f"Purchase {line_item_id} not found", path="lineItem.id"
        )
    order_id, owner, line = found
    if owner != seller_id:
        raise ApiError(403, "ACCESS_DENIED", "The purchase does not belong to you")
    form = json.loads(
        conn.execute("SELECT data FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
    )
    claimable = _claimable(conn, form, line)
    if claimable == 0:
        raise ApiError(
            422,
            "REFUND_CLAIM_NOT_ALLOWED",
            "The purchase was paid and not returned: no commission refund is due",
            path="lineItem.id",
            user_message="Rabat transakcyjny przysługuje za nieopłacone lub zwrócone przedmioty.",
        )
    left = claimable - _claimed(conn, line_item_id)
    if quantity > left:
        raise ApiError(
            422,
            "REFUND_CLAIM_QUANTITY_EXCEEDED",
            f"At most {max(left, 0)} more item(s) of this purchase can be claimed",
            path="quantity",
        )
    commission = (amount_of(line["price"]) * quantity * COMMISSION_RATE).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    claim = {
        "id": str(uuid.uuid4()),
        "status": "IN_PROGRESS",
        "quantity": quantity,
        # The spec types the amount as a JSON number.
        "commission": {"amount": float(commission), "currency": line["price"]["currency"]},
        "buyer": {"id": form["buyer"]["id"]},
        "createdAt": iso(now),
        "lineItem": {
            "id": line_item_id,
            "quantity": int(line["quantity"]),
            "boughtAt": line["boughtAt"],
            "offer": {"id": line["offer"]["id"]},
        },
        "type": "MANUAL",
    }
    conn.execute(
        "INSERT INTO refund_claims (id, seller_id, order_id, line_item_id, offer_id, buyer_id, "
        "status, quantity, data) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            claim["id"],
            seller_id,
            order_id,
            line_item_id,
            line["offer"]["id"],
            form["buyer"]["id"],
            claim["status"],
            quantity,
            json.dumps(claim),
        ),
    )
    return claim


def _load(conn: sqlite3.Connection, claim_id: str, seller_id: str | None) -> dict[str, Any]:
    row = conn.execute(
        "SELECT seller_id, data, status FROM refund_claims WHERE id = ?", (claim_id,)
    ).fetchone()
    if row is None:
        raise ApiError(404, "NOT_FOUND", "Refund application not found")
    if seller_id is not None and row[0] != seller_id:
        raise ApiError(403, "ACCESS_DENIED", "Refund application does not belong to you")
    return {**json.loads(row[1]), "status": row[2]}


def _set_status(conn: sqlite3.Connection, claim_id: str, status: str) -> None:
    conn.execute("UPDATE refund_claims SET status = ? WHERE id = ?", (status, claim_id))


def collection(app: EmulatorApp, request: Request) -> Response:
    if request.method == "POST":
        body = json_request(request, 400)
        with app.store.write() as conn:
            claim = create(conn, app.clock.now(), seller_of(request), body)
        return vnd({"id": claim["id"]}, 201)
    limit = int_arg(request, "limit", 25)
    offset = int_arg(request, "offset", 0)
    if not 1 <= limit <= 100 or offset < 0:
        raise invalid(400, "limit must be 1..100 and offset not negative", "limit")
    where, params = ["seller_id = ?"], [seller_of(request)]
    status = request.args.get("status")
    if status:
        if status not in STATUSES:
            raise invalid(400, f"Unknown status: {status}", "status")
        where.append("status = ?")
        params.append(status)
    for name, column in (("lineItem.offer.id", "offer_id"), ("buyer.id", "buyer_id")):
        if request.args.get(name):
            where.append(f"{column} = ?")
            params.append(request.args[name])
    with app.store.read() as conn:
        rows = conn.execute(
            f"SELECT data, status FROM refund_claims WHERE {' AND '.join(where)} "
            "ORDER BY seq LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
    claims = [{**json.loads(data), "status": status} for data, status in rows]
    return vnd({"refundClaims": claims, "count": len(claims)})


def item(app: EmulatorApp, request: Request, claim_id: str) -> Response:
    if request.method == "DELETE":
        with app.store.write() as conn:
            claim = _load(conn, claim_id, seller_of(request))
            if claim["status"] not in CANCELLABLE:
                raise ApiError(
                    422,
                    "REFUND_CLAIM_ALREADY_PROCESSED",
                    f"Refund application has already been processed ({claim['status']})",
                )
            _set_status(conn, claim_id, "CANCELLED")
        return Response(status=204)
    with app.store.read() as conn:
        return vnd(_load(conn, claim_id, seller_of(request)))


def decide(app: EmulatorApp, request: Request, claim_id: str) -> Response:
    """Allegro's answer: POST {"status": "GRANTED" | "REJECTED" | ...}."""
    status = json_object(request, ControlError).get("status")
    if status not in STATUSES or status == "CANCELLED":
        raise ControlError(f"status must be one of {[s for s in STATUSES if s != 'CANCELLED']}")
    with app.store.write() as conn:
        try:
            claim = _load(conn, claim_id, None)
        except ApiError:
            raise ControlError("no such refund claim", 404) from None
        if claim["status"] == "CANCELLED":
            raise ControlError("the seller cancelled this claim")
        _set_status(conn, claim_id, status)
    return json_response({**claim, "status": status})


def line_returned(app: EmulatorApp, request: Request, order_id: str) -> Response:
    """The buyer sent items of a line back and got the money: POST {"lineItemId", "quantity"}."""
    body = json_object(request, ControlError)
    line_item_id, quantity = body.get("lineItemId"), body.get("quantity", 1)
    if not isinstance(quantity, int) or quantity < 1:
        raise ControlError("quantity must be a positive integer")
    with app.store.write() as conn:
        found = _line(conn, str(line_item_id))
        if found is None or found[0] != order_id:
            raise ControlError("no such line item in that order", 404)
        quantity = min(quantity, int(found[2]["quantity"]))
        conn.execute(
            "INSERT OR REPLACE INTO returned_lines (line_item_id, quantity) VALUES (?, ?)",
            (line_item_id, quantity),
        )
    return json_response({"lineItemId": line_item_id, "returned": quantity})
