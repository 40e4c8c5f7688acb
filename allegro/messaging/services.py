"""The message centre: importing threads and messages, replies sent exactly once, read flags.

Import: threads come newest first; the walk stops after the page where it meets a thread whose
newest message it has already stored, and each changed thread's new messages are upserted by
id in one transaction with the thread. Running it twice changes nothing.

Replies: a reply is a row written in the transaction that keeps it (its form's one-time key
makes a double click one reply) and sent by a job after commit. Allegro takes no idempotency
key for messages, so the job notes when its first request may have gone out and, on any later
attempt, reads the thread for a message of ours with the same text written since then, not yet
claimed by another reply, before it writes again. A retry after a lost answer, a 5xx or a killed
worker finds the message and records it instead of sending it twice.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allegro.accounts.models import AllegroAccount
from allegro.api import messaging as api
from allegro.api.backoff import retry_delay
from allegro.api.client import AllegroClient
from allegro.api.errors import (
    AllegroAuthError,
    AllegroClientError,
    AllegroError,
    AllegroNotFound,
)
from allegro.messaging.models import (
    AllegroMessage,
    AllegroMessageAttachment,
    AllegroReply,
    AllegroThread,
)
from allegro.orders.models import AllegroOrder
from shop.queueing import JobQueue

logger = logging.getLogger(__name__)

# Walking threads stops here whatever it meets (20 threads a page: 10,000 threads).
MAX_THREAD_PAGES = 500
MAX_MESSAGE_PAGES = 100
# Messages at the same instant as the newest stored one are asked for again (and skipped).
OVERLAP = timedelta(seconds=1)
# How far Allegro's clock and ours may disagree when looking for a reply already written.
CLOCK_SKEW = timedelta(minutes=5)
MAX_TEXT = 2000


class MessagingRefused(Exception):
    """Nothing was kept; the message says why, for staff."""


@dataclass
class ImportStats:
    threads: int = 0
    messages: int = 0


# The row is committed: the sweep queues it once Redis is back.
_queue = JobQueue(logger, "allegro.messaging.enqueue_failed", timeout_setting="ALLEGRO_WRITE_LEASE")


def _enqueue(function: str, *args: object, delay: float = 0) -> None:
    _queue.put(function, *args, delay=delay, job=function)


def _enqueue_after_commit(function: str, *args: object) -> None:
    _queue.after_commit(function, *args, job=function)


# Import


def _store_thread(
    *,
    account: AllegroAccount,
    listed: api.Thread,
    thread: AllegroThread | None,
    messages: list[api.Message],
) -> int:
    """The thread and its new messages, together; returns how many messages were new."""
    with transaction.atomic():
        if thread is None:
            thread, _created = AllegroThread.objects.get_or_create(
                account=account,
                thread_id=listed.id,
                defaults={"interlocutor_login": listed.interlocutor_login},
            )
        thread = AllegroThread.objects.select_for_update().get(pk=thread.pk)
        changed = thread.last_message_at != listed.last_message_at
        new = 0
        for message in messages:
            stored, created = AllegroMessage.objects.get_or_create(
                thread=thread,
                message_id=message.id,
                defaults={
                    "author_login": message.author_login,
                    "from_buyer": message.from_interlocutor,
                    "text": message.text,
                    "status": message.status,
                    "created_at": message.created_at,
                    "checkout_form_id": message.checkout_form_id or "",
                    "payload": dict(message.raw),
                },
            )
            new += created
            if created:
                AllegroMessageAttachment.objects.bulk_create(
                    [
                        AllegroMessageAttachment(
                            message=stored,
                            attachment_id=a.id,
                            file_name=a.file_name[:255],
                            mime_type=a.mime_type[:100],
                            status=a.status,
                        )
                        for a in message.attachments
                        if a.id
                    ],
                    ignore_conflicts=True,
                )
        about = next((m.checkout_form_id for m in messages if m.checkout_form_id), None)
        if about:
            thread.checkout_form_id = about
            thread.allegro_order = (
                AllegroOrder.objects.filter(account=account, checkout_form_id=about).first()
                or thread.allegro_order
            )
        if changed:
            # New messages: Allegro's flag says whether anyone read them; an opening of the
            # thread before they came does not cover them.
            thread.read, thread.read_pending = listed.read, False
        elif not thread.read_pending:
            thread.read = listed.read
        thread.interlocutor_login = listed.interlocutor_login or thread.interlocutor_login
        thread.last_message_at = listed.last_message_at
        thread.save()
    return new


def _new_messages(
    client: AllegroClient, thread_id: str, since: datetime | None
) -> list[api.Message]:
    """The thread's messages after `since` (all when None), newest first."""
    after = since - OVERLAP if since is not None else None
    found: list[api.Message] = []
    for page in range(MAX_MESSAGE_PAGES):
        batch = api.thread_messages(client, thread_id, offset=page * api.PAGE, after=after)
        found += batch
        if len(batch) < api.PAGE:
            break
    return found


