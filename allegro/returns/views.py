"""Allegro ▸ Zwroty, a return's page, and the returns and refunds panels of both order pages."""

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from djmoney.money import Money

from allegro.api.payloads import MalformedCheckoutForm
from allegro.orders.models import AllegroOrder
from allegro.returns.forms import (
    CommandForm,
    RefundForm,
    RefundLimitForm,
    RejectForm,
    ReturnFilterForm,
)
from allegro.returns.models import AllegroReturn, RefundLimit
from allegro.returns.selectors import (
    allegro_order_refunds,
    allegro_order_returns,
    allegro_return_get,
    allegro_return_list,
    allegro_returns_waiting_count,
)
from allegro.returns.services import (
    ReturnRefused,
    refund_create,
    refund_from_return,
    return_refund_plan,
    refund_limit_set,
    refundable,
    return_accept,
    return_reject,
)
from sales.models import SalesOrder
from shop.listing import filtered_page
from shop.pages import form_errors, next_or

VIEW = "allegro.view_allegroreturn"
HANDLE = "allegro.handle_allegroreturn"


@permission_required(VIEW, raise_exception=True)
def return_list(request: HttpRequest) -> HttpResponse:
    form = ReturnFilterForm(request.GET)
    context = {
        "title": _("Allegro ▸ Returns"),
        "form": form,
        "page": filtered_page(request, form, allegro_return_list),
        "waiting": allegro_returns_waiting_count(),
        "limits": RefundLimit.objects.order_by("currency"),
        "limit_form": RefundLimitForm()
        if request.user.has_perm("allegro.manage_allegro_settings")
        else None,
    }
    return render(request, "allegro/returns/return_list.html", context)


@require_POST
@permission_required("allegro.manage_allegro_settings", raise_exception=True)
def refund_limit_view(request: HttpRequest) -> HttpResponse:
    """An administrator sets the amount above which refunds need an administrator."""
    form = RefundLimitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The limit was not saved: give a currency and an amount."))
    else:
        try:
            refund_limit_set(
                currency=form.cleaned_data["currency"],
                amount=form.cleaned_data["amount"],
                user=request.user,
            )
        except ReturnRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Refund limit saved."))
    return redirect("allegro:returns:return_list")


def _return(pk: int) -> AllegroReturn:
    try:
        return allegro_return_get(pk=pk)
    except AllegroReturn.DoesNotExist:
        raise Http404 from None


@permission_required(VIEW, raise_exception=True)
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = _return(pk)
    refunds = list(row.refunds.order_by("created_at", "id"))
    live = [refund for refund in refunds if refund.holds_money]
    context = {
        "title": f"{_('Return')} {row}",
        "row": row,
        "lines": row.lines.all(),
        "refunds": refunds,
        "can_handle": request.user.has_perm(HANDLE),
        "reject_form": RejectForm(),
        # Offered once accepted and while no refund of it is live; the form's commandId makes
        # a second press the same refund.
        "refund_form": CommandForm.fresh()
        if row.decision == AllegroReturn.Decision.ACCEPTED and not live
        else None,
    }
    if context["refund_form"] is not None:
        context["refund_plan"] = return_refund_plan(row=row)
    return render(request, "allegro/returns/return_detail.html", context)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    return redirect(next_or(request, default))


@require_POST
@permission_required(HANDLE, raise_exception=True)
def return_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _return(pk)
    try:
        return_accept(return_pk=row.pk, user=request.user)
    except ReturnRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Return accepted: now refund the payment."))
    return _back(request, reverse("allegro:returns:return_detail", args=[row.pk]))


