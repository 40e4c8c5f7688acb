"""Handlers for the Allegro order API paths. Auth, Accept and faults are handled in app.py."""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulator import actions, sellers, validation
from emulator.catalogue import CARRIERS, MARKETPLACES
from emulator.clock import iso
from emulator.errors import MEDIA_TYPE, not_found
from emulator.faults import FAULTS
from emulator.orders import load, shipments_of
from offline.errors import json_response

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
MAX_WINDOW = 10_000

# query parameter -> column; several values of one parameter are OR-ed
EQUALITY_FILTERS = {
    "status": "status",
    "fulfillment.status": "fulfillment_status",
    "fulfillment.shipmentSummary.lineItemsSent": "line_items_sent",
    "marketplace.id": "marketplace",
    "buyer.login": "buyer_login",
    "payment.id": "payment_id",
    "delivery.method.id": "delivery_method_id",
    "fulfillment.provider.id": "json_extract(data, '$.fulfillment.provider.id')",
}
RANGE_FILTERS = {
    "lineItems.boughtAt.gte": "bought_at >= ?",
    "lineItems.boughtAt.lte": "bought_at <= ?",
    "updatedAt.gte": "updated_at >= ?",
    "updatedAt.lte": "updated_at <= ?",
}
SORTS = {
    "lineItems.boughtAt": "bought_at ASC, id ASC",
    "-lineItems.boughtAt": "bought_at DESC, id DESC",
    "updatedAt": "updated_at ASC, id ASC",
    "-updatedAt": "updated_at DESC, id DESC",
}


def vnd(data: Any, status: int = 200) -> Response:
    return json_response(data, status, content_type=MEDIA_TYPE)


def _body(request: Request, status: int = 422) -> Any:
    """The JSON body; bad input is a 422 unless the operation's spec gives it 400."""
    return validation.json_request(request, status)


# app.py puts the seller of the request's access token here: each seller sees only its orders.
SELLER_KEY = "emulator.seller_id"


def seller_of(request: Request) -> str:
    return str(request.environ.get(SELLER_KEY, sellers.DEFAULT_SELLER_ID))


def _owned(conn: sqlite3.Connection, request: Request, order_id: str) -> None:
    """Another seller's order is as unknown as a missing one; other checks are unchanged."""
    row = conn.execute("SELECT seller_id FROM orders WHERE id = ?", (order_id.lower(),)).fetchone()
    if row is not None and row[0] != seller_of(request):
        raise not_found()


def me(app: EmulatorApp, request: Request) -> Response:
    with app.store.read() as conn:
        return vnd(sellers.profile(conn, seller_of(request)))


def marketplaces(app: EmulatorApp, request: Request) -> Response:
    return vnd({"marketplaces": MARKETPLACES})


def carriers(app: EmulatorApp, request: Request) -> Response:
    response = vnd({"carriers": CARRIERS})
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def order_events(app: EmulatorApp, request: Request) -> Response:
    # The spec gives this operation 422 (not 400) for any incorrect query parameter.
    limit = validation.int_arg(request, "limit", 100, status=422)
    if not 1 <= limit <= 1000:
        raise validation.invalid(422, "limit must be between 1 and 1000", "limit")
    query = (
        "SELECT id, type, occurred_at, data FROM events "
        "WHERE seller_id = ? AND id > ? AND dropped = 0"
    )
    params: list[Any] = [seller_of(request), validation.event_cursor(request)]
    types = [t for value in request.args.getlist("type") for t in value.split(",") if t]
    if types:
        query += f" AND type IN ({','.join('?' * len(types))})"
        params += types
    with app.store.read() as conn:
        rows = conn.execute(query + " ORDER BY id LIMIT ?", [*params, limit]).fetchall()
    page = [
        f'{{"id":"{eid}","occurredAt":"{at}","type":"{kind}","order":{data}}}'
        for eid, kind, at, data in rows
    ]
    if page:
        page = _disorder(app, request, page, limit)
    return vnd('{"events":[' + ",".join(page) + "]}")


