"""The packing table's morning in Debian's Chromium: 20 paid, packed orders get one pick list
and 20 packing lists, then move to "Wysłane" in one action, each order's outcome shown; an
order is found on both lists by its tracking number, its invoice number and the buyer's phone."""

import os
import re
from decimal import Decimal

import pypdfium2
import pytest
from djmoney.money import Money
from playwright.sync_api import expect

from sales.models import SalesOrder, SalesOrderStatus
from sales.services import LineData
from shop.roles import OPERATOR
from tests.support.factories import make_product, make_sales_order, make_user
from tests.support.search import INVOICE, make_searchable_orders
from tests.test_browser import browser_page, shop_server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = SalesOrderStatus


def pdf_texts(path: str) -> list[str]:
    document = pypdfium2.PdfDocument(path)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def screenshot(page, name: str) -> None:
    """For a person to look at (PRINT_IMAGES_DIR, as the printouts' tests)."""
    folder = os.environ.get("PRINT_IMAGES_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"screen-{name}.png"), full_page=True)


def sign_in_as_ola(page, url: str) -> None:
    page.goto(f"{url}/sprzedaz/zamowienia/")
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")


@pytest.fixture
def packed_orders(transactional_db) -> list[SalesOrder]:
    """20 paid orders packed and ready for shipment, 3 new ones, and Ola at the packing table."""
    cup = make_product(sku="KUB-450", ean="5901234123457", name="Kubek termiczny 450 ml")
    lid = make_product(sku="POK-01", name="Pokrywka")
    packed = [
        make_sales_order(
            status=S.READY_FOR_SHIPMENT,
            customer_name=f"Klient {index:02d}",
            lines=[
                LineData(product=cup, quantity=2, unit_price=Money(Decimal("45.00"), "PLN")),
                LineData(product=lid, quantity=1, unit_price=Money(Decimal("5.00"), "PLN")),
            ],
        )
        for index in range(20)
    ]
    for _ in range(3):
        make_sales_order(status=S.NEW)
    make_user(role=OPERATOR, username="ola")
    return packed


def test_twenty_packed_orders_printed_and_sent_in_one_action(
    shop_server,  # noqa: F811
    packed_orders,
    browser_page,  # noqa: F811
    tmp_path,
):
    packed = packed_orders
    page = browser_page

    sign_in_as_ola(page, shop_server.url)
    expect(page.locator("h1")).to_have_text("Sprzedaż ▸ Zamówienia")

    # The chip shows how many wait for shipment, and takes the list to them.
    chip = page.locator('.chips a[data-status="READY_FOR_SHIPMENT"]')
    expect(chip).to_contain_text("Gotowe do wysyłki")
    expect(chip.locator(".count")).to_have_text("20")
    chip.click()
    expect(page.locator("tbody tr")).to_have_count(20)

    page.check("[data-select-all]")
    expect(page.locator("[data-selected-count]")).to_have_text("20")
    screenshot(page, "sales-list-selected")

    with page.expect_download() as pick:
        page.get_by_role("button", name="Lista kompletacyjna").click()
    pick_path = tmp_path / "pick.pdf"
    pick.value.save_as(pick_path)
    [pick_text] = pdf_texts(str(pick_path))
    assert "Lista kompletacyjna" in pick_text
    assert re.search(r"KUB-450\s+5901234123457\s+Kubek termiczny 450 ml\s+40\s", pick_text)

    with page.expect_download() as packing:
        page.get_by_role("button", name="Listy pakowania").click()
    packing_path = tmp_path / "packing.pdf"
    packing.value.save_as(packing_path)
    packing_pages = pdf_texts(str(packing_path))
    assert len(packing_pages) == 20
    assert all(order.number in text for order, text in zip(packed, packing_pages, strict=True))

    # Still on the list with the same 20 ticked: one action moves them all.
    expect(page.locator("[data-selected-count]")).to_have_text("20")
    page.select_option("#bulk-actions select[name=status]", "SENT")
    page.get_by_role("button", name="Zmień status").click()

    expect(page.locator("h1")).to_contain_text("Wysłane")
    rows = page.locator("#bulk-run-outcomes tbody tr")
    expect(rows).to_have_count(20)
    expect(page.locator('#bulk-run-outcomes tr[data-outcome="DONE"]')).to_have_count(20)
    expect(page.locator("#bulk-run-done")).to_have_text("20")
    for order in packed:
        expect(rows.filter(has_text=order.number)).to_contain_text("Wykonane")
    screenshot(page, "bulk-run")

    # Read back through the list, as the operator would. (Not by the ORM: run after
    # tests/test_browser.py, this thread's connection was found terminated here, AdminShutdown.)
    page.get_by_role("link", name="‹ Sprzedaż ▸ Zamówienia").click()
    expect(page.locator('.chips a[data-status="SENT"] .count')).to_have_text("20")
    expect(page.locator('.chips a[data-status="NEW"] .count')).to_have_text("3")
    expect(page.locator('.chips a[data-status="READY_FOR_SHIPMENT"]')).to_have_count(0)


@pytest.fixture
def searchable_orders(transactional_db):
    """Two converted Allegro orders, the Czech one with a tracking number and an invoice."""
    orders = make_searchable_orders()
    make_user(role=OPERATOR, username="ola")
    return orders


def test_an_order_is_found_by_its_tracking_number_invoice_number_and_phone(
    shop_server,  # noqa: F811
    searchable_orders,
    browser_page,  # noqa: F811
):
    orders = searchable_orders
    page = browser_page
    sign_in_as_ola(page, shop_server.url)
    expect(page.locator("tbody tr")).to_have_count(2)

    for list_url, czech_row_text in (
        ("/sprzedaz/zamowienia/", orders.czech_sales.number),
        ("/allegro/zamowienia/", orders.czech.buyer_login),
    ):
        page.goto(f"{shop_server.url}{list_url}")
        # As an operator pastes them: the carrier's groups, the invoice, the phone as printed.
        for text in ("0034 0434 1610 9404 2557", INVOICE, "+420 603 123 456"):
            page.fill("input[name=q]", text)
            page.press("input[name=q]", "Enter")
            expect(page.locator("input[name=q]")).to_have_value(text)
            expect(page.locator("tbody tr")).to_have_count(1)
            expect(page.locator("tbody tr")).to_contain_text(czech_row_text)
        screenshot(page, f"search-{list_url.strip('/').replace('/', '-')}")
