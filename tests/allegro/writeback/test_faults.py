"""Writes to Allegro under faults, carried out by real `rqworker` processes on real Redis.

The workers are subprocesses, so they only see committed rows in a real database: these tests
need PostgreSQL (pytest's SQLite database lives in its own memory). The emulator runs in a
thread of this process; the workers reach it over HTTP like they would reach Allegro.
"""

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import django_rq
import pytest
import redis
from django.core.files.base import ContentFile

from allegro.accounts.clients import client_for_account, request_budget
from allegro.accounts.models import AllegroAccount
from allegro.conversion.services import allegro_order_convert
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from allegro.writeback.models import AllegroWrite
from allegro.writeback.services import write_perform, writes_sweep
from emulator.catalogue import CATALOGUE
from sales.services import (
    sales_order_invoice_attach,
    sales_order_shipment_add,
    sales_order_status_change,
)
from shop.models import Currency, ShopSettings, ShopVariant
from tests.support.factories import make_product
from tests.support.offline import emulator_call
from tests.support.workers import PrivateRedis, Workers, wait_for, worker_env

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The shop's statuses one after another, and what Allegro shows for each.
STEPS = ["IN_PROGRESS", "READY_FOR_SHIPMENT", "SENT", "PICKED_UP"]
SHOWN = {
    "IN_PROGRESS": "PROCESSING",
    "READY_FOR_SHIPMENT": "READY_FOR_SHIPMENT",
    "SENT": "SENT",
    "PICKED_UP": "PICKED_UP",
}


@dataclass(frozen=True)
class Order:
    sales_id: int
    form_id: str
    allegro_id: int


def on_allegro(base_url: str, order: Order) -> dict:
    return emulator_call(base_url, f"orders/{order.form_id}", method="get")


@pytest.fixture
def make_orders(allegro_emulator, connected_account):
    """N paid Czech Allegro orders, imported and converted into NEW sales orders."""
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code="CZK").update(is_available=True)
    for product in CATALOGUE:
        make_product(sku=product.sku)

    def make(count: int) -> list[Order]:
        form_ids = emulator_call(
            allegro_emulator, "orders", {"marketplace": "allegro-cz", "count": count}
        )
        account_import_run(
            account_id=connected_account.id, client=client_for_account(connected_account)
        )
        orders = []
        for form_id in form_ids["ids"]:
            allegro_order = AllegroOrder.objects.get(checkout_form_id=form_id)
            converted = allegro_order_convert(allegro_order_id=allegro_order.id, user=None)
            orders.append(Order(converted.sales_order.id, form_id, allegro_order.id))
        return orders

    return make


@pytest.fixture
def start_workers(tmp_path: Path, allegro_emulator, settings):
    """Start `manage.py rqworker default --with-scheduler` processes; all die at teardown.

    The queue is emptied before and after: jobs left over would run against another test's
    database rows (harmlessly, but confusingly)."""
    started: list[Workers] = []
    django_rq.get_queue("default").empty()

    def start(count: int, *, redis_url: str | None = None, **env: object) -> Workers:
        log_dir = tmp_path / f"workers-{len(started)}"
        log_dir.mkdir()
        workers = Workers(
            env=worker_env(
                emulator_url=allegro_emulator, redis_url=redis_url or settings.REDIS_URL, **env
            ),
            log_dir=log_dir,
        )
        started.append(workers)
        workers.start(count)
        return workers

    try:
        yield start
    finally:
        for workers in started:
            workers.stop_all()
        # The private Redis of a test is gone by now.
        with contextlib.suppress(redis.RedisError):
            django_rq.get_queue("default").empty()


def settle(*, timeout: float, workers: Workers) -> None:
    """Wait until no write is pending, sweeping like the cron job whenever the queue is idle
    (a killed worker, a lost Redis or a missed scheduler leave rows only the sweep finds)."""
    queue = django_rq.get_queue("default")

    def all_written() -> bool:
        if not AllegroWrite.objects.filter(state=AllegroWrite.State.PENDING).exists():
            return True
        if queue.count == 0:
            writes_sweep()
        return False

    try:
        wait_for(all_written, timeout=timeout, interval=0.5, what="every write to finish")
    except AssertionError:
        pending = list(
            AllegroWrite.objects.filter(state="PENDING").values("id", "attempts", "last_error")[:5]
        )
        raise AssertionError(f"still pending: {pending}\n{workers.logs()}") from None


