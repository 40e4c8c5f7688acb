"""The message centre's jobs on the real Redis queue: the periodic import, the sweep."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from allegro.accounts.models import AllegroAccount
from allegro.messaging.jobs import import_all_accounts_messages, sweep_messaging
from allegro.messaging.models import AllegroReply, AllegroThread
from allegro.messaging.services import reply_create
from tests.allegro.messaging.conftest import ours_on_allegro, threads_on_allegro
from tests.allegro.orders.test_jobs import queue, work_off  # noqa: F401 (queue: a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_periodic_import_queues_each_connected_account_and_stores_its_messages(
    queue,  # noqa: F811
    place_order,
    buyer_writes,
    connected_account,
):
    order = place_order()
    buyer_writes(order.form_id, text="Kiedy?")

    assert import_all_accounts_messages() == 1
    work_off(queue)

    thread = AllegroThread.objects.get()
    assert (thread.account, thread.messages.get().text) == (connected_account, "Kiedy?")
    # A paused account is left alone until an administrator resumes it.
    AllegroAccount.objects.filter(pk=connected_account.pk).update(paused=True)
    assert import_all_accounts_messages() == 0


def test_the_sweep_sends_a_reply_and_a_read_flag_whose_jobs_redis_lost(
    allegro_emulator,
    queue,  # noqa: F811
    place_order,
    buyer_writes,
    import_messages,
    settings,
):
    settings.ALLEGRO_WRITE_SWEEP_AFTER = 0
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    reply = reply_create(key=uuid.uuid4(), text="Jutro.", user=None, thread_id=thread.pk)
    AllegroThread.objects.filter(pk=thread.pk).update(read=True, read_pending=True)
    queue.empty()  # Redis lost both jobs
    AllegroReply.objects.filter(pk=reply.pk).update(updated_at=timezone.now() - timedelta(1))

    assert sweep_messaging() == 2
    work_off(queue)

    reply.refresh_from_db()
    assert reply.state == AllegroReply.State.SENT
    assert len(ours_on_allegro(allegro_emulator, "Jutro.")) == 1
    assert threads_on_allegro(allegro_emulator)[0]["read"] is True
    assert AllegroThread.objects.get().read_pending is False
    assert sweep_messaging() == 0
