"""Returns imported, accepted or rejected, and refunds sent once, against the emulator."""

import uuid

import pytest
from django.utils import timezone
from djmoney.money import Money

from allegro.accounts.clients import client_for_account
from allegro.api import returns as api
from allegro.returns.models import AllegroRefund, AllegroReturn, RefundLimit
from allegro.returns.services import (
    ReturnRefused,
    account_returns_import,
    refund_create,
    refund_follow,
    refund_from_return,
    refund_perform,
    rejection_perform,
    return_accept,
    return_refund_plan,
    return_reject,
)
from sales.models import SalesOrderEvent, SalesOrderReturnLine
from tests.allegro.returns.conftest import open_return
from tests.support.offline import emulator_call

pytestmark = pytest.mark.django_db


def one_of_first_line(order, *, user=None) -> AllegroRefund:
    """A refund of one piece of the order's first line, by a fresh form."""
    line = order.form["lineItems"][0]
    return refund_create(
        allegro_order_id=order.allegro_order.pk,
        command_id=uuid.uuid4(),
        lines={line["id"]: 1},
        user=user,
    )


def refunds_on_allegro(base_url: str) -> list[dict]:
    return emulator_call(base_url, "refunds", method="get")["refunds"]


def _import(account) -> None:
    account_returns_import(account_id=account.id, client=client_for_account(account))


def test_a_return_is_imported_once_with_its_lines_parcel_and_status(
    allegro_emulator, connected_account, czech_order
):
    opened = open_return(allegro_emulator, czech_order, line=1, quantity=2)
    _import(connected_account)
    _import(connected_account)
    row = AllegroReturn.objects.get()
    assert row.return_id == opened["id"]
    assert row.allegro_order == czech_order.allegro_order
    assert row.status == "DISPATCHED"
    assert row.parcel_waybill == opened["parcels"][0]["waybill"]
    line = row.lines.get()
    assert (line.quantity, line.reason) == (2, "DAMAGED")
    assert line.unit_price.currency.code == "CZK"

    emulator_call(allegro_emulator, f"returns/{opened['id']}/deliver")
    _import(connected_account)
    assert AllegroReturn.objects.get().status == "DELIVERED"


def test_accepting_records_the_returned_lines_on_the_sales_order_and_refunds_once(
    allegro_emulator, connected_account, czech_order
):
    open_return(allegro_emulator, czech_order, line=0)
    _import(connected_account)
    row = AllegroReturn.objects.get()
    return_accept(return_pk=row.pk, user=None)
    return_accept(return_pk=row.pk, user=None)  # twice: one record
    returned = SalesOrderReturnLine.objects.get()
    assert returned.line.order_id == czech_order.sales_order_id
    assert returned.quantity == 1
    assert SalesOrderEvent.objects.filter(type="RETURN_RECORDED").count() == 1

    command = uuid.uuid4()
    first = refund_from_return(return_pk=row.pk, command_id=command, user=None)
    again = refund_from_return(return_pk=row.pk, command_id=uuid.uuid4(), user=None)
    assert first.pk == again.pk  # a second click, even from another form: the same refund
    unit = czech_order.form["lineItems"][0]["price"]
    assert first.total == Money(unit["amount"], "CZK")

    client_for = lambda account: client_for_account(account)  # noqa: E731
    assert refund_perform(refund_id=first.pk, client_for=client_for) == "SENT"
    # The job run again (a retry after a crash) sends nothing new.
    AllegroRefund.objects.filter(pk=first.pk).update(
        state="PENDING", next_attempt_at=timezone.now()
    )
    assert refund_perform(refund_id=first.pk, client_for=client_for) == "SENT"
    assert len(refunds_on_allegro(allegro_emulator)) == 1
    AllegroRefund.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert refund_follow(refund_id=first.pk, client_for=client_for) == "SUCCESS"
    first.refresh_from_db()
    assert first.state == "SUCCESS" and first.allegro_status == "SUCCESS"
    _import(connected_account)
    assert AllegroReturn.objects.get().status == "FINISHED"


def test_refunds_by_hand_are_checked_against_what_was_paid(czech_order):
    order = czech_order.allegro_order
    lines = czech_order.form["lineItems"]
    surcharge = czech_order.form["surcharges"][0]
    delivery = Money(czech_order.form["delivery"]["cost"]["amount"], "CZK")
    with pytest.raises(ReturnRefused, match="tylko 3"):
        refund_create(
            allegro_order_id=order.pk, command_id=uuid.uuid4(), lines={lines[1]["id"]: 4}, user=None
        )
    with pytest.raises(ReturnRefused, match="walucie zamówienia CZK"):
        refund_create(
            allegro_order_id=order.pk,
            command_id=uuid.uuid4(),
            lines={},
            delivery=Money("1.00", "PLN"),
            user=None,
        )
    whole = refund_create(
        allegro_order_id=order.pk,
        command_id=uuid.uuid4(),
        lines={line["id"]: line["quantity"] for line in lines},
        delivery=delivery,
        surcharges={surcharge["id"]: Money(surcharge["paidAmount"]["amount"], "CZK")},
        user=None,
    )
    assert whole.total == Money(czech_order.form["summary"]["totalToPay"]["amount"], "CZK")
    with pytest.raises(ReturnRefused, match="tylko 0"):
        refund_create(
            allegro_order_id=order.pk, command_id=uuid.uuid4(), lines={lines[0]["id"]: 1}, user=None
        )


