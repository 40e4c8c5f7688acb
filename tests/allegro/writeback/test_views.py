"""What staff see and do of writing to Allegro: the sales order's Allegro panel, tracking
numbers, Allegro ▸ Zapisy, the settings of writing, and who may open the RQ dashboard."""

from datetime import timedelta

import django_rq
import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from allegro.accounts.clients import request_budget
from allegro.accounts.models import AllegroAccount
from allegro.orders.models import AllegroOrder
from allegro.writeback.carriers import CACHE_KEY, FALLBACK_CARRIERS, carriers_for
from allegro.writeback.models import AllegroWrite, FulfillmentStatusMapping
from allegro.writeback.services import (
    WritebackSettingsRefused,
    account_status_mapping_set,
    write_perform,
)
from sales.models import SalesOrder, SalesOrderShipment
from sales.services import (
    sales_order_attention_flag,
    sales_order_shipment_add,
    sales_order_status_change,
)
from shop.roles import ADMINISTRATOR, OPERATOR
from tests.support.factories import make_account, make_allegro_order, make_sales_order, make_user
from tests.support.html import messages_of, text

pytestmark = pytest.mark.django_db
WRITE_LIST = reverse("allegro:writeback:write_list")
SETTINGS = reverse("allegro:accounts:settings")


@pytest.fixture(autouse=True)
def _fresh_carrier_cache():
    cache.clear()
    yield
    cache.clear()


def linked_order(account: AllegroAccount | None = None, **allegro_fields):
    """A sales order made from an Allegro order, as conversion links them."""
    allegro_order = make_allegro_order(account=account, **allegro_fields)
    sales_order = make_sales_order(channel_reference=allegro_order.checkout_form_id)
    AllegroOrder.objects.filter(pk=allegro_order.pk).update(sales_order=sales_order)
    allegro_order.refresh_from_db()
    return allegro_order, sales_order


def make_write(allegro_order: AllegroOrder, *, state: str = "FAILED", **fields) -> AllegroWrite:
    """A status write as the receiver records it; the state (and its date) set directly."""
    fields.setdefault("target", {"status": "PROCESSING"})
    fields.setdefault("kind", AllegroWrite.Kind.FULFILLMENT)
    if state in ("DONE", "SKIPPED"):
        fields.setdefault("done_at", timezone.now())
    return AllegroWrite.objects.create(
        account_id=allegro_order.account_id,
        allegro_order=allegro_order,
        cause=f"test:{AllegroWrite.objects.count()}:{allegro_order.pk}",
        state=state,
        **fields,
    )


def detail_url(sales_order) -> str:
    return reverse("sales:order_detail", args=[sales_order.pk])


# --- the panel on a sales order ---------------------------------------------------------------


def test_panel_lists_each_write_with_its_state_and_allegros_message(
    operator_client, connected_account
):
    _allegro_order, sales_order = linked_order(account=connected_account)
    sales_order_status_change(order_id=sales_order.pk, status="IN_PROGRESS", user=None)
    sales_order_shipment_add(
        order_id=sales_order.pk, carrier_code="PACKETA", waybill="Z123456789", user=None
    )
    AllegroWrite.objects.filter(kind=AllegroWrite.Kind.FULFILLMENT).update(
        state="FAILED", attempts=3, last_error="Zmiana statusu jest niedozwolona."
    )

    page = text(operator_client.get(detail_url(sales_order)))

    assert "Status → PROCESSING" in page
    assert "Numer przesyłki PACKETA Z123456789" in page
    assert '<span class="badge err">Nieudane</span>' in page
    assert '<span class="badge warn">Oczekuje</span>' in page
    assert "Zmiana statusu jest niedozwolona." in page
    failed = AllegroWrite.objects.get(kind=AllegroWrite.Kind.FULFILLMENT)
    assert reverse("allegro:writeback:write_retry", args=[failed.pk]) in page
    pending = AllegroWrite.objects.get(kind=AllegroWrite.Kind.SHIPMENT)
    assert reverse("allegro:writeback:write_retry", args=[pending.pk]) not in page  # not stuck yet


def test_panel_offers_retry_for_a_write_waiting_too_long(operator_client, connected_account):
    allegro_order, sales_order = linked_order(account=connected_account)
    write = make_write(allegro_order, state="PENDING")
    AllegroWrite.objects.filter(pk=write.pk).update(created_at=timezone.now() - timedelta(hours=1))

    page = text(operator_client.get(detail_url(sales_order)))

    assert "czeka zbyt długo" in page
    assert reverse("allegro:writeback:write_retry", args=[write.pk]) in page


