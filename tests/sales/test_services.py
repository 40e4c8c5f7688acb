import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from djmoney.money import Money

from sales.models import (
    ALLOWED_TRANSITIONS,
    AttentionResolution,
    InvalidStatusTransition,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderNumberSequence,
    SalesOrderShipment,
    SalesOrderStatus,
)
from sales.services import (
    LineData,
    NewSalesOrder,
    SalesOrderRefused,
    sales_order_attention_flag,
    sales_order_attention_resolve,
    sales_order_create,
    sales_order_shipment_add,
    sales_order_shipment_remove,
    sales_order_status_change,
)
from sales.signals import (
    sales_order_attention_resolved,
    sales_order_shipment_removing,
    sales_order_status_changed,
)
from shop.models import Currency
from shop.notices import notice_text
from tests.support.factories import make_product, make_sales_order, make_user

S = SalesOrderStatus
GO_ON = AttentionResolution.GO_ON
CANCEL = AttentionResolution.CANCEL
ALLOWED = [
    (current, target) for current, targets in ALLOWED_TRANSITIONS.items() for target in targets
]
FORBIDDEN = [
    (S.NEW, S.SENT),
    (S.NEW, S.PICKED_UP),
    (S.SENT, S.NEW),
    (S.SENT, S.CANCELLED),
    (S.PICKED_UP, S.IN_PROGRESS),
    (S.CANCELLED, S.NEW),
    (S.ON_HOLD, S.SENT),
]


def new_order(currency: str = "PLN", **fields) -> NewSalesOrder:
    line = LineData(product=make_product(), quantity=1, unit_price=Money("20.00", currency))
    return NewSalesOrder(
        channel="allegro",
        currency=currency,
        lines=[line],
        delivery_cost=Money("5.00", currency),
        **fields,
    )


def on_day(monkeypatch, day: date) -> None:
    monkeypatch.setattr("sales.services.timezone.localdate", lambda *args, **kwargs: day)


@pytest.fixture
def captured_signals():
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    sales_order_status_changed.connect(receiver)
    yield received
    sales_order_status_changed.disconnect(receiver)


# --- creation and numbering -------------------------------------------------------------


@pytest.mark.django_db
def test_create_writes_header_lines_totals_and_created_event():
    user = make_user()
    product = make_product(vat_rate=Decimal("8.00"))
    new = NewSalesOrder(
        channel="allegro",
        currency="PLN",
        lines=[LineData(product=product, quantity=3, unit_price=Money("12.50", "PLN"))],
        delivery_cost=Money("9.99", "PLN"),
    )

    order = sales_order_create(new=new, user=user)

    assert order.lines_total == Money("37.50", "PLN")
    assert order.total == Money("47.49", "PLN")
    assert order.status == S.NEW
    line = order.lines.get()
    assert (line.code, line.name, line.vat_rate) == (product.sku, product.name, Decimal("8.00"))
    event = order.events.get()
    assert (event.type, event.user, event.to_status) == (SalesOrderEvent.Type.CREATED, user, S.NEW)


@pytest.mark.django_db
def test_numbers_increment_within_a_year_and_restart_in_the_next(monkeypatch):
    on_day(monkeypatch, date(2025, 12, 31))
    first = sales_order_create(new=new_order(), user=None)
    second = sales_order_create(new=new_order(), user=None)
    on_day(monkeypatch, date(2026, 1, 1))
    next_year = sales_order_create(new=new_order(), user=None)

    assert [first.number, second.number, next_year.number] == [
        "ZS/2025/000001",
        "ZS/2025/000002",
        "ZS/2026/000001",
    ]


@pytest.mark.django_db
def test_refused_order_gives_no_number_and_the_next_one_takes_it(monkeypatch):
    on_day(monkeypatch, date(2025, 5, 1))
    assert not Currency.objects.get(code="HUF").is_available
    sales_order_create(new=new_order(), user=None)

    with pytest.raises(SalesOrderRefused):
        sales_order_create(new=new_order("HUF"), user=None)
    following = sales_order_create(new=new_order(), user=None)

    assert following.number == "ZS/2025/000002"
    assert SalesOrder.objects.count() == 2


