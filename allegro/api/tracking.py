"""A carrier's parcel tracking history (`/order/carriers/{carrierId}/tracking`): HTTP only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from allegro.api.client import AllegroClient, _fits_contract, _json_body, parse_datetime

MAX_WAYBILLS = 20  # Allegro's limit per request


@dataclass(frozen=True)
class ParcelStatus:
    code: str
    occurred_at: datetime
    description: str


@dataclass(frozen=True)
class ParcelHistory:
    waybill: str
    # None: Allegro has no history for this waybill (yet); else oldest first.
    statuses: tuple[ParcelStatus, ...] | None


def _history(item: Mapping[str, Any]) -> ParcelHistory:
    details = item.get("trackingDetails")
    if not details:
        return ParcelHistory(waybill=item["waybill"], statuses=None)
    statuses = sorted(
        (
            ParcelStatus(
                code=status["code"],
                occurred_at=parse_datetime(status["occurredAt"]),
                description=status.get("description") or "",
            )
            for status in details.get("statuses") or ()
        ),
        key=lambda status: status.occurred_at,
    )
    return ParcelHistory(waybill=item["waybill"], statuses=tuple(statuses))


def parcel_tracking(
    client: AllegroClient, *, carrier_id: str, waybills: Sequence[str]
) -> list[ParcelHistory]:
    """Histories of up to MAX_WAYBILLS parcels of one carrier."""
    if not 1 <= len(waybills) <= MAX_WAYBILLS:
        raise ValueError(f"1..{MAX_WAYBILLS} waybills per request, not {len(waybills)}")
    return _parcel_tracking(client, carrier_id, list(waybills))


@_fits_contract
def _parcel_tracking(
    client: AllegroClient, carrier_id: str, waybills: list[str]
) -> list[ParcelHistory]:
    path = f"/order/carriers/{quote(carrier_id, safe='')}/tracking"
    payload = _json_body(client._request("GET", path, params={"waybill": waybills}), f"GET {path}")
    return [_history(item) for item in payload["waybills"]]
