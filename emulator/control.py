"""/_emulator/: plain-JSON levers for demos and tests (buyers acting, token tricks).

`/_emulator/faults` is the skeleton's (`offline.app`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulator import actions, oauth, seed, sellers
from emulator.catalogue import MARKETS
from emulator.clock import parse_iso
from emulator.errors import ControlError
from emulator.faults import FAULTS
from emulator.orders import order_state
from emulator.store import ORDER_TABLES
from offline.app import json_object
from offline.errors import json_response as ok
from offline.store import get_setting, set_setting

if TYPE_CHECKING:
    from emulator.app import EmulatorApp


def _body(request: Request) -> dict[str, Any]:
    return json_object(request, ControlError)


def sellers_endpoint(app: EmulatorApp, request: Request) -> Response:
    """GET lists the sellers; POST adds one with its own orders (`orders`, default 5)."""
    if request.method == "GET":
        with app.store.read() as conn:
            return ok({"sellers": sellers.all_sellers(conn)})
    body = _body(request)
    count = int(body.get("orders", 5))
    if not 0 <= count <= 1000:
        raise ControlError("orders must be 0..1000")
    with app.store.write() as conn:
        seller = sellers.add(
            conn,
            login=body.get("login"),
            base_marketplace=body.get("base_marketplace", "allegro-pl"),
            seller_id=body.get("id"),
        )
        ids = seed.seller_orders(
            conn,
            app.clock.now(),
            seller_id=seller["id"],
            marketplace=seller["baseMarketplace"]["id"],
            count=count,
        )
    return ok({**seller, "orders": ids}, 201)


def create_orders(app: EmulatorApp, request: Request) -> Response:
    body = _body(request)
    marketplace = body.get("marketplace", "allegro-pl")
    if marketplace not in MARKETS:
        raise ControlError(f"marketplace must be one of {sorted(MARKETS)}")
    status = body.get("status", "READY_FOR_PROCESSING")
    if status not in seed.BUYER_STATUSES:
        raise ControlError(f"status must be one of {list(seed.BUYER_STATUSES)}")
    count = int(body.get("count", 1))
    if not 1 <= count <= 1000:
        raise ControlError("count must be 1..1000")
    bought_at = parse_iso(body["bought_at"]) if body.get("bought_at") else None
    with app.store.write() as conn:
        ids = seed.new_orders(
            conn,
            app.clock.now(),
            marketplace=marketplace,
            count=count,
            status=status,
            bought_at=bought_at,
            seller_id=sellers.resolve(conn, body.get("seller")),
        )
    return ok({"ids": ids}, 201)


def order_detail(app: EmulatorApp, request: Request, order_id: str) -> Response:
    with app.store.read() as conn:
        state = order_state(conn, order_id)
    if state is None:
        raise ControlError("no such order", 404)
    return ok(state)


def cancel(app: EmulatorApp, request: Request, order_id: str) -> Response:
    with app.store.write() as conn:
        order = actions.cancel(conn, app.clock.now(), order_id, "BUYER_CANCELLED")
    return ok({"id": order.id, "revision": order.form["revision"]})


def auto_cancel(app: EmulatorApp, request: Request, order_id: str) -> Response:
    with app.store.write() as conn:
        order = actions.cancel(conn, app.clock.now(), order_id, "AUTO_CANCELLED")
    return ok({"id": order.id, "revision": order.form["revision"]})


def surcharge(app: EmulatorApp, request: Request, order_id: str) -> Response:
    amount = _body(request).get("amount")
    with app.store.write() as conn:
        order = actions.add_surcharge(conn, app.clock.now(), order_id, amount)
    return ok(
        {
            "id": order.id,
            "revision": order.form["revision"],
            "totalToPay": order.form["summary"]["totalToPay"],
        }
    )


def merge(app: EmulatorApp, request: Request) -> Response:
    ids = _body(request).get("ids")
    if not isinstance(ids, list):
        raise ControlError("ids must be a list of checkout form ids")
    with app.store.write() as conn:
        order = actions.merge(conn, app.clock.now(), [str(i) for i in ids])
    return ok({"id": order.id, "merged": ids}, 201)


def state(app: EmulatorApp, request: Request) -> Response:
    with app.store.read() as conn:
        by_status = dict(
            conn.execute(
                "SELECT status, COUNT(*) FROM orders WHERE merged_into IS NULL GROUP BY status"
            ).fetchall()
        )
        by_marketplace = dict(
            conn.execute(
                "SELECT marketplace, COUNT(*) FROM orders WHERE merged_into IS NULL "
                "GROUP BY marketplace"
            ).fetchall()
        )
        counts = {
            "orders": sum(by_status.values()),
            "mergedAway": conn.execute(
                "SELECT COUNT(*) FROM orders WHERE merged_into IS NOT NULL"
            ).fetchone()[0],
            "events": conn.execute("SELECT COUNT(*) FROM events").fetchone()[0],
            "droppedEvents": conn.execute(
                "SELECT COUNT(*) FROM events WHERE dropped = 1"
            ).fetchone()[0],
            "latestEventId": str(conn.execute("SELECT MAX(id) FROM events").fetchone()[0] or 0),
            "shipments": conn.execute("SELECT COUNT(*) FROM shipments").fetchone()[0],
            "invoices": conn.execute("SELECT COUNT(*) FROM invoices").fetchone()[0],
            "byStatus": by_status,
            "byMarketplace": by_marketplace,
            "faults": FAULTS.current(conn),
            "accessTokenTtl": get_setting(conn, "access_token_ttl", oauth.DEFAULT_ACCESS_TTL),
            "deviceInterval": get_setting(conn, "device_interval", oauth.DEFAULT_INTERVAL),
            "refreshGrants": get_setting(conn, "refresh_grants", 0),
            "sellers": [
                {"id": seller_id, "login": login, "orders": orders}
                for seller_id, login, orders in conn.execute(
                    "SELECT s.id, s.login, (SELECT COUNT(*) FROM orders o "
                    "WHERE o.seller_id = s.id AND o.merged_into IS NULL) FROM sellers s "
                    "ORDER BY s.seq"
                )
            ],
        }
    return ok(counts)


def reset(app: EmulatorApp, request: Request) -> Response:
    reseed = _body(request).get("seed", True)
    with app.store.write() as conn:
        # Keep event ids growing across resets, so a stale cursor never skips new events.
        top = conn.execute("SELECT MAX(id) FROM events").fetchone()[0]
        if top:
            set_setting(conn, "event_floor", max(top, get_setting(conn, "event_floor", 0)))
        for table in ORDER_TABLES:
            conn.execute(f"DELETE FROM {table}")
        FAULTS.clear(conn)
        ids = seed.seed_demo(conn, app.clock.now()) if reseed else []
    return ok({"orders": len(ids)})


def generate(app: EmulatorApp, request: Request) -> Response:
    body = _body(request)
    count = int(body.get("count", 1000))
    days = int(body.get("days", 30))
    if not 1 <= count <= 1_000_000 or not 1 <= days <= 365:
        raise ControlError("count must be 1..1000000 and days 1..365")
    with app.store.write() as conn:
        seed.generate(conn, app.clock.now(), count=count, days=days)
    return ok({"generated": count}, 201)


def device_approve(app: EmulatorApp, request: Request) -> Response:
    """The seller (`seller`: id or login, default the first) approves; tokens are theirs."""
    body = _body(request)
    with app.store.write() as conn:
        seller_id = sellers.resolve(conn, body.get("seller"))
        codes = oauth.decide(conn, app.clock, body.get("user_code"), True, seller_id)
    return ok({"approved": codes, "seller": seller_id})


def device_deny(app: EmulatorApp, request: Request) -> Response:
    with app.store.write() as conn:
        codes = oauth.decide(conn, app.clock, _body(request).get("user_code"), False)
    return ok({"denied": codes})


def tokens(app: EmulatorApp, request: Request) -> Response:
    body = _body(request)
    with app.store.write() as conn:
        if "access_token_ttl" in body:
            set_setting(conn, "access_token_ttl", max(1, int(body["access_token_ttl"])))
        if "device_interval" in body:
            set_setting(conn, "device_interval", max(0, int(body["device_interval"])))
        return ok(
            {
                "access_token_ttl": get_setting(conn, "access_token_ttl", oauth.DEFAULT_ACCESS_TTL),
                "device_interval": get_setting(conn, "device_interval", oauth.DEFAULT_INTERVAL),
            }
        )


def tokens_expire(app: EmulatorApp, request: Request) -> Response:
    with app.store.write() as conn:
        return ok({"expired": oauth.expire_access_tokens(conn, app.clock)})


def tokens_revoke(app: EmulatorApp, request: Request) -> Response:
    seller = _body(request).get("seller")
    with app.store.write() as conn:
        oauth.revoke_all(conn, sellers.resolve(conn, seller) if seller else None)
    return ok({"revoked": True})