def test_a_status_held_back_shows_why_and_the_operator_confirms_it(
    operator_client, connected_account
):
    allegro_order, sales_order = linked_order(account=connected_account)
    held = make_write(
        allegro_order,
        state="SKIPPED",
        last_error="Nie wysłano: Allegro jest dalej (pokazuje SENT).",
        result={"held_back": "further_along", "allegro_status": "SENT"},
    )
    other = make_write(allegro_order, state="SKIPPED", last_error="")
    confirm = reverse("allegro:writeback:write_backwards_confirm", args=[held.pk])

    page = text(operator_client.get(detail_url(sales_order)))

    assert "Nie wysłano: Allegro jest dalej (pokazuje SENT)." in page
    assert confirm in page
    assert reverse("allegro:writeback:write_backwards_confirm", args=[other.pk]) not in page
    response = operator_client.post(confirm, {"next": detail_url(sales_order)})
    assert response["Location"] == detail_url(sales_order)
    held.refresh_from_db()
    assert held.state == "PENDING"
    assert held.target == {"status": "PROCESSING", "backwards_confirmed": True}


def test_retry_puts_a_failed_write_back_in_the_queue(operator_client):
    allegro_order, sales_order = linked_order()
    write = make_write(allegro_order, attempts=12, last_error="Błąd 422")

    response = operator_client.post(
        reverse("allegro:writeback:write_retry", args=[write.pk]), {"next": detail_url(sales_order)}
    )

    assert response.status_code == 302 and response["Location"] == detail_url(sales_order)
    write.refresh_from_db()
    assert write.state == "PENDING"
    assert write.attempts == 0
    assert write.next_attempt_at <= timezone.now()


def test_retry_of_a_finished_write_changes_nothing(operator_client):
    allegro_order, _sales_order = linked_order()
    write = make_write(allegro_order, state="DONE")

    response = operator_client.post(reverse("allegro:writeback:write_retry", args=[write.pk]))

    write.refresh_from_db()
    assert write.state == "DONE"
    assert messages_of(response) == ["Ten zapis jest zakończony; nie ma czego ponawiać."]


def test_retry_needs_the_right_to_change_orders(client):
    allegro_order, _sales_order = linked_order()
    write = make_write(allegro_order)
    viewer = make_user()
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_allegroorder", "view_salesorder"])
    )
    client.force_login(viewer)

    assert client.post(reverse("allegro:writeback:write_retry", args=[write.pk])).status_code == 403
    write.refresh_from_db()
    assert write.state == "FAILED"


def test_panel_says_what_is_paused_and_when_allegro_throttles(operator_client, connected_account):
    AllegroAccount.objects.filter(pk=connected_account.pk).update(shipment_writes_paused=True)
    _allegro_order, sales_order = linked_order(account=connected_account)
    redis = django_rq.get_connection("default")
    pause_key = request_budget().pause_key
    redis.set(pause_key, 1, px=10_000)
    try:
        page = text(operator_client.get(detail_url(sales_order)))
    finally:
        redis.delete(pause_key)

    assert "Wstrzymane dla konta" in page and "Numer przesyłki" in page
    assert "Allegro poprosiło o zwolnienie (429)" in page
    # While Allegro throttles, the page does not wait for its carriers: the short list stands in.
    assert "krótka lista wbudowana" in page


# --- tracking numbers -----------------------------------------------------------------------


def test_carriers_come_from_allegro_and_are_kept_for_a_day(connected_account, monkeypatch):
    choices = carriers_for(connected_account).choices

    assert ("PACKETA", "Packeta (Zásilkovna)") in choices
    assert ("OTHER", "OTHER") in choices

    def unreachable(account):
        raise AssertionError("Allegro asked again")

    monkeypatch.setattr("allegro.writeback.carriers.client_for_account", unreachable)
    assert carriers_for(connected_account).choices == choices


def test_carriers_fall_back_to_a_short_list_when_allegro_is_unreachable(
    connected_account, settings
):
    settings.ALLEGRO_API_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.ALLEGRO_HTTP_TIMEOUT = 2

    found = carriers_for(connected_account)

    assert found.choices == FALLBACK_CARRIERS
    assert not found.from_allegro


