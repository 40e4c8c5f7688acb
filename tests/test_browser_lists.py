"""Sorting and paging Sprzedaż ▸ Zamówienia in Debian's Chromium: a click on a heading sorts,
a second the other way, and "Następna" goes on in that order, by keyset past the counted rows."""

import pytest
from playwright.sync_api import expect

from sales.models import SalesOrder
from shop import listing
from shop.roles import OPERATOR
from tests.shop.test_list_sorting import expected, sales_orders
from tests.support.factories import make_user
from tests.test_browser import browser_page, shop_server  # noqa: F401 (fixtures)
from tests.test_browser_workbench import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def numbers(rows: list[SalesOrder], ids: list[int]) -> list[str]:
    by_id = {row.pk: row.number for row in rows}
    return [by_id[pk] for pk in ids]


def test_a_heading_sorts_and_next_keeps_the_order(
    shop_server,  # noqa: F811
    browser_page,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(listing, "COUNT_CAP", 30)  # page 3 is then read by keyset
    orders = sales_orders(60)
    make_user(role=OPERATOR, username="ola")
    page = browser_page
    page.goto(f"{shop_server.url}/sprzedaz/zamowienia/?per_page=25")
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    shown = page.locator("tbody tr td.mono a")
    expect(shown).to_have_count(25)

    heading = page.locator("th:has(a[data-sort=customer])")
    heading.locator("a").click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    expect(heading.locator(".arrow")).to_have_text("▲")
    by_name = numbers(orders, expected(orders, ("customer_name",), False))
    expect(shown).to_have_text(by_name[:25])

    heading.locator("a").click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    expect(heading.locator(".arrow")).to_have_text("▼")
    by_name.reverse()
    expect(shown).to_have_text(by_name[:25])
    assert "sort=-customer" in page.url and "per_page=25" in page.url

    page.click("a[rel=next]")
    expect(page.locator(".pager")).to_contain_text("Strona 2")
    expect(shown).to_have_text(by_name[25:50])
    page.click("a[rel=next]")
    assert "after=" in page.url  # past the counted rows: the rows after the last one seen
    expect(page.locator(".pager")).to_contain_text("Strona 3")
    expect(shown).to_have_text(by_name[50:])
    expect(page.locator("a[rel=next]")).to_have_count(0)
    screenshot(page, "sales-list-sorted-page-3")
    page.click("a[rel=prev]")
    expect(shown).to_have_text(by_name[25:50])
