"""What staff see of writing to Allegro: the panel on a sales order (its writes, tracking
numbers and pauses), Allegro ▸ Wysyłanie do Allegro (what failed or waits too long), and "Ponów"."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from allegro.accounts.models import AllegroAccount
from allegro.accounts.views import settings_permission
from allegro.orders.models import AllegroOrder
from allegro.writeback.carriers import (
    REMOVED_CARRIERS,
    carrier_for_delivery_method,
    carrier_label,
    carriers_for,
)
from allegro.writeback.forms import (
    ShipmentAddForm,
    StatusMappingForm,
    WriteBulkRetryForm,
    WriteFilterForm,
    WriteSwitchesForm,
)
from allegro.writeback.models import AllegroWrite
from allegro.writeback.selectors import (
    account_write_pauses,
    allegro_order_writes,
    allegro_write_list,
    shipments_removable,
    writes_described,
)
from allegro.writeback.services import (
    WritebackSettingsRefused,
    account_status_mapping_set,
    account_write_switches_set,
    write_backwards_confirm,
    write_retry,
    writes_retry,
)
from sales.models import SalesOrder, SalesOrderShipment
from sales.services import (
    SalesOrderRefused,
    sales_order_shipment_add,
    sales_order_shipment_remove,
)
from shop.listing import filtered_page
from shop.pages import form_errors, next_or

# Retrying and adding tracking numbers act on the shop's orders: an operator's work.
CHANGE_PERMISSION = "sales.change_salesorder"


def _allegro_order_of(order: SalesOrder) -> AllegroOrder | None:
    return (
        AllegroOrder.objects.filter(sales_order=order)
        .select_related("account")
        .defer("payload")
        .first()
    )


def sales_order_panel(order: SalesOrder, request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    """The Allegro panel of a sales order page (registered in AllegroConfig.ready)."""
    allegro_order = _allegro_order_of(order)
    if allegro_order is None:
        return None
    account = allegro_order.account
    can_change = request.user.has_perm(CHANGE_PERMISSION)
    writes = allegro_order_writes(allegro_order_id=allegro_order.pk)
    shipments = list(SalesOrderShipment.objects.filter(order=order).order_by("created_at", "id"))
    for shipment in shipments:
        # Also one stored under a carrier id Allegro has since removed (ALLEGRO, WEDO).
        shipment.carrier_label = carrier_label(shipment.carrier_code, shipment.carrier_name)  # type: ignore[attr-defined]
        shipment.carrier_removed = shipment.carrier_code in REMOVED_CARRIERS  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "order": order,
        "allegro_order": allegro_order,
        "account": account,
        "writes": writes,
        "held": any(row.held for row in writes),
        "shipments": shipments,
        "pauses": account_write_pauses(account=account),
        "can_change": can_change,
    }
    if can_change:
        # Only those who may add a tracking number make the page ask Allegro for carriers.
        carriers = carriers_for(account)
        context["shipment_form"] = ShipmentAddForm(
            carriers=carriers.choices,
            initial={
                "carrier": carrier_for_delivery_method(order.delivery_method, carriers.choices)
            },
        )
        context["carriers_from_allegro"] = carriers.from_allegro
        context["removable_shipment_ids"] = shipments_removable(
            shipment_ids=[shipment.pk for shipment in context["shipments"]]
        )
    return "allegro/sales_order_panel.html", context


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def order_shipment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel's tracking number form; `pk` is the Allegro order's."""
    allegro_order = (
        AllegroOrder.objects.select_related("account").defer("payload").filter(pk=pk).first()
    )
    if allegro_order is None or allegro_order.sales_order_id is None:
        raise Http404
    back = redirect("sales:order_detail", pk=allegro_order.sales_order_id)
    form = ShipmentAddForm(request.POST, carriers=carriers_for(allegro_order.account).choices)
    if not form.is_valid():
        errors = form_errors(form)
        messages.error(
            request, _("The tracking number was not added. %(errors)s") % {"errors": errors}
        )
        return back
    try:
        shipment = sales_order_shipment_add(
            order_id=allegro_order.sales_order_id,
            carrier_code=form.cleaned_data["carrier"],
            waybill=form.cleaned_data["waybill"],
            carrier_name=form.carrier_name_to_keep(),
            user=request.user,
        )
    except SalesOrderRefused as error:
        messages.error(
            request, _("The tracking number was not added. %(errors)s") % {"errors": error}
        )
        return back
    messages.success(
        request,
        _("Tracking number %(waybill)s added; it goes to Allegro in a moment.")
        % {"waybill": shipment.waybill},
    )
    return back


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def order_shipment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel's "Usuń" on a tracking number not yet on Allegro; `pk` is the shipment's."""
    order_id = SalesOrderShipment.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        raise Http404
    back = redirect(reverse("sales:order_detail", args=[order_id]) + "#allegro")
    try:
        shipment = sales_order_shipment_remove(shipment_id=pk, user=request.user)
    except SalesOrderRefused as error:
        messages.error(
            request, _("The tracking number was not removed. %(errors)s") % {"errors": error}
        )
        return back
    messages.success(
        request,
        _("Tracking number %(waybill)s removed; Allegro will not get it.")
        % {"waybill": shipment.waybill},
    )
    return back


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def write_retry_one(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Ponów" on one write: a failed or waiting write is tried again now."""
    try:
        write = write_retry(write_id=pk)
    except AllegroWrite.DoesNotExist:
        raise Http404 from None
    if write.state == AllegroWrite.State.PENDING:
        messages.success(request, _("Trying again; the result shows here shortly."))
    else:
        messages.info(request, _("This write is finished; there is nothing to try again."))
    return redirect(next_or(request, reverse("allegro:writeback:write_list")))


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def write_backwards_confirm_one(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Send anyway" on a status held back because Allegro was further along."""
    try:
        write = write_backwards_confirm(write_id=pk, user=request.user)
    except AllegroWrite.DoesNotExist:
        raise Http404 from None
    if write.state == AllegroWrite.State.PENDING:
        messages.success(
            request,
            _("Sending %(status)s to Allegro as confirmed, although Allegro was further along.")
            % {"status": write.target["status"]},
        )
    else:
        messages.info(request, _("This write is not held back; nothing was changed."))
    return redirect(next_or(request, reverse("allegro:writeback:write_list")))


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def write_retry_bulk(request: HttpRequest) -> HttpResponse:
    """ "Ponów wszystkie widoczne": every failed or waiting write of the page shown."""
    form = WriteBulkRetryForm(request.POST)
    target = next_or(request, reverse("allegro:writeback:write_list"))
    if not form.is_valid():
        messages.error(request, _("There is nothing on this page to try again."))
        return redirect(target)
    retried = writes_retry(write_ids=form.cleaned_data["writes"])
    messages.success(
        request,
        ngettext("Trying %(count)d write again.", "Trying %(count)d writes again.", retried)
        % {"count": retried},
    )
    return redirect(target)


@require_GET
@permission_required("allegro.view_allegroorder", raise_exception=True)
def write_list(request: HttpRequest) -> HttpResponse:
    form = WriteFilterForm(request.GET)
    page = filtered_page(request, form, allegro_write_list)
    rows = writes_described(list(page))
    context = {
        "title": _("Allegro ▸ Sending to Allegro"),
        "form": form,
        "page": page,
        "rows": rows,
        "retryable_ids": [
            row.write.pk
            for row in rows
            if row.write.state in (AllegroWrite.State.FAILED, AllegroWrite.State.PENDING)
        ],
        "can_retry": request.user.has_perm(CHANGE_PERMISSION),
    }
    return render(request, "allegro/write_list.html", context)


@require_POST
@settings_permission
def settings_write_switches(request: HttpRequest, pk: int) -> HttpResponse:
    """Per account: pause each kind of write to Allegro; invoices to every buyer or not."""
    account = get_object_or_404(AllegroAccount, pk=pk)
    form = WriteSwitchesForm(request.POST)
    form.is_valid()  # optional checkboxes only: absent means off
    account = account_write_switches_set(
        account_id=account.pk, user=request.user, **form.cleaned_data
    )
    paused = [
        str(label)
        for flag, label in (
            (account.fulfillment_writes_paused, _("status updates")),
            (account.shipment_writes_paused, _("tracking numbers")),
            (account.invoice_writes_paused, _("invoices")),
        )
        if flag
    ]
    if paused:
        message = _("Account %(login)s: paused %(paused)s; the rest is sent to Allegro.") % {
            "login": account.login,
            "paused": ", ".join(paused),
        }
    else:
        message = _("Account %(login)s: everything is sent to Allegro.") % {"login": account.login}
    messages.success(request, message)
    return redirect(reverse("allegro:accounts:settings") + f"#writeback-{account.pk}")


@require_POST
@settings_permission
def settings_status_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Per account: which Allegro status each sales order status shows as; all or nothing."""
    account = get_object_or_404(AllegroAccount, pk=pk)
    form = StatusMappingForm(request.POST)
    target = reverse("allegro:accounts:settings") + f"#writeback-{account.pk}"
    if not form.is_valid():
        errors = form_errors(form)
        messages.error(
            request,
            _("The status mapping was not saved. %(errors)s") % {"errors": errors},
        )
        return redirect(target)
    try:
        account_status_mapping_set(account_id=account.pk, mapping=form.mapping(), user=request.user)
    except WritebackSettingsRefused as error:
        messages.error(
            request, _("The status mapping was not saved. %(errors)s") % {"errors": error}
        )
        return redirect(target)
    messages.success(
        request,
        _("Account %(login)s: the status mapping is saved; it applies to the next status change.")
        % {"login": account.login},
    )
    return redirect(target)
