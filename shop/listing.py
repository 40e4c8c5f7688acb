"""What every list page does with its filter form, its sort order and its page."""

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import BooleanField, Expression, F, Model, OrderBy, QuerySet, Value
from django.http import HttpRequest, QueryDict
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

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


# What an operator may choose for rows a page; the choice is kept in the session.
PAGE_SIZES = (25, 50, 100, 200)
PER_PAGE_SESSION_KEY = "list_per_page"
# The parameters that say which page: a filter or sort change starts again from the first.
PAGE_PARAMS = ("page", "after", "before")
LAST = "last"


@dataclass(frozen=True)
class SortKey:
    """One sortable column: the model fields it orders by, in the order they decide.

    `default_descending`: the direction a first click sorts by (dates newest first).
    `unique`: the fields alone tell every row apart; otherwise the id breaks ties, so that
    every row has one place in the order and a keyset page never repeats or skips one."""

    fields: tuple[str, ...]
    default_descending: bool = False
    unique: bool = False


@dataclass(frozen=True)
class Sorting:
    """The sort keys a list allows (`?sort=total`, `?sort=-total`) and the one it starts with.

    Each key should have an index on its fields (and id) that the list's query can walk:
    a keyset page is then an index range scan whatever its depth."""

    keys: Mapping[str, SortKey]
    default: str  # "-date"


@dataclass(frozen=True)
class _Column:
    name: str
    descending: bool
    nullable: bool  # NULL sorts as the greatest value, on every database

    def flipped(self) -> "_Column":
        return _Column(self.name, not self.descending, self.nullable)

    def order(self) -> OrderBy:
        if self.descending:
            return F(self.name).desc(nulls_first=True if self.nullable else None)
        return F(self.name).asc(nulls_last=True if self.nullable else None)


