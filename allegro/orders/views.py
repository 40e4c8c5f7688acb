"""Allegro ▸ Zamówienia: the imported orders and the forms that could not be imported."""

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from allegro.api.payloads import MalformedCheckoutForm
from allegro.conversion.forms import ConversionForm
from allegro.conversion.selectors import allegro_order_lines_matched
from allegro.orders.forms import OrderFilterForm
from allegro.orders.models import AllegroOrder
from allegro.orders.selectors import (
    allegro_order_events,
    allegro_order_get,
    allegro_order_list,
    allegro_order_superseded,
    allegro_problem_count,
    allegro_problem_list,
)
from shop.listing import filtered_page


@permission_required("allegro.view_allegroorder", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    page = filtered_page(request, form, allegro_order_list)
    context = {
        "title": _("Allegro ▸ Orders"),
        "form": form,
        "page": page,
        "problem_count": allegro_problem_count(),
        "can_convert": request.user.has_perm("allegro.convert_allegroorder"),
    }
    return render(request, "allegro/order_list.html", context)


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
    convertible = checkout_form is not None and bool(order.convertible())
    conversion_form = ConversionForm(
        lines=[line for line, product in lines if product is None] if convertible else []
    )
    context = {
        "title": f"{_('Allegro order')} {order.buyer_login}",
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
        "title": _("Import problems"),
        "problems": allegro_problem_list(),
        "show_payload": request.user.has_perm("allegro.view_allegro_payload"),
    }
    return render(request, "allegro/problem_list.html", context)
