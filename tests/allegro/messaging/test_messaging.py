"""Buyers' messages: the import, unread counts, opening, replies sent once, ready-made replies,
attachments and the order panels, against the emulator over HTTP."""

import time
import uuid

import django_rq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from allegro.accounts.clients import client_for_account
from allegro.api import messaging as api
from allegro.api.errors import AllegroUnavailable
from allegro.messaging.models import AllegroReply, AllegroThread, ReplyTemplate
from allegro.messaging.selectors import unread_thread_count
from allegro.messaging.services import (
    MessagingRefused,
    reply_create,
    reply_send,
    thread_read_push,
)
from emulator.messaging import PIXEL_PNG
from shop.roles import ADMINISTRATOR
from tests.allegro.messaging.conftest import ours_on_allegro, threads_on_allegro
from tests.support import clients
from tests.support.factories import make_user
from tests.support.offline import emulator_call

pytestmark = pytest.mark.django_db


def lose_the_answers(monkeypatch) -> None:
    """From now on Allegro writes each message but its answer never comes (a timeout)."""
    real_write = api.message_write

    def written_but_answer_lost(*args, **kwargs):
        real_write(*args, **kwargs)
        raise AllegroUnavailable("POST /messaging/messages: timed out")

    monkeypatch.setattr(api, "message_write", written_but_answer_lost)


def send(reply: AllegroReply) -> str:
    """Run the reply's job now, as its (postponed) job would."""
    AllegroReply.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    return reply_send(reply_id=reply.pk, client_for=client_for_account)


def test_the_import_links_threads_to_their_orders_and_runs_twice_without_change(
    place_order, buyer_writes, import_messages
):
    order = place_order("allegro-cz")
    buyer_writes(order.form_id, text="Kdy to pošlete?", attachment=True)

    stats = import_messages()

    assert (stats.threads, stats.messages) == (1, 1)
    thread = AllegroThread.objects.get()
    assert thread.allegro_order == order.allegro_order
    assert thread.allegro_order.sales_order is not None
    assert thread.interlocutor_login == order.buyer
    assert thread.read is False
    [message] = thread.messages.all()
    assert (message.text, message.from_buyer) == ("Kdy to pošlete?", True)
    assert message.checkout_form_id == order.form_id
    [attachment] = message.attachments.all()
    assert (attachment.file_name, attachment.safe) == ("zdjecie.png", True)
    assert unread_thread_count() == 1

    again = import_messages()
    assert (again.threads, again.messages) == (0, 0)
    assert thread.messages.count() == 1

    buyer_writes(order.form_id, text="Haló?")
    assert import_messages().messages == 1
    assert [m.text for m in thread.messages.order_by("created_at", "id")] == [
        "Kdy to pošlete?",
        "Haló?",
    ]
    assert unread_thread_count() == 1


