"""Customer returns and payment refunds: Allegro's after-sales calls, typed.

HTTP only, through the account's `AllegroClient` (its session, tokens, budget and typed
errors); no models. Customer returns are a beta resource with a media type of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from djmoney.money import Money

from allegro.api.client import (
    AllegroClient,
    _fits_contract,
    _json_body,
    _optional_datetime,
    format_datetime,
)

BETA_MEDIA_TYPE = "application/vnd.allegro.beta.v1+json"
RETURNS_PATH = "/order/customer-returns"
REFUNDS_PATH = "/payments/refunds"
# Allegro's refusal codes of a customer return (the newest, BUSINESS_PURCHASE: April 2026).
REJECTION_CODES = (
    "REFUND_REJECTED",
    "NEW_ITEM_SENT",
    "ITEM_FIXED",
    "MISSING_PART_SENT",
    "ITEM_MISMATCH",
    "BUSINESS_PURCHASE",
    "NO_RETURN_RIGHT",
)


def money_of(value: Mapping[str, Any]) -> Money:
    return Money(Decimal(value["amount"]), value["currency"])


def price_of(amount: Money) -> dict[str, str]:
    return {"amount": f"{amount.amount:.2f}", "currency": str(amount.currency)}


@dataclass(frozen=True)
class ReturnItem:
    offer_id: str
    name: str
    quantity: int
    unit_price: Money | None
    reason: str
    comment: str


@dataclass(frozen=True)
class ReturnParcel:
    waybill: str
    carrier_id: str
    transporting_waybill: str | None
    transporting_carrier_id: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class CustomerReturn:
    id: str
    checkout_form_id: str
    reference_number: str
    status: str
    created_at: datetime | None
    marketplace: str
    buyer_login: str
    buyer_email: str
    items: tuple[ReturnItem, ...]
    parcels: tuple[ReturnParcel, ...]
    rejection_code: str
    rejection_reason: str
    raw: dict[str, Any] = field(repr=False, compare=False)


def _customer_return(data: Mapping[str, Any]) -> CustomerReturn:
    buyer = data.get("buyer") or {}
    rejection = data.get("rejection") or {}
    return CustomerReturn(
        id=data["id"],
        checkout_form_id=data["orderId"],
        reference_number=data.get("referenceNumber") or "",
        status=data["status"],
        created_at=_optional_datetime(data.get("createdAt")),
        marketplace=data.get("marketplaceId") or "",
        buyer_login=buyer.get("login") or "",
        buyer_email=buyer.get("email") or "",
        items=tuple(
            ReturnItem(
                offer_id=str(item["offerId"]),
                name=item.get("name") or "",
                quantity=int(item["quantity"]),
                unit_price=money_of(item["price"]) if item.get("price") else None,
                reason=(item.get("reason") or {}).get("type") or "",
                comment=(item.get("reason") or {}).get("userComment") or "",
            )
            for item in data.get("items") or ()
        ),
        parcels=tuple(
            ReturnParcel(
                waybill=parcel.get("waybill") or "",
                carrier_id=parcel.get("carrierId") or "",
                transporting_waybill=parcel.get("transportingWaybill"),
                transporting_carrier_id=parcel.get("transportingCarrierId"),
                created_at=_optional_datetime(parcel.get("createdAt")),
            )
            for parcel in data.get("parcels") or ()
        ),
        rejection_code=rejection.get("code") or "",
        rejection_reason=rejection.get("reason") or "",
        raw=dict(data),
    )


@_fits_contract
def customer_returns(
    client: AllegroClient,
    *,
    created_at_gte: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
    order_id: str | None = None,
) -> list[CustomerReturn]:
    """One page of the account's customer returns, oldest first."""
    params: dict[str, Any] = {"offset": offset, "limit": limit}
    if created_at_gte is not None:
        params["createdAt.gte"] = format_datetime(created_at_gte)
    if order_id:
        params["orderId"] = order_id
    response = client._request("GET", RETURNS_PATH, params=params, media_type=BETA_MEDIA_TYPE)
    payload = _json_body(response, f"GET {RETURNS_PATH}")
    return [_customer_return(item) for item in payload["customerReturns"]]


@_fits_contract
def customer_return(client: AllegroClient, return_id: str) -> CustomerReturn:
    path = f"{RETURNS_PATH}/{quote(return_id, safe='')}"
    response = client._request("GET", path, media_type=BETA_MEDIA_TYPE)
    return _customer_return(_json_body(response, f"GET {path}"))


@_fits_contract
def customer_return_reject(
    client: AllegroClient, return_id: str, *, code: str, reason: str
) -> CustomerReturn:
    """Refuse the refund of a return (422 once it is rejected or finished already)."""
    path = f"{RETURNS_PATH}/{quote(return_id, safe='')}/rejection"
    rejection: dict[str, str] = {"code": code}
    if reason:
        rejection["reason"] = reason
    response = client._request(
        "POST", path, json={"rejection": rejection}, media_type=BETA_MEDIA_TYPE
    )
    return _customer_return(_json_body(response, f"POST {path}"))


@dataclass(frozen=True)
class RefundLine:
    line_item_id: str
    quantity: int


@dataclass(frozen=True)
class RefundRequest:
    """What to give back; `command_id` makes a retry return the refund made the first time."""

    command_id: str
    checkout_form_id: str
    payment_id: str
    reason: str = "REFUND"
    lines: Sequence[RefundLine] = ()
    delivery: Money | None = None
    surcharges: Sequence[tuple[str, Money]] = ()
    comment: str = ""

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "payment": {"id": self.payment_id},
            "order": {"id": self.checkout_form_id},
            "commandId": self.command_id,
            "reason": self.reason,
        }
        if self.lines:
            body["lineItems"] = [
                {"id": line.line_item_id, "type": "QUANTITY", "quantity": line.quantity}
                for line in self.lines
            ]
        if self.delivery is not None:
            body["delivery"] = {"value": price_of(self.delivery)}
        if self.surcharges:
            body["surcharges"] = [
                {"id": sid, "value": price_of(value)} for sid, value in self.surcharges
            ]
        if self.comment:
            body["sellerComment"] = self.comment[:250]
        return body


@dataclass(frozen=True)
class Refund:
    id: str
    status: str
    total: Money
    checkout_form_id: str
    created_at: datetime | None


def _refund(data: Mapping[str, Any]) -> Refund:
    return Refund(
        id=data["id"],
        status=data["status"],
        total=money_of(data["totalValue"]),
        checkout_form_id=(data.get("order") or {}).get("id") or "",
        created_at=_optional_datetime(data.get("createdAt")),
    )


@_fits_contract
def refund_initiate(client: AllegroClient, request: RefundRequest) -> Refund:
    """POST a refund. The same `command_id` again answers the refund made before, never a
    second one; the same id with other content is a 422."""
    response = client._request("POST", REFUNDS_PATH, json=request.body())
    return _refund(_json_body(response, f"POST {REFUNDS_PATH}"))


@_fits_contract
def refunds(
    client: AllegroClient, *, refund_id: str | None = None, checkout_form_id: str | None = None
) -> list[Refund]:
    params: dict[str, Any] = {"limit": 100}
    if refund_id:
        params["id"] = refund_id
    if checkout_form_id:
        params["order.id"] = checkout_form_id
    payload = _json_body(client._request("GET", REFUNDS_PATH, params=params), f"GET {REFUNDS_PATH}")
    return [_refund(item) for item in payload["refunds"]]