@pytest.mark.django_db
def test_order_failing_after_taking_a_number_rolls_the_number_back(monkeypatch):
    """A failure after the sequence was bumped (here: the first event) must give it back."""
    on_day(monkeypatch, date(2025, 5, 1))
    sales_order_create(new=new_order(), user=None)

    def broken_create(*args, **kwargs):
        raise IntegrityError("simulated failure")

    with monkeypatch.context() as patch:
        patch.setattr(SalesOrderEvent.objects, "create", broken_create)
        with pytest.raises(IntegrityError):
            sales_order_create(new=new_order(), user=None)
    following = sales_order_create(new=new_order(), user=None)

    assert following.number == "ZS/2025/000002"
    assert SalesOrderNumberSequence.objects.get(year=2025).last_number == 2


@pytest.mark.django_db
def test_amounts_in_another_currency_than_the_order_are_refused():
    new = NewSalesOrder(
        channel="allegro",
        currency="PLN",
        lines=[LineData(product=make_product(), quantity=1, unit_price=Money("10", "EUR"))],
        delivery_cost=Money("5.00", "PLN"),
    )

    with pytest.raises(SalesOrderRefused):
        sales_order_create(new=new, user=None)
    assert not SalesOrder.objects.exists()


@pytest.mark.django_db
def test_an_order_without_lines_is_refused():
    with pytest.raises(SalesOrderRefused):
        sales_order_create(
            new=NewSalesOrder(
                channel="allegro", currency="PLN", lines=[], delivery_cost=Money(0, "PLN")
            ),
            user=None,
        )


@pytest.mark.django_db
def test_the_database_refuses_an_order_with_mixed_currencies():
    order = make_sales_order()

    with pytest.raises(IntegrityError), transaction.atomic():
        SalesOrder.objects.filter(pk=order.pk).update(total_currency="EUR")
    order.refresh_from_db()
    assert order.total.currency.code == "PLN"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_distinct_consecutive_numbers(monkeypatch):
    on_day(monkeypatch, date(2025, 6, 1))
    product = make_product()
    new = NewSalesOrder(
        channel="allegro",
        currency="PLN",
        lines=[LineData(product=product, quantity=1, unit_price=Money("1.00", "PLN"))],
        delivery_cost=Money("0.00", "PLN"),
    )
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def create_two() -> None:
        try:
            start.wait()
            for _ in range(2):
                numbers.append(sales_order_create(new=new, user=None).number)
        except BaseException as error:  # the main thread reports it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_two) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [f"ZS/2025/{n:06d}" for n in range(1, 21)]


# --- status workflow --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_every_allowed_transition_changes_status_and_writes_an_event(current, target):
    user = make_user()
    order = make_sales_order(status=current)

    sales_order_status_change(order_id=order.pk, status=target, user=user)

    order.refresh_from_db()
    assert order.status == target
    event = order.events.get(type=SalesOrderEvent.Type.STATUS_CHANGED)
    assert (event.from_status, event.to_status, event.user) == (current, target, user)


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_forbidden_transition_raises_and_changes_nothing(current, target, captured_signals):
    order = make_sales_order(status=current)

    with pytest.raises(InvalidStatusTransition) as raised:
        sales_order_status_change(order_id=order.pk, status=target, user=None)

    assert (raised.value.current, raised.value.target) == (current, target)
    order.refresh_from_db()
    assert order.status == current
    assert not order.events.filter(type=SalesOrderEvent.Type.STATUS_CHANGED).exists()
    assert captured_signals == []


@pytest.mark.django_db
def test_final_statuses_allow_nothing():
    assert ALLOWED_TRANSITIONS[S.PICKED_UP] == frozenset()
    assert ALLOWED_TRANSITIONS[S.CANCELLED] == frozenset()


@pytest.mark.django_db
def test_changing_to_the_same_status_writes_no_event_and_sends_no_signal(captured_signals):
    order = make_sales_order(status=S.IN_PROGRESS)

    sales_order_status_change(order_id=order.pk, status=S.IN_PROGRESS, user=None)

    assert order.events.count() == 1  # only CREATED
    assert captured_signals == []