def test_removed_carriers_are_not_in_the_built_in_list():
    assert {"ALLEGRO", "WEDO"}.isdisjoint(carrier_id for carrier_id, _name in FALLBACK_CARRIERS)
    assert ("OTHER", "OTHER") in FALLBACK_CARRIERS


def test_a_removed_carrier_is_never_offered_even_from_a_list_cached_earlier(
    operator_client, connected_account
):
    allegro_order, sales_order = linked_order(account=connected_account)
    cache.set(
        CACHE_KEY.format(account_id=connected_account.pk),
        {
            "choices": [("ALLEGRO", "Allegro One"), ("WEDO", "WE|DO"), ("DPD", "DPD")],
            "from_allegro": True,
        },
    )

    assert carriers_for(connected_account).choices == [("DPD", "DPD")]
    page = text(operator_client.get(detail_url(sales_order)))
    assert '<option value="DPD">' in page and '<option value="ALLEGRO">' not in page
    refused = operator_client.post(
        reverse("allegro:writeback:order_shipment_add", args=[allegro_order.pk]),
        {"carrier": "ALLEGRO", "waybill": "A000123"},
    )
    assert not SalesOrderShipment.objects.exists()
    assert "Nie dodano numeru przesyłki" in " ".join(messages_of(refused))


def test_a_tracking_number_stored_under_a_removed_carrier_still_shows(
    operator_client, connected_account
):
    _allegro_order, sales_order = linked_order(account=connected_account)
    # Stored before Allegro removed the id, without a name of its own.
    shipment = sales_order_shipment_add(
        order_id=sales_order.pk, carrier_code="ALLEGRO", waybill="A000AB12CD", user=None
    )
    assert shipment.carrier_name == ""

    page = text(operator_client.get(detail_url(sales_order)))

    assert "<strong>Allegro One</strong>" in page and "A000AB12CD" in page
    assert "przewoźnik, którego Allegro już nie wymienia" in page
    # The write list names it the same way.
    assert "Allegro One" in text(operator_client.get(WRITE_LIST + "?state=ALL"))


def test_tracking_number_form_adds_a_shipment_and_a_write(operator_client, connected_account):
    allegro_order, sales_order = linked_order(account=connected_account)
    page = text(operator_client.get(detail_url(sales_order)))
    assert '<option value="PACKETA">Packeta (Zásilkovna)</option>' in page

    response = operator_client.post(
        reverse("allegro:writeback:order_shipment_add", args=[allegro_order.pk]),
        {"carrier": "PACKETA", "waybill": " Z123456789 "},
    )

    assert response["Location"] == detail_url(sales_order)
    shipment = SalesOrderShipment.objects.get(order=sales_order)
    assert (shipment.carrier_code, shipment.waybill) == ("PACKETA", "Z123456789")
    write = AllegroWrite.objects.get()
    assert write.kind == AllegroWrite.Kind.SHIPMENT
    assert write.target == {"shipment_id": shipment.pk}
    page = text(operator_client.get(detail_url(sales_order)))
    assert "Numer przesyłki Packeta (Zásilkovna) Z123456789" in page


WAYBILL_REFUSED = (
    "Nie dodano numeru przesyłki. Numer przesyłki: Numer przesyłki ma od 1 do 64 znaków:"
    " litery, cyfry, „-” i „/” (spacje są pomijane)."
)


@pytest.mark.parametrize("waybill", ["", "   ", "X" * 65, "AB123<script>", "ŻÓŁW-1", "A;B"])
def test_tracking_number_form_refuses_what_carriers_do_not_use_with_one_message(
    operator_client, connected_account, waybill
):
    allegro_order, _sales_order = linked_order(account=connected_account)

    response = operator_client.post(
        reverse("allegro:writeback:order_shipment_add", args=[allegro_order.pk]),
        {"carrier": "INPOST", "waybill": waybill},
    )

    assert messages_of(response) == [WAYBILL_REFUSED]
    assert not SalesOrderShipment.objects.exists()
    assert not AllegroWrite.objects.exists()


def test_tracking_number_field_stops_at_64_characters(operator_client, connected_account):
    _allegro_order, sales_order = linked_order(account=connected_account)

    page = operator_client.get(detail_url(sales_order)).content.decode()

    assert 'name="waybill" maxlength="64"' in page


