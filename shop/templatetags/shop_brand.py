"""The product's own name and the shop's, for every page (500 included: no context needed)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def product_name() -> str:
    return str(settings.PRODUCT_NAME)


@register.simple_tag
def shop_name() -> str:
    return str(settings.SHOP_NAME)