@require_POST
@permission_required(HANDLE, raise_exception=True)
def return_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _return(pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of Allegro's reasons for the rejection."))
    else:
        try:
            return_reject(
                return_pk=row.pk,
                code=form.cleaned_data["code"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ReturnRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Return rejected: Allegro is being told."))
    return _back(request, reverse("allegro:returns:return_detail", args=[row.pk]))


@require_POST
@permission_required(HANDLE, raise_exception=True)
def return_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = _return(pk)
    form = CommandForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form has expired: open the return again."))
        return _back(request, reverse("allegro:returns:return_detail", args=[row.pk]))
    try:
        refund = refund_from_return(
            return_pk=row.pk, command_id=form.cleaned_data["command_id"], user=request.user
        )
    except ReturnRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Refund of %(total)s recorded: it is being sent.") % {"total": refund.total}
        )
    return _back(request, reverse("allegro:returns:return_detail", args=[row.pk]))


def _refund_form(order: AllegroOrder, data: Any = None) -> RefundForm | None:
    """The by-hand refund form of an order paid through Allegro, or None."""
    try:
        left = refundable(allegro_order=order)
    except MalformedCheckoutForm:
        return None
    if left.total.amount <= 0:
        return None
    lines = [(line_id, left.names[line_id], qty) for line_id, qty in left.lines.items()]
    surcharges = [(sid, paid.amount) for sid, paid in left.surcharges.items() if paid.amount > 0]
    if data is None:
        form = RefundForm(lines=lines, surcharges=surcharges, initial={"command_id": uuid.uuid4()})
    else:
        form = RefundForm(data, lines=lines, surcharges=surcharges)
    form.left = left  # type: ignore[attr-defined]
    return form


@require_POST
@permission_required(HANDLE, raise_exception=True)
def order_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A refund by hand from the Allegro or the sales order page; `pk` is the Allegro order's."""
    order = AllegroOrder.objects.select_related("account").filter(pk=pk).first()
    if order is None:
        raise Http404
    default = reverse("allegro:orders:order_detail", args=[order.pk])
    form = _refund_form(order, request.POST)
    if form is None:
        messages.error(request, _("Nothing of this order can be refunded through Allegro."))
        return _back(request, default)
    if not form.is_valid():
        errors = form_errors(form)
        messages.error(request, _("The refund was not made. %(errors)s") % {"errors": errors})
        return _back(request, default)
    currency = form.left.currency  # type: ignore[attr-defined]
    data = form.cleaned_data

    def money(value: Decimal | None) -> Money | None:
        return Money(value, currency) if value else None

    try:
        refund = refund_create(
            allegro_order_id=order.pk,
            command_id=data["command_id"],
            lines={line_id: data.get(f"line_{line_id}") or 0 for line_id in form.line_ids},
            delivery=money(data.get("delivery")),
            surcharges={
                sid: amount
                for sid in form.surcharge_ids
                if (amount := money(data.get(f"surcharge_{sid}"))) is not None
            },
            comment=data.get("comment") or "",
            user=request.user,
        )
    except ReturnRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Refund of %(total)s recorded: it is being sent.") % {"total": refund.total}
        )
    return _back(request, default)


def returns_panel_context(order: AllegroOrder, request: HttpRequest) -> dict[str, Any]:
    """What the returns and refunds panel shows, on the Allegro and on the sales order page."""
    can_handle = request.user.has_perm(HANDLE)
    return {
        "allegro_order": order,
        "customer_returns": allegro_order_returns(allegro_order=order),
        "refunds": allegro_order_refunds(allegro_order=order),
        "can_handle": can_handle,
        "refund_form": _refund_form(order) if can_handle else None,
    }


def sales_order_returns_panel(
    order: SalesOrder, request: HttpRequest
) -> tuple[str, dict[str, Any]] | None:
    """The returns panel of a sales order page (registered in AllegroConfig.ready)."""
    if not request.user.has_perm(VIEW):
        return None
    try:
        allegro_order = order.allegro_order
    except ObjectDoesNotExist:
        return None
    context = returns_panel_context(allegro_order, request)
    context["next"] = request.get_full_path()
    return "allegro/returns/_order_panel.html", context
