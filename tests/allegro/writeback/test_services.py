"""Writes to Allegro against the emulator: recorded with the change, performed once."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from allegro.accounts.clients import client_for_account
from allegro.conversion.services import (
    ConversionRefused,
    allegro_order_convert,
    allegro_orders_cancellation_flag,
)
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run, orders_store
from allegro.writeback.models import AllegroWrite
from allegro.writeback.services import (
    write_backwards_confirm,
    write_perform,
    write_retry,
    writes_sweep,
)
from emulator.catalogue import CATALOGUE
from sales.models import AttentionResolution, SalesOrderStatus
from sales.services import (
    sales_order_attention_flag,
    sales_order_attention_resolve,
    sales_order_invoice_attach,
    sales_order_shipment_add,
    sales_order_status_change,
)
from shop.models import Currency, ShopSettings, ShopVariant
from shop.notices import notice_text
from tests.support.factories import make_product
from tests.support.offline import emulator_call

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def czech_sales_order(allegro_emulator, connected_account, settings):
    """A paid Czech Allegro order converted into a sales order."""
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code="CZK").update(is_available=True)
    for product in CATALOGUE:
        make_product(sku=product.sku)
    form_id = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-cz"})["ids"][0]
    account_import_run(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    allegro_order = AllegroOrder.objects.get(checkout_form_id=form_id)
    return allegro_order_convert(allegro_order_id=allegro_order.id, user=None).sales_order


def perform_all() -> list[str]:
    return [
        write_perform(write_id=write_id, client_for=client_for_account)
        for write_id in AllegroWrite.objects.filter(state="PENDING").values_list("id", flat=True)
    ]


def emulator_order(base_url: str, sales_order) -> dict:
    return emulator_call(base_url, f"orders/{sales_order.channel_reference}", method="get")


def test_a_status_change_reaches_allegro_once(allegro_emulator, czech_sales_order):
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)

    assert perform_all() == ["DONE"]
    assert perform_all() == []
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "PROCESSING"
    assert state["fulfillmentChanges"] == 1


def test_a_write_is_recorded_in_the_transaction_of_the_change(czech_sales_order):
    with pytest.raises(RuntimeError), transaction.atomic():
        sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
        raise RuntimeError("the change is rolled back")

    assert not AllegroWrite.objects.exists()


def test_running_a_write_again_after_it_was_sent_sends_nothing(allegro_emulator, czech_sales_order):
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    write = AllegroWrite.objects.get()
    revision_before = AllegroOrder.objects.get(pk=write.allegro_order_id).revision
    perform_all()
    # As if the worker died after Allegro took the change but before the shop noted it.
    AllegroWrite.objects.filter(pk=write.pk).update(state="PENDING", done_at=None)
    AllegroOrder.objects.filter(pk=write.allegro_order_id).update(
        fulfillment_status="NEW", revision=revision_before
    )

    assert perform_all() == ["DONE"]
    assert emulator_order(allegro_emulator, czech_sales_order)["fulfillmentChanges"] == 1


def test_only_the_latest_of_several_pending_statuses_is_sent(allegro_emulator, czech_sales_order):
    for status in ("IN_PROGRESS", "READY_FOR_PICKUP", "PICKED_UP"):
        sales_order_status_change(order_id=czech_sales_order.id, status=status, user=None)

    assert sorted(perform_all()) == ["DONE", "SKIPPED", "SKIPPED"]
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "PICKED_UP"
    assert state["fulfillmentChanges"] == 1


def test_a_tracking_number_is_added_once_even_when_retried(allegro_emulator, czech_sales_order):
    shipment = sales_order_shipment_add(
        order_id=czech_sales_order.id, carrier_code="PACKETA", waybill="Z123456789", user=None
    )
    assert perform_all() == ["DONE"]
    AllegroWrite.objects.update(state="PENDING", done_at=None)

    assert perform_all() == ["DONE"]
    shipments = emulator_order(allegro_emulator, czech_sales_order)["shipments"]
    assert [s["waybill"] for s in shipments] == [shipment.waybill]


def test_a_czech_buyers_invoice_reaches_allegro_with_its_file(allegro_emulator, czech_sales_order):
    allegro_order = AllegroOrder.objects.get(sales_order=czech_sales_order)
    AllegroOrder.objects.filter(pk=allegro_order.pk).update(invoice_required=True)
    sales_order_invoice_attach(
        order_id=czech_sales_order.id, number="FV/1/2026", pdf=ContentFile(PDF), user=None
    )

    assert perform_all() == ["DONE"]
    AllegroWrite.objects.update(state="PENDING", done_at=None)
    assert perform_all() == ["DONE"]
    invoices = emulator_order(allegro_emulator, czech_sales_order)["invoices"]
    assert len(invoices) == 1
    assert invoices[0]["invoiceNumber"] == "FV/1/2026"


def test_server_errors_postpone_and_the_sweep_brings_the_write_back(
    allegro_emulator, czech_sales_order, settings
):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 0
    emulator_call(allegro_emulator, "faults", [{"type": "status", "status": 503, "count": 1}])
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)

    assert perform_all() == ["retry"]
    write = AllegroWrite.objects.get()
    assert write.state == "PENDING" and "503" in notice_text(write.last_error)
    AllegroWrite.objects.update(next_attempt_at=write.created_at)

    assert writes_sweep() == 1
    assert perform_all() == ["DONE"]


def test_a_refused_write_fails_with_allegros_words_and_can_be_retried(
    allegro_emulator, czech_sales_order
):
    # Allegro sets RETURNED itself and refuses it from sellers.
    write = AllegroWrite.objects.create(
        account_id=czech_sales_order.allegro_order.account_id,
        allegro_order=czech_sales_order.allegro_order,
        kind="FULFILLMENT",
        cause="test:returned",
        target={"status": "RETURNED"},
    )

    assert perform_all() == ["failed"]
    write.refresh_from_db()
    assert write.state == "FAILED" and write.last_error

    write_retry(write_id=write.id)
    assert AllegroWrite.objects.get().state == "PENDING"


def test_a_paused_kind_waits(allegro_emulator, czech_sales_order):
    account = czech_sales_order.allegro_order.account
    account.fulfillment_writes_paused = True
    account.save()
    sales_order_status_change(
        order_id=czech_sales_order.id, status=SalesOrderStatus.IN_PROGRESS, user=None
    )

    assert perform_all() == ["paused"]
    assert (
        emulator_order(allegro_emulator, czech_sales_order)["checkoutForm"]["fulfillment"]["status"]
        == "NEW"
    )


def test_a_retry_started_a_moment_early_by_the_scheduler_still_runs(czech_sales_order):
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    AllegroWrite.objects.update(next_attempt_at=timezone.now() + timedelta(seconds=1))

    assert perform_all() == ["DONE"]


def test_a_write_due_later_is_left_for_later(czech_sales_order):
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    AllegroWrite.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert perform_all() == ["not due"]


# --- held while the sales order needs attention -----------------------------------------------


def flag(sales_order, reason: str = "Kupujący anulował") -> None:
    sales_order_attention_flag(order_id=sales_order.id, reason=reason)


def resolve(sales_order, resolution: AttentionResolution) -> None:
    sales_order_attention_resolve(order_id=sales_order.id, resolution=resolution, user=None)


def held_status_and_invoice(sales_order) -> None:
    """Flag the order, then record a status write and an invoice write (the buyer wants one)."""
    AllegroOrder.objects.filter(sales_order=sales_order).update(invoice_required=True)
    flag(sales_order)
    sales_order_status_change(order_id=sales_order.id, status="IN_PROGRESS", user=None)
    sales_order_invoice_attach(
        order_id=sales_order.id, number="FV/1/2026", pdf=ContentFile(PDF), user=None
    )


def test_status_and_invoice_wait_while_the_order_needs_attention_tracking_numbers_do_not(
    allegro_emulator, czech_sales_order
):
    held_status_and_invoice(czech_sales_order)
    sales_order_shipment_add(
        order_id=czech_sales_order.id, carrier_code="PACKETA", waybill="Z123456789", user=None
    )

    assert perform_all() == ["held", "held", "DONE"]
    assert perform_all() == ["held", "held"]  # still waiting, and no attempt counted
    assert list(AllegroWrite.objects.order_by("id").values_list("state", "attempts")) == [
        ("PENDING", 0),
        ("PENDING", 0),
        ("DONE", 1),
    ]
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "NEW"
    assert state["invoices"] == [] and len(state["shipments"]) == 1


def test_going_on_anyway_sends_what_waited(allegro_emulator, czech_sales_order, monkeypatch):
    held_status_and_invoice(czech_sales_order)
    assert perform_all() == ["held", "held"]
    queued: list[int] = []
    monkeypatch.setattr("allegro.writeback.services.write_enqueue", queued.append)

    resolve(czech_sales_order, AttentionResolution.GO_ON)

    assert sorted(queued) == sorted(AllegroWrite.objects.values_list("id", flat=True))
    assert perform_all() == ["DONE", "DONE"]
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "PROCESSING"
    assert [i["invoiceNumber"] for i in state["invoices"]] == ["FV/1/2026"]


def test_a_cancellation_flagged_after_the_write_was_queued_holds_it(
    allegro_emulator, czech_sales_order
):
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    allegro_order = AllegroOrder.objects.get(sales_order=czech_sales_order)
    allegro_orders_cancellation_flag(allegro_order_ids=[allegro_order.id])

    assert perform_all() == ["held"]
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "NEW"


def test_cancelling_on_the_decision_drops_what_waited_and_sends_the_cancellation(
    allegro_emulator, czech_sales_order
):
    held_status_and_invoice(czech_sales_order)

    resolve(czech_sales_order, AttentionResolution.CANCEL)

    writes = list(AllegroWrite.objects.order_by("id").values_list("kind", "state", "target"))
    assert writes[:2] == [
        ("FULFILLMENT", "SKIPPED", {"status": "PROCESSING"}),
        ("INVOICE", "SKIPPED", writes[1][2]),
    ]
    assert writes[2] == ("FULFILLMENT", "PENDING", {"status": "CANCELLED"})
    assert perform_all() == ["DONE"]
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "CANCELLED"
    assert state["invoices"] == []


def test_the_sweep_leaves_held_writes_alone_until_the_hold_is_lifted(czech_sales_order, settings):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 0
    flag(czech_sales_order)
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    assert perform_all() == ["held"]

    assert writes_sweep() == 0

    resolve(czech_sales_order, AttentionResolution.GO_ON)
    assert writes_sweep() == 1


def seller_marks_sent_on_allegro(sales_order, *, refresh: bool = True) -> None:
    """The seller sets SENT in Allegro itself; `refresh`: the shop has read it back since."""
    allegro_order = AllegroOrder.objects.select_related("account").get(sales_order=sales_order)
    client = client_for_account(allegro_order.account)
    form_id = allegro_order.checkout_form_id
    client.fulfillment_set(form_id, status="SENT", revision=allegro_order.revision)
    if refresh:
        with transaction.atomic():
            orders_store(account=allegro_order.account, raws=[client.checkout_form(form_id)])


@pytest.mark.parametrize("refresh", [True, False], ids=["shop-knows", "shop-copy-stale"])
def test_a_status_behind_allegro_is_not_sent_and_says_so(
    allegro_emulator, czech_sales_order, refresh
):
    seller_marks_sent_on_allegro(czech_sales_order, refresh=refresh)
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)

    assert perform_all() == ["SKIPPED"]
    write = AllegroWrite.objects.get()
    # Allegro's status in words, in the reader's language.
    assert notice_text(write.last_error) == "Nie wysłano: Allegro jest dalej (pokazuje Wysłane)."
    assert write.result["held_back"] == "further_along"
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "SENT"
    assert [change["status"] for change in state["fulfillmentHistory"]] == ["SENT"]


def test_an_operator_may_confirm_moving_allegro_back(allegro_emulator, czech_sales_order):
    seller_marks_sent_on_allegro(czech_sales_order)
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    perform_all()

    write = write_backwards_confirm(write_id=AllegroWrite.objects.get().pk, user=None)

    assert write.target == {"status": "PROCESSING", "backwards_confirmed": True}
    assert perform_all() == ["DONE"]
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "PROCESSING"


def test_only_a_held_back_write_can_be_confirmed_backwards(czech_sales_order):
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    write = AllegroWrite.objects.get()

    assert write_backwards_confirm(write_id=write.pk, user=None).target == {"status": "PROCESSING"}


def test_an_order_allegro_shows_as_sent_converts_to_sent_and_never_moves_allegro_back(
    allegro_emulator, connected_account
):
    """The backfill's shipped order: asked first, created in "Wysłane", nothing written back."""
    for product in CATALOGUE:
        make_product(sku=product.sku)
    form_id = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl"})["ids"][0]
    client = client_for_account(connected_account)
    client.fulfillment_set(
        form_id, status="SENT", revision=client.checkout_form(form_id)["revision"]
    )
    account_import_run(account_id=connected_account.id, client=client)
    allegro_order = AllegroOrder.objects.get(checkout_form_id=form_id)
    assert allegro_order.fulfillment_status == "SENT"

    with pytest.raises(ConversionRefused):
        allegro_order_convert(allegro_order_id=allegro_order.id, user=None)
    sales_order = allegro_order_convert(
        allegro_order_id=allegro_order.id, user=None, fulfilled_outside_confirmed=True
    ).sales_order

    assert (sales_order.status, sales_order.fulfilled_outside) == ("SENT", True)
    assert perform_all() == []
    sales_order_status_change(order_id=sales_order.id, status="PICKED_UP", user=None)
    perform_all()
    history = emulator_order(allegro_emulator, sales_order)["fulfillmentHistory"]
    assert "PROCESSING" not in [change["status"] for change in history]


