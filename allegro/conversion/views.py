"""Turning Allegro orders into sales orders by hand (one, or the selected ones) and the
per-account switch for doing it automatically."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from allegro.accounts.models import AllegroAccount
from allegro.accounts.views import settings_permission
from allegro.api.payloads import MalformedCheckoutForm
from allegro.conversion.forms import AutoConversionForm, BulkConvertForm, ConversionForm
from allegro.conversion.selectors import account_auto_convert_count, allegro_order_lines_matched
from allegro.conversion.services import (
    ConversionRefused,
    account_auto_conversion_set,
    allegro_order_convert,
)
from allegro.orders.models import AllegroOrder
from allegro.orders.selectors import allegro_order_get
from shop.pages import next_or


@require_POST
@settings_permission
def settings_auto_conversion(request: HttpRequest, pk: int) -> HttpResponse:
    """The per-account switch "create orders for offers automatically"."""
    account = get_object_or_404(AllegroAccount, pk=pk)
    form = AutoConversionForm(request.POST)
    if not form.is_valid():  # a checkbox (absent means off) and an optional date
        messages.error(request, _("Enter the date as YYYY-MM-DD, or leave it empty."))
        return redirect("allegro:accounts:settings")
    enabled = form.cleaned_data["enabled"]
    account = account_auto_conversion_set(
        account_id=account.pk, enabled=enabled, user=request.user, since=form.since_datetime()
    )
    if enabled and account.auto_convert_from is not None:
        taken = account_auto_convert_count(account_id=account.pk, since=account.auto_convert_from)
        message = ngettext(
            "Account %(login)s: paid orders bought since %(since)s become sales orders "
            "automatically; %(count)d order waiting now will be created. Orders Allegro "
            "already shows as sent or picked up are never taken. Orders that cannot be "
            "converted show why under “Automatic conversion failed”.",
            "Account %(login)s: paid orders bought since %(since)s become sales orders "
            "automatically; %(count)d orders waiting now will be created. Orders Allegro "
            "already shows as sent or picked up are never taken. Orders that cannot be "
            "converted show why under “Automatic conversion failed”.",
            taken,
        ) % {
            "login": account.login,
            "since": date_format(localtime(account.auto_convert_from), "DATETIME_FORMAT"),
            "count": taken,
        }
    else:
        message = _("Account %(login)s: sales orders are created by hand only.") % {
            "login": account.login
        }
    messages.success(request, message)
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
            fulfilled_outside_confirmed=form.cleaned_data["fulfilled_outside_confirmed"],
        )
    except ConversionRefused as refusal:
        if refusal.code == "needs_confirmation":
            messages.warning(request, refusal.message)
        else:
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
    target = next_or(request, reverse("allegro:orders:order_list"))
    if not form.is_valid():
        messages.error(request, _("Select the orders to create sales orders from."))
        return redirect(target)
    created, existing, refused, to_confirm = 0, 0, [], []
    for order in form.cleaned_data["orders"].order_by("bought_at", "id"):
        try:
            result = allegro_order_convert(allegro_order_id=order.pk, user=request.user)
        except ConversionRefused as refusal:
            if refusal.code == "needs_confirmation":
                to_confirm.append(order)
            else:
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
    if to_confirm:
        messages.warning(request, _needing_confirmation(to_confirm))
    return redirect(target)


def _needing_confirmation(orders: list[AllegroOrder]) -> str:
    """Orders Allegro shows as fulfilled, apart: each is created only when confirmed on its
    own page."""
    links = format_html_join(
        ", ",
        '<a href="{}">{} ({})</a>',
        (
            (
                reverse("allegro:orders:order_detail", args=[order.pk]),
                order.buyer_login,
                order.get_fulfillment_status_display(),
            )
            for order in orders[:REFUSALS_LISTED]
        ),
    )
    more = " …" if len(orders) > REFUSALS_LISTED else ""
    return format_html(
        "{} {}{}",
        ngettext(
            "%(count)d order was not created: Allegro already shows it as fulfilled. Open it "
            "and confirm to create it as fulfilled outside the shop:",
            "%(count)d orders were not created: Allegro already shows them as fulfilled. Open "
            "each and confirm to create it as fulfilled outside the shop:",
            len(orders),
        )
        % {"count": len(orders)},
        links,
        more,
    )
