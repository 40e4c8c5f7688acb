"""WSGI application: Allegro's routes plus the checks every Allegro API call goes through.

Order of checks for an API call: injected faults (a 429 or 5xx does not care about headers),
then `Accept` (406), then the bearer token (401), then the handler. The skeleton (dispatch,
control endpoints, faults) is `offline.app`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from emulator import (
    api,
    billing,
    claims,
    control,
    messaging,
    oauth,
    refunds,
    returns,
    seed,
    sellers,
    tracking,
)
from emulator.clock import Clock
from emulator.errors import MEDIA_TYPE, ApiError, ControlError
from emulator.faults import FAULTS, corrupt
from emulator.store import Store
from offline.app import Handler, OfflineApp, route
from offline.errors import OfflineError, json_response
from offline.faults import Fault
from offline.store import get_setting, set_setting

CONTROL = "/_emulator"
NOT_ACCEPTABLE_USER_MESSAGE = (
    "The request contains incorrect data. Contact the author of the application."
)


def _rules() -> list[Rule]:
    forms = "/order/checkout-forms/<order_id>"
    ctl = CONTROL
    return [
        route("/me", "api", api.me),
        route("/marketplaces", "api", api.marketplaces),
        route("/order/events", "api", api.order_events),
        route("/order/event-stats", "api", api.event_stats),
        route("/order/carriers", "api", api.carriers),
        route("/order/checkout-forms", "api", api.checkout_forms),
        route(forms, "api", api.checkout_form),
        route(f"{forms}/fulfillment", "api", api.fulfillment, "PUT"),
        route(f"{forms}/shipments", "api", api.shipments, "GET", "POST"),
        route(f"{forms}/invoices", "api", api.invoices, "GET", "POST"),
        route(f"{forms}/invoices/<invoice_id>/file", "api", api.invoice_file, "PUT"),
        route(f"{forms}/serial-numbers", "api", api.serial_numbers, "POST"),
        route("/order/customer-returns", "api", returns.customer_returns),
        route("/order/customer-returns/<return_id>", "api", returns.customer_return),
        route("/order/customer-returns/<return_id>/rejection", "api", returns.rejection, "POST"),
        route("/payments/refunds", "api", refunds.initiate, "POST"),
        route("/payments/refunds", "api", refunds.listing, "GET"),
        route("/order/refund-claims", "api", claims.collection, "GET", "POST"),
        route("/order/refund-claims/<claim_id>", "api", claims.item, "GET", "DELETE"),
        route("/order/carriers/<carrier_id>/tracking", "api", tracking.tracking),
        route("/order/<order_id>/billing-documents/links", "api", billing.add_link, "POST"),
        *messaging_rules(),
        route("/auth/oauth/device", "oauth", oauth.device, "POST"),
        route("/auth/oauth/token", "oauth", oauth.token, "POST"),
        route("/skojarz-aplikacje", "oauth", oauth.pairing_page, "GET", "POST"),
        route(f"{ctl}/sellers", "control", control.sellers_endpoint, "GET", "POST"),
        route(f"{ctl}/orders", "control", control.create_orders, "POST"),
        route(f"{ctl}/orders/<order_id>", "control", control.order_detail),
        route(f"{ctl}/orders/<order_id>/cancel", "control", control.cancel, "POST"),
        route(f"{ctl}/orders/<order_id>/auto-cancel", "control", control.auto_cancel, "POST"),
        route(f"{ctl}/orders/<order_id>/surcharge", "control", control.surcharge, "POST"),
        route(f"{ctl}/merge", "control", control.merge, "POST"),
        route(f"{ctl}/orders/<order_id>/return", "control", returns.open_endpoint, "POST"),
        route(f"{ctl}/returns/<return_id>/deliver", "control", returns.deliver_endpoint, "POST"),
        route(f"{ctl}/refunds", "control", refunds.settings_endpoint, "GET", "POST"),
        route(f"{ctl}/refunds/<refund_id>/complete", "control", refunds.complete_endpoint, "POST"),
        route(f"{ctl}/orders/<order_id>/line-returned", "control", claims.line_returned, "POST"),
        route(f"{ctl}/refund-claims/<claim_id>/decide", "control", claims.decide, "POST"),
        route(f"{ctl}/parcels/advance", "control", tracking.advance_endpoint, "POST"),
        route(f"{ctl}/orders/<order_id>/billing-links", "control", billing.links),
        route(f"{ctl}/state", "control", control.state),
        route(f"{ctl}/reset", "control", control.reset, "POST"),
        route(f"{ctl}/generate", "control", control.generate, "POST"),
        route(f"{ctl}/device/approve", "control", control.device_approve, "POST"),
        route(f"{ctl}/device/deny", "control", control.device_deny, "POST"),
        route(f"{ctl}/tokens", "control", control.tokens, "POST"),
        route(f"{ctl}/tokens/expire", "control", control.tokens_expire, "POST"),
        route(f"{ctl}/tokens/revoke", "control", control.tokens_revoke, "POST"),
    ]


def messaging_rules() -> list[Rule]:
    """The message centre (emulator/messaging.py) and its buyer's lever."""
    threads, attachments = "/messaging/threads/<thread_id>", "/messaging/message-attachments"
    return [
        route("/messaging/threads", "api", messaging.threads),
        route(threads, "api", messaging.thread),
        route(f"{threads}/read", "api", messaging.thread_read, "PUT"),
        route(f"{threads}/messages", "api", messaging.thread_messages, "GET", "POST"),
        route("/messaging/messages", "api", messaging.new_message, "POST"),
        route("/messaging/messages/<message_id>", "api", messaging.message, "GET", "DELETE"),
        route(attachments, "api", messaging.attachment_declare, "POST"),
        route(f"{attachments}/<attachment_id>", "api", messaging.attachment, "GET", "PUT"),
        route(f"{CONTROL}/messages", "control", messaging.buyer_writes, "POST"),
        route(f"{CONTROL}/threads", "control", messaging.threads_state),
    ]