def account_messages_import(*, account_id: int, client: AllegroClient) -> ImportStats:
    """Bring the account's threads and messages up to date with Allegro."""
    account = AllegroAccount.objects.get(pk=account_id)
    horizon = timezone.now() - timedelta(days=settings.ALLEGRO_BACKFILL_DAYS)
    stats = ImportStats()
    for page in range(MAX_THREAD_PAGES):
        listed = api.threads(client, offset=page * api.PAGE)
        known = {
            t.thread_id: t
            for t in AllegroThread.objects.filter(
                account=account, thread_id__in=[t.id for t in listed]
            )
        }
        met_known = False
        for item in listed:
            thread = known.get(item.id)
            unchanged = thread is not None and thread.last_message_at == item.last_message_at
            too_old = thread is None and (
                item.last_message_at is None or item.last_message_at < horizon
            )
            if unchanged:
                met_known = True
                if not thread.read_pending and thread.read != item.read:  # type: ignore[union-attr]
                    AllegroThread.objects.filter(pk=thread.pk).update(read=item.read)  # type: ignore[union-attr]
                continue
            if too_old:
                met_known = True
                continue
            since = thread.last_message_at if thread is not None else None
            messages = _new_messages(client, item.id, since)
            stats.messages += _store_thread(
                account=account, listed=item, thread=thread, messages=messages
            )
            stats.threads += 1
        if met_known or len(listed) < api.PAGE:
            break
    _link_orders(account_id=account_id)
    logger.info(
        "allegro.messaging.imported",
        extra={"account_id": account_id, "threads": stats.threads, "messages": stats.messages},
    )
    return stats


def _link_orders(*, account_id: int) -> int:
    """Threads about an order imported after them get their link now."""
    linked = 0
    waiting = AllegroThread.objects.filter(account_id=account_id, allegro_order__isnull=True)
    for thread in waiting.exclude(checkout_form_id="").only("pk", "checkout_form_id"):
        order_id = (
            AllegroOrder.objects.filter(
                account_id=account_id, checkout_form_id=thread.checkout_form_id
            )
            .values_list("pk", flat=True)
            .first()
        )
        if order_id is not None:
            linked += AllegroThread.objects.filter(pk=thread.pk).update(allegro_order_id=order_id)
    return linked


# Reading


def thread_open(*, thread_id: int) -> bool:
    """An operator opened the thread: it is read here now, and on Allegro once the job has
    told it. True when it was unread."""
    with transaction.atomic():
        opened = AllegroThread.objects.filter(pk=thread_id, read=False).update(
            read=True, read_pending=True, updated_at=timezone.now()
        )
        if opened:
            _enqueue_after_commit("allegro.messaging.jobs.push_read", thread_id)
    return bool(opened)


def thread_read_push(
    *, thread_id: int, client_for: Callable[[AllegroAccount], AllegroClient]
) -> str:
    """Tell Allegro the thread was read; idempotent (the flag is a PUT of `read: true`)."""
    thread = AllegroThread.objects.select_related("account").get(pk=thread_id)
    if not thread.read_pending:
        return "nothing to do"
    try:
        api.thread_mark_read(client_for(thread.account), thread.thread_id)
    except AllegroNotFound:
        pass  # gone on Allegro: nothing left to mark
    except AllegroError as error:
        # Left pending: the sweep tries again.
        logger.info(
            "allegro.messaging.read_failed", extra={"thread_id": thread_id, "error": str(error)}
        )
        return "retry"
    AllegroThread.objects.filter(pk=thread_id, read_pending=True).update(read_pending=False)
    return "done"


# Replies


