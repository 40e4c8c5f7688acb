"""Allegro ▸ Wiadomości: threads, a thread with its attachments, replies; the messages panel of
an Allegro order and of a sales order."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from allegro.accounts.clients import client_for_account
from allegro.api import messaging as api
from allegro.api.budget import WRITE
from allegro.api.errors import AllegroClientError, AllegroError
from allegro.messaging.forms import ReplyForm, ThreadFilterForm
from allegro.messaging.models import AllegroMessageAttachment, AllegroReply, AllegroThread
from allegro.messaging.selectors import (
    ready_replies,
    replies_unsent,
    reply_language,
    thread_get,
    thread_list,
    thread_messages,
    threads_of_order,
)
from allegro.messaging.services import MessagingRefused, reply_create, reply_retry, thread_open
from allegro.orders.models import AllegroOrder
from sales.models import SalesOrder
from shop.listing import filtered_page
from shop.pages import next_or

VIEW = "allegro.view_allegrothread"
REPLY = "allegro.reply_allegrothread"
PANEL_MESSAGES = 5


def _reply_form(request: HttpRequest, *, order: AllegroOrder | None, thread: AllegroThread | None):
    """The reply form, filled with the ready-made reply picked (`?reply_template=<id>`)."""
    login = thread.interlocutor_login if thread else (order.buyer_login if order else "")
    account = thread.account if thread else order.account  # type: ignore[union-attr]
    language = reply_language(order=order, base_marketplace=account.base_marketplace)
    ready = ready_replies(order=order, login=login, language=language)
    picked = request.GET.get("reply_template", "")
    text = next((r.text for r in ready if str(r.template.pk) == picked), "")
    return {"reply_form": ReplyForm(text=text), "ready_replies": ready, "picked": picked}


@permission_required(VIEW, raise_exception=True)
def thread_list_view(request: HttpRequest) -> HttpResponse:
    form = ThreadFilterForm(request.GET)
    page = filtered_page(request, form, thread_list)
    return render(
        request,
        "allegro/messaging/thread_list.html",
        {"title": _("Allegro ▸ Messages"), "form": form, "page": page},
    )


@permission_required(VIEW, raise_exception=True)
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        thread = thread_get(pk=pk)
    except AllegroThread.DoesNotExist:
        raise Http404 from None
    # Opening it reads it, here and (by a job) on Allegro.
    if thread_open(thread_id=thread.pk):
        thread.read = True
    order = thread.allegro_order
    context: dict[str, Any] = {
        "title": _("Messages with %(buyer)s") % {"buyer": thread.interlocutor_login},
        "thread": thread,
        "order": order,
        "thread_messages": thread_messages(thread=thread),
        "unsent": replies_unsent(thread=thread),
        "can_reply": request.user.has_perm(REPLY),
        "reply_action": reverse("allegro:messaging:thread_reply", args=[thread.pk]),
    }
    if context["can_reply"]:
        context |= _reply_form(request, order=order, thread=thread)
    return render(request, "allegro/messaging/thread_detail.html", context)


def _reply(request: HttpRequest, *, default: str, **destination: int) -> HttpResponse:
    form = ReplyForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("The reply was not sent. %(errors)s") % {"errors": errors})
        return redirect(next_or(request, default))
    try:
        reply_create(
            key=form.cleaned_data["key"],
            text=form.cleaned_data["text"],
            user=request.user,
            **destination,
        )
    except MessagingRefused as refusal:
        messages.error(request, _("The reply was not sent. %(errors)s") % {"errors": refusal})
    else:
        messages.success(request, _("The reply is on its way to Allegro."))
    return redirect(next_or(request, default))


@require_POST
@permission_required(REPLY, raise_exception=True)
def thread_reply(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_object_or_404(AllegroThread.objects.only("pk"), pk=pk)
    default = reverse("allegro:messaging:thread_detail", args=[thread.pk])
    return _reply(request, default=default, thread_id=thread.pk)


@require_POST
@permission_required(REPLY, raise_exception=True)
def order_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """A message to an order's buyer from the order's page; `pk` is the Allegro order's."""
    order = get_object_or_404(AllegroOrder.objects.only("pk"), pk=pk)
    default = reverse("allegro:orders:order_detail", args=[order.pk]) + "#messages"
    return _reply(request, default=default, allegro_order_id=order.pk)


@require_POST
@permission_required(REPLY, raise_exception=True)
def reply_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_object_or_404(AllegroReply.objects.only("pk", "thread_id"), pk=pk)
    reply_retry(reply_id=reply.pk)
    messages.success(request, _("The reply will be sent again."))
    default = reverse("allegro:messaging:thread_list")
    if reply.thread_id:
        default = reverse("allegro:messaging:thread_detail", args=[reply.thread_id])
    return redirect(next_or(request, default))


@permission_required(VIEW, raise_exception=True)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The attachment, fetched from Allegro for whoever may read the thread."""
    attachment = get_object_or_404(
        AllegroMessageAttachment.objects.select_related("message__thread__account"), pk=pk
    )
    thread = attachment.message.thread
    back = reverse("allegro:messaging:thread_detail", args=[thread.pk])
    if not attachment.safe:
        messages.error(
            request,
            _("Allegro has not found %(file)s safe (%(status)s); it is not downloaded.")
            % {"file": attachment.file_name, "status": attachment.status},
        )
        return redirect(back)
    try:
        client = client_for_account(thread.account, priority=WRITE)
        download = api.attachment_download(client, attachment.attachment_id)
    except AllegroError as error:
        text = (error.user_message if isinstance(error, AllegroClientError) else None) or str(error)
        messages.error(
            request,
            _("Allegro did not give %(file)s: %(error)s")
            % {"file": attachment.file_name, "error": error.for_staff(text)},
        )
        return redirect(back)
    response = HttpResponse(download.content, content_type=attachment.mime_type)
    # Never rendered as a page of ours: a buyer's file is downloaded, whatever it claims to be.
    response["Content-Disposition"] = f'attachment; filename="{_safe_name(attachment.file_name)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in name) or "attachment"


def order_messages_panel(order: AllegroOrder, request: HttpRequest) -> dict[str, Any] | None:
    """The messages panel of an Allegro order (its page and its sales order's page)."""
    if not request.user.has_perm(VIEW):
        return None
    threads = threads_of_order(order=order)
    shown = []
    for thread in threads:
        all_messages = list(thread.messages.all())
        shown.append((thread, all_messages[-PANEL_MESSAGES:], len(all_messages)))
    context: dict[str, Any] = {
        "allegro_order": order,
        "threads": shown,
        "unsent": replies_unsent(order=order),
        "can_reply": request.user.has_perm(REPLY) and order.account.is_connected,
        "reply_action": reverse("allegro:messaging:order_reply", args=[order.pk]),
        "next": request.get_full_path(),
    }
    if context["can_reply"]:
        context |= _reply_form(request, order=order, thread=None)
    return context


def sales_order_messages_panel(
    order: SalesOrder, request: HttpRequest
) -> tuple[str, dict[str, Any]] | None:
    allegro_order = AllegroOrder.objects.filter(sales_order=order).select_related("account").first()
    if allegro_order is None:
        return None
    panel = order_messages_panel(allegro_order, request)
    return None if panel is None else ("allegro/messaging/_order_panel.html", panel)
