"""Allegro ▸ Zamówienia: the imported orders, turning them into sales orders, and the forms
that could not be imported."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from allegro.conversion import ConversionRefused, allegro_order_convert
from allegro.forms import BulkConvertForm, ConversionForm, OrderFilterForm
from allegro.models import AllegroOrder, BuyerStatus
from allegro.payloads import MalformedCheckoutForm
from allegro.selectors import (
    allegro_order_events,
    allegro_order_get,
    allegro_order_lines_matched,
    allegro_order_list,
    allegro_order_superseded,
    allegro_problem_count,
    allegro_problem_list,
)

ORDERS_PER_PAGE = 50
REFUSALS_LISTED = 10  # in the bulk summary; the list's filter finds the rest


@permission_required("allegro.view_allegroorder", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    # An invalid filter (a mistyped date) narrows nothing; the form shows its error.
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(allegro_order_list(filters=filters), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "problem_count": allegro_problem_count(),
        "can_convert": request.user.has_perm("allegro.convert_allegroorder"),
    }
    return render(request, "allegro/order_list.html", context)


def _can_be_converted(order: AllegroOrder) -> bool:
    """Whether the detail page offers the button; the service decides for real."""
    return (
        not order.is_converted
        and not order.is_superseded
        and order.status == BuyerStatus.READY_FOR_PROCESSING
    )


@permission_required("allegro.view_allegroorder", raise_exception=True)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = allegro_order_get(pk=pk)
    except AllegroOrder.DoesNotExist:
        raise Http404 from None
    try:
        checkout_form, form_error = order.form, ""
        lines = allegro_order_lines_matched(order=order)
    except MalformedCheckoutForm as error:
        # Stored forms were validated on import; if one no longer parses, say so, not 500.
        checkout_form, form_error, lines = None, error.reason, []
    convertible = checkout_form is not None and _can_be_converted(order)
    conversion_form = ConversionForm(
        lines=[line for line, product in lines if product is None] if convertible else []
    )
    context = {
        "order": order,
        "checkout_form": checkout_form,
        "form_error": form_error,
        "lines": lines,
        "conversion_form": conversion_form,
        "can_convert": convertible and request.user.has_perm("allegro.convert_allegroorder"),
        "events": allegro_order_events(order=order),
        "replaced_orders": allegro_order_superseded(order=order),
        "show_payload": request.user.has_perm("allegro.view_allegro_payload"),
    }
    return render(request, "allegro/order_detail.html", context)


@permission_required("allegro.view_allegroorder", raise_exception=True)
def problem_list(request: HttpRequest) -> HttpResponse:
    context = {
        "problems": allegro_problem_list(),
        "show_payload": request.user.has_perm("allegro.view_allegro_payload"),
    }
    return render(request, "allegro/problem_list.html", context)


def _refusal_message(refusal: ConversionRefused) -> str:
    if refusal.replaced_by is None:
        return refusal.message
    return format_html(
        '{} <a href="{}">{}</a>',
        refusal.message,
        reverse("allegro:order_detail", args=[refusal.replaced_by.pk]),
        _("Open the order that replaced it"),
    )


@require_POST
@permission_required("allegro.convert_allegroorder", raise_exception=True)
def order_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """The detail page's "create order" button, with the products picked for unmatched lines."""
    try:
        order = allegro_order_get(pk=pk)
        lines = allegro_order_lines_matched(order=order)
    except AllegroOrder.DoesNotExist:
        raise Http404 from None
    except MalformedCheckoutForm:
        lines = []  # the service refuses it with the reason
    form = ConversionForm(request.POST, lines=[line for line, product in lines if not product])
    if not form.is_valid():
        messages.error(request, _("A chosen product is no longer available. Choose again."))
        return redirect("allegro:order_detail", pk=pk)
    try:
        result = allegro_order_convert(
            allegro_order_id=pk,
            user=request.user,
            products=form.products(),
            remember=form.remembered(),
        )
    except ConversionRefused as refusal:
        messages.error(request, _refusal_message(refusal))
        return redirect("allegro:order_detail", pk=pk)
    number = result.sales_order.number
    if result.created:
        messages.success(request, _("Created sales order %(number)s.") % {"number": number})
    else:
        messages.info(
            request,
            _("This Allegro order was already converted to %(number)s.") % {"number": number},
        )
    return redirect("sales:order_detail", pk=result.sales_order.pk)


@require_POST
@permission_required("allegro.convert_allegroorder", raise_exception=True)
def order_bulk_convert(request: HttpRequest) -> HttpResponse:
    """The list's "create orders": each selected order on its own, then one summary."""
    form = BulkConvertForm(request.POST)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("allegro:order_list")
    if not form.is_valid():
        messages.error(request, _("Select the orders to create sales orders from."))
        return redirect(target)
    created, existing, refused = 0, 0, []
    for order in form.cleaned_data["orders"].order_by("bought_at", "id"):
        try:
            result = allegro_order_convert(allegro_order_id=order.pk, user=request.user)
        except ConversionRefused as refusal:
            refused.append((order, refusal.message))
            continue
        created += result.created
        existing += not result.created
    if created:
        messages.success(
            request,
            ngettext("Created %(count)d sales order.", "Created %(count)d sales orders.", created)
            % {"count": created},
        )
    if existing:
        messages.info(
            request,
            ngettext(
                "%(count)d order was already converted.",
                "%(count)d orders were already converted.",
                existing,
            )
            % {"count": existing},
        )
    if refused:
        reasons = "; ".join(
            f"{order.buyer_login} ({order.checkout_form_id[:8]}): {message}"
            for order, message in refused[:REFUSALS_LISTED]
        )
        if len(refused) > REFUSALS_LISTED:
            reasons += " …"
        messages.error(
            request,
            ngettext(
                "%(count)d order was refused: %(reasons)s",
                "%(count)d orders were refused: %(reasons)s",
                len(refused),
            )
            % {"count": len(refused), "reasons": reasons},
        )
    return redirect(target)