def test_tracking_number_is_kept_without_the_spaces_it_was_printed_with(
    operator_client, connected_account
):
    allegro_order, sales_order = linked_order(account=connected_account)

    operator_client.post(
        reverse("allegro:writeback:order_shipment_add", args=[allegro_order.pk]),
        {"carrier": "PACKETA", "waybill": " Z 123 4567 890 "},
    )

    assert SalesOrderShipment.objects.get(order=sales_order).waybill == "Z1234567890"


def test_no_carrier_chosen_is_refused(operator_client, connected_account):
    allegro_order, _sales_order = linked_order(account=connected_account)

    response = operator_client.post(
        reverse("allegro:writeback:order_shipment_add", args=[allegro_order.pk]),
        {"carrier": "", "waybill": "AD-1239134"},
    )

    assert messages_of(response) == [
        "Nie dodano numeru przesyłki. Przewoźnik: Wybierz przewoźnika."
    ]
    assert not SalesOrderShipment.objects.exists()


@pytest.mark.parametrize(
    ("method", "carrier"),
    [
        ("Allegro Wysyłka z Polski do Czech - Odbiór w Punkcie Packeta", "PACKETA"),
        ("Allegro Paczkomaty InPost", "INPOST"),
        ("Allegro Kurier DPD pobranie", "DPD"),
        ("Allegro Wysyłka z Polski na Węgry - Kurier GLS", "GLS"),
        ("Allegro Paczka w RUCHu", "ORLEN_PACZKA"),
        ("Allegro One Punkt", ""),
        ("", ""),
    ],
)
def test_the_carrier_is_preselected_from_the_delivery_method_never_allegro_one(
    operator_client, connected_account, method, carrier
):
    _allegro_order, sales_order = linked_order(account=connected_account)
    SalesOrder.objects.filter(pk=sales_order.pk).update(delivery_method=method)

    response = operator_client.get(detail_url(sales_order))

    (panel,) = [ctx for name, ctx in response.context["panels"] if "shipment_form" in ctx]
    assert panel["shipment_form"]["carrier"].value() == carrier


def pending_shipment(account: AllegroAccount, **write_fields):
    """A tracking number added by staff; its write to Allegro as the receiver records it."""
    _allegro_order, sales_order = linked_order(account=account)
    shipment = sales_order_shipment_add(
        order_id=sales_order.pk, carrier_code="DPD", waybill="0000123456789U", user=None
    )
    write = AllegroWrite.objects.get(cause=f"shipment:{shipment.pk}")
    if write_fields:
        AllegroWrite.objects.filter(pk=write.pk).update(**write_fields)
    return sales_order, shipment, write


def test_a_tracking_number_not_sent_yet_is_removed_and_its_write_cancelled(
    operator_client, connected_account
):
    sales_order, shipment, write = pending_shipment(connected_account)
    assert "Usuń" in text(operator_client.get(detail_url(sales_order)))

    response = operator_client.post(
        reverse("allegro:writeback:order_shipment_remove", args=[shipment.pk]), follow=True
    )

    assert "Usunięto numer przesyłki 0000123456789U; Allegro go nie dostanie." in messages_of(
        response
    )
    assert not SalesOrderShipment.objects.exists()
    write.refresh_from_db()
    assert write.state == AllegroWrite.State.SKIPPED
    assert write.last_error == "Numer przesyłki usunięto, zanim został wysłany."
    assert sales_order.events.filter(type="SHIPMENT_REMOVED").exists()
    # A job still queued for it finds nothing to do.
    assert write_perform(write_id=write.pk, client_for=lambda account: None) == "not due"
    assert "Numer przesyłki DPD 0000123456789U" in text(
        operator_client.get(WRITE_LIST + "?state=ALL")
    )


def test_a_failed_tracking_number_can_be_removed(operator_client, connected_account):
    _sales_order, shipment, write = pending_shipment(connected_account, state="FAILED")

    operator_client.post(reverse("allegro:writeback:order_shipment_remove", args=[shipment.pk]))

    assert not SalesOrderShipment.objects.exists()
    write.refresh_from_db()
    assert write.state == AllegroWrite.State.SKIPPED


