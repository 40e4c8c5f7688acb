"""Sprzedaż ▸ Zamówienia: the shop's order book, any channel. Views stay thin."""

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sales import printing
from sales.forms import (
    CHANGE_STATUS,
    PRINT_ORDER_SHEETS,
    PRINT_PACKING_LISTS,
    PRINT_PICK_LIST,
    BulkActionForm,
    InvoiceUploadForm,
    NoteForm,
    SalesOrderFilterForm,
    StatusChangeForm,
)
from sales.links import (
    bulk_action_get,
    bulk_actions,
    list_actions,
    list_columns,
    order_panels,
    source_link,
)
from sales.models import (
    AttentionResolution,
    InvalidStatusTransition,
    SalesBulkRun,
    SalesBulkRunItem,
    SalesOrder,
    SalesOrderInvoice,
    SalesOrderStatus,
)
from sales.selectors import (
    SALES_ORDER_SORTS,
    sales_bulk_run_get,
    sales_bulk_run_items,
    sales_bulk_run_tally,
    sales_order_events,
    sales_order_get,
    sales_order_lines,
    sales_order_list,
    sales_order_list_details,
    sales_order_next_statuses,
    sales_order_notes,
    sales_order_sources,
    sales_order_status_counts,
    sales_orders_for_print,
    sales_pick_list,
)
from sales.services import (
    SalesOrderRefused,
    sales_bulk_run_queue,
    sales_bulk_status_start,
    sales_order_attention_resolve,
    sales_order_invoice_attach,
    sales_order_note_add,
    sales_order_status_change,
)
from shop.listing import filtered_page, list_query
from shop.pages import form_errors, next_or