@pytest.mark.django_db
def test_signal_carries_old_and_new_status_and_runs_inside_the_change(captured_signals):
    user = make_user()
    order = make_sales_order()
    seen_in_db = []

    def look_at_the_database(**kwargs):
        seen_in_db.append((SalesOrder.objects.get(pk=order.pk).status, order.events.count()))

    sales_order_status_changed.connect(look_at_the_database)
    try:
        sales_order_status_change(order_id=order.pk, status=S.IN_PROGRESS, user=user)
    finally:
        sales_order_status_changed.disconnect(look_at_the_database)

    [sent] = captured_signals
    assert sent["sender"] is SalesOrder
    assert sent["order"].pk == order.pk
    assert (sent["old_status"], sent["new_status"], sent["user"]) == (S.NEW, S.IN_PROGRESS, user)
    # The receiver already sees the new status and its event: it runs in the same transaction.
    assert seen_in_db == [(S.IN_PROGRESS, 2)]


@pytest.mark.django_db
def test_a_failing_receiver_rolls_the_status_change_back():
    order = make_sales_order()

    def refuse(**kwargs):
        raise RuntimeError("the outbox is full")

    sales_order_status_changed.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            sales_order_status_change(order_id=order.pk, status=S.CANCELLED, user=None)
    finally:
        sales_order_status_changed.disconnect(refuse)

    order.refresh_from_db()
    assert order.status == S.NEW
    assert not order.events.filter(type=SalesOrderEvent.Type.STATUS_CHANGED).exists()


# --- attention --------------------------------------------------------------------------


@pytest.mark.django_db
def test_flag_sets_the_reason_and_writes_an_event():
    order = make_sales_order()

    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował zamówienie")

    order.refresh_from_db()
    assert order.needs_attention
    assert order.attention_reason == "Kupujący anulował zamówienie"
    event = order.events.get(type=SalesOrderEvent.Type.ATTENTION_FLAGGED)
    assert event.message == "Kupujący anulował zamówienie"


@pytest.mark.django_db
def test_flag_twice_with_the_same_reason_is_one_flag():
    order = make_sales_order()

    sales_order_attention_flag(order_id=order.pk, reason="Adres niepełny")
    sales_order_attention_flag(order_id=order.pk, reason="Adres niepełny")

    order.refresh_from_db()
    assert order.attention_reason == "Adres niepełny"
    assert order.events.filter(type=SalesOrderEvent.Type.ATTENTION_FLAGGED).count() == 1


@pytest.mark.django_db
def test_a_second_reason_is_added_below_the_first():
    order = make_sales_order()

    sales_order_attention_flag(order_id=order.pk, reason="Adres niepełny")
    sales_order_attention_flag(order_id=order.pk, reason="Brak NIP")

    order.refresh_from_db()
    assert order.attention_reason == "Adres niepełny\nBrak NIP"


@pytest.mark.django_db
def test_going_on_anyway_lifts_the_hold_once_with_who_and_the_choice():
    user = make_user()
    order = make_sales_order()
    sales_order_attention_flag(order_id=order.pk, reason="Adres niepełny")
    heard = []

    def listener(**kwargs):
        heard.append((kwargs["order"].pk, kwargs["resolution"], kwargs["user"]))

    sales_order_attention_resolved.connect(listener)
    try:
        sales_order_attention_resolve(order_id=order.pk, resolution=GO_ON, user=user)
        sales_order_attention_resolve(order_id=order.pk, resolution=GO_ON, user=user)
    finally:
        sales_order_attention_resolved.disconnect(listener)

    order.refresh_from_db()
    assert (order.needs_attention, order.attention_reason, order.status) == (False, "", S.NEW)
    cleared = order.events.filter(type=SalesOrderEvent.Type.ATTENTION_CLEARED)
    assert [event.user for event in cleared] == [user]
    said = notice_text(cleared[0].message)
    assert "Mimo to kontynuuj" in said and "Adres niepełny" in said
    assert heard == [(order.pk, "GO_ON", user)]


