"""Customer returns (`/order/customer-returns`, a beta media type) and their rejection.

A buyer opens a return for some lines of a sent order (control: `/_emulator/orders/<id>/return`)
with a return parcel; the parcel arrives (`/_emulator/returns/<id>/deliver`); the seller
accepts by refunding (`emulator.refunds`: a successful refund of the order finishes its open
returns) or rejects with one of Allegro's codes.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulator import sellers
from emulator.clock import iso
from emulator.errors import ApiError, ControlError, not_found
from emulator.orders import load
from emulator.validation import date_time_arg, int_arg, invalid
from offline.app import json_body
from offline.errors import json_response

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

BETA_MEDIA_TYPE = "application/vnd.allegro.beta.v1+json"
# The paths the specification gives the beta media type (in and out).
BETA_PREFIX = "/order/customer-returns"

SCHEMA = """
CREATE TABLE IF NOT EXISTS customer_returns (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    seller_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customer_returns_order ON customer_returns (order_id);
"""
TABLES = ("customer_returns",)

REJECTION_CODES = (
    "REFUND_REJECTED",
    "NEW_ITEM_SENT",
    "ITEM_FIXED",
    "MISSING_PART_SENT",
    "ITEM_MISMATCH",
    "BUSINESS_PURCHASE",  # allegro-api#13203, April 2026
    "NO_RETURN_RIGHT",
)
REASONS = (
    "NONE",
    "MISTAKE",
    "TRANSPORT",
    "DAMAGED",
    "NOT_AS_DESCRIBED",
    "DONT_LIKE_IT",
    "OVERDUE_DELIVERY",
    "INCOMPLETE",
    "HIDDEN_FLAW",
    "OTHER_FLAW",
    "DIFFERENT",
    "COUNTERFEIT",
    "NOT_NEW",
    "TOO_LARGE",
    "TOO_SMALL",
    "NOT_AS_EXPECTED",
    "ORDERED_FOR_COMPARISON",
)
# A return still waiting for the seller's decision (a refund finishes it, a rejection ends it).
OPEN_STATUSES = ("CREATED", "DISPATCHED", "IN_TRANSIT", "DELIVERED")
RETURNABLE_FULFILLMENT = ("SENT", "PICKED_UP")


def media_type(path: str, default: str) -> str:
    return BETA_MEDIA_TYPE if path.startswith(BETA_PREFIX) else default


def beta(data: Any, status: int = 200) -> Response:
    return json_response(data, status, content_type=BETA_MEDIA_TYPE)


def _load(conn: sqlite3.Connection, return_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT data FROM customer_returns WHERE id = ?", (return_id,)).fetchone()
    return json.loads(row[0]) if row else None


def save(conn: sqlite3.Connection, seller_id: str, data: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO customer_returns (id, seller_id, order_id, status, created_at, data) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
        "data = excluded.data",
        (
            data["id"],
            seller_id,
            data["orderId"],
            data["status"],
            data["createdAt"],
            json.dumps(data, ensure_ascii=False),
        ),
    )


def returns_of_order(conn: sqlite3.Connection, order_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT data FROM customer_returns WHERE order_id = ? ORDER BY seq", (order_id,)
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


# Control: the buyer's moves


def open_return(
    conn: sqlite3.Connection, now: datetime, order_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """The buyer returns `items` ([{"lineItemId" or "offerId", "quantity", "reason"}]; default
    the first line, all of it) of a sent order and sends them back in a parcel."""
    order = load(conn, order_id.lower())
    if order is None:
        raise ControlError("no such order", 404)
    form = order.form
    if form["fulfillment"]["status"] not in RETURNABLE_FULFILLMENT:
        raise ControlError(
            f"only a sent order can be returned (it is {form['fulfillment']['status']})", 409
        )
    lines = {line["id"]: line for line in form["lineItems"]}
    by_offer = {line["offer"]["id"]: line for line in form["lineItems"]}
    wanted = body.get("items") or [{"lineItemId": form["lineItems"][0]["id"]}]
    if not isinstance(wanted, list):
        raise ControlError("items must be a list")
    already: dict[str, int] = {}
    for earlier in returns_of_order(conn, order.id):
        if earlier["status"] != "REJECTED":
            for item in earlier["items"]:
                already[item["offerId"]] = already.get(item["offerId"], 0) + item["quantity"]
    items = []
    for wish in wanted:
        if not isinstance(wish, dict):
            raise ControlError("each item must be an object")
        line = lines.get(str(wish.get("lineItemId"))) or by_offer.get(str(wish.get("offerId")))
        if line is None:
            raise ControlError(f"no such line item: {wish}")
        quantity = int(wish.get("quantity") or line["quantity"])
        offer_id = line["offer"]["id"]
        if not 1 <= quantity <= line["quantity"] - already.get(offer_id, 0):
            raise ControlError(f"quantity must be 1..{line['quantity'] - already.get(offer_id, 0)}")
        reason = wish.get("reason") or "DONT_LIKE_IT"
        if reason not in REASONS:
            raise ControlError(f"reason must be one of {list(REASONS)}")
        items.append(
            {
                "offerId": offer_id,
                "quantity": quantity,
                "name": line["offer"]["name"],
                "price": line["price"],
                "url": f"https://allegro.pl/oferta/{offer_id}",
                "reason": {"type": reason, "userComment": str(wish.get("comment") or "")},
            }
        )
    count = conn.execute("SELECT COUNT(*) FROM customer_returns").fetchone()[0]
    waybill = str(body.get("waybill") or f"AD{uuid.uuid4().hex[:8].upper()}")
    data = {
        "id": str(uuid.uuid4()),
        "isFulfillment": False,
        "createdAt": iso(now),
        "referenceNumber": f"{count + 1:04d}/Z{now:%m}A",
        "orderId": order.id,
        "buyer": {"email": form["buyer"]["email"], "login": form["buyer"]["login"]},
        "items": items,
        "parcels": [
            {
                "createdAt": iso(now),
                "waybill": waybill,
                "transportingWaybill": None,
                "carrierId": str(body.get("carrier") or "ALLEGRO"),
                "transportingCarrierId": None,
                "sender": {"phoneNumber": str(form["buyer"].get("phoneNumber") or "")},
            }
        ],
        "marketplaceId": form["marketplace"]["id"],
        "status": "DISPATCHED",
    }
    save(conn, order.seller_id, data)
    return data


def set_status(conn: sqlite3.Connection, return_id: str, status: str) -> dict[str, Any]:
    data = _load(conn, return_id)
    if data is None:
        raise ControlError("no such return", 404)
    if data["status"] not in OPEN_STATUSES:
        raise ControlError(f"the return is {data['status']} already", 409)
    data["status"] = status
    save(conn, sellers_id(conn, return_id), data)
    return data


def finish_returns_of(conn: sqlite3.Connection, order_id: str) -> None:
    """A refund of the order succeeded: its open returns are finished."""
    for data in returns_of_order(conn, order_id):
        if data["status"] in OPEN_STATUSES:
            set_status(conn, data["id"], "FINISHED")


def deliver_endpoint(app: EmulatorApp, request: Request, return_id: str) -> Response:
    with app.store.write() as conn:
        return json_response(set_status(conn, return_id, "DELIVERED"))


def open_endpoint(app: EmulatorApp, request: Request, order_id: str) -> Response:
    body = json_body(request, ControlError("body must be JSON"), empty={})
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    with app.store.write() as conn:
        return json_response(open_return(conn, app.clock.now(), order_id, body), 201)


# API


def _seller(request: Request) -> str:
    from emulator.api import seller_of

    return seller_of(request)


def _values(request: Request, name: str) -> list[str]:
    """ "One or more" values: repeated or comma-separated."""
    return [v for raw in request.args.getlist(name) for v in raw.split(",") if v]


def _matches(data: dict[str, Any], request: Request) -> bool:
    parcels = data.get("parcels") or []
    fields = {
        "customerReturnId": [data["id"]],
        "orderId": [data["orderId"]],
        "buyer.email": [data["buyer"]["email"]],
        "buyer.login": [data["buyer"]["login"]],
        "items.offerId": [item["offerId"] for item in data["items"]],
        "items.name": [item["name"] for item in data["items"]],
        "parcels.waybill": [p["waybill"] for p in parcels],
        "parcels.transportingWaybill": [p.get("transportingWaybill") for p in parcels],
        "parcels.carrierId": [p["carrierId"] for p in parcels],
        "parcels.transportingCarrierId": [p.get("transportingCarrierId") for p in parcels],
        "parcels.sender.phoneNumber": [p["sender"]["phoneNumber"] for p in parcels],
        "referenceNumber": [data["referenceNumber"]],
        "marketplaceId": [data["marketplaceId"]],
        "status": [data["status"]],
    }
    for name, have in fields.items():
        wanted = _values(request, name)
        if wanted and not set(wanted) & {h for h in have if h}:
            return False
    return True


def customer_returns(app: EmulatorApp, request: Request) -> Response:
    limit = int_arg(request, "limit", 100)
    offset = int_arg(request, "offset", 0)
    if not 1 <= limit <= 1000:
        raise invalid(400, "limit must be between 1 and 1000", "limit")
    if offset < 0:
        raise invalid(400, "offset must not be negative", "offset")
    since = date_time_arg(request, "createdAt.gte")
    until = date_time_arg(request, "createdAt.lte")
    where, params = ["seller_id = ?"], [_seller(request)]
    if since:
        where.append("created_at >= ?")
        params.append(iso(since))
    if until:
        where.append("created_at <= ?")
        params.append(iso(until))
    after = request.args.get("from")
    with app.store.read() as conn:
        if after:
            row = conn.execute("SELECT seq FROM customer_returns WHERE id = ?", (after,)).fetchone()
            if row is None:
                raise invalid(400, "from must be the id of a customer return", "from")
            where.append("seq > ?")
            params.append(row[0])
        rows = conn.execute(
            f"SELECT data FROM customer_returns WHERE {' AND '.join(where)} ORDER BY seq", params
        ).fetchall()
    found = [data for data in (json.loads(r[0]) for r in rows) if _matches(data, request)]
    page = found[offset : offset + limit]
    return beta({"customerReturns": page, "count": len(page)})


def _owned(conn: sqlite3.Connection, request: Request, return_id: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT data, seller_id FROM customer_returns WHERE id = ?", (return_id,)
    ).fetchone()
    if row is None or row[1] != _seller(request):
        raise not_found("Customer return")
    return json.loads(row[0])


def customer_return(app: EmulatorApp, request: Request, return_id: str) -> Response:
    with app.store.read() as conn:
        return beta(_owned(conn, request, return_id))


def _rejection_body(request: Request) -> dict[str, Any]:
    if request.mimetype != BETA_MEDIA_TYPE:
        raise ApiError(
            415,
            "NotSupportedException",
            f"Content type '{request.mimetype or 'none'}' not supported; send {BETA_MEDIA_TYPE}",
        )
    body = json_body(request, invalid(400, "Malformed JSON body"))
    rejection = body.get("rejection") if isinstance(body, dict) else None
    if not isinstance(rejection, dict):
        raise invalid(400, "rejection is required", "rejection")
    code = rejection.get("code")
    if code not in REJECTION_CODES:
        raise invalid(
            400, f"rejection.code must be one of {list(REJECTION_CODES)}", "rejection.code"
        )
    reason = rejection.get("reason")
    if reason is not None and (not isinstance(reason, str) or not 1 <= len(reason) <= 250):
        raise invalid(400, "rejection.reason must be 1..250 characters", "rejection.reason")
    if code == "REFUND_REJECTED" and not reason:
        raise invalid(400, "rejection.reason is required with REFUND_REJECTED", "rejection.reason")
    return {"code": code, "reason": reason}


def rejection(app: EmulatorApp, request: Request, return_id: str) -> Response:
    wanted = _rejection_body(request)
    with app.store.write() as conn:
        data = _owned(conn, request, return_id)
        if data["status"] == "REJECTED":
            raise ApiError(
                422,
                "CUSTOMER_RETURN_ALREADY_REJECTED",
                "Customer return has already been rejected",
                user_message="Ten zwrot został już odrzucony.",
            )
        if data["status"] not in OPEN_STATUSES:
            raise ApiError(
                422,
                "CUSTOMER_RETURN_FINISHED",
                f"Customer return is {data['status']}",
                user_message="Ten zwrot jest już zakończony.",
            )
        reason = wanted["reason"] or ""
        data["rejection"] = {
            "code": wanted["code"],
            "reason": reason,
            "createdAt": iso(app.clock.now()),
        }
        data["status"] = "REJECTED"
        save(conn, sellers_id(conn, return_id), data)
    return beta(data)


def sellers_id(conn: sqlite3.Connection, return_id: str) -> str:
    row = conn.execute(
        "SELECT seller_id FROM customer_returns WHERE id = ?", (return_id,)
    ).fetchone()
    return row[0] if row else sellers.DEFAULT_SELLER_ID
