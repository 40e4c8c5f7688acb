"""The parcel's latest state on the sales list and its history on both order pages."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from allegro.tracking.models import ParcelTracking, TrackingSettings
from sales.models import SalesOrderShipment
from tests.support import clients
from tests.support.factories import make_account, make_allegro_order, make_sales_order

pytestmark = pytest.mark.django_db


def tracked_order(code: str):
    order = make_sales_order()
    account = make_account()
    make_allegro_order(account=account, sales_order=order)
    shipment = SalesOrderShipment.objects.create(order=order, carrier_code="DPD", waybill="DPD9")
    at = datetime(2026, 7, 1, 12, tzinfo=UTC)
    ParcelTracking.objects.create(
        shipment=shipment,
        account=account,
        carrier_id="DPD",
        waybill="DPD9",
        sent_at=at,
        statuses=[
            {"code": "PENDING", "at": at.isoformat(), "description": ""},
            {"code": code, "at": at.isoformat(), "description": "Sortownia Kraków"},
        ],
        latest_code=code,
        latest_at=at,
    )
    order.parcel_state = code
    order.save(update_fields=["parcel_state"])
    return order


@pytest.mark.parametrize(
    ("code", "word"),
    [("IN_TRANSIT", "w drodze"), ("DELIVERED", "doręczona"), ("RETURNED", "zwrócona")],
)
def test_the_sales_list_says_where_the_parcel_is(operator_client, code, word):
    tracked_order(code)

    page = operator_client.get(reverse("sales:order_list")).content.decode()

    assert f"parcel-{code}" in page
    assert word in page


def test_the_history_shows_on_the_sales_and_the_allegro_order_page(operator_client):
    order = tracked_order("IN_TRANSIT")
    allegro_order = order.allegro_order

    for url in (
        reverse("sales:order_detail", args=[order.pk]),
        reverse("allegro:orders:order_detail", args=[allegro_order.pk]),
    ):
        page = operator_client.get(url).content.decode()
        assert 'id="parcel-tracking"' in page, url
        assert "Sortownia Kraków" in page and "w drodze" in page


def test_only_an_administrator_sets_delivered_means_picked_up():
    url = reverse("allegro:tracking:settings")
    assert (
        clients.operator(Client()).post(url, {"delivered_marks_picked_up": "on"}).status_code == 403
    )
    assert not TrackingSettings.load().delivered_marks_picked_up

    response = clients.administrator(Client()).post(url, {"delivered_marks_picked_up": "on"})

    assert response.status_code == 302
    assert TrackingSettings.load().delivered_marks_picked_up


def test_check_now_makes_the_orders_parcels_due_and_queues_the_refresh(
    operator_client, django_capture_on_commit_callbacks, monkeypatch
):
    order = tracked_order("IN_TRANSIT")
    ParcelTracking.objects.update(next_check_at=datetime(2099, 1, 1, tzinfo=UTC))
    queued = []
    monkeypatch.setattr("allegro.tracking.services._queue_refresh", lambda: queued.append(1))
    page = reverse("allegro:orders:order_detail", args=[order.allegro_order.pk])
    assert 'id="parcels-check-now"' in operator_client.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            reverse("allegro:tracking:check_now", args=[order.pk]), {"next": page}
        )

    assert response.status_code == 302 and response["Location"] == page
    assert ParcelTracking.objects.get().next_check_at.year < 2099
    assert queued == [1]
    # Somewhere else than this site is not followed back; a GET changes nothing.
    elsewhere = operator_client.post(
        reverse("allegro:tracking:check_now", args=[order.pk]), {"next": "https://evil.example/"}
    )
    assert elsewhere["Location"] == reverse("sales:order_detail", args=[order.pk])
    assert (
        operator_client.get(reverse("allegro:tracking:check_now", args=[order.pk])).status_code
        == 405
    )


def test_a_delivered_parcel_is_not_asked_again_by_check_now(operator_client):
    order = tracked_order("DELIVERED")
    ParcelTracking.objects.update(next_check_at=None, stopped=ParcelTracking.Stop.DELIVERED)

    response = operator_client.post(
        reverse("allegro:tracking:check_now", args=[order.pk]), follow=True
    )

    assert ParcelTracking.objects.get().next_check_at is None
    assert "nie jest już śledzona" in response.content.decode()
