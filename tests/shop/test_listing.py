"""The list pages' paginator counts at most COUNT_CAP rows: beyond, "more than ..." and pages
without a known end."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from shop import listing
from shop.listing import CappedPaginator
from shop.models import Product
from tests.support.clients import operator
from tests.support.factories import make_sales_order
from tests.support.html import text

pytestmark = pytest.mark.django_db


def products(count: int):
    for n in range(count):
        Product.objects.create(
            sku=f"SKU-{n:03}", name=f"P{n}", vat_rate=Decimal("23"), price=Money("1.00", "PLN")
        )
    return Product.objects.order_by("sku")


def skus(page) -> list[str]:
    return [product.sku for product in page]


def test_under_the_cap_it_is_djangos_paginator():
    paginator = CappedPaginator(products(5), 2, cap=5)
    assert not paginator.capped
    assert paginator.count == 5 and paginator.num_pages == 3
    assert skus(paginator.get_page(99)) == ["SKU-004"]  # out of range: the last page


def test_over_the_cap_pages_go_on_without_counting_every_row():
    rows = products(9)
    paginator = CappedPaginator(rows, 2, cap=4)
    assert paginator.capped and paginator.count == 5
    # Page 4 lies past what was counted and still has its rows and a next page.
    page = paginator.get_page(4)
    assert skus(page) == ["SKU-006", "SKU-007"] and page.has_next()
    assert page.start_index() == 7 and page.end_index() == 8
    last = paginator.get_page(5)
    assert skus(last) == ["SKU-008"] and not last.has_next() and last.has_previous()


def test_a_page_out_of_range_is_the_last_and_not_a_number_the_first():
    paginator = CappedPaginator(products(9), 2, cap=4)
    assert skus(paginator.get_page(50)) == ["SKU-008"]
    assert skus(paginator.get_page("x")) == ["SKU-000", "SKU-001"]
    assert skus(paginator.get_page(-3)) == ["SKU-008"]  # as Django: out of range, the last
    # An offset no database takes (bigint): still the last page, not a 500.
    assert skus(paginator.get_page("9" * 30)) == ["SKU-008"]


def test_the_count_reads_no_more_rows_than_the_cap():
    paginator = CappedPaginator(products(3), 2, cap=2)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 3
    assert "LIMIT 3" in queries.captured_queries[0]["sql"].upper()


def test_the_list_page_says_more_than_the_cap(monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    for _ in range(5):
        make_sales_order()
    page = text(operator().get(reverse("sales:order_list")))
    assert "ponad 3 wierszy" in page and "Strona 1" in page
    assert "Strona 1 z" not in page  # the number of pages is not known
