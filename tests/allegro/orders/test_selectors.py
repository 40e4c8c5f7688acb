from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from allegro.orders.selectors import allegro_order_events, allegro_order_list, allegro_problem_count
from tests.support.factories import (
    CZ_FORM,
    load_fixture,
    make_account,
    make_allegro_order,
    make_import_problem,
)

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")


def ids(orders) -> set[int]:
    return {order.pk for order in orders}


def test_superseded_orders_are_not_live():
    live = make_allegro_order()
    make_allegro_order(superseded_by=live, superseded_at=datetime(2026, 9, 22, tzinfo=WARSAW))

    assert ids(allegro_order_list(filters={})) == {live.pk}


def test_superseded_order_is_found_by_its_checkout_form_id():
    live = make_allegro_order()
    old = make_allegro_order(
        checkout_form_id="0ddf0000-1111-2222-3333-444455556666",
        superseded_by=live,
        superseded_at=datetime(2026, 9, 22, tzinfo=WARSAW),
    )

    assert ids(allegro_order_list(filters={"q": old.checkout_form_id})) == {old.pk}
    assert ids(allegro_order_list(filters={"q": "0ddf0000"})) == {old.pk}


def test_search_matches_buyer_login_in_part_and_any_case():
    jan = make_allegro_order(buyer_login="kowal_jan85")
    make_allegro_order(CZ_FORM, buyer_login="petra_dvorakova")

    assert ids(allegro_order_list(filters={"q": "KOWAL"})) == {jan.pk}


def test_search_matches_an_offer_id_exactly_once_per_order():
    czech = make_allegro_order(CZ_FORM)
    polish = make_allegro_order()  # two lines, offers 17012345678 and 17012399901

    assert ids(allegro_order_list(filters={"q": "17098765432"})) == {czech.pk}
    assert list(allegro_order_list(filters={"q": "17012399901"})) == [polish]
    # Any part of an id finds it, as the operator may hold only its end.
    assert ids(allegro_order_list(filters={"q": "12399901"})) == {polish.pk}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"marketplace": "allegro-cz"}, {"cz"}),
        ({"status": "CANCELLED"}, {"cancelled"}),
        ({"fulfillment_status": "SENT"}, {"sent"}),
        ({"status": "READY_FOR_PROCESSING"}, {"cz", "sent"}),
    ],
)
def test_each_filter_narrows_the_list(filters, expected):
    orders = {
        "cz": make_allegro_order(CZ_FORM),
        "cancelled": make_allegro_order(status="CANCELLED"),
        "sent": make_allegro_order(fulfillment_status="SENT"),
    }

    found = ids(allegro_order_list(filters=filters))

    assert found == {orders[name].pk for name in expected}


def test_bought_date_range_uses_warsaw_days():
    # 23:30 UTC on 21 September is already 22 September in Warsaw.
    late = make_allegro_order(bought_at=datetime(2026, 9, 21, 23, 30, tzinfo=ZoneInfo("UTC")))
    early = make_allegro_order(bought_at=datetime(2026, 9, 20, 10, 0, tzinfo=WARSAW))

    assert ids(allegro_order_list(filters={"bought_from": date(2026, 9, 22)})) == {late.pk}
    assert ids(allegro_order_list(filters={"bought_to": date(2026, 9, 21)})) == {early.pk}
    both = {"bought_from": date(2026, 9, 20), "bought_to": date(2026, 9, 22)}
    assert ids(allegro_order_list(filters=both)) == {late.pk, early.pk}


def test_nothing_is_converted_until_sales_orders_exist():
    order = make_allegro_order()

    listed = allegro_order_list(filters={"not_converted": True}).get()

    assert listed == order
    assert listed.is_converted is False


def test_list_rows_carry_the_invoice_and_message_flags():
    polish = make_allegro_order()  # has a message, no invoice
    czech = make_allegro_order(CZ_FORM)  # invoice, no message

    rows = {order.pk: order for order in allegro_order_list(filters={})}

    assert rows[polish.pk].message_to_seller == "Proszę o dostawę po 16:00."
    assert not rows[polish.pk].invoice_required
    assert rows[czech.pk].invoice_required is True
    assert not rows[czech.pk].message_to_seller


def test_events_are_the_orders_own_in_time_order():
    from allegro.orders.models import AllegroOrderEvent

    order = make_allegro_order(CZ_FORM)
    other_account = make_account(seller_id="999", login="other")
    for event in reversed(load_fixture("order-events.json")["events"]):
        AllegroOrderEvent.objects.create(
            account=order.account,
            event_id=event["id"],
            type=event["type"],
            occurred_at=event["occurredAt"],
            checkout_form_id=order.checkout_form_id,
        )
    AllegroOrderEvent.objects.create(
        account=other_account,
        event_id="1",
        type="BOUGHT",
        occurred_at=datetime(2026, 1, 1, tzinfo=WARSAW),
        checkout_form_id=order.checkout_form_id,
    )

    events = list(allegro_order_events(order=order))

    assert {event.account_id for event in events} == {order.account_id}
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert len(events) == len(load_fixture("order-events.json")["events"])


def test_problem_count_ignores_resolved_problems():
    make_import_problem()
    make_import_problem(resolved_at=datetime(2026, 9, 22, tzinfo=WARSAW))

    assert allegro_problem_count() == 1
