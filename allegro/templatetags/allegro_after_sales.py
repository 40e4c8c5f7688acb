"""Panels of the Allegro order page that other sub-packages own (claims, parcel tracking)."""

from typing import Any

from django import template
from django.urls import reverse

from allegro.claims.views import refund_claims_panel
from allegro.orders.models import AllegroOrder
from allegro.tracking.views import parcel_tracking_panel

register = template.Library()


@register.inclusion_tag("allegro/claims/_panel.html", takes_context=True)
def refund_claims(context: dict[str, Any], order: AllegroOrder) -> dict[str, Any]:
    request = context["request"]
    next_url = reverse("allegro:orders:order_detail", args=[order.pk]) + "#refund-claims"
    return {
        "panel": refund_claims_panel(order, request, next_url),
        "request": request,
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("allegro/tracking/_panel.html", takes_context=True)
def parcel_tracking(context: dict[str, Any], order: AllegroOrder) -> dict[str, Any]:
    request = context["request"]
    panel = parcel_tracking_panel(order.sales_order_id, request) if order.sales_order_id else None
    return {"panel": panel, "request": request, "csrf_token": context.get("csrf_token")}