def assert_each_change_arrived_once(base_url: str, order: Order, *, final: str, changes: int):
    state = on_allegro(base_url, order)
    history = [entry["status"] for entry in state["fulfillmentHistory"]]
    assert state["checkoutForm"]["fulfillment"]["status"] == final, (order, history)
    # A change sent twice shows as the same status twice in a row (Allegro counts both).
    assert all(a != b for a, b in pairwise(history)), (order, history)
    assert state["fulfillmentChanges"] <= changes, (order, history)
    return state


def assert_no_write_failed() -> None:
    states = set(AllegroWrite.objects.values_list("state", flat=True))
    assert states <= {AllegroWrite.State.DONE, AllegroWrite.State.SKIPPED}, states


# 250 orders × 4 steps = 1,000 status changes; ~40 s on the CI machine kind.
KILL_ORDERS = 250


@pytest.mark.postgres
def test_a_worker_killed_in_the_middle_of_1000_status_changes_loses_and_doubles_nothing(
    allegro_emulator, make_orders, start_workers, settings
):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 1
    orders = make_orders(KILL_ORDERS)
    with_shipment = orders[::10]
    with_invoice = orders[5::10]
    AllegroOrder.objects.filter(pk__in=[o.allegro_id for o in with_invoice]).update(
        invoice_required=True
    )
    workers = start_workers(2)
    killed_after = None

    for round_no, status in enumerate(STEPS):
        for index, order in enumerate(orders):
            if round_no == 2 and index == len(orders) // 2:
                # Halfway through the 1,000: one worker (and the job in its hands) dies.
                killed_after = AllegroWrite.objects.exclude(state="PENDING").count()
                workers.kill(workers.alive[0])
                workers.start(1)
            sales_order_status_change(order_id=order.sales_id, status=status, user=None)
            if round_no == 0 and order in with_invoice:
                sales_order_invoice_attach(
                    order_id=order.sales_id,
                    number=f"FV/{order.sales_id}/2026",
                    pdf=ContentFile(PDF),
                    user=None,
                )
            if round_no == 1 and order in with_shipment:
                sales_order_shipment_add(
                    order_id=order.sales_id,
                    carrier_code="PACKETA",
                    waybill=f"Z{order.sales_id:09d}",
                    user=None,
                )

    settle(timeout=100, workers=workers)

    assert killed_after is not None and killed_after > 0
    assert_no_write_failed()
    assert AllegroWrite.objects.filter(kind="FULFILLMENT").count() == 4 * len(orders)
    for order in orders:
        state = assert_each_change_arrived_once(
            allegro_emulator, order, final="PICKED_UP", changes=len(STEPS)
        )
        assert len(state["shipments"]) == (order in with_shipment), order
        assert len(state["invoices"]) == (order in with_invoice), order
        if order in with_invoice:
            assert state["invoices"][0]["file"]["uploadedAt"], order


@pytest.mark.postgres
def test_changes_made_while_redis_is_down_reach_allegro_once_after_it_returns(
    allegro_emulator, make_orders, start_workers, settings, tmp_path
):
    """Redis (ours, not the shared one) is stopped for 8 s: the shop goes on working, the rows
    wait, and the sweep delivers them once Redis is back, although Redis lost every job."""
    redis_server = PrivateRedis(tmp_path)
    redis_server.start()
    settings.REDIS_URL = redis_server.url
    settings.RQ_QUEUES = {"default": {"URL": redis_server.url, "DEFAULT_TIMEOUT": 600}}
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 1
    try:
        orders = make_orders(20)
        workers = start_workers(2, redis_url=redis_server.url)
        for order in orders:
            sales_order_status_change(order_id=order.sales_id, status="IN_PROGRESS", user=None)
        settle(timeout=30, workers=workers)

        redis_server.stop()
        stopped = time.monotonic()
        for order in orders:
            # Neither call may fail: the change is committed, its write row with it.
            sales_order_status_change(
                order_id=order.sales_id, status="READY_FOR_SHIPMENT", user=None
            )
            sales_order_shipment_add(
                order_id=order.sales_id,
                carrier_code="PACKETA",
                waybill=f"Z{order.sales_id:09d}",
                user=None,
            )
        assert AllegroWrite.objects.filter(state="PENDING").count() == 2 * len(orders)
        time.sleep(max(0.0, 8 - (time.monotonic() - stopped)))
        redis_server.start()
        # A worker that gave up on Redis meanwhile is replaced, as a supervisor would.
        if len(workers.alive) < 2:
            workers.start(2 - len(workers.alive))

        settle(timeout=60, workers=workers)
    finally:
        redis_server.stop()

    assert_no_write_failed()
    for order in orders:
        state = assert_each_change_arrived_once(
            allegro_emulator, order, final="READY_FOR_SHIPMENT", changes=2
        )
        assert state["fulfillmentChanges"] == 2
        assert len(state["shipments"]) == 1


