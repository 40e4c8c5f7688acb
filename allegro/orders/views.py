"""Allegro ▸ Zamówienia: the imported orders and the forms that could not be imported."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from allegro.api.payloads import MalformedCheckoutForm
from allegro.conversion.forms import ConversionForm
from allegro.conversion.selectors import allegro_order_lines_matched
from allegro.orders.forms import OrderFilterForm
from allegro.orders.models import AllegroOrder
from allegro.orders.selectors import (
    ALLEGRO_ORDER_SORTS,
    allegro_order_events,
    allegro_order_get,
    allegro_order_list,
    allegro_order_list_details,
    allegro_order_notes,
    allegro_order_status_counts,
    allegro_order_superseded,
    allegro_problem_count,
    allegro_problem_list,
)
from allegro.orders.services import allegro_order_note_add
from allegro.returns.views import returns_panel_context
from sales.forms import NoteForm
from sales.services import SalesOrderRefused
from shop.listing import filtered_page, list_query


@permission_required("allegro.view_allegroorder", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    page = filtered_page(request, form, allegro_order_list, sorting=ALLEGRO_ORDER_SORTS)
    allegro_order_list_details(orders=list(page))
    # An invalid filter lists nothing: no counts either, only its error.
    filters: Any = form.cleaned_data if form.is_valid() else None
    counts = allegro_order_status_counts(filters=filters) if filters is not None else {}
    context = {
        "title": _("Allegro ▸ Orders"),
        "form": form,
        "page": page,
        # Two rows of chips: the buyer's side (paid?) and the seller's (sent?).
        "status_chips": [
            (label, [(chip, list_query(request, **{chip.field: chip.status})) for chip in chips])
            for label, chips in (
                (_("Buyer"), counts.get("status")),
                (_("Fulfillment"), counts.get("fulfillment_status")),
            )
            if chips
        ],
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
        "notes": allegro_order_notes(order=order),
        "note_form": NoteForm(),
        "can_add_note": request.user.has_perm("allegro.add_allegroordernote"),
        "returns_panel": returns_panel_context(order, request)
        if checkout_form is not None and request.user.has_perm("allegro.view_allegroreturn")
        else None,
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


@require_POST
@permission_required("allegro.add_allegroordernote", raise_exception=True)
def order_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The shop's own note on an Allegro order; it never goes to Allegro."""
    order = get_object_or_404(AllegroOrder.objects.only("pk"), pk=pk)
    form = NoteForm(request.POST)
    error = ""
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    else:
        try:
            allegro_order_note_add(
                order_id=order.pk, text=form.cleaned_data["text"], user=request.user
            )
        except SalesOrderRefused as refusal:
            error = str(refusal)
    if error:
        messages.error(request, _("The note was not kept. %(errors)s") % {"errors": error})
    else:
        messages.success(request, _("Note kept. Only the shop's staff see it."))
    return redirect(reverse("allegro:orders:order_detail", args=[order.pk]) + "#notes")