@pytest.mark.django_db
def test_cancelling_on_resolution_cancels_through_the_workflow_and_lifts_the_hold():
    user = make_user()
    order = make_sales_order(status=S.IN_PROGRESS)
    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował")
    heard = []

    def listener(**kwargs):
        heard.append((kwargs["old_status"], kwargs["new_status"]))

    sales_order_status_changed.connect(listener)
    try:
        sales_order_attention_resolve(order_id=order.pk, resolution=CANCEL, user=user)
    finally:
        sales_order_status_changed.disconnect(listener)

    order.refresh_from_db()
    assert (order.needs_attention, order.status) == (False, S.CANCELLED)
    assert heard == [(S.IN_PROGRESS, S.CANCELLED)]
    types = list(order.events.values_list("type", "user"))
    assert types[-2:] == [
        (SalesOrderEvent.Type.ATTENTION_CLEARED, user.pk),
        (SalesOrderEvent.Type.STATUS_CHANGED, user.pk),
    ]
    assert "Anuluj zamówienie" in notice_text(order.events.get(type="ATTENTION_CLEARED").message)


@pytest.mark.django_db
def test_an_order_that_cannot_be_cancelled_keeps_its_hold_when_cancelling_is_chosen():
    order = make_sales_order(status=S.SENT)
    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował")

    with pytest.raises(InvalidStatusTransition):
        sales_order_attention_resolve(order_id=order.pk, resolution=CANCEL, user=None)

    order.refresh_from_db()
    assert (order.needs_attention, order.status) == (True, S.SENT)
    assert not order.events.filter(type=SalesOrderEvent.Type.ATTENTION_CLEARED).exists()


@pytest.mark.django_db
def test_the_database_refuses_a_flag_without_a_reason():
    order = make_sales_order()

    with pytest.raises(IntegrityError), transaction.atomic():
        SalesOrder.objects.filter(pk=order.pk).update(needs_attention=True, attention_reason="")


# --- tracking numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("waybill", ["", "  ", "X" * 65, "AB 12<3", "ŻÓŁW-1"])
def test_shipment_service_refuses_what_no_carrier_uses_with_the_forms_message(db, waybill):
    order = make_sales_order()

    with pytest.raises(SalesOrderRefused, match="od 1 do 64 znaków: litery, cyfry"):
        sales_order_shipment_add(order_id=order.pk, carrier_code="DPD", waybill=waybill, user=None)

    assert not order.shipments.exists()


def test_shipment_service_keeps_64_characters_without_inner_spaces(db):
    order = make_sales_order()

    shipment = sales_order_shipment_add(
        order_id=order.pk, carrier_code="DPD", waybill=" AD-12 " + "9" * 59, user=None
    )

    assert shipment.waybill == "AD-12" + "9" * 59
    assert len(shipment.waybill) == 64


def test_the_database_refuses_an_empty_tracking_number(db):
    order = make_sales_order()

    with pytest.raises(IntegrityError), transaction.atomic():
        SalesOrderShipment.objects.create(order=order, carrier_code="DPD", waybill="")


def test_a_tracking_number_no_channel_has_is_removed_with_an_event(db):
    order = make_sales_order(channel="manual")
    shipment = sales_order_shipment_add(
        order_id=order.pk, carrier_code="DPD", waybill="AD-1239134", user=None
    )

    sales_order_shipment_remove(shipment_id=shipment.pk, user=None)

    assert not order.shipments.exists()
    event = order.events.get(type=SalesOrderEvent.Type.SHIPMENT_REMOVED)
    assert event.message == "DPD: AD-1239134"
    with pytest.raises(SalesOrderRefused, match="usunięty"):
        sales_order_shipment_remove(shipment_id=shipment.pk, user=None)


def test_a_channel_refusing_the_removal_leaves_the_tracking_number_and_no_event(db):
    order = make_sales_order(channel="manual")
    shipment = sales_order_shipment_add(
        order_id=order.pk, carrier_code="DPD", waybill="AD-1239134", user=None
    )

    def refuse(**kwargs):
        raise SalesOrderRefused("sent already")

    sales_order_shipment_removing.connect(refuse, dispatch_uid="test.refuse")
    try:
        with pytest.raises(SalesOrderRefused, match="sent already"):
            sales_order_shipment_remove(shipment_id=shipment.pk, user=None)
    finally:
        sales_order_shipment_removing.disconnect(dispatch_uid="test.refuse")

    assert order.shipments.filter(pk=shipment.pk).exists()
    assert not order.events.filter(type=SalesOrderEvent.Type.SHIPMENT_REMOVED).exists()
