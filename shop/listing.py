"""What every list page does with its filter form and its page number."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 50


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