def counted_requests(monkeypatch) -> list[tuple[str, str, int]]:
    from allegro.api import client as api_client

    sent: list[tuple[str, str, int]] = []
    real_send = api_client._send

    def counting_send(session, method, url, **kwargs):
        response = real_send(session, method, url, **kwargs)
        sent.append((method, kwargs["log_path"], response.status_code))
        return response

    monkeypatch.setattr(api_client, "_send", counting_send)
    return sent


def test_five_successive_status_changes_cost_no_conflict(
    allegro_emulator, czech_sales_order, connected_account, monkeypatch
):
    sent = counted_requests(monkeypatch)
    form_path = f"/order/checkout-forms/{czech_sales_order.channel_reference}"

    for status in ("IN_PROGRESS", "ON_HOLD", "IN_PROGRESS", "READY_FOR_SHIPMENT", "SENT"):
        sales_order_status_change(order_id=czech_sales_order.id, status=status, user=None)
        assert perform_all() == ["DONE"]

    # Each change: its PUT and no read. The next one first learns the revision the previous
    # one made from the journal (its event carries it: one page for the whole account), so it
    # never pays a 409 nor a GET of the form.
    put = ("PUT", f"{form_path}/fulfillment", 204)
    assert sent == [put] + [("GET", "/order/events", 200), put] * 4
    state = emulator_order(allegro_emulator, czech_sales_order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "SENT"
    assert state["fulfillmentChanges"] == 5
    # The journal's five events of our own writes: four name revisions the shop has, the last
    # carries the revision of the last write, which the importer takes: nothing to read.
    sent.clear()
    account_import_run(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    assert [(method, path) for method, path, _status in sent] == [("GET", "/order/events")]


def test_an_own_write_costs_no_read_its_event_brings_the_revision(
    allegro_emulator, czech_sales_order, connected_account, monkeypatch
):
    sent = counted_requests(monkeypatch)
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    assert perform_all() == ["DONE"]
    account_import_run(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )

    form_path = f"/order/checkout-forms/{czech_sales_order.channel_reference}"
    assert [(method, path) for method, path, _status in sent] == [
        ("PUT", f"{form_path}/fulfillment"),
        ("GET", "/order/events"),
    ]
    order = AllegroOrder.objects.get(sales_order=czech_sales_order)
    on_allegro = emulator_order(allegro_emulator, czech_sales_order)["checkoutForm"]
    assert order.revision == on_allegro["revision"]
    assert order.fulfillment_status == order.form.fulfillment_status == "PROCESSING"
    assert (order.own_write_status, order.own_write_at) == ("", None)


def test_a_change_in_allegro_right_after_our_write_is_read(
    allegro_emulator, czech_sales_order, connected_account
):
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    perform_all()
    # The seller sets SENT in Sales Manager before the importer saw our write's event.
    client = client_for_account(connected_account)
    form_id = czech_sales_order.channel_reference
    client.fulfillment_set(
        form_id, status="SENT", revision=client.checkout_form(form_id)["revision"]
    )

    account_import_run(account_id=connected_account.id, client=client)

    order = AllegroOrder.objects.get(sales_order=czech_sales_order)
    assert order.fulfillment_status == "SENT"
    assert (
        order.revision
        == emulator_order(allegro_emulator, czech_sales_order)["checkoutForm"]["revision"]
    )


def test_a_next_write_whose_previous_event_went_missing_reads_back_and_pays_no_conflict(
    allegro_emulator, czech_sales_order, monkeypatch
):
    emulator_call(
        allegro_emulator,
        "faults",
        [{"type": "drop_events", "count": 1, "types": ["FULFILLMENT_STATUS_CHANGED"]}],
    )
    sales_order_status_change(order_id=czech_sales_order.id, status="IN_PROGRESS", user=None)
    perform_all()
    sent = counted_requests(monkeypatch)

    sales_order_status_change(order_id=czech_sales_order.id, status="SENT", user=None)
    assert perform_all() == ["DONE"]

    form_path = f"/order/checkout-forms/{czech_sales_order.channel_reference}"
    assert sent == [
        ("GET", "/order/events", 200),
        ("GET", form_path, 200),
        ("PUT", f"{form_path}/fulfillment", 204),
    ]
    assert emulator_order(allegro_emulator, czech_sales_order)["fulfillmentChanges"] == 2
