"""The channel-neutral parcel state and what 'delivered' may do to an order's status."""

import pytest

from sales.models import SalesOrderEvent, SalesOrderStatus
from sales.services import sales_order_parcel_state_set
from tests.support.factories import make_sales_order

pytestmark = pytest.mark.django_db
NOTE = "Set by parcel tracking"


@pytest.mark.parametrize(
    ("status", "picks_up", "expected"),
    [
        (SalesOrderStatus.SENT, True, SalesOrderStatus.PICKED_UP),
        (SalesOrderStatus.SENT, False, SalesOrderStatus.SENT),
        # Collected in person or not sent yet: a carrier's "delivered" does not decide it.
        (SalesOrderStatus.READY_FOR_PICKUP, True, SalesOrderStatus.READY_FOR_PICKUP),
        (SalesOrderStatus.IN_PROGRESS, True, SalesOrderStatus.IN_PROGRESS),
    ],
)
def test_delivered_picks_up_only_a_sent_order_and_only_when_asked(status, picks_up, expected):
    order = make_sales_order(status=status)

    order = sales_order_parcel_state_set(
        order_id=order.pk, state="DELIVERED", delivered_picks_up=picks_up, by=NOTE
    )

    assert order.parcel_state == "DELIVERED"
    assert order.status == expected
    events = SalesOrderEvent.objects.filter(order=order, to_status=SalesOrderStatus.PICKED_UP)
    assert [(e.user, e.message) for e in events] == (
        [(None, NOTE)] if expected == SalesOrderStatus.PICKED_UP else []
    )


def test_saying_the_same_twice_changes_nothing_and_an_unknown_state_is_refused():
    order = make_sales_order(status=SalesOrderStatus.SENT)
    for _ in range(2):
        sales_order_parcel_state_set(
            order_id=order.pk, state="DELIVERED", delivered_picks_up=True, by=NOTE
        )
    assert SalesOrderEvent.objects.filter(order=order, type="STATUS_CHANGED").count() == 1

    with pytest.raises(ValueError, match="Unknown parcel state"):
        sales_order_parcel_state_set(
            order_id=order.pk, state="TELEPORTED", delivered_picks_up=True, by=NOTE
        )
