"""Reads for the shop's own pages."""

import datetime
from dataclasses import dataclass
from typing import TypedDict

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from shop.listing import narrowed
from shop.models import AuditEntry, Currency, Product
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


class AuditFilters(TypedDict, total=False):
    username: str
    action: str
    object: str
    at_from: datetime.date | None
    at_to: datetime.date | None


def audit_entries(*, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The audit trail, newest first, narrowed by who, what and when (in the shop's time zone)."""
    entries = AuditEntry.objects.order_by("-at", "-id")
    entries = narrowed(
        entries,
        filters,
        {
            "username": "username__iexact",
            "action": "action__startswith",
            "object": "object_repr__icontains",
        },
    )
    if at_from := filters.get("at_from"):
        entries = entries.filter(at__gte=_start_of_day(at_from))
    if at_to := filters.get("at_to"):
        entries = entries.filter(at__lt=_start_of_day(at_to + datetime.timedelta(days=1)))
    return entries


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def staff_list() -> QuerySet[User]:
    return User.objects.order_by("username").prefetch_related("groups")


@dataclass(frozen=True)
class Lockout:
    """One recorded run of sign-in failures, and whether it keeps anyone out now."""

    id: int
    username: str
    ip_address: str
    failures: int
    last_attempt: datetime.datetime
    locked: bool


def login_lockouts() -> list[Lockout]:
    """Every recorded sign-in failure still counted (within the cool-off), newest first;
    `locked` when its user name or its address has reached the limit."""
    attempts = AccessAttempt.objects.order_by("-attempt_time")
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    rows = list(attempts)
    by_username: dict[str | None, int] = {}
    by_address: dict[str | None, int] = {}
    for row in rows:
        by_username[row.username] = by_username.get(row.username, 0) + row.failures_since_start
        by_address[row.ip_address] = by_address.get(row.ip_address, 0) + row.failures_since_start
    limit = settings.AXES_FAILURE_LIMIT
    return [
        Lockout(
            id=row.pk,
            username=row.username or "",
            ip_address=row.ip_address or "",
            failures=row.failures_since_start,
            last_attempt=row.attempt_time,
            locked=by_username[row.username] >= limit or by_address[row.ip_address] >= limit,
        )
        for row in rows
    ]
