"""The button, the progress page and who may use them; the job on the real Redis queue."""

import threading

import django_rq
import pytest
from django.db import connection
from django.urls import reverse
from rq import SimpleWorker

from erp.models import ErpOrderLink, ErpSyncRun
from erp.sync import sync_run_start
from shop.roles import OPERATOR
from tests.support.factories import make_sales_order, make_user
from tests.support.html import text


@pytest.mark.django_db
def test_operators_see_no_button_and_may_not_start_a_sync(client):
    client.force_login(make_user(role=OPERATOR))

    page = client.get(reverse("sales:order_list"))
    response = client.post(reverse("erp:sync_start"))

    assert reverse("erp:sync_start") not in page.content.decode()
    assert response.status_code == 403
    assert client.get(reverse("erp:sync_list")).status_code == 403
    assert not ErpSyncRun.objects.exists()


@pytest.mark.django_db
def test_administrators_see_the_button(administrator_client):
    page = administrator_client.get(reverse("sales:order_list"))
    assert reverse("erp:sync_start") in page.content.decode()


@pytest.mark.django_db
def test_pressing_twice_shows_the_running_sync(
    administrator_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = administrator_client.post(reverse("erp:sync_start"))
        second = administrator_client.post(reverse("erp:sync_start"))

    run = ErpSyncRun.objects.get()
    assert first.url == second.url == reverse("erp:sync_detail", args=[run.pk])
    page = administrator_client.get(first.url)
    assert (
        page.status_code == 200
        and reverse("erp:sync_status", args=[run.pk]) in page.content.decode()
    )
    status = administrator_client.get(reverse("erp:sync_status", args=[run.pk])).json()
    assert status["running"] and status["processed"] == 0


def finished_run(**counters) -> ErpSyncRun:
    return ErpSyncRun.objects.create(
        trigger="MANUAL", state="DONE", total=1, processed=1, **counters
    )


@pytest.mark.django_db
def test_the_summary_links_failed_orders(administrator_client):
    order = make_sales_order()
    run = finished_run(
        failed=1, errors=[{"number": order.number, "order_id": order.pk, "message": "Nope"}]
    )

    page = administrator_client.get(reverse("erp:sync_detail", args=[run.pk])).content.decode()

    assert reverse("sales:order_detail", args=[order.pk]) in page and "Nope" in page


@pytest.mark.django_db
def test_a_run_with_failures_says_done_with_errors_not_done(administrator_client):
    clean = finished_run(sent=1)
    failed = finished_run(failed=1, errors=[{"number": "", "message": "Nope"}])
    listing = text(administrator_client.get(reverse("erp:sync_list")))
    assert listing.count("Wykonane z błędami") == 1
    assert "Wykonane z błędami" in text(
        administrator_client.get(reverse("erp:sync_detail", args=[failed.pk]))
    )
    detail = text(administrator_client.get(reverse("erp:sync_detail", args=[clean.pk])))
    assert '<span class="badge ok" id="erp-sync-state">Wykonane</span>' in detail


@pytest.mark.django_db
def test_the_sales_order_page_shows_the_erp_panel(administrator_client):
    order = make_sales_order()
    ErpOrderLink.objects.create(
        order=order, document_number="ZK/17/2026", erp_status="SHIPPED", invoice_number="FV/1"
    )

    page = administrator_client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert "ZK/17/2026" in page and "FV/1" in page


@pytest.mark.django_db(transaction=True)
def test_the_button_queues_a_job_that_syncs(administrator_client, erp_simulator, sim):
    queue = django_rq.get_queue("default")
    queue.empty()
    make_sales_order()

    administrator_client.post(reverse("erp:sync_start"))
    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    run = ErpSyncRun.objects.get()
    assert (run.state, run.sent) == ("DONE", 1)
    assert sim("state", method="GET")["total_orders"] == 1
    queue.empty()


@pytest.mark.django_db
def test_the_admin_action_syncs_only_the_selected(
    administrator_client, django_capture_on_commit_callbacks
):
    administrator_client.force_login(make_user(is_superuser=True, is_staff=True))
    chosen, _other = make_sales_order(), make_sales_order()

    with django_capture_on_commit_callbacks(execute=False):
        response = administrator_client.post(
            reverse("admin:sales_salesorder_changelist"),
            {"action": "erp_sync_selected", "_selected_action": [chosen.pk]},
        )

    run = ErpSyncRun.objects.get()
    assert response.url == reverse("erp:sync_detail", args=[run.pk])
    assert run.order_ids == [chosen.pk] and run.trigger == "ADMIN_ACTION"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_presses_make_one_running_sync():
    user = make_user()
    barrier = threading.Barrier(6)
    results: list[int] = []

    def press() -> None:
        try:
            barrier.wait()
            run, _created = sync_run_start(trigger="MANUAL", user=user)
            results.append(run.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert ErpSyncRun.objects.filter(state="RUNNING").count() == 1
    assert len(set(results)) == 1 and len(results) == 6


@pytest.mark.django_db
def test_the_summary_counts_held_orders_and_links_them(administrator_client):
    order = make_sales_order()
    run = finished_run(held=1, held_orders=[{"number": order.number, "order_id": order.pk}])

    detail = administrator_client.get(reverse("erp:sync_detail", args=[run.pk]))
    listing = administrator_client.get(reverse("erp:sync_list"))
    status = administrator_client.get(reverse("erp:sync_status", args=[run.pk])).json()

    assert reverse("sales:order_detail", args=[order.pk]) in detail.content.decode()
    assert order.number in text(detail)
    assert reverse("erp:sync_detail", args=[run.pk]) + "#erp-sync-held-orders" in (
        listing.content.decode()
    )
    assert status["held"] == 1


@pytest.mark.django_db
def test_the_sales_list_shows_the_erp_document_number(administrator_client):
    """Through the sales list's registry: sales itself knows nothing of the ERP."""
    order = make_sales_order()
    make_sales_order()  # not in the ERP yet: a dash
    ErpOrderLink.objects.create(order=order, document_number="ZK/17/2026", erp_status="ACCEPTED")

    page = text(administrator_client.get(reverse("sales:order_list")))

    assert "<th>Dokument w ERP</th>" in page
    row = page[page.rindex("<tr", 0, page.index(order.number)) :]
    assert "ZK/17/2026" in row[: row.index("</tr>")]
