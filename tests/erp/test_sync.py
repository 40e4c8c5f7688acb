"""The sync against the ERP simulator: send, pull, invoices, currencies, faults."""

from decimal import Decimal

import pytest
import requests
from django.utils import translation

from allegro.conversion.services import allegro_orders_cancellation_flag
from allegro.orders.models import AllegroOrder
from allegro.writeback.models import AllegroWrite
from erp.backends.http import HttpErpBackend
from erp.models import ErpOrderLink, ErpStatus, ErpSyncRun
from erp.sync import sync_run_perform, sync_run_start
from sales.models import AttentionResolution, SalesOrder, SalesOrderInvoice, SalesOrderStatus
from sales.services import sales_order_attention_flag, sales_order_attention_resolve
from shop.models import Currency
from shop.notices import notice_text
from tests.support.factories import make_allegro_order, make_sales_order, make_user

pytestmark = pytest.mark.django_db


def sync(backend=None) -> ErpSyncRun:
    run, created = sync_run_start(trigger=ErpSyncRun.Trigger.MANUAL, user=None)
    assert created
    return sync_run_perform(run_id=run.pk, backend=backend)


def test_two_syncs_make_one_erp_document(sim):
    order = make_sales_order()

    first = sync()
    second = sync()

    assert (first.state, first.total, first.sent, first.failed) == ("DONE", 1, 1, 0)
    assert (second.sent, second.failed) == (0, 0)
    assert sim("state", method="GET")["total_orders"] == 1
    link = ErpOrderLink.objects.get(order=order)
    assert link.document_number and link.erp_status == ErpStatus.ACCEPTED and link.sent_hash


def test_a_changed_order_is_sent_again_while_the_erp_accepts_it(sim):
    order = make_sales_order()
    sync()
    SalesOrder.objects.filter(pk=order.pk).update(customer_name="Anna Nowak")

    run = sync()

    assert (run.sent, run.updated, run.failed) == (0, 1, 0)
    assert sim("state", method="GET")["total_orders"] == 1


def test_cancelled_orders_never_sent_stay_out_of_the_erp(sim):
    make_sales_order(status=SalesOrderStatus.CANCELLED)

    run = sync()

    assert run.total == 0
    assert sim("state", method="GET")["total_orders"] == 0


def test_a_currency_available_in_the_erp_becomes_available_in_the_shop(sim):
    Currency.objects.filter(code="CZK").update(is_available=False)
    sim("currencies", {"code": "CZK", "available": True})

    run = sync()

    assert Currency.objects.get(code="CZK").is_available
    assert Currency.objects.get(code="PLN").is_available
    assert "CZK+" in run.currencies_changed


def test_fulfilled_in_the_erp_the_order_is_sent_with_its_invoice(sim):
    allegro_order = make_allegro_order("checkout-form-allegro-cz.json", invoice_required=True)
    sim("currencies", {"code": "CZK", "available": True})
    order = make_sales_order(currency="CZK", channel="allegro", marketplace="allegro-cz")
    allegro_order.sales_order = order
    allegro_order.save(update_fields=["sales_order"])
    sync()
    sim("orders/fulfil", {"number": order.number})

    run = sync()

    order.refresh_from_db()
    assert (run.updated, run.failed) == (1, 0), run.errors
    assert order.status == SalesOrderStatus.SENT
    invoice = SalesOrderInvoice.objects.get(order=order)
    assert invoice.pdf.open("rb").read(5) == b"%PDF-"
    link = ErpOrderLink.objects.get(order=order)
    assert link.erp_status == ErpStatus.SHIPPED and link.invoice_number == invoice.number
    assert link.exchange_rate_currency == "CZK" and link.exchange_rate > Decimal(0)
    assert link.exchange_rate_table and link.exchange_rate_date
    assert AllegroWrite.objects.filter(
        allegro_order=allegro_order, kind=AllegroWrite.Kind.INVOICE
    ).exists()
    # Run again: nothing attached twice.
    sync()
    assert SalesOrderInvoice.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("status", [SalesOrderStatus.SENT, SalesOrderStatus.PICKED_UP])
