"""WSGI application: routing plus the checks every Allegro API call goes through.

Order of checks for an API call: injected faults (a 429 or 5xx does not care about headers),
then `Accept` (406), then the bearer token (401), then the handler.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from emulator import api, control, faults, oauth, seed
from emulator.clock import Clock
from emulator.errors import ApiError
from emulator.store import Store
from offline.store import get_setting, set_setting

logger = logging.getLogger(__name__)

Handler = Callable[..., Response]


def _rules() -> list[Rule]:
    def rule(path: str, kind: str, handler: Handler, *methods: str) -> Rule:
        return Rule(path, endpoint=(kind, handler), methods=list(methods or ("GET",)))

    forms = "/order/checkout-forms/<order_id>"
    ctl = "/_emulator"
    return [
        rule("/me", "api", api.me),
        rule("/marketplaces", "api", api.marketplaces),
        rule("/order/events", "api", api.order_events),
        rule("/order/event-stats", "api", api.event_stats),
        rule("/order/carriers", "api", api.carriers),
        rule("/order/checkout-forms", "api", api.checkout_forms),
        rule(forms, "api", api.checkout_form),
        rule(f"{forms}/fulfillment", "api", api.fulfillment, "PUT"),
        rule(f"{forms}/shipments", "api", api.shipments, "GET", "POST"),
        rule(f"{forms}/invoices", "api", api.invoices, "GET", "POST"),
        rule(f"{forms}/invoices/<invoice_id>/file", "api", api.invoice_file, "PUT"),
        rule(f"{forms}/serial-numbers", "api", api.serial_numbers, "POST"),
        rule("/auth/oauth/device", "oauth", oauth.device, "POST"),
        rule("/auth/oauth/token", "oauth", oauth.token, "POST"),
        rule("/skojarz-aplikacje", "oauth", oauth.pairing_page, "GET", "POST"),
        rule(f"{ctl}/orders", "control", control.create_orders, "POST"),
        rule(f"{ctl}/orders/<order_id>", "control", control.order_detail),
        rule(f"{ctl}/orders/<order_id>/cancel", "control", control.cancel, "POST"),
        rule(f"{ctl}/orders/<order_id>/auto-cancel", "control", control.auto_cancel, "POST"),
        rule(f"{ctl}/orders/<order_id>/surcharge", "control", control.surcharge, "POST"),
        rule(f"{ctl}/merge", "control", control.merge, "POST"),
        rule(f"{ctl}/state", "control", control.state),
        rule(f"{ctl}/reset", "control", control.reset, "POST"),
        rule(f"{ctl}/generate", "control", control.generate, "POST"),
        rule(f"{ctl}/device/approve", "control", control.device_approve, "POST"),
        rule(f"{ctl}/device/deny", "control", control.device_deny, "POST"),
        rule(f"{ctl}/tokens", "control", control.tokens, "POST"),
        rule(f"{ctl}/tokens/expire", "control", control.tokens_expire, "POST"),
        rule(f"{ctl}/tokens/revoke", "control", control.tokens_revoke, "POST"),
        rule(f"{ctl}/faults", "control", control.faults_endpoint, "GET", "POST", "DELETE"),
    ]


NOT_ACCEPTABLE_USER_MESSAGE = (
    "The request contains incorrect data. Contact the author of the application."
)
FAULT_PAGE = """<!DOCTYPE html>
<html><head><title>{status} {phrase}</title></head>
<body><h1>{status} {phrase}</h1><p>The server encountered a temporary error.</p></body></html>"""


class EmulatorApp:
    def __init__(self, db_path: str | Path, *, seed_demo: bool = True, clock: Clock | None = None):
        self.store = Store(db_path)
        self.clock = clock or Clock()
        self.url_map = Map(_rules())
        if seed_demo:
            with self.store.write() as conn:
                empty = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0
                if empty and not get_setting(conn, "seeded", False):
                    seed.seed_demo(conn, self.clock.now())
                    set_setting(conn, "seeded", True)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        response.headers["trace-id"] = uuid.uuid4().hex
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            (kind, handler), values = adapter.match()
        except HTTPException as error:
            if request.path.startswith(("/_emulator", "/auth", "/skojarz")):
                return error.get_response()
            code = "NOT_FOUND" if error.code == 404 else "METHOD_NOT_ALLOWED"
            return api.vnd(
                ApiError(error.code or 404, code, error.description or "").body(), error.code or 404
            )
        if kind == "control":
            try:
                return handler(self, request, **values)
            except (control.ControlError, ApiError) as error:
                return control.error_response(error)
        injected = self._inject_fault(request)
        if injected is not None:
            return injected
        if kind == "oauth":
            return handler(self.store, self.clock, request)
        return self._api_call(handler, request, values)

    def _api_call(self, handler: Handler, request: Request, values: dict[str, str]) -> Response:
        if api.MEDIA_TYPE not in request.headers.get("Accept", ""):
            error = ApiError(
                406,
                "NotAcceptableException",
                "Not acceptable representation requested. Please check 'Accept' request header",
                user_message=NOT_ACCEPTABLE_USER_MESSAGE,
            )
            return api.vnd(error.body(), 406)
        try:
            with self.store.read() as conn:
                oauth.authenticate(conn, self.clock, request)
        except oauth.OAuthError as error:
            return error.response(api.MEDIA_TYPE)
        try:
            response = handler(self, request, **values)
        except ApiError as error:
            return api.vnd(error.body(), error.status)
        if response.status_code == 200 and self._has_faults():
            with self.store.write() as conn:
                broken = faults.take(conn, "corrupt", path=request.path)
            if broken:
                logger.info("emulator.fault.corrupt", extra={"path": request.path})
                response.set_data(json.dumps(faults.corrupt(json.loads(response.get_data()))))
        return response

    def _has_faults(self) -> bool:
        with self.store.read() as conn:
            return bool(faults.current(conn))

    def _inject_fault(self, request: Request) -> Response | None:
        if not self._has_faults():
            return None
        with self.store.write() as conn:
            slow = faults.take(conn, "slow", path=request.path)
            failure = faults.take(conn, "status", path=request.path)
        if slow:
            logger.info("emulator.fault.slow", extra={"path": request.path})
            time.sleep(slow[0]["seconds"])
        if failure is None:
            return None
        fault = failure[0]
        status = fault["status"]
        logger.info("emulator.fault.status", extra={"path": request.path, "status": status})
        if status == 429:
            body = ApiError(429, "TooManyRequestsException", "Too many requests").body()
            response = api.vnd(json.dumps(body), 429)
            response.headers["Retry-After"] = str(fault["retry_after"])
            return response
        phrase = {
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }.get(status, "Server Error")
        # Allegro's edge answers 5xx with an HTML page: clients must not assume JSON.
        return Response(
            FAULT_PAGE.format(status=status, phrase=phrase),
            status=status,
            content_type="text/html; charset=utf-8",
        )


def create_app(
    db_path: str | Path, *, seed: bool = True, clock: Clock | None = None
) -> EmulatorApp:
    """The emulator as a WSGI app on the SQLite file `db_path` (demo orders on first start)."""
    return EmulatorApp(db_path, seed_demo=seed, clock=clock)
