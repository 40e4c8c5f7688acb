"""WSGI application: the ERP protocol's routes plus the checks every API call goes through.

Order for an /api/ call: injected faults (down, 5xx, slow), then the bearer token (401), then
the handler, then a `malformed` fault may break its successful answer. /_sim/ needs no token
and is never faulted. The skeleton (dispatch, control endpoints, faults) is `offline.app`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from erp_simulator import api, control, returns
from erp_simulator.clock import Clock
from erp_simulator.errors import ApiError, bad_request
from erp_simulator.faults import FAULTS, break_body
from erp_simulator.store import Store
from offline.app import Handler, OfflineApp, route
from offline.errors import OfflineError
from offline.faults import Fault

CONTROL = "/_sim"


def _rules() -> list[Rule]:
    return [
        route("/api/orders", "api", api.create_order, "POST"),
        route("/api/orders", "api", api.get_order, "GET"),
        route("/api/orders/lookup", "api", api.lookup, "POST"),
        route("/api/invoices/<invoice_id>/pdf", "api", api.invoice_pdf),
        route("/api/currencies", "api", api.currencies),
        route("/api/returns", "api", returns.create_return, "POST"),
        route(f"{CONTROL}/currencies", "control", control.set_currency, "POST"),
        route(f"{CONTROL}/orders/fulfil", "control", control.fulfil, "POST"),
        route(f"{CONTROL}/orders/deliver", "control", control.deliver, "POST"),
        route(f"{CONTROL}/orders/cancel", "control", control.cancel, "POST"),
        route(f"{CONTROL}/orders/correct", "control", control.correct, "POST"),
        route(f"{CONTROL}/ksef", "control", control.ksef_setting, "GET", "POST"),
        route(f"{CONTROL}/invoices/ksef", "control", control.ksef_invoice, "POST"),
        route(f"{CONTROL}/state", "control", control.state),
        route(f"{CONTROL}/reset", "control", control.reset, "POST"),
    ]


class ErpApp(OfflineApp):
    name = "erp_simulator"
    store_class = Store
    fault_model = FAULTS
    control_prefix = CONTROL
    break_type = "malformed"
    breakable = (200, 201)
    down_detail = "The ERP is down for maintenance."

    def routes(self) -> list[Rule]:
        return _rules()

    def no_route(self, request: Request, error: HTTPException) -> Response:
        status = error.code or 404
        code = "not_found" if status == 404 else "method_not_allowed"
        return ApiError(status, code, f"{request.method} {request.path}: {error.name}").response()

    def bad_request(self, message: str) -> OfflineError:
        return bad_request(message)

    def serve(
        self, kind: str, handler: Handler, request: Request, values: Mapping[str, Any]
    ) -> Response:
        try:
            api.authenticate(request)
            return handler(self, request, **values)
        except ApiError as error:
            return error.response()

    def corrupt(self, fault: Fault, response: Response) -> None:
        if response.mimetype == "application/pdf":
            response.set_data(response.get_data()[:64])
        elif fault["mode"] == "not_json":
            response.set_data(b"<html><body>Proxy error: upstream answered garbage</body></html>")
        else:
            body = break_body(json.loads(response.get_data()))
            response.set_data(json.dumps(body, ensure_ascii=False))


def create_app(db_path: str | Path, *, clock: Clock | None = None) -> ErpApp:
    """The ERP simulator as a WSGI app on the SQLite file `db_path`."""
    return ErpApp(db_path, clock=clock)