@pytest.mark.parametrize(
    ("write_fields", "message"),
    [
        ({"state": "DONE", "done_at": timedelta(0)}, "jest już w Allegro"),
        ({"claimed_until": timedelta(minutes=2)}, "jest właśnie wysyłany do Allegro"),
    ],
)
def test_a_tracking_number_sent_or_being_sent_cannot_be_removed(
    operator_client, connected_account, write_fields, message
):
    # Times relative to the test's own start: parameters are made when tests are collected,
    # which may be many minutes earlier on a busy machine.
    write_fields = {
        name: timezone.now() + value if isinstance(value, timedelta) else value
        for name, value in write_fields.items()
    }
    sales_order, shipment, write = pending_shipment(connected_account, **write_fields)
    assert "Usuń" not in text(operator_client.get(detail_url(sales_order)))

    response = operator_client.post(
        reverse("allegro:writeback:order_shipment_remove", args=[shipment.pk]), follow=True
    )

    assert message in messages_of(response)[0]
    assert SalesOrderShipment.objects.filter(pk=shipment.pk).exists()
    assert AllegroWrite.objects.get(pk=write.pk).state == write_fields.get("state", "PENDING")
    assert not sales_order.events.filter(type="SHIPMENT_REMOVED").exists()


def test_removing_a_tracking_number_needs_the_right_to_change_orders(client, connected_account):
    _sales_order, shipment, _write = pending_shipment(connected_account)
    client.force_login(make_user())

    response = client.post(reverse("allegro:writeback:order_shipment_remove", args=[shipment.pk]))

    assert response.status_code == 403
    assert SalesOrderShipment.objects.exists()


def test_other_carrier_needs_its_name(operator_client, connected_account):
    allegro_order, sales_order = linked_order(account=connected_account)
    url = reverse("allegro:writeback:order_shipment_add", args=[allegro_order.pk])

    refused = operator_client.post(url, {"carrier": "OTHER", "waybill": "AB123"})
    assert "Podaj nazwę przewoźnika" in messages_of(refused)[0]
    assert not SalesOrderShipment.objects.exists()

    operator_client.post(url, {"carrier": "OTHER", "waybill": "AB123", "carrier_name": "Raben"})
    shipment = SalesOrderShipment.objects.get(order=sales_order)
    assert (shipment.carrier_code, shipment.carrier_name) == ("OTHER", "Raben")


# --- Allegro ▸ Zapisy ---------------------------------------------------------------------------


def test_write_list_shows_failed_writes_by_default_with_a_link_to_the_order(operator_client):
    allegro_order, sales_order = linked_order()
    failed = make_write(allegro_order, last_error="Nieprawidłowy numer przesyłki.")
    make_write(allegro_order, state="DONE", target={"status": "SENT"})

    response = operator_client.get(WRITE_LIST)

    page = text(response)
    assert [row.write for row in response.context["rows"]] == [failed]
    assert "Nieprawidłowy numer przesyłki." in page
    assert f"{detail_url(sales_order)}#allegro" in page
    assert sales_order.number in page
    assert "Allegro ▸ Zapisy" in page


def test_write_list_filters_by_state_and_kind(operator_client):
    allegro_order, _sales_order = linked_order()
    done = make_write(allegro_order, state="DONE")
    stuck = make_write(allegro_order, state="PENDING")
    AllegroWrite.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=2))
    make_write(allegro_order, state="PENDING")  # fresh: not waiting too long
    invoice = make_write(allegro_order, kind=AllegroWrite.Kind.INVOICE, target={"invoice_id": 0})

    def shown(**query):
        return [row.write for row in operator_client.get(WRITE_LIST, query).context["rows"]]

    assert shown(state="DONE") == [done]
    assert shown(state="WAITING") == [stuck]
    assert shown(kind="INVOICE") == [invoice]
    assert shown(kind="FULFILLMENT") == []  # failed is the default state
    assert len(shown(state="ALL")) == 4


@pytest.mark.parametrize("count", [3, 30])
def test_write_list_query_count_does_not_grow_with_rows(
    operator_client, django_assert_max_num_queries, count
):
    for _index in range(count):
        allegro_order, sales_order = linked_order()
        make_write(allegro_order)
        shipment = sales_order_shipment_add(
            order_id=sales_order.pk, carrier_code="DPD", waybill="1234", user=None
        )
        make_write(
            allegro_order, kind=AllegroWrite.Kind.SHIPMENT, target={"shipment_id": shipment.pk}
        )

    # Session, user, two for permissions, role, count, page, shipments, invoices, the menu's
    # unread messages.
    with django_assert_max_num_queries(10):
        response = operator_client.get(WRITE_LIST)
    assert response.status_code == 200


