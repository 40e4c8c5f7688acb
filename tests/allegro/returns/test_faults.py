"""A refund under a killed worker: real `rqworker` processes on PostgreSQL and real Redis.

The worker is killed (SIGKILL, with its work horse) while Allegro is still answering the refund
request: Allegro makes the refund, the shop never hears of it. The restarted worker, queued by
the sweep, sends the same commandId and Allegro answers with the refund it made: one refund.
"""

import uuid
from decimal import Decimal

import django_rq
import pytest
from django.db import transaction

from allegro.returns.models import AllegroRefund
from allegro.returns.services import refund_create, refunds_sweep
from tests.allegro.returns.conftest import SentOrder
from tests.allegro.writeback.test_faults import start_workers
from tests.support.offline import emulator_call
from tests.support.workers import wait_for

__all__ = ["start_workers"]  # the fixture, used by name
pytestmark = pytest.mark.django_db(transaction=True)


def refunds_on_allegro(base_url: str) -> list[dict]:
    return emulator_call(base_url, "refunds", method="get")["refunds"]


@pytest.mark.postgres
def test_a_worker_killed_mid_refund_never_refunds_twice(
    allegro_emulator, czech_order: SentOrder, start_workers, settings
):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 1
    # Allegro takes 4 s to answer the first refund request: time to kill the worker sending it.
    emulator_call(
        allegro_emulator, "faults", {"type": "slow", "seconds": 4, "count": 1, "path": "/payments"}
    )
    workers = start_workers(1)
    line = czech_order.form["lineItems"][1]
    command = uuid.uuid4()
    for _click in range(2):  # pressed twice: the same form, the same commandId
        with transaction.atomic():
            refund = refund_create(
                allegro_order_id=czech_order.allegro_order.pk,
                command_id=command,
                lines={line["id"]: 2},
                user=None,
            )
    assert AllegroRefund.objects.count() == 1

    # The slow fault is used up when the request reaches Allegro: the worker is now waiting.
    wait_for(
        lambda: not emulator_call(allegro_emulator, "faults", method="get")["faults"],
        timeout=30,
        interval=0.05,
        what="the worker's refund request to reach Allegro",
    )
    workers.kill(workers.alive[0])
    # Allegro finishes what it was asked before the worker died, unknown to the shop.
    wait_for(lambda: refunds_on_allegro(allegro_emulator), timeout=15, what="Allegro's refund")
    refund.refresh_from_db()
    assert refund.state == "PENDING" and not refund.allegro_refund_id

    workers.start(1)
    queue = django_rq.get_queue("default")

    def refunded() -> bool:
        if AllegroRefund.objects.filter(pk=refund.pk, state="SUCCESS").exists():
            return True
        if queue.count == 0:
            refunds_sweep()  # as the cron job does every 30 s
        return False

    try:
        wait_for(refunded, timeout=60, interval=0.5, what="the refund to succeed")
    except AssertionError:
        raise AssertionError(workers.logs()) from None

    on_allegro = refunds_on_allegro(allegro_emulator)
    assert len(on_allegro) == 1
    refund.refresh_from_db()
    assert refund.allegro_refund_id == on_allegro[0]["id"]
    assert refund.attempts >= 2
    assert on_allegro[0]["totalValue"] == {
        "amount": str(2 * Decimal(line["price"]["amount"])),
        "currency": "CZK",
    }