def test_a_thread_about_an_order_not_imported_yet_is_linked_once_it_is(
    allegro_emulator, connected_account, buyer_writes, import_messages, place_order
):
    [form_id] = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl"})["ids"]
    buyer_writes(form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    assert (thread.allegro_order, thread.checkout_form_id) == (None, form_id)
    # A reply meanwhile still names the order, as the message centre requires.
    reply = reply_create(key=uuid.uuid4(), text="Sprawdzamy.", user=None, thread_id=thread.pk)
    assert send(reply) == "sent"
    [sent] = ours_on_allegro(allegro_emulator, "Sprawdzamy.")
    assert sent["orderId"] == form_id

    place_order()  # imports every order, that one among them
    import_messages()
    thread.refresh_from_db()
    assert thread.allegro_order.checkout_form_id == form_id


def test_opening_a_thread_reads_it_here_and_on_allegro_and_the_menu_counts_unread(
    allegro_emulator, place_order, buyer_writes, import_messages, operator_client
):
    first, second = place_order(), place_order()
    buyer_writes(first.form_id)
    buyer_writes(second.form_id)
    import_messages()

    page = operator_client.get(reverse("allegro:messaging:thread_list"))
    assert page.status_code == 200
    assert '<span class="badge unread-count"' in page.content.decode()
    assert unread_thread_count() == 2
    # The menu's count is one query per page, whatever the number of threads.
    with CaptureQueriesContext(connection) as queries:
        operator_client.get(reverse("allegro:orders:order_list"))
    counts = [q["sql"] for q in queries if 'FROM "allegro_allegrothread"' in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0]

    thread = AllegroThread.objects.get(interlocutor_login=first.buyer)
    opened = operator_client.get(reverse("allegro:messaging:thread_detail", args=[thread.pk]))
    assert opened.status_code == 200
    thread.refresh_from_db()
    assert (thread.read, thread.read_pending) == (True, True)
    assert unread_thread_count() == 1
    # Allegro hears of it from the job; meanwhile an import does not make it unread again.
    import_messages()
    thread.refresh_from_db()
    assert thread.read is True
    assert thread_read_push(thread_id=thread.pk, client_for=client_for_account) == "done"
    on_allegro = {t["id"]: t["read"] for t in threads_on_allegro(allegro_emulator)}
    assert on_allegro[thread.thread_id] is True
    thread.refresh_from_db()
    assert thread.read_pending is False
    assert thread_read_push(thread_id=thread.pk, client_for=client_for_account) == "nothing to do"


def test_a_reply_from_the_thread_goes_about_its_order_once_even_if_the_form_is_sent_twice(
    allegro_emulator, place_order, buyer_writes, import_messages, operator_client
):
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    url = reverse("allegro:messaging:thread_reply", args=[thread.pk])
    form = {"text": "Wysyłamy dziś.\r\nPozdrawiamy", "key": str(uuid.uuid4())}

    for _ in range(2):  # a double click
        response = operator_client.post(url, form)
        assert response.status_code == 302
    reply = AllegroReply.objects.get()
    assert reply.text == "Wysyłamy dziś.\nPozdrawiamy"

    assert send(reply) == "sent"
    assert send(reply) == "not due"
    [sent] = ours_on_allegro(allegro_emulator, "Wysyłamy dziś.\nPozdrawiamy")
    # The message centre requires the order's id on a message about an order.
    assert sent["orderId"] == order.form_id
    reply.refresh_from_db()
    assert (reply.state, reply.message_id, reply.thread) == ("SENT", sent["id"], thread)
    assert thread.messages.filter(message_id=sent["id"], from_buyer=False).exists()
    import_messages()
    assert thread.messages.count() == 2


def test_a_retry_after_an_answer_that_never_came_finds_the_message_and_does_not_write_again(
    allegro_emulator, place_order, buyer_writes, import_messages, monkeypatch, settings
):
    settings.ALLEGRO_MESSAGE_SETTLE_SECONDS = 0
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    reply = reply_create(key=uuid.uuid4(), text="Paczka jutro.", user=None, thread_id=thread.pk)
    lose_the_answers(monkeypatch)
    assert send(reply) == "retry"
    assert send(reply) == "sent"  # it looked before writing: nothing was written again

    assert len(ours_on_allegro(allegro_emulator, "Paczka jutro.")) == 1
    reply.refresh_from_db()
    assert reply.attempts == 2


def test_two_replies_with_the_same_text_are_two_messages_even_when_one_answer_was_lost(
    allegro_emulator, place_order, buyer_writes, import_messages, monkeypatch, settings
):
    settings.ALLEGRO_MESSAGE_SETTLE_SECONDS = 0
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    first = reply_create(key=uuid.uuid4(), text="Dziękujemy!", user=None, thread_id=thread.pk)
    second = reply_create(key=uuid.uuid4(), text="Dziękujemy!", user=None, thread_id=thread.pk)
    assert send(first) == "sent"
    time.sleep(1.1)  # Allegro takes one message a second
    lose_the_answers(monkeypatch)
    assert send(second) == "retry"
    assert send(second) == "sent"

    messages = ours_on_allegro(allegro_emulator, "Dziękujemy!")
    assert len(messages) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert {first.message_id, second.message_id} == {m["id"] for m in messages}


def test_a_storm_of_5xx_ends_with_the_reply_sent_once(
    allegro_emulator, place_order, buyer_writes, import_messages, settings
):
    settings.ALLEGRO_MESSAGE_SETTLE_SECONDS = 0
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    reply = reply_create(key=uuid.uuid4(), text="Już jedzie.", user=None, thread_id=thread.pk)
    emulator_call(
        allegro_emulator,
        "faults",
        [
            {"type": "status", "status": 503, "count": 3, "path": "/messaging"},
            {"type": "status", "status": 500, "ratio": 0.5, "seed": 4, "count": 3},
        ],
    )
    outcomes = [send(reply) for _ in range(8)]

    assert outcomes.count("sent") == 1, outcomes
    assert outcomes[0] == "retry"
    assert len(ours_on_allegro(allegro_emulator, "Już jedzie.")) == 1
    reply.refresh_from_db()
    assert reply.state == AllegroReply.State.SENT
    assert "503" in reply.last_error or reply.last_error == ""


def test_a_refused_reply_shows_allegros_message_and_trace_id_and_can_be_retried(
    allegro_emulator, place_order, buyer_writes, import_messages, operator_client
):
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    reply = reply_create(key=uuid.uuid4(), text="Halo", user=None, thread_id=thread.pk)
    # The order is gone from Allegro (its buyer's purchases were merged meanwhile, say).
    emulator_call(allegro_emulator, "reset", {"seed": False})

    assert send(reply) == "failed"
    reply.refresh_from_db()
    assert reply.state == AllegroReply.State.FAILED
    assert f"Order {order.form_id} not found" in reply.last_error
    assert "trace-id: " in reply.last_error
    page = operator_client.get(reverse("allegro:messaging:thread_detail", args=[thread.pk]))
    assert "trace-id: " in page.content.decode()
    assert "Ponów" in page.content.decode()

    retried = operator_client.post(reverse("allegro:messaging:reply_retry", args=[reply.pk]))
    assert retried.status_code == 302
    reply.refresh_from_db()
    assert (reply.state, reply.attempts) == ("PENDING", 0)


def test_bad_replies_are_refused_with_a_reason_and_keep_nothing(
    place_order, buyer_writes, import_messages, operator_client
):
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    url = reverse("allegro:messaging:thread_reply", args=[thread.pk])
    for form in (
        {"text": "   ", "key": str(uuid.uuid4())},
        {"text": "x" * 2001, "key": str(uuid.uuid4())},
        {"text": "ok", "key": "not-a-uuid"},
        {"text": "ok"},
    ):
        response = operator_client.post(url, form, follow=True)
        assert response.status_code == 200
        assert "Odpowiedź nie została wysłana" in response.content.decode(), form
    assert not AllegroReply.objects.exists()
    with pytest.raises(MessagingRefused):
        reply_create(key=uuid.uuid4(), text="x", user=None)
    missing = reverse("allegro:messaging:thread_reply", args=[thread.pk + 1000])
    assert operator_client.post(missing, {"text": "a", "key": str(uuid.uuid4())}).status_code == 404


def test_ready_made_replies_come_in_the_buyers_language_with_the_order_filled_in(
    place_order, buyer_writes, import_messages, operator_client
):
    order = place_order("allegro-cz")
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    template = ReplyTemplate.objects.get(language="cs", name="Zásilka odeslána")
    url = reverse("allegro:messaging:thread_detail", args=[thread.pk])

    page = operator_client.get(url).content.decode()
    options = page[page.index('name="reply_template"') :]
    assert options.index("(czeski)") < options.index("(polski)")

    filled = operator_client.get(url, {"reply_template": template.pk}).content.decode()
    number = order.allegro_order.sales_order.number
    buyer = order.allegro_order.payload["buyer"]
    assert f"objednávka {number} byla odeslána" in filled
    assert f"Dobrý den {buyer['firstName']} {buyer['lastName']}" in filled
    # A template an administrator broke still fills in what it can.
    template.text = "Objednávka {order_number} {nonsense} {"
    template.save()
    filled = operator_client.get(url, {"reply_template": template.pk}).content.decode()
    assert "Objednávka {order_number} {nonsense} {" in filled


def test_an_attachment_comes_through_the_shop_to_those_who_may_read_messages(
    client, place_order, buyer_writes, import_messages, operator_client
):
    order = place_order()
    buyer_writes(order.form_id, attachment=True)
    import_messages()
    attachment = AllegroThread.objects.get().messages.get().attachments.get()
    url = reverse("allegro:messaging:attachment", args=[attachment.pk])

    response = operator_client.get(url)
    assert response.status_code == 200
    assert response.content == PIXEL_PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="zdjecie.png"'

    nobody = clients.signed_in(role=None)
    assert nobody.get(url).status_code == 403
    assert operator_client.get(url.replace(str(attachment.pk), "999999")).status_code == 404
    attachment.status = "UNSAFE"
    attachment.save()
    refused = operator_client.get(url, follow=True)
    assert "nie jest pobierany" in refused.content.decode()


def test_an_attachment_allegro_does_not_give_is_a_message_not_an_error_page(
    allegro_emulator, place_order, buyer_writes, import_messages, operator_client
):
    order = place_order()
    buyer_writes(order.form_id, attachment=True)
    import_messages()
    attachment = AllegroThread.objects.get().messages.get().attachments.get()
    emulator_call(allegro_emulator, "faults", {"type": "status", "status": 503, "count": 1})
    url = reverse("allegro:messaging:attachment", args=[attachment.pk])
    response = operator_client.get(url, follow=True)
    assert response.status_code == 200
    assert "Allegro nie wydało zdjecie.png" in response.content.decode()


def test_both_order_pages_show_the_messages_and_a_first_message_opens_a_thread(
    allegro_emulator, place_order, buyer_writes, import_messages, operator_client
):
    order = place_order()
    sales_page = reverse("sales:order_detail", args=[order.allegro_order.sales_order_id])
    allegro_page = reverse("allegro:orders:order_detail", args=[order.allegro_order.pk])
    for url in (sales_page, allegro_page):
        page = operator_client.get(url).content.decode()
        assert "Wiadomości z kupującym" in page
        assert "Kupujący nie pisał" in page

    response = operator_client.post(
        reverse("allegro:messaging:order_reply", args=[order.allegro_order.pk]),
        {"text": "Dzień dobry, dziękujemy!", "key": str(uuid.uuid4()), "next": sales_page},
    )
    assert response.status_code == 302 and response["Location"] == sales_page
    reply = AllegroReply.objects.get()
    assert (reply.thread, reply.allegro_order) == (None, order.allegro_order)
    assert "Wysyłanie…" in operator_client.get(sales_page).content.decode()

    assert send(reply) == "sent"
    [sent] = ours_on_allegro(allegro_emulator, "Dzień dobry, dziękujemy!")
    assert sent["orderId"] == order.form_id
    reply.refresh_from_db()
    assert reply.thread.thread_id == threads_on_allegro(allegro_emulator)[0]["id"]
    buyer_writes(order.form_id, text="Dziękuję za informację")
    import_messages()
    for url in (sales_page, allegro_page):
        page = operator_client.get(url).content.decode()
        assert "Dziękuję za informację" in page
        assert "Dzień dobry, dziękujemy!" in page


def test_the_message_pages_need_their_permissions(
    client, place_order, buyer_writes, import_messages
):
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()
    nobody = clients.signed_in(role=None)
    for url in (
        reverse("allegro:messaging:thread_list"),
        reverse("allegro:messaging:thread_detail", args=[thread.pk]),
    ):
        assert nobody.get(url).status_code == 403
    reply = reverse("allegro:messaging:thread_reply", args=[thread.pk])
    assert nobody.post(reply, {"text": "a", "key": str(uuid.uuid4())}).status_code == 403
    assert not AllegroReply.objects.exists()
    thread.refresh_from_db()
    assert thread.read is False  # nobody who may not read it opened it


def test_a_reply_written_while_redis_is_down_is_kept_for_the_sweep(
    place_order,
    buyer_writes,
    import_messages,
    operator_client,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    order = place_order()
    buyer_writes(order.form_id)
    import_messages()
    thread = AllegroThread.objects.get()

    def redis_down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(django_rq, "get_queue", redis_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            reverse("allegro:messaging:thread_reply", args=[thread.pk]),
            {"text": "Jutro", "key": str(uuid.uuid4())},
        )
    assert response.status_code == 302
    assert AllegroReply.objects.get().state == AllegroReply.State.PENDING


def test_administrators_edit_the_ready_made_replies_and_operators_only_use_them(client):
    url = reverse("admin:allegro_replytemplate_changelist")
    operator = clients.operator()
    assert operator.get(url).status_code == 302  # not staff: to the admin's sign-in
    client.force_login(make_user(role=ADMINISTRATOR, is_staff=True))
    assert client.get(url).status_code == 200
    add = reverse("admin:allegro_replytemplate_add")
    response = client.post(
        add,
        {"name": "Reklamace", "language": "cs", "text": "Dobrý den {buyer_name}", "position": 5},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReplyTemplate.objects.filter(name="Reklamace", language="cs").exists()
