"""/api/: the protocol the shop's ERP client speaks (see PROTOCOL.md)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from erp_simulator import invoices, orders
from erp_simulator.errors import ApiError, bad_request
from erp_simulator.validation import validate_order
from offline.app import json_body
from offline.errors import json_response

if TYPE_CHECKING:
    from erp_simulator.app import ErpApp

DEFAULT_TOKEN = "erp-simulator-token"
MAX_LOOKUP = 1000


def expected_token() -> str:
    return os.environ.get("ERP_SIMULATOR_TOKEN") or DEFAULT_TOKEN


def authenticate(request: Request) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "missing bearer token (Authorization: Bearer ...)")
    if token.strip() != expected_token():
        raise ApiError(401, "unauthorized", "invalid token")


def _json(request: Request) -> Any:
    return json_body(request, bad_request("the body is not valid JSON"))


def create_order(app: ErpApp, request: Request) -> Response:
    order = validate_order(_json(request))
    with app.store.write() as conn:
        status, document = orders.submit(conn, order, app.clock.now())
    return json_response(document, status)


def get_order(app: ErpApp, request: Request) -> Response:
    number = request.args.get("number", "").strip()
    if not number:
        raise ApiError(422, "validation_error", "the number query parameter is required")
    with app.store.read() as conn:
        document = orders.find(conn, number, app.clock.now())
    if document is None:
        raise ApiError(404, "not_found", f"no order {number!r} in the ERP")
    return json_response(document)


def lookup(app: ErpApp, request: Request) -> Response:
    body = _json(request)
    numbers = body.get("numbers") if isinstance(body, dict) else None
    if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
        raise ApiError(422, "validation_error", "numbers must be a list of order numbers")
    if len(numbers) > MAX_LOOKUP:
        raise ApiError(422, "validation_error", f"at most {MAX_LOOKUP} numbers per lookup")
    now = app.clock.now()
    with app.store.read() as conn:
        found = [orders.find(conn, number, now) for number in dict.fromkeys(numbers)]
    return json_response({"orders": [document for document in found if document]})


def invoice_pdf(app: ErpApp, request: Request, invoice_id: str) -> Response:
    """The PDF; drawn first (a write) when its KSeF state changed since it was last drawn."""
    if not invoice_id.isdigit():
        raise ApiError(404, "not_found", f"no invoice {invoice_id}")
    now = app.clock.now()
    with app.store.read() as conn:
        data = invoices.pdf_bytes(conn, int(invoice_id), now, draw=False)
    if not data:
        with app.store.write() as conn:
            data = invoices.pdf_bytes(conn, int(invoice_id), now, draw=True)
    response = Response(data, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="invoice-{invoice_id}.pdf"'
    return response


def currencies(app: ErpApp, request: Request) -> Response:
    with app.store.read() as conn:
        available = orders.currencies(conn)
    return json_response(
        {"currencies": [{"code": code, "available": on} for code, on in available.items()]}
    )
