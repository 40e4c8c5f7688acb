"""/_sim/: plain-JSON levers for demos and tests (currencies, fulfilment, faults, reset)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from erp_simulator import faults, orders
from erp_simulator.errors import ApiError, json_response
from erp_simulator.store import wipe
from offline.store import get_setting, set_setting

if TYPE_CHECKING:
    from erp_simulator.app import ErpApp


def _body(request: Request) -> dict[str, Any]:
    raw = request.get_data()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "bad_request", "body must be JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "body must be a JSON object")
    return body


def _number(body: dict[str, Any]) -> str:
    number = body.get("number")
    if not isinstance(number, str) or not number:
        raise ApiError(400, "bad_request", 'give {"number": "..."}')
    return number


def set_currency(app: ErpApp, request: Request) -> Response:
    body = _body(request)
    code = body.get("code")
    if code not in orders.DEFAULT_CURRENCIES:
        raise ApiError(400, "bad_request", f"code must be one of {list(orders.DEFAULT_CURRENCIES)}")
    if not isinstance(body.get("available"), bool):
        raise ApiError(400, "bad_request", "available must be true or false")
    with app.store.write() as conn:
        settings = get_setting(conn, "currencies", {})
        settings[code] = body["available"]
        set_setting(conn, "currencies", settings)
        available = orders.currencies(conn)
    return json_response({"currencies": available})


def fulfil(app: ErpApp, request: Request) -> Response:
    body = _body(request)
    with app.store.write() as conn:
        if body.get("all"):
            return json_response({"orders": orders.fulfil_all(conn, app.clock.now())})
        to = body.get("to", "SHIPPED")
        return json_response(orders.fulfil(conn, _number(body), app.clock.now(), to=to))


def deliver(app: ErpApp, request: Request) -> Response:
    number = _number(_body(request))
    with app.store.write() as conn:
        return json_response(orders.deliver(conn, number, app.clock.now()))


def cancel(app: ErpApp, request: Request) -> Response:
    number = _number(_body(request))
    with app.store.write() as conn:
        return json_response(orders.cancel(conn, number, app.clock.now()))


def state(app: ErpApp, request: Request) -> Response:
    with app.store.read() as conn:
        counts = orders.counts(conn)
        invoices = conn.execute("SELECT COUNT(*) FROM invoices").fetchone()[0]
        return json_response(
            {
                "orders": counts,
                "total_orders": sum(counts.values()),
                "invoices": invoices,
                "currencies": orders.currencies(conn),
                "faults": faults.current(conn),
            }
        )


def reset(app: ErpApp, request: Request) -> Response:
    with app.store.write() as conn:
        wipe(conn)
    return json_response({"reset": True})


def faults_endpoint(app: ErpApp, request: Request) -> Response:
    if request.method == "GET":
        with app.store.read() as conn:
            return json_response({"faults": faults.current(conn)})
    if request.method == "DELETE":
        with app.store.write() as conn:
            faults.clear(conn)
        return json_response({"faults": []})
    raw = request.get_data()
    try:
        spec = json.loads(raw)
    except ValueError:
        raise ApiError(400, "bad_request", "body must be JSON") from None
    specs = spec if isinstance(spec, list) else [spec]
    try:
        with app.store.write() as conn:
            live = faults.add(conn, specs)
    except (ValueError, TypeError) as error:
        raise ApiError(400, "bad_request", str(error)) from None
    return json_response({"faults": live}, 201)