def normalized(text: str) -> str:
    """As a browser's textarea sends it (CRLF) and as Allegro keeps it: LF, no outer blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def reply_create(
    *,
    key: uuid.UUID,
    text: str,
    user: User | AnonymousUser | None,
    thread_id: int | None = None,
    allegro_order_id: int | None = None,
) -> AllegroReply:
    """Keep a reply in a thread or to an order's buyer and queue its sending; the same `key`
    again returns the reply kept before."""
    text = normalized(text)
    if not text:
        raise MessagingRefused(_("The reply is empty."))
    if len(text) > MAX_TEXT:
        raise MessagingRefused(
            _("The reply is longer than Allegro takes (%(max)s characters).") % {"max": MAX_TEXT}
        )
    existing = AllegroReply.objects.filter(key=key).first()
    if existing is not None:
        return existing
    thread = order = None
    if thread_id is not None:
        thread = AllegroThread.objects.select_related("account", "allegro_order").get(pk=thread_id)
        order = thread.allegro_order
        account, recipient = thread.account, thread.interlocutor_login
    elif allegro_order_id is not None:
        order = AllegroOrder.objects.select_related("account").get(pk=allegro_order_id)
        account, recipient = order.account, order.buyer_login
        thread = AllegroThread.objects.filter(account=account, interlocutor_login=recipient).first()
    else:
        raise MessagingRefused(_("A reply goes to a thread or to an order's buyer."))
    if not account.is_connected:
        raise MessagingRefused(
            _("The Allegro account %(account)s is not connected; connect it again first.")
            % {"account": account}
        )
    try:
        with transaction.atomic():
            reply = AllegroReply.objects.create(
                key=key,
                account=account,
                thread=thread,
                allegro_order=order,
                recipient_login=recipient,
                text=text,
                created_by=user if user is not None and user.is_authenticated else None,
            )
            _enqueue_after_commit("allegro.messaging.jobs.send_reply", reply.pk)
    except IntegrityError:
        # The same form sent twice at once: the other request kept it.
        return AllegroReply.objects.get(key=key)
    logger.info(
        "allegro.messaging.reply_kept",
        extra={
            "reply_id": reply.pk,
            "account_id": account.pk,
            "user_id": getattr(user, "pk", None),
        },
    )
    return reply


def _claim(reply_id: int, now: datetime) -> bool:
    lease = timedelta(seconds=settings.ALLEGRO_WRITE_LEASE)
    return AllegroReply.claim(reply_id, now, lease=lease, state=AllegroReply.State.PENDING)


def _thread_id_on_allegro(reply: AllegroReply, client: AllegroClient) -> str | None:
    if reply.thread is not None:
        return reply.thread.thread_id
    # A first message to this buyer opened a thread the shop does not know yet: it is among
    # the newest, as our message is its newest.
    for page in range(3):
        for thread in api.threads(client, offset=page * api.PAGE):
            if thread.interlocutor_login == reply.recipient_login:
                return thread.id
    return None


def _already_written(reply: AllegroReply, client: AllegroClient) -> api.Message | None:
    """Our message with this text written since the first attempt, not another reply's."""
    if reply.first_sent_at is None:
        return None  # never tried: nothing can be there
    thread_id = _thread_id_on_allegro(reply, client)
    if thread_id is None:
        return None
    ours = [
        m
        for m in _new_messages(client, thread_id, reply.first_sent_at - CLOCK_SKEW)
        if not m.from_interlocutor and normalized(m.text) == reply.text
    ]
    taken = set(
        AllegroReply.objects.filter(
            account_id=reply.account_id, message_id__in=[m.id for m in ours]
        ).values_list("message_id", flat=True)
    )
    # Oldest first: two identical replies take the two messages in the order they were sent.
    return next((m for m in reversed(ours) if m.id not in taken), None)


def _record_sent(reply: AllegroReply, message: api.Message) -> None:
    with transaction.atomic():
        thread = reply.thread
        if thread is None or thread.thread_id != message.thread_id:
            thread, _created = AllegroThread.objects.get_or_create(
                account_id=reply.account_id,
                thread_id=message.thread_id,
                defaults={
                    "interlocutor_login": reply.recipient_login,
                    "read": True,
                    "allegro_order": reply.allegro_order,
                    "checkout_form_id": message.checkout_form_id or "",
                },
            )
        # Shown in the thread at once; the import finds it there and leaves it be.
        AllegroMessage.objects.get_or_create(
            thread=thread,
            message_id=message.id,
            defaults={
                "author_login": message.author_login,
                "from_buyer": False,
                "text": message.text,
                "status": message.status,
                "created_at": message.created_at,
                "checkout_form_id": message.checkout_form_id or "",
                "payload": dict(message.raw),
            },
        )
        AllegroReply.finish(
            reply.pk,
            state=AllegroReply.State.SENT,
            message_id=message.id,
            thread=thread,
            sent_at=timezone.now(),
        )


