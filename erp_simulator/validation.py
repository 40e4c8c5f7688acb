"""Validate and normalise an incoming sales order (POST /api/orders body).

The normalised form is what is stored and what "same content" is compared on, so `"79"` and
`"79.00"` are the same order.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from erp_simulator import vat
from erp_simulator.errors import ApiError, invalid

KNOWN_CURRENCIES = ("PLN", "CZK", "EUR", "HUF")
# "shop": the ERP fulfils the order (the default); "none": fulfilled outside, document only.
FULFILMENTS = ("shop", "none")
CENT = Decimal("0.01")
_MONEY = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")
_ADDRESS = ("name", "company", "street", "zip_code", "city", "country_code")
# Protocol version 3: the buyer's kind and Allegro's tax id types (taxId arrives as PL_NIP).
KINDS = ("company", "consumer")
TAX_ID_TYPES = (
    "PL_NIP",
    "CZ_ICO",
    "CZ_DIC",
    "SK_ICO",
    "SK_IC_DPH",
    "HU_ADOSZAM",
    "VAT_EU",
    "OTHER",
)


def money(value: Any, field: str, *, allow_negative: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise invalid(field, 'money is a decimal string with 2 decimals, e.g. "12.50"')
    text = str(value).strip()
    if not _MONEY.match(text):
        raise invalid(field, f'"{value}" is not an amount like "12.50"')
    amount = Decimal(text).quantize(CENT)
    if amount < 0 and not allow_negative:
        raise invalid(field, "must not be negative")
    return amount


def _text(body: dict[str, Any], key: str, field: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise invalid(field, "is required")
        return None
    if not isinstance(value, str):
        raise invalid(field, "must be a string")
    return value.strip()


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(field, "must be an object")
    return value


def _address(value: Any, field: str, *, with_phone: bool) -> dict[str, Any] | None:
    if value is None:
        return None
    body = _object(value, field)
    keys = (*_ADDRESS, "phone") if with_phone else _ADDRESS
    address = {key: _text(body, key, f"{field}.{key}") for key in keys}
    for key in ("street", "city", "country_code"):
        if not address[key]:
            raise invalid(f"{field}.{key}", "is required")
    if not (address["name"] or address["company"]):
        raise invalid(f"{field}.name", "name or company is required")
    country = str(address["country_code"])
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise invalid(f"{field}.country_code", "must be an ISO 3166 alpha-2 code like CZ")
    return address


def _customer(value: Any) -> dict[str, Any]:
    body = _object(value, "customer")
    customer: dict[str, Any] = {
        "name": _text(body, "name", "customer.name"),
        "company": _text(body, "company", "customer.company"),
        "email": _text(body, "email", "customer.email"),
        "phone": _text(body, "phone", "customer.phone"),
    }
    if not (customer["name"] or customer["company"]):
        raise invalid("customer.name", "name or company is required")
    raw_ids = body.get("tax_ids") or []
    if not isinstance(raw_ids, list):
        raise invalid("customer.tax_ids", "must be a list")
    tax_ids = []
    for index, item in enumerate(raw_ids):
        field = f"customer.tax_ids[{index}]"
        entry = _object(item, field)
        kind = _text(entry, "type", f"{field}.type", required=True)
        if kind not in TAX_ID_TYPES:
            raise invalid(f"{field}.type", f"{kind!r} is not one of {list(TAX_ID_TYPES)}")
        tax_ids.append(
            {"type": kind, "value": _text(entry, "value", f"{field}.value", required=True)}
        )
    customer["tax_ids"] = tax_ids
    # Version 3 fields are kept only when sent: a version-2 order compares the same as before.
    if "kind" in body:
        if body["kind"] not in KINDS:
            raise invalid("customer.kind", f"{body['kind']!r} is not one of {list(KINDS)}")
        customer["kind"] = body["kind"]
    if "vat_eu_verified" in body:
        if not isinstance(body["vat_eu_verified"], bool):
            raise invalid("customer.vat_eu_verified", "must be true or false")
        customer["vat_eu_verified"] = body["vat_eu_verified"]
    return customer


def buyer_kind(customer: dict[str, Any]) -> str:
    """ "company" or "consumer"; absent: a company when the buyer gave any tax id."""
    kind = customer.get("kind")
    if kind is not None:
        return str(kind)
    return "company" if customer.get("tax_ids") else "consumer"


def _day(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise invalid(field, "must be a date like 2026-11-26")
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise invalid(field, f"{value!r} is not a date like 2026-11-26") from None
    if not 2000 <= day.year <= 2100:
        raise invalid(field, "year out of range")
    return day.isoformat()


def _payment(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    body = _object(value, "payment")
    kind = _text(body, "type", "payment.type")
    finished = body.get("finished_at")
    if finished is not None:
        if not isinstance(finished, str):
            raise invalid("payment.finished_at", "must be an ISO 8601 timestamp or null")
        try:
            moment = datetime.fromisoformat(finished.strip().replace("Z", "+00:00"))
        except ValueError:
            raise invalid(
                "payment.finished_at", f"{finished!r} is not a timestamp like 2026-11-27T09:30:00Z"
            ) from None
        if moment.tzinfo is None:
            raise invalid("payment.finished_at", "needs a time zone (e.g. Z)")
        finished = moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"type": kind, "finished_at": finished}


def _pickup_point(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    body = _object(value, "pickup_point")
    point: dict[str, Any] = {key: _text(body, key, f"pickup_point.{key}") for key in ("id", "name")}
    if not point["id"]:
        raise invalid("pickup_point.id", "is required")
    address = body.get("address")
    if address is not None and not isinstance(address, str | dict):
        raise invalid("pickup_point.address", "must be a string or an object")
    point["address"] = address
    return point


def _line(value: Any, index: int) -> dict[str, Any]:
    field = f"lines[{index}]"
    body = _object(value, field)
    quantity = body.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise invalid(f"{field}.quantity", "must be an integer")
    if quantity < 1:
        raise invalid(f"{field}.quantity", "must be at least 1")
    vat_rate = money(body.get("vat_rate"), f"{field}.vat_rate")
    if vat_rate > 100:
        raise invalid(f"{field}.vat_rate", "must be between 0 and 100")
    return {
        "code": _text(body, "code", f"{field}.code"),
        "name": _text(body, "name", f"{field}.name", required=True),
        "quantity": quantity,
        "unit_price": str(money(body.get("unit_price"), f"{field}.unit_price")),
        "vat_rate": str(vat_rate),
    }


def validate_order(body: Any) -> dict[str, Any]:
    """The normalised order, or ApiError 422 naming the first problem found."""
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    number = _text(body, "number", "number", required=True)
    if len(str(number)) > 64:
        raise invalid("number", "at most 64 characters")
    currency = body.get("currency")
    if currency not in KNOWN_CURRENCIES:
        raise invalid("currency", f"unknown currency {currency!r}; known: {list(KNOWN_CURRENCIES)}")
    sale_date = _day(_text(body, "sale_date", "sale_date", required=True), "sale_date")
    raw_lines = body.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise invalid("lines", "at least one line is required")
    lines = [_line(line, index) for index, line in enumerate(raw_lines)]
    delivery_cost = money(body.get("delivery_cost", "0.00"), "delivery_cost")
    total = money(body.get("total"), "total")
    expected = delivery_cost + sum(
        (Decimal(line["unit_price"]) * line["quantity"] for line in lines), Decimal(0)
    )
    if total != expected:
        raise invalid(
            "total",
            f"{total} is not the sum of the lines and delivery ({expected})",
        )
    fulfilment = body.get("fulfilment", "shop")
    if fulfilment not in FULFILMENTS:
        raise invalid("fulfilment", f"{fulfilment!r} is not one of {list(FULFILMENTS)}")
    # Kept only when "none": an order sent before the field existed compares the same.
    extra: dict[str, Any] = {"fulfilment": "none"} if fulfilment == "none" else {}
    # Version 3: kept only when sent (see _customer).
    if "payment" in body:
        extra["payment"] = _payment(body["payment"])
    if "delivery_date" in body:
        raw = body["delivery_date"]
        extra["delivery_date"] = None if raw is None else _day(raw, "delivery_date")
    order = {
        "number": number,
        "currency": currency,
        "sale_date": sale_date,
        "channel": _text(body, "channel", "channel"),
        "marketplace": _text(body, "marketplace", "marketplace"),
        "customer": _customer(body.get("customer")),
        "billing_address": _address(
            body.get("billing_address"), "billing_address", with_phone=False
        ),
        "delivery_address": _address(
            body.get("delivery_address"), "delivery_address", with_phone=True
        ),
        "pickup_point": _pickup_point(body.get("pickup_point")),
        "delivery_method": _text(body, "delivery_method", "delivery_method"),
        "delivery_cost": str(delivery_cost),
        "lines": lines,
        "total": str(total),
        **extra,
    }
    vat.rule_for(order)  # 422 `delivery_address` when the destination has no rule here
    return order
