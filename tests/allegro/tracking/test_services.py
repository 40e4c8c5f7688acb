"""Parcel tracking against the emulator: followed on a backoff schedule, stopped when done,
and the sales order told in channel-neutral words."""

from datetime import datetime, timedelta

import pytest

from allegro.accounts.clients import client_for_account
from allegro.tracking.models import ParcelTracking, TrackingSettings
from allegro.tracking.services import next_check_at, parcels_refresh
from allegro.writeback.models import AllegroWrite
from sales.models import SalesOrderEvent
from tests.allegro.tracking.conftest import SENT_AT
from tests.support.offline import emulator_call


@pytest.mark.parametrize(
    ("age", "every"),
    [
        (timedelta(0), timedelta(minutes=30)),
        (timedelta(days=1, hours=23), timedelta(minutes=30)),
        (timedelta(days=2), timedelta(hours=3)),
        (timedelta(days=6), timedelta(hours=3)),
        (timedelta(days=7), timedelta(hours=12)),
        (timedelta(days=29, hours=23), timedelta(hours=12)),
    ],
)
def test_fresh_parcels_are_asked_often_and_older_ones_less(age, every, settings):
    settings.ALLEGRO_TRACKING_MAX_DAYS = 30
    now = SENT_AT + age
    assert next_check_at(sent_at=SENT_AT, now=now, latest_code="IN_TRANSIT") == now + every


@pytest.mark.parametrize("code", ["DELIVERED", "RETURNED"])
def test_a_delivered_or_returned_parcel_is_not_asked_again(code):
    assert next_check_at(sent_at=SENT_AT, now=SENT_AT, latest_code=code) is None


def test_a_parcel_is_no_longer_asked_after_the_last_day(settings):
    settings.ALLEGRO_TRACKING_MAX_DAYS = 30
    late = SENT_AT + timedelta(days=30)
    assert next_check_at(sent_at=SENT_AT, now=late, latest_code="IN_TRANSIT") is None


def advance(base_url: str, waybill: str, status: str) -> None:
    emulator_call(base_url, "parcels/advance", {"waybill": waybill, "status": status})


def refresh(now: datetime) -> dict[str, int]:
    return parcels_refresh(client_for=client_for_account, now=now)


@pytest.mark.django_db(transaction=True)
def test_a_sent_tracking_number_is_followed_on_its_schedule(allegro_emulator, sent_order):
    order = sent_order("DPD100")

    assert refresh(SENT_AT) == {"added": 1, "checked": 1, "requests": 1}
    parcel = ParcelTracking.objects.get()
    assert [s["code"] for s in parcel.statuses] == ["PENDING"]
    assert parcel.next_check_at == SENT_AT + timedelta(minutes=30)

    advance(allegro_emulator, "DPD100", "in_transit")
    # Not due yet: nobody asks Allegro.
    assert refresh(SENT_AT + timedelta(minutes=29))["checked"] == 0
    assert refresh(SENT_AT + timedelta(minutes=30))["checked"] == 1

    parcel.refresh_from_db()
    assert parcel.latest_code == "IN_TRANSIT"
    order.refresh_from_db()
    assert order.parcel_state == "IN_TRANSIT"

    three_days = SENT_AT + timedelta(days=3)
    refresh(three_days)
    parcel.refresh_from_db()
    assert parcel.next_check_at == three_days + timedelta(hours=3)


@pytest.mark.django_db(transaction=True)
def test_a_parcel_never_delivered_is_given_up_after_the_last_day(
    allegro_emulator, sent_order, settings
):
    settings.ALLEGRO_TRACKING_MAX_DAYS = 30
    sent_order("DPD200")
    refresh(SENT_AT)

    refresh(SENT_AT + timedelta(days=31))

    parcel = ParcelTracking.objects.get()
    assert parcel.next_check_at is None
    assert parcel.stopped == ParcelTracking.Stop.EXPIRED
    assert refresh(SENT_AT + timedelta(days=40))["checked"] == 0


@pytest.mark.django_db(transaction=True)
def test_delivered_leaves_the_order_sent_while_the_switch_is_off(allegro_emulator, sent_order):
    order = sent_order("DPD300")
    refresh(SENT_AT)
    advance(allegro_emulator, "DPD300", "delivered")

    refresh(SENT_AT + timedelta(hours=1))

    order.refresh_from_db()
    assert order.status == "SENT"
    assert order.parcel_state == "DELIVERED"
    parcel = ParcelTracking.objects.get()
    assert parcel.stopped == "DELIVERED" and parcel.next_check_at is None


@pytest.mark.django_db(transaction=True)
def test_delivered_marks_the_order_picked_up_when_the_admin_switched_it_on(
    allegro_emulator, sent_order
):
    TrackingSettings.objects.update_or_create(id=1, defaults={"delivered_marks_picked_up": True})
    order = sent_order("DPD400")
    refresh(SENT_AT)
    advance(allegro_emulator, "DPD400", "delivered")

    refresh(SENT_AT + timedelta(hours=1))
    refresh(SENT_AT + timedelta(hours=2))  # asked again: nothing more happens

    order.refresh_from_db()
    assert order.status == "PICKED_UP"
    event = SalesOrderEvent.objects.get(order=order, to_status="PICKED_UP")
    assert event.user is None
    assert "śledzenie przesyłek" in event.message
    # Sales announced it like any status change: Allegro is told PICKED_UP.
    assert AllegroWrite.objects.filter(kind="FULFILLMENT", target={"status": "PICKED_UP"}).exists()


@pytest.mark.django_db(transaction=True)
def test_an_allegro_outage_leaves_the_parcel_for_its_next_turn(allegro_emulator, sent_order):
    sent_order("DPD500")
    emulator_call(
        allegro_emulator,
        "faults",
        [{"type": "status", "status": 503, "count": 1, "path": "/order/carriers"}],
    )

    refresh(SENT_AT)

    parcel = ParcelTracking.objects.get()
    assert "503" in parcel.last_error
    assert parcel.next_check_at == SENT_AT + timedelta(minutes=30)
    refresh(SENT_AT + timedelta(minutes=30))
    parcel.refresh_from_db()
    assert parcel.last_error == "" and parcel.latest_code == "PENDING"