def test_retry_all_shown_retries_the_failed_writes_of_the_page(operator_client):
    allegro_order, _sales_order = linked_order()
    first, second = make_write(allegro_order), make_write(allegro_order)
    done = make_write(allegro_order, state="DONE")
    page = text(operator_client.get(WRITE_LIST))
    assert "Ponów wszystkie widoczne" in page

    response = operator_client.post(
        reverse("allegro:writeback:write_retry_bulk"),
        {"writes": [first.pk, second.pk, done.pk, "x"], "next": f"{WRITE_LIST}?kind=FULFILLMENT"},
    )

    assert response["Location"] == f"{WRITE_LIST}?kind=FULFILLMENT"
    assert messages_of(response) == ["Ponawiane zapisy: 2."]
    states = dict(AllegroWrite.objects.values_list("pk", "state"))
    assert states == {first.pk: "PENDING", second.pk: "PENDING", done.pk: "DONE"}


def test_write_list_needs_the_right_to_see_allegro_orders(client):
    client.force_login(make_user())

    assert client.get(WRITE_LIST).status_code == 403


# --- settings: status mapping and pauses --------------------------------------------------------


def mapping_post(**changes) -> dict[str, str]:
    mapping = {
        "NEW": "NEW",
        "IN_PROGRESS": "PROCESSING",
        "READY_FOR_SHIPMENT": "READY_FOR_SHIPMENT",
        "READY_FOR_PICKUP": "READY_FOR_PICKUP",
        "SENT": "SENT",
        "PICKED_UP": "PICKED_UP",
        "ON_HOLD": "SUSPENDED",
        "CANCELLED": "CANCELLED",
    }
    mapping.update(changes)
    return mapping


def test_settings_show_the_default_mapping_with_every_allowed_allegro_status(administrator_client):
    account = make_account()

    page = text(administrator_client.get(SETTINGS))

    assert f'id="writeback-{account.pk}"' in page
    assert '<option value="PROCESSING" selected>PROCESSING · W realizacji</option>' in page
    assert '<option value="NOT_SENT">nie wysyłaj</option>' in page
    assert 'value="RETURNED"' not in page
    for label in ("Nowe", "W realizacji", "Gotowe do wysyłki", "Wstrzymane", "Anulowane"):
        assert f">{label}</label>" in page


def test_a_changed_mapping_changes_what_allegro_is_sent(administrator_client):
    allegro_order, sales_order = linked_order()
    account = allegro_order.account

    response = administrator_client.post(
        reverse("allegro:writeback:settings_status_mapping", args=[account.pk]),
        mapping_post(IN_PROGRESS="READY_FOR_SHIPMENT", ON_HOLD="NOT_SENT"),
    )

    assert response.status_code == 302
    rows = dict(
        FulfillmentStatusMapping.objects.filter(account=account).values_list(
            "sales_status", "fulfillment_status"
        )
    )
    assert rows["IN_PROGRESS"] == "READY_FOR_SHIPMENT" and rows["ON_HOLD"] == ""
    sales_order_status_change(order_id=sales_order.pk, status="IN_PROGRESS", user=None)
    assert AllegroWrite.objects.get().target == {"status": "READY_FOR_SHIPMENT"}
    # Mapped to "do not send": nothing is recorded for Allegro.
    sales_order_status_change(order_id=sales_order.pk, status="ON_HOLD", user=None)
    assert AllegroWrite.objects.count() == 1
    page = text(administrator_client.get(SETTINGS))
    assert '<option value="NOT_SENT" selected>nie wysyłaj</option>' in page


def test_a_mapping_to_returned_is_refused_and_nothing_is_saved(administrator_client):
    account = make_account()

    response = administrator_client.post(
        reverse("allegro:writeback:settings_status_mapping", args=[account.pk]),
        mapping_post(IN_PROGRESS="READY_FOR_SHIPMENT", SENT="RETURNED"),
    )

    [message] = messages_of(response)
    assert message.startswith("Nie zapisano mapowania statusów. Wysłane:")
    assert not FulfillmentStatusMapping.objects.exists()


