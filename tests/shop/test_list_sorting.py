"""Both order lists sort by a column either way, page by keyset beyond what an OFFSET reads
cheaply, and offer 25/50/100/200 rows a page; what they cannot take they refuse and say why.
Run on PostgreSQL and on SQLite alike (NULLs sort as the greatest value on both)."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from allegro.orders.models import AllegroOrder
from sales.forms import SalesOrderFilterForm
from sales.models import SalesOrder, SalesOrderSource
from sales.selectors import sales_order_sources
from shop import listing
from tests.support.factories import make_account, make_sales_order
from tests.support.html import text

pytestmark = pytest.mark.django_db
SALES = reverse("sales:order_list")
ALLEGRO = reverse("allegro:orders:order_list")
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
NAMES = ["Adam", "Bogna", "Celina", "Dorota", "Edward"]
STATUSES = ["NEW", "SENT", "CANCELLED", "ON_HOLD"]


def sales_orders(count: int) -> list[SalesOrder]:
    """`count` orders, cheaply: seven share each creation time, names and totals repeat."""
    orders = SalesOrder.objects.bulk_create(
        SalesOrder(
            number=f"ZS/{2025 + n % 2}/{n:06d}",
            number_year=2025 + n % 2,
            number_sequence=n,
            channel="allegro",
            marketplace="allegro-pl",
            currency="PLN",
            status=STATUSES[n % 4],
            customer_name=NAMES[n % 5],
            delivery_cost=Money(0, "PLN"),
            lines_total=Money(10 + n % 3, "PLN"),
            total=Money(10 + n % 3, "PLN"),
        )
        for n in range(count)
    )
    for order in orders:  # created_at is set on insert; equal times on purpose
        order.created_at = NOON - timedelta(minutes=order.number_sequence // 7)
    SalesOrder.objects.bulk_update(orders, ["created_at"])
    return orders


def allegro_orders(count: int) -> list[AllegroOrder]:
    """`count` live orders; every ninth has no purchase date (NULL), the rest share it by 5."""
    account = make_account()
    return AllegroOrder.objects.bulk_create(
        AllegroOrder(
            account=account,
            checkout_form_id=f"form-{n}",
            revision="r1",
            marketplace="allegro-pl",
            status=["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"][n % 3],
            fulfillment_status=["NEW", "SENT", ""][n % 3],
            buyer_login=NAMES[n % 5].lower(),
            bought_at=None if n % 9 == 0 else NOON - timedelta(minutes=n // 5),
            total=Money(Decimal(20 + n % 4), "PLN"),
            payload={},
        )
        for n in range(count)
    )


def expected(rows, fields: tuple[str, ...], descending: bool) -> list[int]:
    """The ids in the order a list must show them: by the fields, then the id, NULL greatest."""

    def key(row):
        values = [getattr(row, name) for name in fields]
        values = [getattr(value, "amount", value) for value in values]
        return [*((value is None, value) for value in values), row.pk]

    return [row.pk for row in sorted(rows, key=key, reverse=descending)]


def ids(response) -> list[int]:
    assert response.status_code == 200
    page = response.context["page"]
    assert not page.refusal, page.refusal
    return [row.pk for row in page]


SALES_KEYS = {
    "date": ("created_at",),
    "number": ("number_year", "number_sequence"),
    "customer": ("customer_name",),
    "total": ("total",),
    "status": ("status",),
}
ALLEGRO_KEYS = {
    "date": ("bought_at",),
    "buyer": ("buyer_login",),
    "total": ("total",),
    "status": ("status",),
    "fulfillment": ("fulfillment_status",),
}


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize(
    ("url", "make", "keys"),
    [(SALES, sales_orders, SALES_KEYS), (ALLEGRO, allegro_orders, ALLEGRO_KEYS)],
    ids=["sales", "allegro"],
)
def test_each_list_sorts_by_each_key_both_ways(operator_client, url, make, keys, descending):
    rows = make(20)
    for key, fields in keys.items():
        sort = f"-{key}" if descending else key
        assert ids(operator_client.get(url, {"sort": sort})) == expected(rows, fields, descending)


def walk(client, url: str, params: dict, link: str = "next") -> list[list[int]]:
    """The pages met following one link ("next" or "previous") until there is none."""
    pages = []
    response = client.get(url, params)
    while True:
        pages.append(ids(response))
        target = getattr(response.context["page"].links, link)
        if not target:
            return pages
        response = client.get(url + target)


@pytest.mark.parametrize(
    ("url", "make", "keys"),
    [(SALES, sales_orders, SALES_KEYS), (ALLEGRO, allegro_orders, ALLEGRO_KEYS)],
    ids=["sales", "allegro"],
)
def test_keyset_pages_show_every_row_once_however_many_share_a_value(
    operator_client, monkeypatch, url, make, keys
):
    # Beyond 30 rows the list is "too long to count": page 3 on go by keyset.
    monkeypatch.setattr(listing, "COUNT_CAP", 30)
    rows = make(83)
    for key, fields in keys.items():
        for sort in (key, f"-{key}"):
            order = expected(rows, fields, sort.startswith("-"))
            forward = walk(operator_client, url, {"sort": sort, "per_page": 25})
            assert [len(page) for page in forward] == [25, 25, 25, 8], sort
            assert [pk for page in forward for pk in page] == order, sort
            # From the end back to the start: the last rows, then each page before them.
            backward = walk(operator_client, url, {"sort": sort, "page": "last"}, "previous")
            assert [pk for page in reversed(backward) for pk in page] == order, sort
            # A deep page by its number: the same rows as counting to it.
            assert ids(operator_client.get(url, {"sort": sort, "page": 4})) == order[75:], sort


def test_deep_pages_say_their_number_and_link_back_to_the_first(operator_client, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 30)
    sales_orders(83)
    first = operator_client.get(SALES, {"status": "", "per_page": 25})
    second = operator_client.get(SALES + first.context["page"].links.next)
    assert "page=2" in first.context["page"].links.next  # numbered while the OFFSET is cheap
    third = operator_client.get(SALES + second.context["page"].links.next)
    page = third.context["page"]
    assert page.number == 3 and "after=" in page.links.next
    assert "Strona 3" in text(third) and "ponad 30 wierszy" in text(third)
    assert page.links.first == "?status=&per_page=25"
    assert page.links.previous == "?status=&per_page=25&page=2"
    last = operator_client.get(SALES + page.links.last).context["page"]
    assert last.number is None and not last.has_next() and len(last) == 25


def test_a_keyset_page_costs_the_queries_of_the_first(operator_client, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 30)
    sales_orders(83)
    page = operator_client.get(SALES, {"page": 3, "per_page": 25}).context["page"]
    counts = []
    for query in ({"per_page": 25}, page.links.next):
        with CaptureQueriesContext(connection) as queries:
            if isinstance(query, str):
                operator_client.get(SALES + query)
            else:
                operator_client.get(SALES, query)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_heading_sorts_by_its_column_and_again_the_other_way(operator_client):
    sales_orders(3)
    response = operator_client.get(SALES, {"status": "", "sort": "customer"})
    page = text(response)
    assert re.search(
        r'<th aria-sort="ascending"><a class="sort active" [^>]*>Klient <span[^>]*>▲', page
    )
    assert re.search(r'<th class="num"><a class="sort" [^>]*>Suma <span[^>]*>↕', page)
    state = response.context["page"].state
    assert state.sort_link("customer") == ("?status=&sort=-customer", "ascending")
    assert state.sort_link("total") == ("?status=&sort=-total", "")  # amounts: largest first
    assert state.sort_link("status") == ("?status=&sort=status", "")


def test_the_chosen_page_size_is_kept_for_the_next_lists(operator_client):
    sales_orders(60)
    assert len(ids(operator_client.get(SALES))) == 50
    assert len(ids(operator_client.get(SALES, {"per_page": 25}))) == 25
    assert len(ids(operator_client.get(SALES))) == 25  # remembered in the session
    allegro_orders(30)
    assert len(ids(operator_client.get(ALLEGRO))) == 25
    response = operator_client.get(SALES, {"per_page": 100})
    assert len(ids(response)) == 60
    assert "Wierszy na stronie:" in text(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "colour"}, "Tej listy nie można sortować według „colour”"),
        ({"sort": "-payload"}, "Tej listy nie można sortować według „-payload”"),
        ({"per_page": "1000"}, "„1000” wierszy na stronie: do wyboru są 25, 50, 100, 200."),
        ({"per_page": "all"}, "Nie można pokazać „all” wierszy na stronie"),
        ({"after": "not-a-cursor"}, "Ten odnośnik do strony jest uszkodzony"),
        ({"sort": "total", "after": "WyIyMDI2Il0"}, "Ten odnośnik do strony jest uszkodzony"),
    ],
)
@pytest.mark.parametrize("url", [SALES, ALLEGRO], ids=["sales", "allegro"])
def test_what_a_list_cannot_take_is_refused_and_nothing_listed(
    operator_client, url, params, message
):
    sales_orders(3)
    allegro_orders(3)
    response = operator_client.get(url, params)
    assert response.status_code == 200
    assert message in text(response)
    assert len(response.context["page"]) == 0


def test_the_source_filter_reads_the_pairs_kept_at_creation(operator_client):
    make_sales_order(marketplace="allegro-cz", currency="CZK")
    make_sales_order(marketplace="allegro-cz", currency="CZK")
    make_sales_order(channel="shop", marketplace="")
    assert sales_order_sources() == [("allegro", "allegro-cz"), ("shop", "")]
    assert SalesOrderSource.objects.count() == 2
    form = SalesOrderFilterForm({"source": "allegro:allegro-cz"}, sources=sales_order_sources())
    assert form.is_valid()
    with CaptureQueriesContext(connection) as queries:
        operator_client.get(SALES, {"source": "allegro:allegro-cz"})
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_a_page_number_past_any_end_is_the_last_page(operator_client, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 30)
    orders = sales_orders(40)
    newest_first = expected(orders, ("created_at",), True)
    for number in ("99", "9" * 30):
        page = operator_client.get(SALES, {"page": number, "per_page": 25}).context["page"]
        assert [row.pk for row in page] == newest_first[15:] and not page.has_next()
    first = operator_client.get(SALES, {"page": "x", "per_page": 25}).context["page"]
    assert [row.pk for row in first] == newest_first[:25]
