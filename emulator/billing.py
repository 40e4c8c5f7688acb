"""Links to billing documents (a receipt for a buyer who wanted no invoice, allegro-api
#12437): `POST /order/{orderId}/billing-documents/links`, at most 10 per order."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from emulator.api import seller_of
from emulator.errors import ApiError, ControlError, not_found
from emulator.orders import load
from emulator.validation import json_object, json_request
from offline.errors import json_response

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

SCHEMA = """
CREATE TABLE IF NOT EXISTS billing_links (
    seq INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    url TEXT NOT NULL,
    UNIQUE (order_id, url)
);
"""
TABLES = ("billing_links",)
MAX_LINKS = 10


def add_link(app: EmulatorApp, request: Request, order_id: str) -> Response:
    body = json_object(json_request(request, 422))
    url = body.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiError(422, "INVALID_URL", "The given URL is invalid", path="url")
    with app.store.write() as conn:
        order = load(conn, order_id)
        if order is None:
            raise not_found()
        if order.seller_id != seller_of(request):
            raise ApiError(403, "ACCESS_DENIED", "You do not have permission to access this order")
        links = [
            row[0]
            for row in conn.execute("SELECT url FROM billing_links WHERE order_id = ?", (order_id,))
        ]
        if url in links:
            raise ApiError(
                409, "DUPLICATED_URL", "The given URL to the billing document already exists"
            )
        if len(links) >= MAX_LINKS:
            raise ApiError(422, "TOO_MANY_LINKS", f"An order takes at most {MAX_LINKS} links")
        conn.execute("INSERT INTO billing_links (order_id, url) VALUES (?, ?)", (order_id, url))
    return Response(status=201)


def links(app: EmulatorApp, request: Request, order_id: str) -> Response:
    """Control: the links an order got, oldest first."""
    with app.store.read() as conn:
        if load(conn, order_id) is None:
            raise ControlError("no such order", 404)
        rows = conn.execute(
            "SELECT url FROM billing_links WHERE order_id = ? ORDER BY seq", (order_id,)
        )
        return json_response({"links": [row[0] for row in rows]})