def test_a_refund_above_the_limit_needs_an_administrator(czech_order, django_user_model):
    RefundLimit.objects.create(currency="CZK", amount="10.00")
    with pytest.raises(ReturnRefused, match="administrator"):
        one_of_first_line(czech_order, user=None)
    admin = django_user_model.objects.create_superuser("szef2", password="x")
    refund = one_of_first_line(czech_order, user=admin)
    assert refund.state == "PENDING"


def test_allegro_refusing_a_refund_keeps_its_message_and_trace_id(
    allegro_emulator, connected_account, czech_order
):
    refund = one_of_first_line(czech_order, user=None)
    # The same commandId used on Allegro for something else: Allegro's 422.
    emulator_call(allegro_emulator, "refunds", {"outcome": "MANUAL"})
    client = client_for_account(connected_account)
    api.refund_initiate(
        client,
        api.RefundRequest(
            command_id=str(refund.command_id),
            checkout_form_id=czech_order.form["id"],
            payment_id=czech_order.form["payment"]["id"],
            reason="COMPLAINT",
            lines=[api.RefundLine(czech_order.form["lineItems"][1]["id"], 1)],
        ),
    )
    assert refund_perform(refund_id=refund.pk, client_for=lambda a: client) == "failed"
    refund.refresh_from_db()
    assert refund.state == "FAILED"
    assert "innego zwrotu" in refund.last_error
    assert refund.trace_id


def test_a_rejection_reaches_allegro_with_its_code(
    allegro_emulator, connected_account, czech_order
):
    opened = open_return(allegro_emulator, czech_order)
    _import(connected_account)
    row = AllegroReturn.objects.get()
    with pytest.raises(ReturnRefused, match="Napisz, dlaczego"):
        return_reject(return_pk=row.pk, code="REFUND_REJECTED", reason=" ", user=None)
    return_reject(return_pk=row.pk, code="BUSINESS_PURCHASE", reason="Firma", user=None)
    client_for = lambda account: client_for_account(account)  # noqa: E731
    assert rejection_perform(return_pk=row.pk, client_for=client_for) == "done"
    assert rejection_perform(return_pk=row.pk, client_for=client_for) == "not due"
    row.refresh_from_db()
    assert (row.status, row.rejection_state) == ("REJECTED", "DONE")
    on_allegro = emulator_call(allegro_emulator, "refunds", method="get")
    assert on_allegro["refunds"] == []
    with pytest.raises(ReturnRefused):
        return_accept(return_pk=row.pk, user=None)
    assert opened["id"] == row.return_id


def test_a_5xx_is_retried_with_the_same_command_and_a_cancelled_refund_fails_visibly(
    allegro_emulator, connected_account, czech_order
):
    refund = one_of_first_line(czech_order, user=None)
    emulator_call(
        allegro_emulator,
        "faults",
        {"type": "status", "status": 503, "count": 1, "path": "/payments"},
    )
    client_for = lambda account: client_for_account(account)  # noqa: E731
    assert refund_perform(refund_id=refund.pk, client_for=client_for) == "retry"
    refund.refresh_from_db()
    assert refund.state == "PENDING" and "503" in refund.last_error
    AllegroRefund.objects.filter(pk=refund.pk).update(next_attempt_at=timezone.now())
    emulator_call(allegro_emulator, "refunds", {"outcome": "CANCELED"})
    assert refund_perform(refund_id=refund.pk, client_for=client_for) == "SENT"
    AllegroRefund.objects.filter(pk=refund.pk).update(next_attempt_at=timezone.now())
    assert refund_follow(refund_id=refund.pk, client_for=client_for) == "FAILED"
    refund.refresh_from_db()
    assert refund.allegro_status == "CANCELED" and "CANCELED" in refund.last_error
    assert refund.trace_id  # the answer's, for a question to Allegro
    assert len(refunds_on_allegro(allegro_emulator)) == 1
    # A failed refund frees its amount: the line can be refunded again.
    again = one_of_first_line(czech_order, user=None)
    assert again.pk != refund.pk


def test_a_return_of_the_whole_order_refunds_the_delivery_too_and_a_part_does_not(
    allegro_emulator, connected_account, czech_order
):
    part = open_return(allegro_emulator, czech_order, line=1, quantity=1)
    _import(connected_account)
    row = AllegroReturn.objects.get(return_id=part["id"])
    plan = return_refund_plan(row=row)
    assert plan is not None and plan.delivery is None
    unit = Money(czech_order.form["lineItems"][1]["price"]["amount"], "CZK")
    assert plan.total == unit

    # The rest of the order comes back in a second return: it completes the withdrawal.
    items = [
        {"lineItemId": czech_order.form["lineItems"][0]["id"], "reason": "DAMAGED"},
        {"lineItemId": czech_order.form["lineItems"][1]["id"], "quantity": 2, "reason": "DAMAGED"},
    ]
    rest = emulator_call(
        allegro_emulator, f"orders/{czech_order.form['id']}/return", {"items": items}
    )
    _import(connected_account)
    return_accept(return_pk=row.pk, user=None)
    refund_from_return(return_pk=row.pk, command_id=uuid.uuid4(), user=None)

    last = AllegroReturn.objects.get(return_id=rest["id"])
    return_accept(return_pk=last.pk, user=None)
    delivery = Money(czech_order.form["delivery"]["cost"]["amount"], "CZK")
    plan = return_refund_plan(row=last)
    assert plan is not None and plan.delivery == delivery
    refund = refund_from_return(return_pk=last.pk, command_id=uuid.uuid4(), user=None)
    assert refund.delivery == delivery
    assert refund.total == plan.total
    first_unit = Money(czech_order.form["lineItems"][0]["price"]["amount"], "CZK")
    assert plan.total == first_unit + unit * 2 + delivery
