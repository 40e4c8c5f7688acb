from django import template

from sales.links import marketplace_name
from sales.models import SalesOrder

register = template.Library()


@register.filter
def sold_on(order: SalesOrder) -> str:
    """`{{ order|sold_on }}`: the marketplace as its channel names it ("allegro.cz")."""
    return marketplace_name(order)