class EmulatorApp(OfflineApp):
    name = "emulator"
    store_class = Store
    fault_model = FAULTS
    control_prefix = CONTROL
    break_type = "corrupt"

    def __init__(
        self, db_path: str | Path, *, seed_demo: bool = True, clock: Clock | None = None
    ) -> None:
        super().__init__(db_path, clock=clock)
        with self.store.write() as conn:
            sellers.ensure_default(conn)
        if seed_demo:
            with self.store.write() as conn:
                empty = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0
                if empty and not get_setting(conn, "seeded", False):
                    seed.seed_demo(conn, self.clock.now())
                    set_setting(conn, "seeded", True)

    def routes(self) -> list[Rule]:
        return _rules()

    def dispatch(self, request: Request) -> Response:
        response = super().dispatch(request)
        response.headers["trace-id"] = uuid.uuid4().hex
        if response.mimetype == MEDIA_TYPE:  # the customer returns answer in the beta type
            response.content_type = returns.media_type(request.path, MEDIA_TYPE)
        return response

    def no_route(self, request: Request, error: HTTPException) -> Response:
        if request.path.startswith((CONTROL, "/auth", "/skojarz")):
            return error.get_response()
        code = "NOT_FOUND" if error.code == 404 else "METHOD_NOT_ALLOWED"
        return ApiError(error.code or 404, code, error.description or "").response()

    def bad_request(self, message: str) -> OfflineError:
        return ControlError(message)

    def control_error(self, error: OfflineError) -> Response:
        # Control answers are plain `{"error": "..."}`, also for Allegro-shaped errors.
        return json_response({"error": error.message}, error.status)

    def serve(
        self, kind: str, handler: Handler, request: Request, values: Mapping[str, Any]
    ) -> Response:
        if kind == "oauth":
            return handler(self.store, self.clock, request)
        if returns.media_type(request.path, MEDIA_TYPE) not in request.headers.get("Accept", ""):
            return ApiError(
                406,
                "NotAcceptableException",
                "Not acceptable representation requested. Please check 'Accept' request header",
                user_message=NOT_ACCEPTABLE_USER_MESSAGE,
            ).response()
        try:
            with self.store.read() as conn:
                request.environ[api.SELLER_KEY] = oauth.authenticate(conn, self.clock, request)
        except oauth.OAuthError as error:
            return error.response(MEDIA_TYPE)
        try:
            return handler(self, request, **values)
        except ApiError as error:
            return error.response()

    def fault_subjects(self, request: Request) -> tuple[str, ...]:
        # Faults may aim at one seller (`seller`: id or login): the call's token says whose.
        token = oauth.bearer(request)
        if not token:
            return ()
        with self.store.read() as conn:
            seller_id = oauth.token_seller(conn, token)
            return sellers.names(conn, seller_id) if seller_id else ()

    def fault_response(self, fault: Fault) -> Response:
        if fault.get("status") != 429:
            # Allegro's edge answers 5xx with an HTML page: clients must not assume JSON.
            return super().fault_response(fault)
        response = ApiError(429, "TooManyRequestsException", "Too many requests").response()
        response.headers["Retry-After"] = str(fault["retry_after"])
        return response

    def corrupt(self, fault: Fault, response: Response) -> None:
        if response.mimetype != MEDIA_TYPE:
            return  # an attachment's bytes: nothing to leave out
        response.set_data(json.dumps(corrupt(json.loads(response.get_data()))))


def create_app(
    db_path: str | Path, *, seed: bool = True, clock: Clock | None = None
) -> EmulatorApp:
    """The emulator as a WSGI app on the SQLite file `db_path` (demo orders on first start)."""
    return EmulatorApp(db_path, seed_demo=seed, clock=clock)