class PauseWatch:
    """Samples the account's 429 pause key in Redis from a thread: (time, seconds left)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        gate_redis = django_rq.get_connection("default")
        while not self._stop.wait(0.02):
            left = gate_redis.pttl(self.key)
            if left > 0:
                self.samples.append((time.time(), left / 1000))

    def __enter__(self) -> "PauseWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def changes_landed_at(base_url: str, orders: list[Order]) -> list[float]:
    from datetime import datetime

    return [
        datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp()
        for order in orders
        for entry in on_allegro(base_url, order)["fulfillmentHistory"]
    ]


@pytest.mark.postgres
def test_storms_of_429_and_5xx_and_stale_revisions_end_with_every_change_sent_once(
    allegro_emulator, make_orders, start_workers, settings, connected_account
):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 1
    orders = make_orders(50)
    # Someone changes the status on Allegro first (the seller's Allegro page, another tool):
    # our copy's revision is stale, so the write meets 409, reads again and decides again.
    client = client_for_account(connected_account)
    already_there, moved_elsewhere = orders[:10], orders[10:20]
    for group, status in ((already_there, "PROCESSING"), (moved_elsewhere, "SUSPENDED")):
        for order in group:
            revision = client.checkout_form(order.form_id)["revision"]
            client.fulfillment_set(order.form_id, status=status, revision=revision)
    emulator_call(
        allegro_emulator,
        "faults",
        [
            {
                "type": "status",
                "status": 429,
                "ratio": 0.05,
                "seed": 1,
                "count": 2,
                "retry_after": 2,
            },
            {"type": "status", "status": 503, "ratio": 0.1, "seed": 2, "count": 30},
            {"type": "status", "status": 500, "ratio": 0.05, "seed": 3, "count": 10},
        ],
    )
    workers = start_workers(3)

    # A 429 pauses the whole Client ID (allegro/api/budget.py), every account of it.
    with PauseWatch(request_budget().pause_key) as pauses:
        # Each round drains before the next, so all 200 changes are written, none skipped.
        for status in STEPS:
            for order in orders:
                sales_order_status_change(order_id=order.sales_id, status=status, user=None)
            settle(timeout=60, workers=workers)

    assert_no_write_failed()
    assert not AllegroWrite.objects.filter(state="SKIPPED").exists()
    assert AllegroWrite.objects.filter(state="DONE").count() == 200
    for order in orders:
        # Four changes each; one more where Allegro had been moved to SUSPENDED meanwhile.
        expected = 5 if order in moved_elsewhere else 4
        state = assert_each_change_arrived_once(
            allegro_emulator, order, final="PICKED_UP", changes=expected
        )
        assert state["fulfillmentChanges"] == expected, order

    # The 429 paused every worker: while the pause key was set, no change landed on Allegro
    # (a request already past the gate may land just after it was set: 0.3 s of grace).
    assert pauses.samples, "no 429 pause was seen"
    landed = changes_landed_at(allegro_emulator, orders)
    for seen_at, left in pauses.samples:
        if left > 0.6:
            quiet_from, quiet_until = seen_at + 0.3, seen_at + left - 0.1
            assert not [t for t in landed if quiet_from < t < quiet_until], (seen_at, left)


@pytest.mark.postgres
def test_fifty_jobs_meeting_an_expired_token_together_refresh_it_once(
    allegro_emulator, make_orders, start_workers, settings
):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 1
    orders = make_orders(50)
    # The jobs wait in the queue while the token dies; then 4 workers start on them together.
    for order in orders:
        sales_order_status_change(order_id=order.sales_id, status="IN_PROGRESS", user=None)
    assert django_rq.get_queue("default").count == 50
    emulator_call(allegro_emulator, "tokens/expire")
    before = emulator_call(allegro_emulator, "state", method="get")["refreshGrants"]

    workers = start_workers(4)
    settle(timeout=60, workers=workers)

    assert emulator_call(allegro_emulator, "state", method="get")["refreshGrants"] == before + 1
    assert AllegroWrite.objects.filter(state="DONE").count() == 50
    for order in orders:
        assert_each_change_arrived_once(allegro_emulator, order, final="PROCESSING", changes=1)


def test_an_older_status_that_meets_a_conflict_does_not_undo_a_newer_one(
    allegro_emulator, make_orders, settings
):
    """Two workers: the older write checks for newer ones, the newer one is recorded and sent
    meanwhile, the older one's PUT then meets 409. After reading again it must give way,
    not send its older status over the newer one. (In-process: runs on SQLite too.)"""
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01
    [order] = make_orders(1)
    sales_order_status_change(order_id=order.sales_id, status="IN_PROGRESS", user=None)
    older = AllegroWrite.objects.get()

    class NewerStatusSentMeanwhile:
        """The older write's client: just before its first PUT, the newer write happens."""

        def __init__(self, client):
            self.client = client
            self.interleaved = False

        def __getattr__(self, name):
            return getattr(self.client, name)

        def fulfillment_set(self, *args, **kwargs):
            if not self.interleaved:
                self.interleaved = True
                sales_order_status_change(
                    order_id=order.sales_id, status="READY_FOR_SHIPMENT", user=None
                )
                newer = AllegroWrite.objects.exclude(pk=older.pk).get()
                assert write_perform(write_id=newer.id, client_for=client_for_account) == "DONE"
            return self.client.fulfillment_set(*args, **kwargs)

    outcome = write_perform(
        write_id=older.id,
        client_for=lambda account: NewerStatusSentMeanwhile(client_for_account(account)),
    )

    assert outcome == "SKIPPED"
    state = on_allegro(allegro_emulator, order)
    assert state["checkoutForm"]["fulfillment"]["status"] == "READY_FOR_SHIPMENT"
    assert state["fulfillmentChanges"] == 1