def test_an_order_fulfilled_outside_is_sent_as_document_only_and_never_shipped(sim, status):
    order = make_sales_order(status=status, fulfilled_outside=True)

    run = sync()

    assert (run.sent, run.failed) == (1, 0), run.errors
    order.refresh_from_db()
    # Invoiced at once, no fulfilment in the ERP, and the order keeps its status.
    assert order.status == status
    link = ErpOrderLink.objects.get(order=order)
    assert link.erp_status == ErpStatus.SHIPPED
    assert SalesOrderInvoice.objects.get(order=order).number == link.invoice_number
    assert sim("orders/fulfil", {"all": True}) == {"orders": []}
    assert sim("state", method="GET")["invoices"] == 1
    # Done with: the next sync does not ask the ERP about it again.
    assert sync().total == 0


def test_an_order_the_shop_fulfils_is_sent_for_fulfilment(sim):
    order = make_sales_order()

    sync()

    assert ErpOrderLink.objects.get(order=order).erp_status == ErpStatus.ACCEPTED
    assert sim("orders/fulfil", {"all": True})["orders"][0]["number"] == order.number


def test_a_currency_the_erp_lacks_is_an_error_on_that_order(sim):
    order = make_sales_order(currency="HUF")

    run = sync()

    assert run.failed == 1 and run.errors[0]["number"] == order.number
    # The ERP's code in our words, its own message kept.
    error = notice_text(ErpOrderLink.objects.get(order=order).last_error)
    assert error.startswith("Waluta zamówienia jest wyłączona w ERP") and "Komunikat ERP:" in error


class DownAfter(HttpErpBackend):
    """Switches the simulator down after `sends` orders were sent."""

    def __init__(self, base_url: str, sends: int) -> None:
        super().__init__()
        self.sim_url = base_url
        self.left = sends

    def order_send(self, order):
        if self.left == 0:
            requests.post(f"{self.sim_url}/_sim/faults", json=[{"type": "down"}], timeout=5)
        self.left -= 1
        return super().order_send(order)


def test_the_erp_down_halfway_keeps_what_was_done_and_the_next_sync_finishes(sim, erp_simulator):
    orders = [make_sales_order() for _ in range(4)]

    with translation.override("en"):  # an earlier test may have left Polish active
        run = sync(backend=DownAfter(erp_simulator, sends=2))

    assert (run.state, run.sent, run.failed, run.processed) == ("FAILED", 2, 2, 4)
    assert all("unavailable" in error["message"] for error in run.errors)
    assert sim("state", method="GET")["total_orders"] == 2
    sim("faults", method="DELETE")

    again = sync()

    assert (again.state, again.sent, again.failed) == ("DONE", 2, 0)
    assert sim("state", method="GET")["total_orders"] == 4
    assert all(ErpOrderLink.objects.get(order=o).document_number for o in orders)
    assert not ErpOrderLink.objects.exclude(last_error="").exists()


def test_a_malformed_answer_is_a_clear_error_and_nothing_is_applied(sim):
    order = make_sales_order()
    sync()
    sim("orders/fulfil", {"number": order.number})
    sim("faults", [{"type": "malformed", "path": "/api/orders/lookup"}])

    run = sync()

    order.refresh_from_db()
    assert run.failed == 1
    assert "does not fit" in run.errors[0]["message"]
    assert order.status == SalesOrderStatus.NEW
    assert not SalesOrderInvoice.objects.filter(order=order).exists()
    link = ErpOrderLink.objects.get(order=order)
    assert link.erp_status == ErpStatus.ACCEPTED and "does not fit" in notice_text(link.last_error)


def test_a_broken_invoice_pdf_leaves_the_status_unchanged_too(sim):
    order = make_sales_order()
    sync()
    sim("orders/fulfil", {"number": order.number})
    sim("faults", [{"type": "malformed", "path": "/api/invoices"}])

    run = sync()

    order.refresh_from_db()
    assert run.failed == 1 and "not a PDF" in run.errors[0]["message"]
    assert order.status == SalesOrderStatus.NEW


