"""Reads of parcel tracking."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from allegro.tracking.models import ParcelTracking
from allegro.writeback.carriers import carrier_label
from sales.models import ParcelState


@dataclass(frozen=True)
class StatusRow:
    code: str
    label: str  # in the UI's language; an unknown code as it came
    at: datetime
    description: str


@dataclass(frozen=True)
class Parcel:
    tracking: ParcelTracking
    carrier: str
    history: list[StatusRow]  # newest first


def status_label(code: str) -> str:
    return str(ParcelState(code).label) if code in ParcelState.values else code


def order_parcels(*, sales_order_id: int) -> list[Parcel]:
    """The order's followed parcels with their carrier's history."""
    rows = ParcelTracking.objects.filter(shipment__order_id=sales_order_id).order_by(
        "sent_at", "id"
    )
    return [
        Parcel(
            tracking=row,
            carrier=carrier_label(row.carrier_id, row.shipment.carrier_name),
            history=[
                StatusRow(
                    code=status["code"],
                    label=status_label(status["code"]),
                    at=datetime.fromisoformat(status["at"]),
                    description=status.get("description") or "",
                )
                for status in reversed(row.statuses)
            ],
        )
        for row in rows.select_related("shipment")
    ]


def recent_parcels(*, limit: int = 100) -> QuerySet[ParcelTracking]:
    return ParcelTracking.objects.select_related("shipment__order", "account").order_by(
        "-sent_at", "-id"
    )[:limit]
