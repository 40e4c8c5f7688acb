"""`{% allegro_messages_panel order %}`: the messages panel on an Allegro order's page."""

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def allegro_messages_panel(context: dict[str, Any], order: Any) -> SafeString:
    from allegro.messaging.views import order_messages_panel

    request = context["request"]
    panel = order_messages_panel(order, request)
    if panel is None:
        return mark_safe("")
    # Rendered with the request: the forms need its CSRF token.
    return mark_safe(
        render_to_string("allegro/messaging/_order_panel.html", {"panel": panel}, request=request)
    )
