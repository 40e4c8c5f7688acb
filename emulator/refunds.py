"""Payment refunds (`/payments/refunds`): idempotent by `commandId`, checked against what the
buyer paid, and moving from NEW to SUCCESS or CANCELED as the control setting says.

`/_emulator/refunds` sets the outcome (`{"outcome": "SUCCESS" | "CANCELED" | "MANUAL"}`,
default SUCCESS: a refund reports it the first time it is read after being made);
`/_emulator/refunds/<id>/complete` `{"status": ...}` decides one by hand.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from emulator import returns
from emulator.api import UUID_RE, seller_of, vnd
from emulator.clock import iso
from emulator.errors import ApiError, ControlError
from emulator.money import price
from emulator.orders import load
from emulator.validation import date_time_arg, int_arg, invalid, json_object, json_request
from offline.app import json_body
from offline.errors import json_response
from offline.store import get_setting, set_setting

if TYPE_CHECKING:
    from emulator.app import EmulatorApp

SCHEMA = """
CREATE TABLE IF NOT EXISTS refunds (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    seller_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    command_id TEXT,
    body_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (seller_id, command_id)
);
CREATE INDEX IF NOT EXISTS refunds_order ON refunds (order_id);
"""
TABLES = ("refunds",)

REASONS = (
    "REFUND",
    "COMPLAINT",
    "PRODUCT_NOT_AVAILABLE",
    "PAID_VALUE_TOO_LOW",
    "OVERPAID",
    "CANCELLED_BY_BUYER",
    "NOT_COLLECTED",
)
OUTCOMES = ("SUCCESS", "CANCELED", "MANUAL")
FINAL = ("SUCCESS", "CANCELED")
# Refunds that hold money: a cancelled one gave nothing back.
HOLDING = "status != 'CANCELED'"


def _refused(
    message: str, user_message: str, code: str = "REFUND_VALIDATION_ERROR", path: str | None = None
) -> ApiError:
    return ApiError(422, code, message, path=path, user_message=user_message)


def _amount(value: Any, currency: str, path: str) -> Decimal:
    if not isinstance(value, dict) or not isinstance(value.get("amount"), str):
        raise invalid(400, f"{path} must be {{amount, currency}}", path)
    if value.get("currency") != currency:
        raise _refused(
            f"{path}.currency must be the order's currency {currency}",
            f"Zwrot musi być w walucie zamówienia ({currency}).",
            path=f"{path}.currency",
        )
    try:
        amount = Decimal(value["amount"])
    except InvalidOperation:
        raise invalid(400, f"{path}.amount is not a number", path) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise invalid(400, f"{path}.amount must be positive with at most 2 decimals", path)
    return amount


def _refunded(conn: sqlite3.Connection, order_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"SELECT data FROM refunds WHERE order_id = ? AND {HOLDING}", (order_id,)
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def _check(conn: sqlite3.Connection, body: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """The refund as Allegro would store it, after checking every amount against what was paid
    less what was refunded already."""
    currency = form["summary"]["totalToPay"]["currency"]
    earlier = _refunded(conn, form["id"])
    lines = {line["id"]: line for line in form["lineItems"]}
    refund: dict[str, Any] = {}
    total = Decimal("0")

    items = body.get("lineItems") or []
    if not isinstance(items, list):
        raise invalid(400, "lineItems must be a list", "lineItems")
    out_items = []
    for index, item in enumerate(items):
        path = f"lineItems[{index}]"
        line = lines.get(item.get("id")) if isinstance(item, dict) else None
        if line is None:
            raise _refused(
                f"{path}.id is not a line of the order",
                "Nieznana pozycja zamówienia.",
                path=f"{path}.id",
            )
        unit = Decimal(line["price"]["amount"])
        done_qty = sum(
            Decimal(str(e.get("quantity") or 0))
            for r in earlier
            for e in r.get("lineItems") or []
            if e["id"] == line["id"] and e["type"] == "QUANTITY"
        )
        done_value = sum(
            Decimal(e["value"]["amount"])
            for r in earlier
            for e in r.get("lineItems") or []
            if e["id"] == line["id"] and e["type"] == "AMOUNT"
        )
        left_value = unit * line["quantity"] - done_qty * unit - done_value
        if item.get("type") == "QUANTITY":
            quantity = item.get("quantity")
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                raise invalid(400, f"{path}.quantity must be a positive integer", path)
            if quantity * unit > left_value:
                raise _refused(
                    f"{path}.quantity {quantity} is more than is left to refund",
                    "Kwota zwrotu przekracza kwotę zapłaconą za tę pozycję.",
                    code="REFUND_AMOUNT_EXCEEDED",
                    path=f"{path}.quantity",
                )
            total += quantity * unit
            out_items.append({"id": line["id"], "type": "QUANTITY", "quantity": quantity})
        elif item.get("type") == "AMOUNT":
            value = _amount(item.get("value"), currency, f"{path}.value")
            if value > left_value:
                raise _refused(
                    f"{path}.value is more than is left to refund",
                    "Kwota zwrotu przekracza kwotę zapłaconą za tę pozycję.",
                    code="REFUND_AMOUNT_EXCEEDED",
                    path=f"{path}.value",
                )
            total += value
            out_items.append({"id": line["id"], "type": "AMOUNT", "value": price(value, currency)})
        else:
            raise invalid(400, f"{path}.type must be QUANTITY or AMOUNT", f"{path}.type")
    if out_items:
        refund["lineItems"] = out_items

    delivery = body.get("delivery")
    if delivery is not None:
        value = _amount((delivery or {}).get("value"), currency, "delivery.value")
        cost = Decimal(((form.get("delivery") or {}).get("cost") or {}).get("amount") or "0")
        done = sum(Decimal(r["delivery"]["value"]["amount"]) for r in earlier if r.get("delivery"))
        if value > cost - done:
            raise _refused(
                "delivery.value is more than the delivery cost left to refund",
                "Kwota zwrotu za dostawę przekracza koszt dostawy.",
                code="REFUND_AMOUNT_EXCEEDED",
                path="delivery.value",
            )
        total += value
        refund["delivery"] = {"value": price(value, currency)}

    surcharges = body.get("surcharges") or []
    if not isinstance(surcharges, list):
        raise invalid(400, "surcharges must be a list", "surcharges")
    paid = {s["id"]: Decimal(s["paidAmount"]["amount"]) for s in form.get("surcharges") or []}
    out_surcharges = []
    for index, surcharge in enumerate(surcharges):
        path = f"surcharges[{index}]"
        sid = surcharge.get("id") if isinstance(surcharge, dict) else None
        if sid not in paid:
            raise _refused(
                f"{path}.id is not a surcharge of the order", "Nieznana dopłata.", path=f"{path}.id"
            )
        value = _amount(surcharge.get("value"), currency, f"{path}.value")
        done = sum(
            Decimal(s["value"]["amount"])
            for r in earlier
            for s in r.get("surcharges") or []
            if s["id"] == sid
        )
        if value > paid[sid] - done:
            raise _refused(
                f"{path}.value is more than the surcharge left to refund",
                "Kwota zwrotu przekracza dopłatę.",
                code="REFUND_AMOUNT_EXCEEDED",
                path=f"{path}.value",
            )
        total += value
        out_surcharges.append({"id": sid, "value": price(value, currency)})
    if out_surcharges:
        refund["surcharges"] = out_surcharges

    for name in ("additionalServices", "overpaid"):
        if body.get(name) is not None:
            value = _amount((body[name] or {}).get("value"), currency, f"{name}.value")
            total += value
            refund[name] = {"value": price(value, currency)}

    if total <= 0:
        raise _refused("Nothing to refund", "Wskaż, co zwrócić.", path="lineItems")
    paid_total = Decimal(form["payment"]["paidAmount"]["amount"]) + sum(paid.values())
    already = sum(Decimal(r["totalValue"]["amount"]) for r in earlier)
    if already + total > paid_total:
        raise _refused(
            f"Refunds would total {already + total}, more than the {paid_total} paid",
            "Suma zwrotów przekracza kwotę zapłaconą przez kupującego.",
            code="REFUND_AMOUNT_EXCEEDED",
        )
    refund["totalValue"] = price(total, currency)
    return refund


def _canonical(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def initiate(app: EmulatorApp, request: Request) -> Response:
    body = json_object(json_request(request, 400), 400)
    for name in ("payment", "order", "reason"):
        if not body.get(name):
            raise invalid(400, f"{name} is required", name)
    if body["reason"] not in REASONS:
        raise invalid(400, f"reason must be one of {list(REASONS)}", "reason")
    comment = body.get("sellerComment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > 250):
        raise invalid(400, "sellerComment must be text of at most 250 characters", "sellerComment")
    payment_id = str((body.get("payment") or {}).get("id") or "")
    order_id = str((body.get("order") or {}).get("id") or "").lower()
    command_id = body.get("commandId") or None
    if command_id is not None and not isinstance(command_id, str):
        raise invalid(400, "commandId must be a string", "commandId")
    seller = seller_of(request)
    digest = _canonical(body)
    with app.store.write() as conn:
        if command_id:
            row = conn.execute(
                "SELECT data, body_hash FROM refunds WHERE seller_id = ? AND command_id = ?",
                (seller, command_id),
            ).fetchone()
            if row is not None:
                if row[1] != digest:
                    raise ApiError(
                        422,
                        "COMMAND_ID_CONFLICT",
                        "This commandId was used for a refund with different data",
                        path="commandId",
                        user_message="Ten identyfikator polecenia użyto już dla innego zwrotu.",
                    )
                # The same command again (a retry): the refund made the first time, never a second.
                return vnd(json.loads(row[0]))
        if not UUID_RE.match(order_id):
            raise invalid(400, "order.id must be a UUID", "order.id")
        order = load(conn, order_id)
        if order is None or order.seller_id != seller:
            raise ApiError(
                404, "NOT_FOUND", "Payment not found", user_message="Nie znaleziono płatności."
            )
        form = order.form
        if (form.get("payment") or {}).get("id") != payment_id:
            raise ApiError(
                404,
                "NOT_FOUND",
                "Payment not found",
                path="payment.id",
                user_message="Nie znaleziono płatności.",
            )
        if not (form["payment"].get("paidAmount") and form["payment"].get("finishedAt")):
            raise _refused("The payment is not finished", "Płatność nie została zakończona.")
        refund = {
            "id": str(uuid.uuid4()),
            "payment": {"id": payment_id},
            "order": {"id": order.id},
            "reason": body["reason"],
            "status": "NEW",
            "createdAt": iso(app.clock.now()),
            **_check(conn, body, form),
        }
        if comment:
            refund["sellerComment"] = comment
        conn.execute(
            "INSERT INTO refunds (id, seller_id, order_id, payment_id, command_id, body_hash, "
            "status, created_at, data) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                refund["id"],
                seller,
                order.id,
                payment_id,
                command_id,
                digest,
                "NEW",
                refund["createdAt"],
                json.dumps(refund),
            ),
        )
    return vnd(refund)


def _set_status(conn: sqlite3.Connection, refund_id: str, status: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT data FROM refunds WHERE id = ?", (refund_id,)).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    if data["status"] in FINAL:
        return data
    data["status"] = status
    conn.execute(
        "UPDATE refunds SET status = ?, data = ? WHERE id = ?",
        (status, json.dumps(data), refund_id),
    )
    if status == "SUCCESS":
        returns.finish_returns_of(conn, data["order"]["id"])
    return data


def _advance(conn: sqlite3.Connection) -> None:
    """Refunds made since the last read get the outcome the control setting gives."""
    outcome = get_setting(conn, "refund_outcome", "SUCCESS")
    if outcome == "MANUAL":
        return
    for (refund_id,) in conn.execute("SELECT id FROM refunds WHERE status = 'NEW'").fetchall():
        _set_status(conn, refund_id, outcome)


LIST_FILTERS = {"id": "id", "payment.id": "payment_id", "order.id": "order_id"}


def listing(app: EmulatorApp, request: Request) -> Response:
    limit = int_arg(request, "limit", 50, status=422)
    offset = int_arg(request, "offset", 0, status=422)
    if not 1 <= limit <= 100:
        raise invalid(422, "limit must be between 1 and 100", "limit")
    if offset < 0:
        raise invalid(422, "offset must not be negative", "offset")
    where, params = ["seller_id = ?"], [seller_of(request)]
    for name, column in LIST_FILTERS.items():
        value = request.args.get(name)
        if value:
            if not UUID_RE.match(value):
                raise invalid(422, f"{name} must be a UUID", name)
            where.append(f"{column} = ?")
            params.append(value.lower() if column == "order_id" else value)
    for name, op in (("occurredAt.gte", ">="), ("occurredAt.lte", "<=")):
        try:
            moment = date_time_arg(request, name)
        except ApiError as error:
            raise invalid(422, error.message, name) from None
        if moment is not None:
            where.append(f"created_at {op} ?")
            params.append(iso(moment))
    statuses = [s for raw in request.args.getlist("status") for s in raw.split(",") if s]
    if statuses:
        where.append(f"status IN ({','.join('?' * len(statuses))})")
        params += statuses
    condition = " AND ".join(where)
    with app.store.write() as conn:
        _advance(conn)
        total = conn.execute(f"SELECT COUNT(*) FROM refunds WHERE {condition}", params).fetchone()[
            0
        ]
        rows = conn.execute(
            f"SELECT data FROM refunds WHERE {condition} ORDER BY seq LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
    refunds = [json.loads(row[0]) for row in rows]
    return vnd({"refunds": refunds, "count": len(refunds), "totalCount": total})


# Control


def settings_endpoint(app: EmulatorApp, request: Request) -> Response:
    body = json_body(request, ControlError("body must be JSON"), empty={})
    with app.store.write() as conn:
        if request.method == "POST":
            outcome = body.get("outcome") if isinstance(body, dict) else None
            if outcome not in OUTCOMES:
                raise ControlError(f"outcome must be one of {list(OUTCOMES)}")
            set_setting(conn, "refund_outcome", outcome)
        rows = conn.execute("SELECT data FROM refunds ORDER BY seq").fetchall()
        return json_response(
            {
                "outcome": get_setting(conn, "refund_outcome", "SUCCESS"),
                "refunds": [json.loads(row[0]) for row in rows],
            }
        )


def complete_endpoint(app: EmulatorApp, request: Request, refund_id: str) -> Response:
    body = json_body(request, ControlError("body must be JSON"), empty={})
    status = (body or {}).get("status", "SUCCESS") if isinstance(body, dict) else None
    if status not in FINAL:
        raise ControlError(f"status must be one of {list(FINAL)}")
    with app.store.write() as conn:
        data = _set_status(conn, refund_id, status)
    if data is None:
        raise ControlError("no such refund", 404)
    return json_response(data)


def count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM refunds").fetchone()[0]