# How long the scheduler test keeps Redis down; the issue saw rqcron die at once and never
# come back, so a minute is what it must outlive.
REDIS_OUTAGE_SECONDS = float(os.environ.get("REDIS_OUTAGE_SECONDS", "60"))


@pytest.mark.postgres
def test_the_scheduler_outlives_a_minute_without_redis_and_everything_arrives_once(
    allegro_emulator, make_orders, start_workers, settings, tmp_path
):
    """Redis (ours) is down for a minute while staff change statuses and buyers order: the
    scheduler process stays up, and once Redis is back its periodic jobs alone (no test
    sweeping here) deliver every write and import every new order, each once."""
    redis_server = PrivateRedis(tmp_path)
    redis_server.start()
    settings.REDIS_URL = redis_server.url
    settings.RQ_QUEUES = {"default": {"URL": redis_server.url, "DEFAULT_TIMEOUT": 600}}
    schedule = {
        "ALLEGRO_IMPORT_INTERVAL": 2,
        "ALLEGRO_WRITE_SWEEP_INTERVAL": 2,
        "ALLEGRO_WRITE_SWEEP_AFTER": 1,
    }
    try:
        orders = make_orders(6)
        workers = start_workers(2, redis_url=redis_server.url, **schedule)
        scheduler = workers.start_scheduler()
        wait_for(
            lambda: AllegroAccount.objects.exclude(last_import_at=None).exists(),
            timeout=30,
            what="the scheduler's first import",
        )

        redis_server.stop()
        stopped = time.monotonic()
        for order in orders:
            sales_order_status_change(order_id=order.sales_id, status="IN_PROGRESS", user=None)
        bought = emulator_call(
            allegro_emulator, "orders", {"marketplace": "allegro-cz", "count": 2}
        )
        time.sleep(max(0.0, REDIS_OUTAGE_SECONDS - (time.monotonic() - stopped)))
        assert scheduler.poll() is None, workers.logs()
        redis_server.start()
        if len(workers.alive) < 2:  # a worker that gave up on Redis: its supervisor restarts it
            workers.start(2 - len(workers.alive))

        def arrived() -> bool:
            pending = AllegroWrite.objects.filter(state=AllegroWrite.State.PENDING).exists()
            imported = AllegroOrder.objects.filter(checkout_form_id__in=bought["ids"]).count()
            return not pending and imported == len(bought["ids"])

        try:
            wait_for(arrived, timeout=90, interval=0.5, what="writes and new orders")
        except AssertionError:
            raise AssertionError(workers.logs()) from None
        assert scheduler.poll() is None, workers.logs()
    finally:
        redis_server.stop()

    assert_no_write_failed()
    for order in orders:
        assert_each_change_arrived_once(allegro_emulator, order, final="PROCESSING", changes=1)
