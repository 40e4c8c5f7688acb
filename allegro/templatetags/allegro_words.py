"""Allegro's own codes in words on the pages: a code Allegro adds later shows as it came."""

from django import template

from allegro.orders.models import PaymentType

register = template.Library()


@register.filter
def payment_type(code: str) -> str:
    """ "ONLINE" → "Płatność online"."""
    return str(dict(PaymentType.choices).get(code, code))
