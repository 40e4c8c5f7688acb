"""/_sim/: plain-JSON levers for demos and tests (currencies, fulfilment, KSeF, corrections,
reset).

`/_sim/faults` is the skeleton's (`offline.app`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from erp_simulator import invoices, ksef, orders
from erp_simulator.errors import bad_request
from erp_simulator.faults import FAULTS
from erp_simulator.store import wipe
from offline.app import json_object
from offline.errors import json_response
from offline.store import get_setting, set_setting

if TYPE_CHECKING:
    from erp_simulator.app import ErpApp


def _body(request: Request) -> dict[str, Any]:
    return json_object(request, bad_request)


def _number(body: dict[str, Any]) -> str:
    number = body.get("number")
    if not isinstance(number, str) or not number:
        raise bad_request('give {"number": "..."}')
    return number


def set_currency(app: ErpApp, request: Request) -> Response:
    body = _body(request)
    code = body.get("code")
    if code not in orders.DEFAULT_CURRENCIES:
        raise bad_request(f"code must be one of {list(orders.DEFAULT_CURRENCIES)}")
    if not isinstance(body.get("available"), bool):
        raise bad_request("available must be true or false")
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


def ksef_setting(app: ErpApp, request: Request) -> Response:
    """GET: the setting and the Offline certificate (PEM, once made); POST: change it."""
    if request.method == "GET":
        with app.store.read() as conn:
            return json_response({**ksef.setting(conn), "certificate": ksef.certificate_pem(conn)})
    body = _body(request)
    mode = body.get("mode")
    if mode not in ksef.MODES:
        raise bad_request(f"mode must be one of {list(ksef.MODES)}")
    delay = body.get("delay_seconds", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
        raise bad_request("delay_seconds must be a whole number of seconds >= 0")
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise bad_request("reason must be a string")
    value = {"mode": mode, "delay_seconds": delay, "reason": reason or None}
    with app.store.write() as conn:
        return json_response(ksef.set_mode(conn, value))


def ksef_invoice(app: ErpApp, request: Request) -> Response:
    body = _body(request)
    number = _number(body)
    to = body.get("to")
    if to not in ("accepted", "rejected"):
        raise bad_request('to must be "accepted" or "rejected"')
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise bad_request("reason must be a string")
    with app.store.write() as conn:
        return json_response(invoices.set_ksef(conn, number, to, reason, app.clock.now()))


def correct(app: ErpApp, request: Request) -> Response:
    body = _body(request)
    number = _number(body)
    with app.store.write() as conn:
        return json_response(orders.correct(conn, number, body, app.clock.now()))


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
                "ksef": ksef.setting(conn),
                "faults": FAULTS.current(conn),
            }
        )


def reset(app: ErpApp, request: Request) -> Response:
    with app.store.write() as conn:
        wipe(conn)
    return json_response({"reset": True})
