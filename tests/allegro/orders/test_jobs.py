"""Import jobs on the real Redis queue, and concurrent imports on PostgreSQL."""

import threading
import time

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
from tests.support.workers import Workers, wait_for, worker_env

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


def test_a_backfill_under_thirty_percent_failures_goes_on_from_where_it_stopped(
    allegro_emulator, connected_account, settings
):
    """Every third answer of the list and the journal is a 502, and each job gives up at its
    first failure: the backfill still completes, because each run starts where the last
    stored page ended instead of from the beginning."""
    settings.ALLEGRO_IMPORT_ATTEMPTS = 1
    requests.post(
        f"{allegro_emulator}/_emulator/generate", json={"count": 1500, "days": 20}, timeout=60
    ).raise_for_status()
    faults = [
        {"type": "status", "status": 502, "ratio": 0.3, "seed": 11, "path": path}
        for path in ("/order/checkout-forms", "/order/events")
    ]
    requests.post(f"{allegro_emulator}/_emulator/faults", json=faults, timeout=5).raise_for_status()

    positions = []
    for _run in range(40):
        import_account(connected_account.id)
        account = AllegroAccount.objects.get(pk=connected_account.id)
        positions.append(account.backfill_position)
        if account.backfill_completed_at is not None:
            break

    assert account.backfill_completed_at is not None, positions
    assert len(positions) > 1, "the faults never fired: the test proves nothing"
    known = [position for position in positions if position is not None]
    assert known == sorted(known), "the backfill went backwards"
    assert AllegroOrder.objects.filter(account=connected_account).count() >= 1500


@pytest.mark.postgres
def test_a_worker_killed_in_the_middle_of_an_import_delays_the_next_by_one_lease_at_most(
    allegro_emulator, connected_account, settings, tmp_path
):
    """A real worker hangs in an import (Allegro answers slowly) and is killed -9: its lease
    lapses, and the next import runs JOB_LEASE_SECONDS later, not after 15 minutes."""
    settings.JOB_LEASE_SECONDS = 4
    slow = {"type": "slow", "seconds": 60, "count": 1, "path": "/order/"}
    requests.post(f"{allegro_emulator}/_emulator/faults", json=slow, timeout=5).raise_for_status()
    queue = django_rq.get_queue("default")
    queue.empty()
    workers = Workers(
        env=worker_env(
            emulator_url=allegro_emulator, redis_url=settings.REDIS_URL, JOB_LEASE_SECONDS=4
        ),
        log_dir=tmp_path,
    )
    try:
        workers.start(1)
        queue.enqueue(import_account, connected_account.id)
        lease_key = f"allegro:import:{connected_account.id}"
        wait_for(lambda: queue.connection.exists(lease_key), timeout=30, what="the import")
        time.sleep(2 * 4 / 3)  # past one renewal: the lease is kept alive, not just taken
        assert import_account(connected_account.id) == "busy"
        workers.kill(workers.processes[0])
        # What is left of the dead worker's lease is at most one lease, and nobody renews it.
        left = queue.connection.pttl(lease_key)
        assert 0 < left <= 4000

        wait_for(
            lambda: import_account(connected_account.id) != "busy",
            timeout=30,
            interval=0.2,
            what="the next import",
        )
    finally:
        workers.stop_all()
        queue.empty()