def _postpone(reply: AllegroReply, delay: float, error: str) -> None:
    AllegroReply.postpone(reply.pk, delay=timedelta(seconds=delay), error=error)
    _enqueue("allegro.messaging.jobs.send_reply", reply.pk, delay=delay)


def _fail(reply: AllegroReply, error: str) -> None:
    AllegroReply.finish(reply.pk, state=AllegroReply.State.FAILED, error=error)
    logger.warning("allegro.messaging.reply_failed", extra={"reply_id": reply.pk, "error": error})


def _checkout_form_id(reply: AllegroReply) -> str | None:
    """The order the reply is about, if any: the message centre requires its id."""
    order = reply.allegro_order
    if order is None:
        # About an order the shop has not imported yet: its id is known from the thread.
        return (reply.thread.checkout_form_id if reply.thread else "") or None
    # A merged purchase answers 404 under its old id: the buyer's order is the new one.
    return (order.superseded_by or order).checkout_form_id


def reply_send(*, reply_id: int, client_for: Callable[[AllegroAccount], AllegroClient]) -> str:
    """Send one reply if it is due; safe to run twice, after a crash at any point, or
    after an answer that never came."""
    if not _claim(reply_id, timezone.now()):
        return "not due"
    reply = AllegroReply.objects.select_related(
        "account", "thread", "allegro_order__superseded_by"
    ).get(pk=reply_id)
    posted = False
    try:
        client = client_for(reply.account)
        message = _already_written(reply, client)
        if message is None:
            if reply.first_sent_at is None:
                # Committed before the request: whatever happens to it, a later attempt
                # knows a message of ours may be on Allegro and looks before writing.
                reply.first_sent_at = timezone.now()
                AllegroReply.objects.filter(pk=reply.pk).update(first_sent_at=reply.first_sent_at)
            posted = True
            message = api.message_write(
                client,
                text=reply.text,
                thread_id=reply.thread.thread_id if reply.thread else None,
                recipient_login=reply.recipient_login,
                checkout_form_id=_checkout_form_id(reply),
            )
    except AllegroAuthError as error:
        _postpone(reply, settings.ALLEGRO_RETRY_MAX_DELAY, error.for_staff())
        return "auth"
    except AllegroError as error:
        if error.is_transient and reply.attempts < settings.ALLEGRO_WRITE_MAX_ATTEMPTS:
            delay = retry_delay(reply.attempts, error)
            if posted:
                # The message may still land after an answer that never came: look only
                # once it had time to.
                delay = max(delay, settings.ALLEGRO_MESSAGE_SETTLE_SECONDS)
            _postpone(reply, delay, error.for_staff())
            return "retry"
        text = (error.user_message if isinstance(error, AllegroClientError) else None) or str(error)
        _fail(reply, error.for_staff(text))
        return "failed"
    _record_sent(reply, message)
    return "sent"


def reply_retry(*, reply_id: int) -> AllegroReply:
    """Staff's "Ponów" on a failed reply: it is tried again now (still never twice)."""
    with transaction.atomic():
        reply = AllegroReply.objects.select_for_update().get(pk=reply_id)
        if reply.state == AllegroReply.State.FAILED:
            reply.state = AllegroReply.State.PENDING
            reply.next_attempt_at = timezone.now()
            reply.attempts = 0
            reply.claimed_until = None
            reply.save(
                update_fields=[
                    "state",
                    "next_attempt_at",
                    "attempts",
                    "claimed_until",
                    "updated_at",
                ]
            )
            _enqueue_after_commit("allegro.messaging.jobs.send_reply", reply.pk)
    return reply


def messaging_sweep(*, limit: int = 1000) -> int:
    """Queue again the replies and read flags whose jobs were lost (a killed worker, Redis
    restarted); returns how many were queued."""
    now = timezone.now()
    quiet = timedelta(seconds=settings.ALLEGRO_WRITE_SWEEP_AFTER)
    replies = list(
        AllegroReply.lost(now, quiet=quiet, state=AllegroReply.State.PENDING).values_list(
            "id", flat=True
        )[:limit]
    )
    for reply_id in replies:
        _enqueue("allegro.messaging.jobs.send_reply", reply_id)
    reads = list(
        AllegroThread.objects.filter(read_pending=True, updated_at__lte=now - quiet).values_list(
            "id", flat=True
        )[:limit]
    )
    for thread_id in reads:
        _enqueue("allegro.messaging.jobs.push_read", thread_id)
    return len(replies) + len(reads)
