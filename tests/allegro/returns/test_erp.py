"""An accepted return reaches the ERP, whose correction invoice reaches the Allegro order."""

import pytest
from django.db import transaction

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.returns.models import AllegroReturn
from allegro.returns.services import account_returns_import, return_accept
from erp.models import ErpReturn
from erp.returns import erp_return_send
from sales.models import SalesOrder, SalesOrderInvoice
from tests.allegro.returns.conftest import SentOrder, open_return
from tests.erp.test_ksef_end_to_end import clock, erp, invoices_on_allegro, perform_all, sync
from tests.support.offline import simulator_call

__all__ = ["clock", "erp"]  # fixtures used by name below
pytestmark = pytest.mark.django_db


def test_an_accepted_return_gets_one_correction_from_the_erp_that_reaches_allegro(
    allegro_emulator, erp, connected_account, czech_order: SentOrder
):
    AllegroAccount.objects.filter(pk=connected_account.pk).update(invoices_for_everyone=True)
    simulator_call(erp, "ksef", {"mode": "accept", "delay_seconds": 0})
    order = SalesOrder.objects.get(pk=czech_order.sales_order_id)
    sync()
    simulator_call(erp, "orders/fulfil", {"number": order.number})
    sync()
    perform_all()
    open_return(allegro_emulator, czech_order, line=1, quantity=2)
    account_returns_import(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    with transaction.atomic():
        return_accept(return_pk=AllegroReturn.objects.get().pk, user=None)
    erp_return = ErpReturn.objects.get()

    assert erp_return_send(erp_return_id=erp_return.pk) == "done"
    ErpReturn.objects.filter(pk=erp_return.pk).update(state="PENDING", claimed_until=None)
    assert erp_return_send(erp_return_id=erp_return.pk) == "done"  # sent again: nothing new
    perform_all()

    first, correction = SalesOrderInvoice.objects.filter(order=order).order_by("id")
    assert correction.kind == "CORRECTION" and correction.corrects == first
    assert correction.total.amount < 0
    returned_line = order.lines.order_by("id")[1]
    assert correction.total.amount == -2 * returned_line.unit_price.amount
    assert invoices_on_allegro(allegro_emulator, order) == [first.number, correction.number]
    state = simulator_call(erp, "state", method="get")
    assert state["invoices"] == 2


def test_a_return_before_the_erp_invoiced_waits_for_the_invoice(
    allegro_emulator, erp, connected_account, czech_order: SentOrder
):
    sync()  # the ERP has the order, not shipped: nothing to correct yet
    open_return(allegro_emulator, czech_order, line=0)
    account_returns_import(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    with transaction.atomic():
        return_accept(return_pk=AllegroReturn.objects.get().pk, user=None)
    erp_return = ErpReturn.objects.get()
    assert erp_return_send(erp_return_id=erp_return.pk) == "waiting for the invoice"
    erp_return.refresh_from_db()
    assert erp_return.state == "PENDING" and "conflict" in erp_return.last_error
