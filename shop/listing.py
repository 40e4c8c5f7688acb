"""What every list page does with its filter form and its page number."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django import forms
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

PER_PAGE = 50
# Counting every matching row costs a scan of them all on each request (60 ms at 100,000
# orders on PostgreSQL); beyond this many the pager says "more than 10,000" instead.
COUNT_CAP = 10_000
MAX_OFFSET = 2**62


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` + 1 rows.

    Up to `cap` rows it is Django's paginator. Beyond, `count` is `cap` + 1 and `capped` is
    true: the page numbers have no known end, so a page is read with one row more than it shows
    to tell whether a next page exists, and a page past the end is the last one with rows."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, cap: int | None = None):
        super().__init__(object_list, per_page)
        self.rows = object_list  # typed: Paginator.object_list is any sequence
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        # No ORDER BY: the order of the rows counted does not matter.
        return self.rows.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def validate_number(self, number: Any) -> int:
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page > MAX_OFFSET:
            # Past any table's end, and an OFFSET the database cannot even take (bigint).
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        if not self.capped:
            # Django asks for no more rows than were counted (LIMIT 1 when a search found
            # one order), and PostgreSQL then walks the list's ordering index hoping to meet
            # that row early: 490 ms at 100,000 orders instead of 6. A page's worth costs
            # nothing more.
            bottom = (number - 1) * self.per_page
            return Page(self.object_list[bottom : bottom + self.per_page], number, self)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)

    def get_page(self, number: Any) -> Page[Any]:
        if not self.capped:
            return super().get_page(number)
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            # Past the end: the last page that has rows, found without counting them all.
            rows = self.rows.count()
            return self.page(max((rows + self.per_page - 1) // self.per_page, 1))


class CappedPage(Page):
    def __init__(
        self, object_list: Sequence[Any], number: int, paginator: CappedPaginator, *, has_more: bool
    ):
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more

    def end_index(self) -> int:
        return self.start_index() + len(self) - 1


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
    return CappedPaginator(rows(filters=filters), per_page).get_page(request.GET.get("page"))


M = TypeVar("M", bound=Model)


def narrowed(
    rows: QuerySet[M], filters: Mapping[str, Any], lookups: Mapping[str, str]
) -> QuerySet[M]:
    """`rows` narrowed by each filter that is given (not empty), through its lookup:
    {"status": "status", "bought_from": "bought_at__date__gte"}."""
    for name, lookup in lookups.items():
        if filters.get(name):
            rows = rows.filter(**{lookup: filters[name]})
    return rows
