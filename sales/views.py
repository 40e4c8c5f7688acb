"""Sprzedaż ▸ Zamówienia: the shop's order book, any channel. Views stay thin."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sales.forms import SalesOrderFilterForm, StatusChangeForm
from sales.links import source_link
from sales.models import InvalidStatusTransition, SalesOrder, SalesOrderStatus
from sales.selectors import (
    sales_order_events,
    sales_order_get,
    sales_order_lines,
    sales_order_list,
    sales_order_next_statuses,
    sales_order_sources,
)
from sales.services import sales_order_attention_clear, sales_order_status_change

ORDERS_PER_PAGE = 50


@permission_required("sales.view_salesorder", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    form = SalesOrderFilterForm(request.GET, sources=sales_order_sources())
    # An invalid filter (a mistyped date) narrows nothing; the form shows its error.
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(sales_order_list(filters=filters), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "sales/order_list.html", {"form": form, "page": page})


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


def _clear_attention(request: HttpRequest, order: SalesOrder) -> None:
    sales_order_attention_clear(order_id=order.pk, user=request.user)
    messages.success(request, _("Marked as checked."))


# Every state change the detail page can make; anything else posted is refused.
ORDER_ACTIONS: dict[str, Callable[[HttpRequest, SalesOrder], None]] = {
    "change_status": _change_status,
    "clear_attention": _clear_attention,
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
    context = {
        "order": order,
        "source": source_link(order),
        "lines": sales_order_lines(order=order),
        "events": sales_order_events(order=order),
        "next_statuses": sales_order_next_statuses(order=order),
        "can_change": request.user.has_perm("sales.change_salesorder"),
    }
    return render(request, "sales/order_detail.html", context)
