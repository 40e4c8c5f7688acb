"""`POST /api/returns` (protocol 3, returns): goods came back, the ERP corrects the invoice.

Idempotent by the shop's `reference` of the return: the first call issues the correction (as
`/_sim/orders/correct` does), the same call again answers the same document and issues
nothing; the same reference with other content is 409 `conflict`.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from erp_simulator import orders
from erp_simulator.errors import ApiError, bad_request, invalid
from offline.app import json_body
from offline.errors import json_response

if TYPE_CHECKING:
    from erp_simulator.app import ErpApp


def _validated(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object")
    for field in ("number", "reference"):
        value = body.get(field)
        if not isinstance(value, str) or not value.strip() or len(value) > 64:
            raise invalid(field, "must be a non-empty string of at most 64 characters")
    items = body.get("returns")
    if not isinstance(items, list) or not items:
        raise invalid("returns", "must be a non-empty list")
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise invalid(f"returns[{index}].code", "must be a string")
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise invalid(f"returns[{index}].quantity", "must be an integer >= 1")
    reason = body.get("reason", "Zwrot towaru")
    if not isinstance(reason, str):
        raise invalid("reason", "must be a string")
    return {
        "number": body["number"].strip(),
        "reference": body["reference"].strip(),
        "returns": [{"code": i["code"], "quantity": i["quantity"]} for i in items],
        "reason": reason.strip() or "Zwrot towaru",
    }


def create_return(app: ErpApp, request: Request) -> Response:
    wanted = _validated(json_body(request, bad_request("body is not JSON")))
    digest = hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()
    now = app.clock.now()
    with app.store.write() as conn:
        row = conn.execute(
            "SELECT number, content_hash FROM returns WHERE reference = ?", (wanted["reference"],)
        ).fetchone()
        if row is not None:
            if row["content_hash"] != digest:
                raise ApiError(
                    409, "conflict", f"return {wanted['reference']} was sent with other content"
                )
            document = orders.find(conn, row["number"], now)
            return json_response(document, 200)
        document = orders.correct(
            conn,
            wanted["number"],
            {"returns": wanted["returns"], "reason": wanted["reason"]},
            now,
        )
        conn.execute(
            "INSERT INTO returns (reference, number, content_hash, at) VALUES (?,?,?,?)",
            (wanted["reference"], wanted["number"], digest, now.isoformat()),
        )
    return json_response(document, 201)
