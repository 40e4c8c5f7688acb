"""Reads of the message centre: the menu's unread count, the lists, a thread, the templates."""

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from allegro.messaging.models import (
    MARKETPLACE_LANGUAGES,
    AllegroMessage,
    AllegroReply,
    AllegroThread,
    ReplyLanguage,
    ReplyTemplate,
)
from allegro.orders.models import AllegroOrder


def unread_thread_count() -> int:
    """Threads with a buyer's message nobody has read: one count over a partial index."""
    return AllegroThread.objects.filter(read=False).count()


def thread_list(*, filters: Mapping[str, Any]) -> QuerySet[AllegroThread]:
    """Newest message first; `unread` keeps the unread ones, `q` a buyer or an order number."""
    unread, q = filters.get("unread"), (filters.get("q") or "").strip()
    threads = AllegroThread.objects.select_related(
        "account", "allegro_order__sales_order"
    ).order_by("-last_message_at", "-id")
    if unread:
        threads = threads.filter(read=False)
    if q:
        threads = threads.filter(
            Q(interlocutor_login__icontains=q)
            | Q(checkout_form_id=q)
            | Q(allegro_order__sales_order__number=q)
        )
    return threads


def thread_get(*, pk: int) -> AllegroThread:
    return AllegroThread.objects.select_related(
        "account", "allegro_order__sales_order", "allegro_order__account"
    ).get(pk=pk)


def thread_messages(*, thread: AllegroThread, last: int | None = None) -> list[AllegroMessage]:
    """Oldest first; `last` keeps only the newest few."""
    messages = AllegroMessage.objects.filter(thread=thread).prefetch_related("attachments")
    if last is None:
        return list(messages.order_by("created_at", "id"))
    return list(reversed(messages.order_by("-created_at", "-id")[:last]))


def replies_unsent(*, thread: AllegroThread | None = None, order: AllegroOrder | None = None):
    """Replies still being sent or that failed, to show beside the thread's messages."""
    replies = AllegroReply.objects.exclude(state=AllegroReply.State.SENT)
    if thread is not None:
        return list(replies.filter(thread=thread))
    return list(replies.filter(allegro_order=order))


def threads_of_order(*, order: AllegroOrder) -> list[AllegroThread]:
    """The threads about this order, or with its buyer (a thread is one buyer's)."""
    return list(
        AllegroThread.objects.filter(
            Q(allegro_order=order)
            | Q(account_id=order.account_id, interlocutor_login=order.buyer_login)
        ).prefetch_related(
            Prefetch("messages", queryset=AllegroMessage.objects.prefetch_related("attachments"))
        )
    )


def reply_language(*, order: AllegroOrder | None, base_marketplace: str) -> str:
    """The language the buyer reads: their order's marketplace's, else the account's."""
    marketplace = order.marketplace if order is not None else base_marketplace
    return MARKETPLACE_LANGUAGES.get(marketplace, ReplyLanguage.EN)


@dataclass(frozen=True)
class ReadyReply:
    template: ReplyTemplate
    text: str  # with the placeholders filled in


class _Placeholders(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # an unknown placeholder stays as the administrator wrote it


def placeholders(*, order: AllegroOrder | None, login: str) -> Mapping[str, str]:
    buyer: dict[str, Any] = (order.payload.get("buyer") or {}) if order is not None else {}
    name = " ".join(p for p in (buyer.get("firstName"), buyer.get("lastName")) if p)
    number = ""
    if order is not None:
        number = order.sales_order.number if order.sales_order_id else order.checkout_form_id  # type: ignore[union-attr]
    return _Placeholders(order_number=number, buyer_name=name or login, buyer_login=login)


def template_render(text: str, values: Mapping[str, str]) -> str:
    """Fill `{name}` placeholders; braces that are no placeholder are kept as they are."""
    out = []
    for literal, field, spec, conversion in string.Formatter().parse(text):
        out.append(literal)
        if field is not None:
            if field.isidentifier() and not spec and not conversion:
                out.append(values[field])
            else:
                out.append(
                    "{"
                    + field
                    + (f"!{conversion}" if conversion else "")
                    + (f":{spec}" if spec else "")
                    + "}"
                )
    return "".join(out)


def ready_replies(*, order: AllegroOrder | None, login: str, language: str) -> list[ReadyReply]:
    """Every ready-made reply filled in for this buyer, theirs in their language first."""
    values = placeholders(order=order, login=login)
    templates = sorted(
        ReplyTemplate.objects.all(),
        key=lambda t: (t.language != language, t.language, t.position, t.name),
    )
    rendered = []
    for template in templates:
        try:
            text = template_render(template.text, values)
        except ValueError:  # a lone brace: shown as written
            text = template.text
        rendered.append(ReadyReply(template=template, text=text))
    return rendered
