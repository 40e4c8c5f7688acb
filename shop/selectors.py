"""Reads for the shop's own pages."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from shop.models import Currency, Product
from shop.roles import ADMINISTRATOR, OPERATOR


def user_role(*, user: User | AnonymousUser) -> str:
    """The role shown next to the user's name; empty for users outside both roles."""
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return ADMINISTRATOR
    names = set(user.groups.values_list("name", flat=True))
    for role in (ADMINISTRATOR, OPERATOR):
        if role in names:
            return role
    return ""


def currency_list() -> QuerySet[Currency]:
    return Currency.objects.order_by("code")


def product_list(*, search: str = "") -> QuerySet[Product]:
    products = Product.objects.order_by("sku")
    if search:
        products = products.filter(
            Q(sku__icontains=search) | Q(name__icontains=search) | Q(ean=search)
        )
    return products
