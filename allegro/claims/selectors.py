"""Reads of commission refund claims."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from allegro.claims.models import ClaimStatus, RefundClaim
from allegro.orders.models import (
    AllegroOrder,
    AllegroOrderLine,
    BuyerStatus,
    FulfillmentStatus,
)
from shop.listing import narrowed


@dataclass(frozen=True)
class ClaimableLine:
    line: AllegroOrderLine
    left: int  # items not held by a claim yet


def order_refund_claims(*, allegro_order_id: int) -> list[RefundClaim]:
    return list(
        RefundClaim.objects.filter(allegro_order_id=allegro_order_id)
        .select_related("line", "created_by")
        .order_by("created_at", "id")
    )


def claimable_lines(
    *, allegro_order: AllegroOrder, claims: list[RefundClaim]
) -> list[ClaimableLine]:
    """The order's lines with how many of their items no claim holds yet."""
    held: dict[int, int] = {}
    for claim in claims:
        if claim.holds_quantity:
            held[claim.line_id] = held.get(claim.line_id, 0) + claim.quantity
    return [
        ClaimableLine(line=line, left=line.quantity - held.get(line.pk, 0))
        for line in allegro_order.lines.all()
    ]


def paid_and_not_returned(allegro_order: AllegroOrder) -> bool:
    """Allegro grants a claim only for what was never paid, or came back: a hint for staff."""
    return (
        allegro_order.status == BuyerStatus.READY_FOR_PROCESSING
        and allegro_order.fulfillment_status != FulfillmentStatus.RETURNED
    )


# The list's filters other than the status (which may be the shop's stage or Allegro's).
STATE_LOOKUPS = {"account": "account"}


def refund_claim_list(*, filters: dict[str, Any]) -> QuerySet[RefundClaim]:
    rows = RefundClaim.objects.select_related(
        "account", "line", "allegro_order", "allegro_order__sales_order"
    ).order_by("-created_at", "-id")
    status = filters.get("status")
    if status in RefundClaim.State.values:
        rows = rows.filter(state=status)
    elif status in ClaimStatus.values:
        rows = rows.filter(allegro_status=status)
    return narrowed(rows, filters, STATE_LOOKUPS)