def _disorder(app: EmulatorApp, request: Request, page: list[str], limit: int) -> list[str]:
    """Apply duplicate/shuffle faults to one page (the journal itself stays intact)."""
    if not app.faults_on():
        return page
    with app.store.write() as conn:
        subjects = sellers.names(conn, seller_of(request))
        duplicate = FAULTS.take(conn, "duplicate_events", subjects=subjects)
        shuffle = FAULTS.take(conn, "shuffle_events", subjects=subjects)
    if duplicate:
        rng = duplicate.rng
        for _ in range(max(1, len(page) // 10)):
            index = rng.randrange(len(page))
            page.insert(index + 1, page[index])
        page = page[:limit]
    if shuffle and len(page) > 1:
        original = list(page)
        while page == original:
            shuffle.rng.shuffle(page)
    return page


def event_stats(app: EmulatorApp, request: Request) -> Response:
    with app.store.read() as conn:
        row = conn.execute(
            "SELECT id, occurred_at FROM events WHERE seller_id = ? AND dropped = 0 "
            "ORDER BY id DESC LIMIT 1",
            (seller_of(request),),
        ).fetchone()
    if row is None:
        return vnd({"latestEvent": {"id": "0", "occurredAt": iso(app.clock.now())}})
    return vnd({"latestEvent": {"id": str(row[0]), "occurredAt": row[1]}})


def checkout_forms(app: EmulatorApp, request: Request) -> Response:
    limit = validation.int_arg(request, "limit", 100)
    offset = validation.int_arg(request, "offset", 0)
    if not 1 <= limit <= 100:
        raise validation.invalid(422, "limit must be between 1 and 100", "limit")
    if offset < 0:
        raise validation.invalid(422, "offset must not be negative", "offset")
    if offset + limit > MAX_WINDOW:
        raise validation.invalid(
            422,
            f"offset + limit must not exceed {MAX_WINDOW}; narrow the date range instead",
            "offset",
        )
    where = ["merged_into IS NULL", "seller_id = ?"]
    params: list[Any] = [seller_of(request)]
    for name, column in EQUALITY_FILTERS.items():
        values = request.args.getlist(name)
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    for name, condition in RANGE_FILTERS.items():
        moment = validation.date_time_arg(request, name)
        if moment is not None:
            params.append(iso(moment))
            where.append(condition)
    surcharge = request.args.get("surcharges.id")
    if surcharge:
        where.append(
            "EXISTS (SELECT 1 FROM json_each(orders.data, '$.surcharges') AS s "
            "WHERE json_extract(s.value, '$.id') = ?)"
        )
        params.append(surcharge)
    sort = request.args.get("sort") or "-lineItems.boughtAt"
    if sort not in SORTS:
        raise validation.invalid(400, f"Unknown sort: {sort}", "sort")
    condition = " AND ".join(where)
    with app.store.read() as conn:
        total = conn.execute(f"SELECT COUNT(*) FROM orders WHERE {condition}", params).fetchone()[0]
        rows = conn.execute(
            f"SELECT data FROM orders WHERE {condition} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
    # Forms are stored as JSON text: splice them in rather than parse and re-serialise.
    body = (
        '{"checkoutForms":['
        + ",".join(row[0] for row in rows)
        + f'],"count":{len(rows)},"totalCount":{total}}}'
    )
    return vnd(body)


def checkout_form(app: EmulatorApp, request: Request, order_id: str) -> Response:
    if not UUID_RE.match(order_id):
        raise validation.invalid(422, "Malformed checkout form id (UUID expected)", "id")
    with app.store.read() as conn:
        row = conn.execute(
            "SELECT data FROM orders WHERE id = ? AND merged_into IS NULL AND seller_id = ?",
            (order_id.lower(), seller_of(request)),
        ).fetchone()
    if row is None:
        raise not_found()
    return vnd(row[0])


def fulfillment(app: EmulatorApp, request: Request, order_id: str) -> Response:
    body = _body(request)
    with app.store.write() as conn:
        _owned(conn, request, order_id)
        actions.set_fulfillment(
            conn, app.clock.now(), order_id, body, request.args.get("checkoutForm.revision")
        )
    return Response(status=204)


def _existing(conn: sqlite3.Connection, request: Request, order_id: str) -> None:
    order = load(conn, order_id)
    if order is None or order.seller_id != seller_of(request):
        raise not_found()


def shipments(app: EmulatorApp, request: Request, order_id: str) -> Response:
    if request.method == "POST":
        body = _body(request, 400)  # the spec: 400 for a missing field or an invalid value
        with app.store.write() as conn:
            _owned(conn, request, order_id)
            return vnd(actions.add_shipment(conn, app.clock.now(), order_id, body), 201)
    with app.store.read() as conn:
        _existing(conn, request, order_id)
        return vnd({"shipments": shipments_of(conn, order_id)})


def invoices(app: EmulatorApp, request: Request, order_id: str) -> Response:
    if request.method == "POST":
        body = _body(request)
        with app.store.write() as conn:
            _owned(conn, request, order_id)
            return vnd({"id": actions.add_invoice(conn, app.clock.now(), order_id, body)}, 201)
    with app.store.read() as conn:
        _existing(conn, request, order_id)
        return vnd(
            {
                "orderMode": "REGULAR",
                "invoices": actions.invoices_of(conn, order_id),
                "links": [],
                "hasExternalInvoices": False,
            }
        )


def invoice_file(app: EmulatorApp, request: Request, order_id: str, invoice_id: str) -> Response:
    content = request.get_data()
    with app.store.write() as conn:
        _owned(conn, request, order_id)
        actions.upload_invoice(
            conn, app.clock.now(), order_id, invoice_id, content, request.content_type or ""
        )
    return Response(status=200)


def serial_numbers(app: EmulatorApp, request: Request, order_id: str) -> Response:
    """Accepted and ignored: export orders needing serial numbers are not emulated."""
    body = validation.json_object(_body(request))
    if not isinstance(body.get("lineItems"), list):
        raise validation.invalid(422, "lineItems must be a list", "lineItems")
    with app.store.read() as conn:
        _existing(conn, request, order_id)
    return Response(status=204)
