"""Turning Allegro orders into sales orders by hand (one, or the selected ones) and the
per-account switch for doing it automatically."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from allegro.accounts.models import AllegroAccount
from allegro.accounts.views import settings_permission
from allegro.api.payloads import MalformedCheckoutForm
from allegro.conversion.forms import AutoConversionForm, BulkConvertForm, ConversionForm
from allegro.conversion.selectors import allegro_order_lines_matched
from allegro.conversion.services import (
    ConversionRefused,
    account_auto_conversion_set,
    allegro_order_convert,
)
from allegro.orders.models import AllegroOrder
from allegro.orders.selectors import allegro_order_get


@require_POST
@settings_permission
def settings_auto_conversion(request: HttpRequest, pk: int) -> HttpResponse:
    """The per-account switch "create orders for offers automatically"."""
    account = get_object_or_404(AllegroAccount, pk=pk)
    form = AutoConversionForm(request.POST)
    form.is_valid()  # one optional checkbox: absent means off
    enabled = form.cleaned_data["enabled"]
    account_auto_conversion_set(account_id=account.pk, enabled=enabled, user=request.user)
    if enabled:
        message = _(
            "Account %(login)s: paid orders become sales orders automatically. Orders that "
            "cannot be converted show why under “Automatic conversion failed”."
        )
    else:
        message = _("Account %(login)s: sales orders are created by hand only.")
    messages.success(request, message % {"login": account.login})
    return redirect("allegro:accounts:settings")


REFUSALS_LISTED = 10  # in the bulk summary; the list's filter finds the rest


def _refusal_message(refusal: ConversionRefused) -> str:
    if refusal.replaced_by is None:
        return refusal.message
    return format_html(
        '{} <a href="{}">{}</a>',
        refusal.message,
        reverse("allegro:orders:order_detail", args=[refusal.replaced_by.pk]),
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
        return redirect("allegro:orders:order_detail", pk=pk)
    try:
        result = allegro_order_convert(
            allegro_order_id=pk,
            user=request.user,
            products=form.products(),
            remember=form.remembered(),
        )
    except ConversionRefused as refusal:
        messages.error(request, _refusal_message(refusal))
        return redirect("allegro:orders:order_detail", pk=pk)
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
        target = reverse("allegro:orders:order_list")
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
