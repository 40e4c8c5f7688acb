"""The periodic jobs of returns: the import (run twice, the same) and the sweep of lost jobs."""

import uuid

import django_rq
import pytest
from redis.exceptions import RedisError

from allegro.returns.jobs import import_returns, import_returns_all_accounts, sweep_refunds
from allegro.returns.models import AllegroRefund
from allegro.returns.services import refund_create
from tests.allegro.returns.conftest import SentOrder, open_return

pytestmark = pytest.mark.django_db


class Queue:
    """Records what is queued (RQ's own queue enqueues only on commit, which a test never
    reaches)."""

    def __init__(self) -> None:
        self.jobs: list[tuple] = []

    def enqueue(self, func, *args, **kwargs) -> None:
        self.jobs.append((func if isinstance(func, str) else func.__name__, *args))


@pytest.fixture
def queue(monkeypatch) -> Queue:
    recorder = Queue()
    monkeypatch.setattr(django_rq, "get_queue", lambda name="default": recorder)
    return recorder


def test_the_import_job_stores_a_return_once(
    allegro_emulator, connected_account, czech_order, queue
):
    open_return(allegro_emulator, czech_order)
    assert import_returns_all_accounts() == 1
    assert queue.jobs == [("import_returns", connected_account.id)]
    assert import_returns(connected_account.id) == {"created": 1, "updated": 0}
    assert import_returns(connected_account.id) == {"created": 0, "updated": 0}


def test_the_sweep_queues_a_refund_whose_job_was_lost(czech_order: SentOrder, settings, queue):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 0
    line = czech_order.form["lineItems"][0]
    refund = refund_create(
        allegro_order_id=czech_order.allegro_order.pk,
        command_id=uuid.uuid4(),
        lines={line["id"]: 1},
        user=None,
    )
    assert sweep_refunds() == 1
    assert queue.jobs == [("allegro.returns.jobs.perform_refund", refund.pk)]
    AllegroRefund.objects.filter(pk=refund.pk).update(state="SUCCESS")
    assert sweep_refunds() == 0


def test_a_refund_is_recorded_while_redis_is_down_and_the_sweep_sends_it_later(
    czech_order: SentOrder, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Redis down: the operator's refund is still recorded (no error page); its job is queued
    by the sweep once Redis is back."""

    def down(name="default"):
        raise RedisError("Connection refused")

    monkeypatch.setattr(django_rq, "get_queue", down)
    line = czech_order.form["lineItems"][0]
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_create(
            allegro_order_id=czech_order.allegro_order.pk,
            command_id=uuid.uuid4(),
            lines={line["id"]: 1},
            user=None,
        )
    assert AllegroRefund.objects.get().state == "PENDING"
    back = Queue()
    monkeypatch.setattr(django_rq, "get_queue", lambda name="default": back)
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 0
    assert sweep_refunds() == 1
    assert back.jobs == [("allegro.returns.jobs.perform_refund", refund.pk)]
