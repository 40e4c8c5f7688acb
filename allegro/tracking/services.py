"""Parcel tracking: every tracking number Allegro took from the shop is asked about through
Allegro's carrier tracking, often while the parcel is fresh and less as it ages, until it is
delivered or returned or too old. The latest word reaches the sales order as a channel-neutral
parcel state (and, if the shop chose so, a delivered parcel makes a sent order picked up).

Reading only: running it twice asks Allegro twice and changes nothing more.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allegro.accounts.models import AllegroAccount
from allegro.api.client import AllegroClient
from allegro.api.errors import AllegroError
from allegro.api.tracking import MAX_WAYBILLS, ParcelHistory, parcel_tracking
from allegro.tracking.models import ParcelTracking, TrackingSettings
from allegro.writeback.models import AllegroWrite
from sales.models import ParcelState, SalesOrderShipment
from sales.services import sales_order_parcel_state_set
from shop.queueing import JobQueue
from shop.services import audited_update

logger = logging.getLogger(__name__)

ClientFor = Callable[[AllegroAccount], AllegroClient]

# How often a parcel is asked about, by its age (time since Allegro took its number): while
# younger than the first value, every second value; older ones every LATER_EVERY.
SCHEDULE: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=2), timedelta(minutes=30)),
    (timedelta(days=7), timedelta(hours=3)),
)
LATER_EVERY = timedelta(hours=12)
FINAL_CODES: dict[str, str] = {
    ParcelState.DELIVERED: ParcelTracking.Stop.DELIVERED,
    ParcelState.RETURNED: ParcelTracking.Stop.RETURNED,
}


def next_check_at(*, sent_at: datetime, now: datetime, latest_code: str) -> datetime | None:
    """When to ask about a parcel next; None: never again (delivered, returned, too old)."""
    if latest_code in FINAL_CODES:
        return None
    age = now - sent_at
    if age >= timedelta(days=settings.ALLEGRO_TRACKING_MAX_DAYS):
        return None
    every = next((every for below, every in SCHEDULE if age < below), LATER_EVERY)
    return now + every


def parcels_discover(*, now: datetime) -> int:
    """Start following every tracking number Allegro took (a done SHIPMENT write) that is not
    followed yet and not too old. Returns how many were added."""
    since = now - timedelta(days=settings.ALLEGRO_TRACKING_MAX_DAYS)
    sent = {
        target.get("shipment_id"): (account_id, done_at)
        for account_id, target, done_at in AllegroWrite.objects.filter(
            kind=AllegroWrite.Kind.SHIPMENT, state=AllegroWrite.State.DONE, done_at__gte=since
        ).values_list("account_id", "target", "done_at")
    }
    known = set(
        ParcelTracking.objects.filter(shipment_id__in=sent).values_list("shipment_id", flat=True)
    )
    new = [
        ParcelTracking(
            shipment=shipment,
            account_id=sent[shipment.pk][0],
            carrier_id=shipment.carrier_code,
            waybill=shipment.waybill,
            sent_at=sent[shipment.pk][1] or now,
            next_check_at=now,
        )
        # A carrier Allegro does not know ("other") has no tracking there to ask for.
        for shipment in SalesOrderShipment.objects.filter(pk__in=set(sent) - known).exclude(
            carrier_code="OTHER"
        )
    ]
    # Two runs at once add each parcel once: the one-to-one link is the guard.
    ParcelTracking.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _stored(parcel: ParcelTracking, history: ParcelHistory | None, now: datetime) -> None:
    parcel.checks += 1
    parcel.checked_at = now
    parcel.last_error = ""
    if history is not None and history.statuses:
        parcel.statuses = [
            {"code": s.code, "at": s.occurred_at.isoformat(), "description": s.description}
            for s in history.statuses
        ]
        parcel.latest_code = history.statuses[-1].code
        parcel.latest_at = history.statuses[-1].occurred_at
    _schedule(parcel, now)
    parcel.save(
        update_fields=[
            "checks",
            "checked_at",
            "last_error",
            "statuses",
            "latest_code",
            "latest_at",
            "next_check_at",
            "stopped",
        ]
    )


def _schedule(parcel: ParcelTracking, now: datetime) -> None:
    parcel.next_check_at = next_check_at(
        sent_at=parcel.sent_at, now=now, latest_code=parcel.latest_code
    )
    if parcel.next_check_at is None:
        parcel.stopped = FINAL_CODES.get(parcel.latest_code, ParcelTracking.Stop.EXPIRED)


def _failed(parcels: Iterable[ParcelTracking], error: AllegroError, now: datetime) -> None:
    # Allegro did not answer: asked again on the parcel's own schedule, which backs off.
    for parcel in parcels:
        parcel.checks += 1
        parcel.checked_at = now
        parcel.last_error = error.for_staff()
        _schedule(parcel, now)
        parcel.save(
            update_fields=["checks", "checked_at", "last_error", "next_check_at", "stopped"]
        )


def order_parcel_state(*, order_id: int) -> str:
    """The order's parcels in one word: delivered when all are, returned when any came back,
    else the latest news of those still on their way ("" while none has any)."""
    parcels = [
        parcel
        for parcel in ParcelTracking.objects.filter(shipment__order_id=order_id)
        if parcel.latest_code in ParcelState.values
    ]
    if not parcels:
        return ""
    codes = {parcel.latest_code for parcel in parcels}
    if codes == {ParcelState.DELIVERED}:
        return ParcelState.DELIVERED
    if ParcelState.RETURNED in codes:
        return ParcelState.RETURNED
    open_ones = [p for p in parcels if p.latest_code != ParcelState.DELIVERED]
    return max(open_ones, key=lambda p: (p.latest_at or p.sent_at, p.pk)).latest_code


def _orders_update(order_ids: Iterable[int]) -> None:
    picks_up = TrackingSettings.load().delivered_marks_picked_up
    note = _("Set by parcel tracking: the carrier reports the parcel delivered.")
    for order_id in order_ids:
        state = order_parcel_state(order_id=order_id)
        if state:
            sales_order_parcel_state_set(
                order_id=order_id, state=state, delivered_picks_up=picks_up, by=note
            )


def parcels_refresh(
    *, client_for: ClientFor, now: datetime | None = None, limit: int = 1000
) -> dict[str, int]:
    """Periodic: follow new tracking numbers and ask Allegro about every parcel that is due,
    up to MAX_WAYBILLS of one carrier in a request. `now` is the clock (tests set it)."""
    now = now or timezone.now()
    added = parcels_discover(now=now)
    due = list(
        ParcelTracking.objects.filter(next_check_at__lte=now)
        .exclude(account__paused=True)
        .select_related("account", "shipment")
        .order_by("next_check_at", "id")[:limit]
    )
    groups: dict[tuple[int, str], list[ParcelTracking]] = defaultdict(list)
    for parcel in due:
        groups[(parcel.account_id, parcel.carrier_id)].append(parcel)
    requests = 0
    for (_account_id, carrier_id), parcels in groups.items():
        client = client_for(parcels[0].account)
        for start in range(0, len(parcels), MAX_WAYBILLS):
            chunk = parcels[start : start + MAX_WAYBILLS]
            waybills = list(dict.fromkeys(parcel.waybill for parcel in chunk))
            requests += 1
            try:
                histories = parcel_tracking(client, carrier_id=carrier_id, waybills=waybills)
            except AllegroError as error:
                logger.warning(
                    "allegro.tracking.failed",
                    extra={"carrier_id": carrier_id, "parcels": len(chunk), "error": str(error)},
                )
                _failed(chunk, error, now)
                continue
            by_waybill = {history.waybill: history for history in histories}
            for parcel in chunk:
                _stored(parcel, by_waybill.get(parcel.waybill), now)
    _orders_update(sorted({parcel.shipment.order_id for parcel in due}))
    return {"added": added, "checked": len(due), "requests": requests}


def parcels_check_now(*, sales_order_id: int, now: datetime | None = None) -> int:
    """An operator asks for the carrier's news of an order's parcels now, not at their next
    turn: the followed ones become due and the refresh job is queued after commit (Redis down:
    the periodic job takes them at its next tick). Returns how many were made due."""
    now = now or timezone.now()
    due = ParcelTracking.objects.filter(
        shipment__order_id=sales_order_id, next_check_at__isnull=False
    ).update(next_check_at=now)
    if due:
        transaction.on_commit(_queue_refresh)
    return due


def _queue_refresh() -> None:
    # Redis down: the periodic job takes the parcels at its next tick.
    JobQueue(logger, "allegro.tracking.queue_failed", exc_info=False).put(
        "allegro.tracking.jobs.refresh_parcel_tracking"
    )


@transaction.atomic
def tracking_settings_set(
    *, delivered_marks_picked_up: bool, user: AbstractBaseUser | AnonymousUser | None
) -> TrackingSettings:
    TrackingSettings.load()
    row = TrackingSettings.objects.select_for_update().get(pk=1)
    audited_update(
        obj=row,
        values={"delivered_marks_picked_up": delivered_marks_picked_up},
        user=user,
        action="allegro.tracking_settings_set",
    )
    return row
