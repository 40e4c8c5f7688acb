"""Commission refund claims (`/order/refund-claims`): HTTP only, frozen dataclasses out.

Creating a claim is not idempotent on Allegro's side (no command id): callers list the line's
claims before they create one, so a retry after a lost answer adopts the claim made before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from djmoney.money import Money

from allegro.api.client import AllegroClient, _fits_contract, _json_body, _optional_datetime

PATH = "/order/refund-claims"
# Allegro's decision is final in these; the others may still change.
FINAL_STATUSES = frozenset({"GRANTED", "REJECTED", "REJECTED_AFTER_APPEAL", "CANCELLED"})


@dataclass(frozen=True)
class RefundClaim:
    id: str
    status: str
    quantity: int
    line_item_id: str
    offer_id: str | None
    commission: Money | None
    created_at: datetime | None
    type: str | None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


def _decimal_json(response: Any, what: str) -> Any:
    # `commission.amount` is a JSON number: read it as Decimal, never through float.
    try:
        return json.loads(response.text, parse_float=Decimal)
    except ValueError:
        return _json_body(response, what)  # says what a non-JSON answer is


def _claim(item: Mapping[str, Any]) -> RefundClaim:
    line = item["lineItem"]
    commission = item.get("commission") or {}
    amount = commission.get("amount")
    return RefundClaim(
        id=str(item["id"]),
        status=str(item["status"]),
        quantity=int(item["quantity"]),
        line_item_id=str(line["id"]),
        offer_id=(line.get("offer") or {}).get("id"),
        commission=(
            Money(Decimal(str(amount)), commission["currency"]) if amount is not None else None
        ),
        created_at=_optional_datetime(item.get("createdAt")),
        type=item.get("type"),
    )


@_fits_contract
def refund_claims(
    client: AllegroClient, *, offer_id: str | None = None, limit: int = 100, offset: int = 0
) -> list[RefundClaim]:
    """One page of the seller's claims, for one offer if given."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if offer_id:
        params["lineItem.offer.id"] = offer_id
    response = client._request("GET", PATH, params=params)
    payload = _decimal_json(response, f"GET {PATH}")
    return [_claim(item) for item in payload.get("refundClaims") or ()]


@_fits_contract
def refund_claim(client: AllegroClient, claim_id: str) -> RefundClaim:
    path = f"{PATH}/{quote(claim_id, safe='')}"
    return _claim(_decimal_json(client._request("GET", path), f"GET {path}"))


@_fits_contract
def refund_claim_create(client: AllegroClient, *, line_item_id: str, quantity: int) -> str:
    """Files a claim and returns its id. Not idempotent: list the line's claims first."""
    body = {"lineItem": {"id": line_item_id}, "quantity": quantity}
    response = client._request("POST", PATH, json=body)
    return str(_decimal_json(response, f"POST {PATH}")["id"])


def refund_claim_cancel(client: AllegroClient, claim_id: str) -> None:
    """204; AllegroClientError (422) when Allegro has decided it already."""
    client._request("DELETE", f"{PATH}/{quote(claim_id, safe='')}")