class RowComparison(Expression):
    """`(a, b, id) < (%s, %s, %s)`: a row comparison, which PostgreSQL answers as one range of
    a B-tree index on (a, b, id) instead of walking it (an OR of the same comparisons cannot
    use the index). SQLite has compared rows since 3.15. A NULL in the row compares as
    unknown, so such rows are left out: the keyset code asks for them separately."""

    conditional = True

    def __init__(self, fields: Sequence[str], operator: str, values: Sequence[Any]) -> None:
        super().__init__(output_field=BooleanField())
        assert operator in ("<", ">") and len(fields) == len(values)
        self.operator = operator
        self.lhs: list[Any] = [F(name) for name in fields]
        self.rhs: list[Any] = list(values)

    def get_source_expressions(self) -> list[Any]:
        return list(self.lhs)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.lhs = list(exprs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sides: list[str] = []
        params: list[Any] = []
        # Each value as its column takes it (an aware datetime as SQLite's text, a Decimal).
        values = [
            Value(value, output_field=column.output_field)
            for column, value in zip(self.lhs, self.rhs, strict=True)
        ]
        for side in (self.lhs, values):
            parts = []
            for expression in side:
                sql, expression_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(expression_params)
            sides.append(f"({', '.join(parts)})")
        return f"{sides[0]} {self.operator} {sides[1]}", tuple(params)


class ListingRefused(Exception):
    """A sort key, page size or page link the list cannot take; the message says why."""


@dataclass
class ListState:
    """How the list is shown now: sort, rows a page, and the query strings of its links."""

    query: QueryDict
    sorting: Sorting | None
    sort: str  # "-date"; "" when the list has no sort keys
    per_page: int

    def link(self, **changes: str | int | None) -> str:
        """The current query string with some parameters changed (None drops one)."""
        query = self.query.copy()
        for name, value in changes.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = str(value)
        return f"?{query.urlencode()}" if query else "?"

    def sort_link(self, key: str) -> tuple[str, str]:
        """(href, "ascending"/"descending"/"") of a column heading: a click sorts by the
        column, and again the other way."""
        assert self.sorting is not None
        current = self.sort.lstrip("-")
        descending = self.sort.startswith("-")
        state = ("descending" if descending else "ascending") if key == current else ""
        if key == current:
            target = key if descending else f"-{key}"
        else:
            target = f"-{key}" if self.sorting.keys[key].default_descending else key
        return self.link(sort=target, **dict.fromkeys(PAGE_PARAMS)), state

    def per_page_links(self) -> list[tuple[int, str, bool]]:
        return [
            (size, self.link(per_page=size, **dict.fromkeys(PAGE_PARAMS)), size == self.per_page)
            for size in PAGE_SIZES
        ]


@dataclass
class PageLinks:
    first: str = ""
    previous: str = ""
    next: str = ""
    last: str = ""


class ListPage(Page):
    """One page of a list, by number (an OFFSET, while it is cheap) or by keyset (the rows
    after or before a given row, at any depth). `number` is None where it is not known (pages
    read back from the end of a list too long to count)."""

    def __init__(
        self,
        rows: Sequence[Any],
        number: int | None,
        paginator: CappedPaginator,
        *,
        state: ListState,
        has_previous: bool,
        has_next: bool,
        cursors: tuple[str, str] = ("", ""),
        refusal: str = "",
    ) -> None:
        super().__init__(rows, number or 0, paginator)
        self.paginator: CappedPaginator = paginator
        self.number: Any = number
        self.state = state
        self.refusal = refusal
        self._has_previous, self._has_next = has_previous, has_next
        self.links = PageLinks()
        if has_previous:
            self.links.first = state.link(**dict.fromkeys(PAGE_PARAMS))
            self.links.previous = self._link(number - 1 if number else None, "before", cursors[0])
        if has_next:
            self.links.next = self._link(number + 1 if number else None, "after", cursors[1])
            last = LAST if paginator.capped else paginator.num_pages
            self.links.last = state.link(**dict(dict.fromkeys(PAGE_PARAMS), page=last))

    def _link(self, number: int | None, side: str, cursor: str) -> str:
        """A neighbour page: by its number while its OFFSET is cheap (bookmarkable, and the
        same page for everyone), else by the row it follows or precedes."""
        unset = dict.fromkeys(PAGE_PARAMS)
        if number == 1:
            return self.state.link(**unset)
        if number and (number - 1) * self.state.per_page <= COUNT_CAP:
            return self.state.link(**dict(unset, page=number))
        return self.state.link(**dict(unset, page=number, **{side: cursor}))

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    @property
    def num_pages(self) -> int | None:
        """The number of pages when the rows were all counted."""
        return None if self.paginator.capped else self.paginator.num_pages


def filtered_page(
    request: HttpRequest,
    form: forms.Form,
    rows: Callable[..., QuerySet[Any]],
    *,
    sorting: Sorting | None = None,
) -> ListPage:
    """The requested page of `rows(filters=...)` narrowed by the valid GET filters, sorted by
    `?sort=` (one of `sorting`'s keys), `?per_page=` rows a page (remembered in the session).

    An invalid filter (a mistyped date) lists nothing, not every row as if unfiltered: the
    form shows its error and the page a way to clear it. An unknown or out-of-range page
    number gives the nearest page; an unknown sort key or page size, or a damaged page link,
    lists nothing and says why."""
    state = ListState(request.GET.copy(), sorting, "", PER_PAGE)
    if not form.is_valid():
        empty = CappedPaginator(rows(filters={}).none(), state.per_page)
        return ListPage([], 1, empty, state=state, has_previous=False, has_next=False)
    filters: Any = form.cleaned_data
    queryset = rows(filters=filters)
    try:
        state.per_page = _per_page(request)
        columns = _columns(queryset, sorting, request.GET.get("sort"), state)
        return _page(request, queryset.order_by(*(c.order() for c in columns)), columns, state)
    except ListingRefused as refusal:
        empty = CappedPaginator(queryset.none(), state.per_page)
        return ListPage(
            [], 1, empty, state=state, has_previous=False, has_next=False, refusal=str(refusal)
        )


def _per_page(request: HttpRequest) -> int:
    asked = request.GET.get("per_page")
    session = getattr(request, "session", None)
    if asked is None:
        kept = session.get(PER_PAGE_SESSION_KEY) if session is not None else None
        return kept if kept in PAGE_SIZES else PER_PAGE
    if not asked.isdigit() or int(asked) not in PAGE_SIZES:
        sizes = ", ".join(map(str, PAGE_SIZES))
        raise ListingRefused(
            _("“%(asked)s” rows per page is not offered: choose %(sizes)s.")
            % {"asked": asked, "sizes": sizes}
        )
    if session is not None and session.get(PER_PAGE_SESSION_KEY) != int(asked):
        session[PER_PAGE_SESSION_KEY] = int(asked)  # the next list opens with it too
    return int(asked)


def _columns(
    rows: QuerySet[Any], sorting: Sorting | None, asked: str | None, state: ListState
) -> list[_Column]:
    """The columns the page is ordered by: the chosen sort key's, then the id."""
    meta = rows.model._meta
    if sorting is None:
        # A list without sort keys pages by its own order ("-updated_at", "-id").
        names = [str(name).replace("pk", "id") for name in rows.query.order_by] or ["-id"]
        unique = names[-1].lstrip("-") == "id"
        fields = tuple(name.lstrip("-") for name in names)
        descending = [name.startswith("-") for name in names]
    else:
        sort = asked if asked is not None else sorting.default
        key = sorting.keys.get(sort.removeprefix("-")) if sort else None
        if key is None:
            offered = ", ".join(sorted(sorting.keys))
            raise ListingRefused(
                _("This list cannot be sorted by “%(asked)s”: choose one of %(offered)s.")
                % {"asked": sort, "offered": offered}
            )
        state.sort = sort
        fields, unique = key.fields, key.unique
        descending = [sort.startswith("-")] * len(fields)
    columns = [
        _Column(name, down, meta.get_field(name).null)
        for name, down in zip(fields, descending, strict=True)
    ]
    if not unique:
        columns.append(_Column("id", descending[-1], False))
    for column in columns[1:]:
        # Only the first column may hold NULLs (the keyset below asks for them separately).
        assert not column.nullable, column
    return columns


def _page(
    request: HttpRequest, rows: QuerySet[Any], columns: list[_Column], state: ListState
) -> ListPage:
    paginator = CappedPaginator(rows, state.per_page)
    size = state.per_page
    asked = request.GET.get("page")
    number = int(asked) if asked and asked.isdigit() and int(asked) > 0 else None
    after, before = request.GET.get("after"), request.GET.get("before")
    if after or before:
        cursor = _decode(after or before or "", rows, columns)
        if before:
            found = _following(rows, [c.flipped() for c in columns], cursor, size + 1)
            if not found:
                return _offset_page(paginator, 1, state, columns)
            more = len(found) > size
            page = found[:size][::-1]
            return _keyset_page(page, number if more else 1, paginator, state, columns, more, True)
        found = _following(rows, columns, cursor, size + 1)
        if not found:
            return _last_page(rows, columns, paginator, state)
        more = len(found) > size
        return _keyset_page(found[:size], number, paginator, state, columns, True, more)
    if asked == LAST:
        if not paginator.capped:
            return _offset_page(paginator, paginator.num_pages, state, columns)
        return _last_page(rows, columns, paginator, state)
    number = number or 1
    if (number - 1) * size <= COUNT_CAP or not paginator.capped:
        return _offset_page(paginator, number, state, columns)
    if (number - 1) * size > MAX_OFFSET:
        # Past any table's end, and an OFFSET the database cannot even take (bigint).
        return _last_page(rows, columns, paginator, state)
    # Deep, by number: an OFFSET would read every skipped row with its joins; the row just
    # before the page, read from the sort key's index alone, starts a keyset instead.
    offset = (number - 1) * size
    start = list(rows.values_list(*(c.name for c in columns))[offset - 1 : offset])
    if not start:
        return _last_page(rows, columns, paginator, state)
    found = _following(rows, columns, tuple(start[0]), size + 1)
    return _keyset_page(found[:size], number, paginator, state, columns, True, len(found) > size)


def _offset_page(
    paginator: CappedPaginator, number: int, state: ListState, columns: list[_Column]
) -> ListPage:
    page = paginator.get_page(number)
    rows = list(page.object_list)
    return ListPage(
        rows,
        page.number,
        paginator,
        state=state,
        has_previous=page.has_previous(),
        has_next=page.has_next(),
        cursors=_cursors(rows, columns),
    )


def _last_page(
    rows: QuerySet[Any], columns: list[_Column], paginator: CappedPaginator, state: ListState
) -> ListPage:
    """The end of a list too long to count: its last rows, read backwards."""
    size = state.per_page
    found = _following(rows, [c.flipped() for c in columns], None, size + 1)
    more = len(found) > size
    return _keyset_page(found[:size][::-1], None, paginator, state, columns, more, False)


def _keyset_page(
    rows: list[Any],
    number: int | None,
    paginator: CappedPaginator,
    state: ListState,
    columns: list[_Column],
    has_previous: bool,
    has_next: bool,
) -> ListPage:
    return ListPage(
        rows,
        number if has_previous else 1,
        paginator,
        state=state,
        has_previous=has_previous,
        has_next=has_next,
        cursors=_cursors(rows, columns),
    )


def _following(
    rows: QuerySet[Any], columns: list[_Column], cursor: tuple[Any, ...] | None, limit: int
) -> list[Any]:
    """Up to `limit` rows in the order of `columns`, after the row whose values are `cursor`
    (from the start if None).

    Every part is one row comparison an index answers. NULLs (greatest, only in the first
    column) are a part of their own: after a NULL the other NULLs by id, then (descending)
    every value; after a value, ascending, the NULLs come last."""
    ordered = rows.order_by(*(c.order() for c in columns))
    if cursor is None:
        return list(ordered[:limit])
    first, rest = columns[0], columns[1:]
    operator = "<" if first.descending else ">"
    names = [c.name for c in columns]
    parts: list[QuerySet[Any]]
    if cursor[0] is None:
        parts = [ordered.filter(**{f"{first.name}__isnull": True})]
        if rest:
            parts[0] = parts[0].filter(RowComparison(names[1:], operator, cursor[1:]))
        if first.descending:
            parts.append(ordered.filter(**{f"{first.name}__isnull": False}))
    else:
        parts = [ordered.filter(RowComparison(names, operator, cursor))]
        if first.nullable and not first.descending:
            parts.append(ordered.filter(**{f"{first.name}__isnull": True}))
    found: list[Any] = []
    for part in parts:
        found += part[: limit - len(found)]
        if len(found) == limit:
            break
    return found


def _cursors(rows: Sequence[Any], columns: list[_Column]) -> tuple[str, str]:
    """The page links' cursors: the values of the first and the last row."""
    if not rows:
        return "", ""
    return _encode(rows[0], columns), _encode(rows[-1], columns)


def _encode(row: Any, columns: list[_Column]) -> str:
    values = []
    for column in columns:
        value = getattr(row, column.name)
        value = getattr(value, "amount", value)  # Money → its Decimal column
        values.append(value if value is None or isinstance(value, int) else str(value))
    text = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, rows: QuerySet[Any], columns: list[_Column]) -> tuple[Any, ...]:
    damaged = ListingRefused(
        _("This page link is damaged or belongs to another sort order: start from the first page.")
    )
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise damaged from None
    if not isinstance(values, list) or len(values) != len(columns):
        raise damaged
    decoded: list[Any] = []
    for column, value in zip(columns, values, strict=True):
        if value is None and column.nullable:
            decoded.append(None)
            continue
        try:
            decoded.append(rows.model._meta.get_field(column.name).to_python(value))
        except (ValidationError, ValueError, TypeError):
            raise damaged from None
        if decoded[-1] is None:
            raise damaged
    return tuple(decoded)


def list_query(request: HttpRequest, **changes: str) -> str:
    """The list's query string with some filters changed ("" drops one), from page 1: the
    links of the status chips."""
    query = request.GET.copy()
    for param in PAGE_PARAMS:
        query.pop(param, None)
    for name, value in changes.items():
        if value:
            query[name] = value
        else:
            query.pop(name, None)
    return f"?{query.urlencode()}" if query else "?"


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
