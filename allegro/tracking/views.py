from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from allegro.tracking.forms import TrackingSettingsForm
from allegro.tracking.models import TrackingSettings
from allegro.tracking.selectors import order_parcels, recent_parcels, status_label
from allegro.tracking.services import parcels_check_now, tracking_settings_set
from shop.pages import next_or

VIEW_PERMISSION = "allegro.view_allegroorder"


def parcel_tracking_panel(sales_order_id: int, request: HttpRequest) -> dict[str, Any] | None:
    """The context of the tracking panel on an Allegro or a sales order's page."""
    if not request.user.has_perm(VIEW_PERMISSION):
        return None
    parcels = order_parcels(sales_order_id=sales_order_id)
    if not parcels:
        return None
    return {"parcels": parcels, "sales_order_id": sales_order_id, "back": request.get_full_path()}


@require_http_methods(["GET", "POST"])
@permission_required("allegro.manage_allegro_settings", raise_exception=True)
def tracking_settings(request: HttpRequest) -> HttpResponse:
    """The switch "delivered means picked up", and the parcels followed lately."""
    current = TrackingSettings.load()
    form = TrackingSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        tracking_settings_set(
            delivered_marks_picked_up=form.cleaned_data["delivered_marks_picked_up"],
            user=request.user,
        )
        messages.success(request, _("Parcel tracking settings saved."))
        return redirect("allegro:tracking:settings")
    parcels = [(parcel, status_label(parcel.latest_code)) for parcel in recent_parcels()]
    context = {"title": _("Allegro ▸ Parcel tracking"), "form": form, "parcels": parcels}
    return render(request, "allegro/tracking/settings.html", context)


@require_http_methods(["POST"])
@permission_required(VIEW_PERMISSION, raise_exception=True)
def parcels_check_now_view(request: HttpRequest, sales_order_id: int) -> HttpResponse:
    """ "Sprawdź teraz" on the tracking panel: the order's parcels are asked about at once."""
    if parcels_check_now(sales_order_id=sales_order_id):
        messages.success(request, _("The carrier is being asked; its news appears in a moment."))
    else:
        messages.info(request, _("No parcel of this order is followed any more."))
    return redirect(next_or(request, reverse("sales:order_detail", args=[sales_order_id])))


def sales_order_tracking_panel(
    order: Any, request: HttpRequest
) -> tuple[str, dict[str, Any]] | None:
    """The parcels panel of a sales order (AllegroConfig.ready)."""
    panel = parcel_tracking_panel(order.pk, request)
    return ("allegro/tracking/_panel.html", panel) if panel else None
