"""WSGI application: routing plus the checks every API call goes through.

Order for an /api/ call: injected faults (down, 5xx, slow), then the bearer token (401), then
the handler, then a `malformed` fault may break its successful answer. /_sim/ needs no token
and is never faulted.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from erp_simulator import api, control, faults
from erp_simulator.clock import Clock
from erp_simulator.errors import ApiError
from erp_simulator.store import Store

logger = logging.getLogger(__name__)

Handler = Callable[..., Response]
FAULT_PAGE = """<!DOCTYPE html>
<html><head><title>{status} {phrase}</title></head>
<body><h1>{status} {phrase}</h1><p>{detail}</p></body></html>"""
PHRASES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def _rules() -> list[Rule]:
    def rule(path: str, kind: str, handler: Handler, *methods: str) -> Rule:
        return Rule(path, endpoint=(kind, handler), methods=list(methods or ("GET",)))

    return [
        rule("/api/orders", "api", api.create_order, "POST"),
        rule("/api/orders", "api", api.get_order, "GET"),
        rule("/api/orders/lookup", "api", api.lookup, "POST"),
        rule("/api/invoices/<invoice_id>/pdf", "api", api.invoice_pdf),
        rule("/api/currencies", "api", api.currencies),
        rule("/_sim/currencies", "control", control.set_currency, "POST"),
        rule("/_sim/orders/fulfil", "control", control.fulfil, "POST"),
        rule("/_sim/orders/deliver", "control", control.deliver, "POST"),
        rule("/_sim/orders/cancel", "control", control.cancel, "POST"),
        rule("/_sim/state", "control", control.state),
        rule("/_sim/reset", "control", control.reset, "POST"),
        rule("/_sim/faults", "control", control.faults_endpoint, "GET", "POST", "DELETE"),
    ]


def html_page(status: int, detail: str) -> Response:
    phrase = PHRASES.get(status, "Server Error")
    return Response(
        FAULT_PAGE.format(status=status, phrase=phrase, detail=detail),
        status=status,
        content_type="text/html; charset=utf-8",
    )


class ErpApp:
    def __init__(self, db_path: str | Path, *, clock: Clock | None = None) -> None:
        self.store = Store(db_path)
        self.clock = clock or Clock()
        self.url_map = Map(_rules())

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            (kind, handler), values = adapter.match()
        except HTTPException as error:
            status = error.code or 404
            code = "not_found" if status == 404 else "method_not_allowed"
            return ApiError(
                status, code, f"{request.method} {request.path}: {error.name}"
            ).response()
        if kind == "control":
            try:
                return handler(self, request, **values)
            except ApiError as error:
                return error.response()
        injected = self._inject_fault(request)
        if injected is not None:
            return injected
        try:
            api.authenticate(request)
            response = handler(self, request, **values)
        except ApiError as error:
            return error.response()
        if response.status_code in (200, 201) and self._has_faults():
            self._maybe_break(request, response)
        return response

    def _has_faults(self) -> bool:
        with self.store.read() as conn:
            return bool(faults.current(conn))

    def _inject_fault(self, request: Request) -> Response | None:
        if not self._has_faults():
            return None
        with self.store.write() as conn:
            down = faults.take(conn, "down", request.path)
            slow = faults.take(conn, "slow", request.path) if down is None else None
            failure = faults.take(conn, "status", request.path) if down is None else None
        if down is not None:
            logger.info("erp_simulator.fault.down", extra={"path": request.path})
            return html_page(503, "The ERP is down for maintenance.")
        if slow is not None:
            time.sleep(slow["seconds"])
        if failure is not None:
            logger.info("erp_simulator.fault.status", extra={"path": request.path})
            return html_page(failure["status"], "The server encountered a temporary error.")
        return None

    def _maybe_break(self, request: Request, response: Response) -> None:
        with self.store.write() as conn:
            fault = faults.take(conn, "malformed", request.path)
        if fault is None:
            return
        logger.info("erp_simulator.fault.malformed", extra={"path": request.path})
        if response.mimetype == "application/pdf":
            response.set_data(response.get_data()[:64])
        elif fault["mode"] == "not_json":
            response.set_data(b"<html><body>Proxy error: upstream answered garbage</body></html>")
        else:
            body = faults.break_body(json.loads(response.get_data()))
            response.set_data(json.dumps(body, ensure_ascii=False))


def create_app(db_path: str | Path, *, clock: Clock | None = None) -> ErpApp:
    """The ERP simulator as a WSGI app on the SQLite file `db_path`."""
    return ErpApp(db_path, clock=clock)
