"""Import jobs on the real Redis queue, and concurrent imports on PostgreSQL."""

import threading

import django_rq
import pytest
import requests
from django.core.management import CommandError, call_command
from django.db import connection
from rq import SimpleWorker

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.orders.jobs import import_account, import_all_accounts
from allegro.orders.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderLine,
)
from allegro.orders.services import CursorMoved, account_import_events, account_import_run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue():
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


def work_off(queue) -> None:
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_the_periodic_job_queues_one_import_per_connected_account(queue, connected_account):
    AllegroAccount.objects.create(
        seller_id="999",
        login="gone",
        base_marketplace="allegro-pl",
        status=AllegroAccount.Status.RECONNECT_NEEDED,
        access_token_encrypted="-",
        refresh_token_encrypted="-",
        access_token_expires_at=connected_account.access_token_expires_at,
    )

    assert import_all_accounts() == 1
    assert queue.count == 1
    work_off(queue)

    assert AllegroOrder.objects.filter(account=connected_account).exists()
    connected_account.refresh_from_db()
    assert connected_account.last_import_at is not None


def test_a_second_import_of_the_same_account_steps_aside(queue, connected_account):
    lock = django_rq.get_connection("default").lock(f"allegro:import:{connected_account.id}")
    assert lock.acquire(blocking=False)
    try:
        assert import_account(connected_account.id) == "busy"
    finally:
        lock.release()
    assert not AllegroOrder.objects.exists()


def set_faults(base_url: str, faults: list[dict]) -> None:
    requests.post(f"{base_url}/_emulator/faults", json=faults, timeout=5).raise_for_status()


def test_a_short_storm_of_429_and_5xx_is_ridden_out_within_one_job(
    allegro_emulator, connected_account, settings
):
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01
    set_faults(
        allegro_emulator,
        [
            {"type": "status", "status": 429, "count": 1, "retry_after": 0},
            {"type": "status", "status": 500, "count": 2},
        ],
    )

    result = import_account(connected_account.id)

    assert result["created"] > 0
    connected_account.refresh_from_db()
    assert connected_account.last_import_error == ""


def test_the_job_reports_a_failure_instead_of_crashing_the_worker(
    queue, allegro_emulator, connected_account, settings
):
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01
    requests.post(
        f"{allegro_emulator}/_emulator/faults",
        json=[{"type": "status", "status": 503}],
        timeout=5,
    ).raise_for_status()

    result = import_account(connected_account.id)

    assert result.startswith("failed:")
    connected_account.refresh_from_db()
    assert "503" in connected_account.last_import_error


def test_the_import_command_runs_one_pass_and_says_what_it_did(connected_account, capsys):
    call_command("allegro_import")

    output = capsys.readouterr().out
    count = AllegroOrder.objects.count()
    assert count > 0
    assert f"{connected_account.login}: {count} new" in output


def test_the_import_command_rides_out_a_429_and_an_html_502_like_the_job(
    allegro_emulator, connected_account, settings, capsys
):
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01
    set_faults(
        allegro_emulator,
        [
            {"type": "status", "status": 429, "count": 1, "retry_after": 0},
            {"type": "status", "status": 502, "count": 1},
        ],
    )

    call_command("allegro_import")  # a CommandError would mean exit 1

    assert (
        f"{connected_account.login}: {AllegroOrder.objects.count()} new" in capsys.readouterr().out
    )
    connected_account.refresh_from_db()
    assert connected_account.last_import_error == ""


def test_the_import_command_gives_up_on_an_error_that_does_not_pass(
    allegro_emulator, connected_account, settings
):
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01
    set_faults(allegro_emulator, [{"type": "status", "status": 503}])

    with pytest.raises(CommandError, match=connected_account.login):
        call_command("allegro_import")


def test_reconcile_skips_a_set_aside_form_answering_502_and_carries_on(
    allegro_emulator, connected_account, settings
):
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01
    call_command("allegro_import")
    old = AllegroOrder.objects.order_by("allegro_updated_at").first()
    # As if it had been set aside when it was imported: a problem, and not stored.
    old.lines.all().delete()
    old.delete()
    AllegroImportProblem.objects.create(
        account=connected_account, checkout_form_id=old.checkout_form_id, reason="was broken"
    )
    path = f"/order/checkout-forms/{old.checkout_form_id}"
    set_faults(allegro_emulator, [{"type": "status", "status": 502, "count": 1, "path": path}])

    call_command("allegro_import", reconcile=True)  # a CommandError would mean exit 1

    # Left for the next sweep, which reads it and finds it mended.
    assert AllegroImportProblem.objects.get().resolved_at is None
    call_command("allegro_import", reconcile=True)
    assert AllegroImportProblem.objects.get().resolved_at is not None


@pytest.mark.postgres
def test_concurrent_imports_of_one_account_store_each_order_once(
    allegro_emulator, connected_account
):
    account_import_run(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    requests.post(
        f"{allegro_emulator}/_emulator/orders",
        json={"marketplace": "allegro-cz", "count": 30},
        timeout=10,
    ).raise_for_status()
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def import_once() -> None:
        try:
            client = client_for_account(AllegroAccount.objects.get(pk=connected_account.id))
            start.wait()
            account_import_events(account_id=connected_account.id, client=client)
            outcomes.append("stored")
        except CursorMoved:
            outcomes.append("raced")
        finally:
            connection.close()

    threads = [threading.Thread(target=import_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert "stored" in outcomes and len(outcomes) == 4
    state = requests.get(f"{allegro_emulator}/_emulator/state", timeout=5).json()
    assert AllegroOrder.objects.filter(superseded_at__isnull=True).count() == state["orders"]
    lines = AllegroOrderLine.objects.values_list("order_id", "line_item_id")
    assert len(lines) == len(set(lines))
    events = AllegroOrderEvent.objects.values_list("event_id", flat=True)
    assert len(events) == len(set(events))