def test_the_mapping_service_saves_all_or_nothing(db):
    account = make_account()

    with pytest.raises(WritebackSettingsRefused, match="RETURNED"):
        account_status_mapping_set(
            account_id=account.pk,
            mapping={"IN_PROGRESS": "SENT", "SENT": "RETURNED"},
            user=None,
        )
    with pytest.raises(WritebackSettingsRefused):
        account_status_mapping_set(
            account_id=account.pk, mapping={"NEW": "PROCESSING", "LOST": "SENT"}, user=None
        )
    assert not FulfillmentStatusMapping.objects.exists()


def test_pause_switches_are_saved_per_account(administrator_client):
    account, other = make_account(), make_account()
    url = reverse("allegro:writeback:settings_write_switches", args=[account.pk])

    response = administrator_client.post(
        url, {"shipment_paused": "on", "invoice_paused": "on", "invoices_for_everyone": "on"}
    )

    account.refresh_from_db()
    assert account.shipment_writes_paused and account.invoice_writes_paused
    assert not account.fulfillment_writes_paused
    assert account.invoices_for_everyone
    assert messages_of(response) == [
        f"Konto {account.login}: wstrzymano numery przesyłek, faktury; reszta trafia do Allegro."
    ]
    other.refresh_from_db()
    assert not other.shipment_writes_paused


def test_resuming_queues_the_writes_that_waited(administrator_client, monkeypatch):
    allegro_order, _sales_order = linked_order()
    account = allegro_order.account
    AllegroAccount.objects.filter(pk=account.pk).update(
        shipment_writes_paused=True, fulfillment_writes_paused=True
    )
    waiting = make_write(allegro_order, state="PENDING", kind="SHIPMENT", target={"shipment_id": 1})
    still_paused = make_write(allegro_order, state="PENDING")
    queued = []
    monkeypatch.setattr("allegro.writeback.services.write_enqueue", queued.append)

    administrator_client.post(
        reverse("allegro:writeback:settings_write_switches", args=[account.pk]),
        {"fulfillment_paused": "on"},
    )

    assert queued == [waiting.pk]
    assert still_paused.pk not in queued


@pytest.mark.parametrize(
    "name",
    ["allegro:writeback:settings_write_switches", "allegro:writeback:settings_status_mapping"],
)
def test_operator_cannot_change_the_settings_of_writing(operator_client, name):
    account = make_account()

    response = operator_client.post(reverse(name, args=[account.pk]), mapping_post())

    assert response.status_code == 403
    assert not FulfillmentStatusMapping.objects.exists()


# --- the RQ dashboard -----------------------------------------------------------------------------


def test_rq_dashboard_is_for_administrators_only(client):
    operator = make_user(role=OPERATOR, is_staff=True)
    admin = make_user(role=ADMINISTRATOR, is_staff=True)
    dashboard = reverse("django_rq:home")

    client.force_login(operator)
    assert client.get(dashboard).status_code == 403
    assert client.get(reverse("django_rq:home_json")).status_code == 403
    client.force_login(admin)
    assert client.get(dashboard).status_code == 200


# --- held while the sales order needs attention -----------------------------------------------


def test_panel_and_write_list_show_writes_held_for_attention(operator_client):
    allegro_order, sales_order = linked_order()
    status = make_write(allegro_order, state="PENDING")
    AllegroWrite.objects.filter(pk=status.pk).update(created_at=timezone.now() - timedelta(hours=1))
    tracking = make_write(
        allegro_order, state="PENDING", kind=AllegroWrite.Kind.SHIPMENT, target={"shipment_id": 0}
    )
    other_order, _other = linked_order()
    not_held = make_write(other_order, state="PENDING")
    sales_order_attention_flag(order_id=sales_order.pk, reason="Kupujący anulował")

    panel = operator_client.get(detail_url(sales_order))
    page = text(panel)
    rows = {row.write.pk: row for row in panel.context["panels"][0][1]["writes"]}

    assert "wstrzymane: zamówienie wymaga uwagi" in page
    assert "nie są wysyłane do Allegro" in page
    assert rows[status.pk].held and not rows[tracking.pk].held
    # Retrying would only hold it again: the decision on the order sends it.
    assert reverse("allegro:writeback:write_retry", args=[status.pk]) not in page
    listed = [
        row.write for row in operator_client.get(WRITE_LIST, {"state": "HELD"}).context["rows"]
    ]
    assert listed == [status]
    assert not_held not in listed
