"""Sprzedaż ▸ Zamówienia: the shop's order book, any channel. Views stay thin."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from sales.forms import InvoiceUploadForm, SalesOrderFilterForm, StatusChangeForm
from sales.links import list_actions, order_panels, source_link
from sales.models import (
    AttentionResolution,
    InvalidStatusTransition,
    SalesOrder,
    SalesOrderInvoice,
    SalesOrderStatus,
)
from sales.selectors import (
    sales_order_events,
    sales_order_get,
    sales_order_lines,
    sales_order_list,
    sales_order_next_statuses,
    sales_order_sources,
)
from sales.services import (
    SalesOrderRefused,
    sales_order_attention_resolve,
    sales_order_invoice_attach,
    sales_order_status_change,
)
from shop.listing import filtered_page


@permission_required("sales.view_salesorder", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    form = SalesOrderFilterForm(request.GET, sources=sales_order_sources())
    page = filtered_page(request, form, sales_order_list)
    context = {
        "title": _("Sales ▸ Orders"),
        "form": form,
        "page": page,
        "list_actions": list_actions(),
    }
    return render(request, "sales/order_list.html", context)


def _change_status(request: HttpRequest, order: SalesOrder) -> None:
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The status change was not understood."))
        return
    target = SalesOrderStatus(form.cleaned_data["status"])
    seen = form.cleaned_data["from_status"]
    try:
        changed = sales_order_status_change(order_id=order.pk, status=target, user=request.user)
    except InvalidStatusTransition as error:
        if seen and seen != error.current:
            # The page was stale: someone moved the order after it was shown.
            messages.error(
                request,
                _(
                    "Meanwhile the order became “%(current)s”, so it cannot become “%(target)s”"
                    " now. Choose again from the statuses allowed now."
                )
                % {"current": SalesOrderStatus(error.current).label, "target": target.label},
            )
        else:
            messages.error(request, str(error))
        return
    if order.status == target:
        messages.info(request, _("The order already is “%(status)s”.") % {"status": target.label})
    else:
        messages.success(
            request,
            _("Order %(number)s is now “%(status)s”.")
            % {"number": changed.number, "status": target.label},
        )


def _resolve_attention(request: HttpRequest, order: SalesOrder) -> None:
    resolution = request.POST.get("resolution", "")
    if resolution not in AttentionResolution.values:
        messages.error(request, _("Choose what happens with the order."))
        return
    if not order.needs_attention:
        messages.info(request, _("The order no longer needs attention: someone decided already."))
        return
    try:
        resolved = sales_order_attention_resolve(
            order_id=order.pk, resolution=AttentionResolution(resolution), user=request.user
        )
    except InvalidStatusTransition as error:
        messages.error(request, str(error))
        return
    if resolution == AttentionResolution.CANCEL:
        message = _("Order %(number)s is cancelled; it no longer waits for a decision.")
    else:
        message = _("Order %(number)s goes on: what waited for the decision is sent now.")
    messages.success(request, message % {"number": resolved.number})


def _attach_invoice(request: HttpRequest, order: SalesOrder) -> None:
    form = InvoiceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = "; ".join(
            f"{form[name].label}: {' '.join(map(str, field_errors))}"
            for name, field_errors in form.errors.items()
        )
        messages.error(request, _("The invoice was not attached. %(errors)s") % {"errors": errors})
        return
    number = form.cleaned_data["number"].strip()
    # Only for the message: the service itself returns the invoice attached before.
    attached_before = order.invoices.filter(number=number).exists()
    try:
        invoice = sales_order_invoice_attach(
            order_id=order.pk, number=number, pdf=form.cleaned_data["pdf"], user=request.user
        )
    except SalesOrderRefused as error:
        messages.error(request, _("The invoice was not attached. %(errors)s") % {"errors": error})
        return
    if attached_before:
        messages.info(
            request,
            _("Invoice %(number)s was already attached; its file was not replaced.")
            % {"number": invoice.number},
        )
    else:
        messages.success(request, _("Invoice %(number)s attached.") % {"number": invoice.number})


# Every state change the detail page can make; anything else posted is refused.
ORDER_ACTIONS: dict[str, Callable[[HttpRequest, SalesOrder], None]] = {
    "change_status": _change_status,
    "resolve_attention": _resolve_attention,
    "attach_invoice": _attach_invoice,
}


@permission_required("sales.view_salesorder", raise_exception=True)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = sales_order_get(pk=pk)
    except SalesOrder.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        if not request.user.has_perm("sales.change_salesorder"):
            raise PermissionDenied
        action = ORDER_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("This action is not available."))
        else:
            action(request, order)
        return redirect("sales:order_detail", pk=order.pk)
    next_statuses = sales_order_next_statuses(order=order)
    context = {
        "title": f"{_('Sales order')} {order.number}",
        "order": order,
        "source": source_link(order),
        "lines": sales_order_lines(order=order),
        "events": sales_order_events(order=order),
        "next_statuses": next_statuses,
        "can_cancel": SalesOrderStatus.CANCELLED in next_statuses,
        "can_change": request.user.has_perm("sales.change_salesorder"),
        "invoices": order.invoices.select_related("created_by", "corrects").order_by(
            "created_at", "id"
        ),
        "invoice_form": InvoiceUploadForm(),
        # What the order's channel shows here (Allegro: its writes and tracking numbers).
        "panels": order_panels(order, request),
    }
    return render(request, "sales/order_detail.html", context)


@permission_required("sales.view_salesorder", raise_exception=True)
def invoice_download(request: HttpRequest, pk: int, invoice_pk: int) -> FileResponse:
    """The invoice PDF, to those who may see the order (media files are not served)."""
    invoice = get_object_or_404(SalesOrderInvoice, pk=invoice_pk, order_id=pk)
    if not invoice.pdf:  # waiting for KSeF, or rejected: there is no document to show
        raise Http404
    try:
        pdf = invoice.pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        pdf,
        as_attachment=True,
        filename=f"{invoice.number.replace('/', '-')}.pdf",
        content_type="application/pdf",
    )
