"""What every list page does with its filter form and its page number."""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

PER_PAGE = 50

M = TypeVar("M", bound=Model)


def filtered_page(
    request: HttpRequest,
    form: forms.Form,
    rows: Callable[..., QuerySet[Any]],
    *,
    per_page: int = PER_PAGE,
) -> Page[Any]:
    """The requested page of `rows(filters=...)` narrowed by the valid GET filters.

    An invalid filter (a mistyped date) narrows nothing; the form shows its error. An unknown
    or out-of-range page number gives the nearest page, never an error."""
    filters: Any = form.cleaned_data if form.is_valid() else {}
    return Paginator(rows(filters=filters), per_page).get_page(request.GET.get("page"))


def narrowed(
    rows: QuerySet[M], filters: Mapping[str, Any], lookups: Mapping[str, str]
) -> QuerySet[M]:
    """`rows` narrowed by each filter that is given (not empty), through its lookup:
    {"status": "status", "bought_from": "bought_at__date__gte"}."""
    for name, lookup in lookups.items():
        if filters.get(name):
            rows = rows.filter(**{lookup: filters[name]})
    return rows
