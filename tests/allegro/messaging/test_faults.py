"""Replies sent by real `rqworker` processes on real Redis and PostgreSQL, one killed while its
request is on the way to Allegro: every reply reaches its thread exactly once."""

import time
import uuid

import django_rq
import pytest

from allegro.messaging.models import AllegroReply, AllegroThread
from allegro.messaging.services import messaging_sweep, reply_create
from tests.allegro.messaging.conftest import ours_on_allegro
from tests.allegro.writeback.test_faults import start_workers  # noqa: F401 (fixture)
from tests.support.offline import emulator_call
from tests.support.workers import Workers, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def settle(*, timeout: float, workers: Workers) -> None:
    """Until no reply is pending, sweeping like the cron job whenever the queue is idle."""
    queue = django_rq.get_queue("default")

    def all_sent() -> bool:
        if not AllegroReply.objects.filter(state=AllegroReply.State.PENDING).exists():
            return True
        if queue.count == 0:
            messaging_sweep()
        return False

    try:
        wait_for(all_sent, timeout=timeout, interval=0.5, what="every reply to be sent")
    except AssertionError:
        pending = list(AllegroReply.objects.values("id", "state", "attempts", "last_error"))
        raise AssertionError(f"{pending}\n{workers.logs()}") from None


def test_a_worker_killed_while_its_reply_is_on_the_way_leaves_it_sent_once(
    allegro_emulator,
    place_order,
    buyer_writes,
    import_messages,
    start_workers,  # noqa: F811
    settings,
):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 1
    orders = [place_order() for _ in range(4)]
    for order in orders:
        buyer_writes(order.form_id)
    import_messages()
    # Allegro takes 2 s to answer the first message written: the worker dies meanwhile, and
    # the message lands all the same. Its row is held for 6 s, so no one looks before then.
    emulator_call(
        allegro_emulator,
        "faults",
        {"type": "slow", "seconds": 2, "path": "/messaging/messages", "count": 1},
    )
    texts = [f"Odpowiedź {n}: wysyłamy jutro." for n in range(len(orders))]
    for order, text in zip(orders, texts, strict=True):
        thread = AllegroThread.objects.get(allegro_order=order.allegro_order)
        reply_create(key=uuid.uuid4(), text=text, user=None, thread_id=thread.pk)
    workers = start_workers(1, ALLEGRO_WRITE_LEASE=6, ALLEGRO_MESSAGE_SETTLE_SECONDS=1)

    in_flight = wait_for(
        lambda: AllegroReply.objects.filter(
            state=AllegroReply.State.PENDING, first_sent_at__isnull=False
        ).first(),
        timeout=30,
        interval=0.05,
        what="a reply on its way to Allegro",
    )
    time.sleep(0.5)  # inside the 2 s Allegro takes
    workers.kill(workers.alive[0])
    assert AllegroReply.objects.get(pk=in_flight.pk).state == AllegroReply.State.PENDING
    workers.start(1)

    settle(timeout=90, workers=workers)

    assert set(AllegroReply.objects.values_list("state", flat=True)) == {"SENT"}
    for text in texts:
        assert len(ours_on_allegro(allegro_emulator, text)) == 1, text
    landed = ours_on_allegro(allegro_emulator, in_flight.text)[0]
    assert AllegroReply.objects.get(pk=in_flight.pk).message_id == landed["id"]