def test_cancelled_in_the_erp_flags_the_order_instead_of_cancelling_it(sim):
    order = make_sales_order()
    sync()
    sim("orders/cancel", {"number": order.number})

    sync()

    order.refresh_from_db()
    assert order.status == SalesOrderStatus.NEW
    assert order.needs_attention and "ERP" in notice_text(order.attention_reason)


def test_a_transition_the_workflow_refuses_is_an_error_on_that_order(sim):
    order = make_sales_order()
    sync()
    SalesOrder.objects.filter(pk=order.pk).update(status=SalesOrderStatus.CANCELLED)
    sim("orders/fulfil", {"number": order.number})

    run = sync()

    assert run.state == "DONE" and run.failed == 1
    assert run.errors[0]["order_id"] == order.pk


def test_pressing_twice_gives_the_running_sync():
    user = make_user()
    first, created = sync_run_start(trigger=ErpSyncRun.Trigger.MANUAL, user=user)
    second, created_again = sync_run_start(trigger=ErpSyncRun.Trigger.MANUAL, user=user)

    assert created and not created_again
    assert first.pk == second.pk
    assert ErpSyncRun.objects.count() == 1


def test_a_finished_run_is_not_performed_again(sim):
    make_sales_order()
    run = sync()

    again = sync_run_perform(run_id=run.pk)

    assert again.sent == 1
    assert sim("state", method="GET")["total_orders"] == 1


# --- orders held for attention ----------------------------------------------------------------


def test_an_order_the_buyer_cancelled_stays_out_of_the_erp_until_resolved(sim):
    order = make_sales_order()
    make_allegro_order(sales_order=order)
    cancelled = AllegroOrder.objects.filter(sales_order=order).values_list("pk", flat=True)
    assert allegro_orders_cancellation_flag(allegro_order_ids=list(cancelled)) == 1

    held = sync()
    again = sync()

    assert (held.total, held.sent, held.failed, held.held) == (1, 0, 0, 1)
    assert held.held_orders == [{"number": order.number, "order_id": order.pk}]
    assert again.held == 1
    assert sim("state", method="GET")["total_orders"] == 0
    assert not ErpOrderLink.objects.filter(order=order).exists()

    sales_order_attention_resolve(
        order_id=order.pk, resolution=AttentionResolution.GO_ON, user=None
    )
    resolved = sync()

    assert (resolved.sent, resolved.held, resolved.held_orders) == (1, 0, [])
    assert sim("state", method="GET")["total_orders"] == 1


def test_an_order_flagged_after_it_was_sent_is_neither_sent_again_nor_pulled(sim):
    order = make_sales_order()
    sync()
    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował")
    SalesOrder.objects.filter(pk=order.pk).update(customer_name="Anna Nowak")
    sim("orders/fulfil", {"number": order.number})

    run = sync()

    assert (run.sent, run.updated, run.failed, run.held) == (0, 0, 0, 1)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.NEW and not order.invoices.exists()
    assert ErpOrderLink.objects.get(order=order).erp_status == ErpStatus.ACCEPTED


def test_an_order_resolved_by_cancelling_before_it_was_sent_never_reaches_the_erp(sim):
    order = make_sales_order()
    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował")
    sales_order_attention_resolve(
        order_id=order.pk, resolution=AttentionResolution.CANCEL, user=None
    )

    run = sync()

    assert (run.total, run.held) == (0, 0)
    assert sim("state", method="GET")["total_orders"] == 0


class FlaggedWhileLooking(HttpErpBackend):
    """The buyer's cancellation arrives while the sync asks the ERP for its documents."""

    def __init__(self, order_id: int) -> None:
        super().__init__()
        self.order_id = order_id

    def orders_lookup(self, numbers):
        sales_order_attention_flag(order_id=self.order_id, reason="Kupujący anulował")
        return super().orders_lookup(numbers)


def test_an_order_flagged_during_the_sync_is_not_pulled(sim):
    order = make_sales_order()
    sync()
    sim("orders/fulfil", {"number": order.number})

    run = sync(FlaggedWhileLooking(order.pk))

    assert (run.updated, run.failed, run.held) == (0, 0, 1)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.NEW and not order.invoices.exists()