@permission_required("sales.view_salesorder", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    form = SalesOrderFilterForm(request.GET, sources=sales_order_sources())
    page = filtered_page(request, form, sales_order_list, sorting=SALES_ORDER_SORTS)
    columns = list_columns()
    sales_order_list_details(orders=list(page), columns=columns)
    context = {
        "title": _("Sales ▸ Orders"),
        "form": form,
        "page": page,
        "list_actions": list_actions(),
        "columns": columns,
        "bulk_actions": bulk_actions(request),
        "bulk_statuses": SalesOrderStatus.choices,
        "can_change": request.user.has_perm("sales.change_salesorder"),
    }
    if form.is_valid():  # an invalid filter lists nothing: no counts either, only its error
        filters: Any = form.cleaned_data
        counts = sales_order_status_counts(filters=filters)
        context["status_chips"] = [
            (chip, list_query(request, status=chip.status)) for chip in counts.chips
        ]
        context["attention_chip"] = (
            counts,
            list_query(request, needs_attention="" if counts.attention_active else "on"),
        )
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
        errors = form_errors(form)
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
        "notes": sales_order_notes(order=order),
        "note_form": NoteForm(),
        "can_add_note": request.user.has_perm("sales.add_salesordernote"),
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


# --- notes and printing of one order ----------------------------------------------------------


@require_POST
@permission_required("sales.add_salesordernote", raise_exception=True)
def order_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(SalesOrder.objects.only("pk"), pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The note was not kept. %(errors)s") % {"errors": form_errors(form)}
        )
    else:
        try:
            sales_order_note_add(
                order_id=order.pk, text=form.cleaned_data["text"], user=request.user
            )
        except SalesOrderRefused as error:
            messages.error(request, _("The note was not kept. %(errors)s") % {"errors": error})
        else:
            messages.success(request, _("Note kept. Only the shop's staff see it."))
    return redirect(reverse("sales:order_detail", args=[order.pk]) + "#notes")


# What each printout is called in URLs and file names, and how it is drawn.
PRINTOUTS: dict[str, tuple[str, Callable[[list[SalesOrder]], bytes]]] = {
    PRINT_PACKING_LISTS: ("packing-list", printing.packing_lists_pdf),
    PRINT_ORDER_SHEETS: ("order-sheet", printing.order_sheets_pdf),
}


def _pdf(content: bytes, name: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=name, content_type="application/pdf"
    )


@permission_required("sales.view_salesorder", raise_exception=True)
def order_print(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """The packing list or the order sheet of one order."""
    printout = next((p for p in PRINTOUTS.values() if p[0] == kind), None)
    orders = sales_orders_for_print(order_ids=[pk])
    if printout is None or not orders:
        raise Http404
    name, draw = printout
    return _pdf(draw(orders), f"{name}-{orders[0].number.replace('/', '-')}.pdf")


# --- bulk actions -----------------------------------------------------------------------------


@require_POST
@permission_required("sales.view_salesorder", raise_exception=True)
def order_bulk(request: HttpRequest) -> HttpResponseBase:
    """The list's bulk bar: print the orders, change their status, or an action another app
    offers (the ERP's). Each needs the permission its single-order form needs."""
    name = request.POST.get("action", "")
    registered = bulk_action_get(name)
    if name == CHANGE_STATUS and not request.user.has_perm("sales.change_salesorder"):
        raise PermissionDenied
    if registered is not None and not request.user.has_perm(registered.permission):
        raise PermissionDenied
    form = BulkActionForm(
        request.POST, actions=[(one.name, one.label) for one in bulk_actions(request)]
    )
    if not form.is_valid():
        messages.error(request, _("Nothing was done. %(errors)s") % {"errors": form_errors(form)})
        return redirect(next_or(request, reverse("sales:order_list")))
    ids: list[int] = form.cleaned_data["order_ids"]
    action = form.cleaned_data["action"]
    if action == CHANGE_STATUS:
        try:
            run = sales_bulk_status_start(
                order_ids=ids, status=form.cleaned_data["status"], user=request.user
            )
        except SalesOrderRefused as error:
            messages.error(request, _("Nothing was done. %(errors)s") % {"errors": error})
            return redirect(next_or(request, reverse("sales:order_list")))
        return redirect("sales:bulk_run_detail", pk=run.pk)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if action == PRINT_PICK_LIST:
        numbers = [order.number for order in sales_orders_for_print(order_ids=ids)]
        content = printing.pick_list_pdf(sales_pick_list(order_ids=ids), orders=numbers)
        return _pdf(content, f"pick-list-{stamp}.pdf")
    if action in PRINTOUTS:
        file_name, draw = PRINTOUTS[action]
        return _pdf(draw(sales_orders_for_print(order_ids=ids)), f"{file_name}s-{stamp}.pdf")
    assert registered is not None  # the form accepts only the actions above and registered ones
    return registered.perform(request, ids)


# A RUNNING run whose job has not touched it for this long lost its worker (or its queue).
BULK_RUN_STALLED_AFTER = 120


def _run_status(run: SalesBulkRun) -> dict:
    tally = sales_bulk_run_tally(run=run)
    stalled = run.is_running and (
        (timezone.now() - run.heartbeat_at).total_seconds() > BULK_RUN_STALLED_AFTER
    )
    return {
        "id": run.pk,
        "running": run.is_running,
        "stalled": stalled,
        "total": run.total,
        "processed": run.total - tally["PENDING"],
        **{outcome.lower(): count for outcome, count in tally.items()},
    }


def _bulk_run(pk: int) -> SalesBulkRun:
    try:
        return sales_bulk_run_get(pk=pk)
    except SalesBulkRun.DoesNotExist:
        raise Http404 from None


@permission_required("sales.view_salesorder", raise_exception=True)
def bulk_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Every order of a bulk run and its outcome; filled in while the job runs."""
    run = _bulk_run(pk)
    page = Paginator(sales_bulk_run_items(run=run), 250).get_page(request.GET.get("page"))
    status = _run_status(run)
    # The progress panel's rows (shop/_progress.html), refreshed from bulk_run_status.
    outcome = SalesBulkRunItem.Outcome
    outcomes = [outcome.DONE, outcome.UNCHANGED, outcome.REFUSED, outcome.PENDING]
    context = {
        "title": _("Bulk action"),
        "run": run,
        "status": status,
        "counts": [(o.lower(), o.label, status[o.lower()]) for o in outcomes],
        "page": page,
        "can_change": request.user.has_perm("sales.change_salesorder"),
    }
    return render(request, "sales/bulk_run_detail.html", context)


@permission_required("sales.view_salesorder", raise_exception=True)
def bulk_run_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the run's page polls every 2 s while it runs."""
    return JsonResponse(_run_status(_bulk_run(pk)))


@require_POST
@permission_required("sales.change_salesorder", raise_exception=True)
def bulk_run_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a stalled run's job again; what it did stays done, the rest follows."""
    run = _bulk_run(pk)
    if _run_status(run)["stalled"]:
        sales_bulk_run_queue(run_id=run.pk)
        messages.success(request, _("The rest of the orders are queued again."))
    return redirect("sales:bulk_run_detail", pk=run.pk)
