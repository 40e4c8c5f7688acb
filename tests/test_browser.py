"""The operator's morning, in Debian's Chromium: sign in, find the Czech orders, open one."""

import os
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from allegro.accounts.clients import client_for_account
from allegro.orders.services import account_import_run
from emulator.catalogue import CATALOGUE
from sales.models import SalesOrder
from sales.services import InvoiceData, sales_order_invoice_record
from shop.models import Currency, ShopSettings, ShopVariant
from shop.roles import OPERATOR
from tests.support.factories import make_product, make_sales_order, make_user

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium keeps calling home, and this machine's closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_server(transactional_db):
    """The back office on a free port, stopped with the test: pytest-django's session-wide
    live server would outlive the test database and keep a connection to it open."""
    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()
    # Sessions a request thread left behind are ended once, before the test database is
    # dropped (tests/conftest.py, _no_sessions_left_on_the_test_database).


@pytest.fixture
def browser_page():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def imported_orders(connected_account) -> None:
    """The demo seller's orders imported, and an operator to sign in as."""
    account_import_run(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    make_user(role=OPERATOR, username="ola")


def test_operator_sees_every_marketplace_and_a_czech_pickup_point(
    shop_server, imported_orders, browser_page
):
    page = browser_page

    page.goto(f"{shop_server.url}/")
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")

    expect(page.locator("h1")).to_have_text("Allegro ▸ Zamówienia")
    table = page.locator("table")
    for marketplace in ("allegro.pl", "allegro.cz", "allegro.sk", "allegro.hu"):
        expect(table.get_by_text(marketplace, exact=True).first).to_be_visible()
    expect(table.get_by_text(re.compile(r"\d\sCZK$")).first).to_be_visible()
    expect(table.get_by_text(re.compile(r"\d\sHUF$")).first).to_be_visible()

    page.select_option("select[name=marketplace]", "allegro-cz")
    page.get_by_role("button", name="Filtruj").click()
    expect(table.get_by_text("allegro.pl", exact=True)).to_have_count(0)
    page.locator("tbody tr", has_text="Gotowe do realizacji").locator("a").first.click()

    expect(page.get_by_text("Punkt odbioru")).to_be_visible()
    expect(page.get_by_text("IČO")).to_be_visible()
    expect(page.get_by_text("DIČ", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"CZK")).first).to_be_visible()


@pytest.fixture
def czech_orders_sellable(imported_orders) -> None:
    """The shop sells abroad (Enterprise), CZK is available and the offers' SKUs exist."""
    ShopSettings.objects.filter(id=ShopSettings.load().id).update(variant=ShopVariant.ENTERPRISE)
    Currency.objects.filter(code="CZK").update(is_available=True)
    for product in CATALOGUE:
        make_product(sku=product.sku, name=product.name)


def test_operator_converts_a_czech_order_and_finds_it_in_sales_in_crowns(
    shop_server, czech_orders_sellable, browser_page
):
    page = browser_page
    page.goto(f"{shop_server.url}/")
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")

    page.select_option("select[name=marketplace]", "allegro-cz")
    page.select_option("select[name=status]", "READY_FOR_PROCESSING")
    page.get_by_role("button", name="Filtruj").click()
    # Open the first paid Czech order that goes to a pickup point (most do).
    list_url = page.url
    for index in range(page.locator("tbody tr").count()):
        page.goto(list_url)
        page.locator("tbody tr").nth(index).locator("a").first.click()
        point_panel = page.locator("section.prominent", has_text="Punkt odbioru")
        if point_panel.count():
            break
    pickup_point = point_panel.locator("dd strong").first.inner_text()
    page.get_by_role("button", name="Utwórz zamówienie").click()

    expect(page.locator("h1")).to_contain_text("ZS/")
    number = page.locator("h1 .mono").inner_text()
    page.get_by_role("link", name="Sprzedaż ▸ Zamówienia").first.click()
    row = page.locator("tbody tr", has_text=number)
    expect(row).to_contain_text("CZK")
    row.locator("a").first.click()
    expect(page.get_by_text(pickup_point).first).to_be_visible()
    expect(page.get_by_text("Zamówienie Allegro")).to_be_visible()
    assert SalesOrder.objects.get(number=number).currency == "CZK"


KOD_I = "https://qr-test.ksef.mf.gov.pl/invoice/7770000005/27-11-2026/abc"


@pytest.fixture
def order_with_a_ksef_invoice(settings, tmp_path) -> SalesOrder:
    """Made before the browser starts: the ORM then runs outside Playwright's event loop."""
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user(role=OPERATOR, username="ola")
    order = make_sales_order(currency="CZK")
    sales_order_invoice_record(
        order_id=order.pk,
        data=InvoiceData(
            number="FV/17/2026",
            source_id="17",
            vat_rule="WDT",
            total=Decimal("1378.00"),
            ksef_status="accepted",
            ksef_number="7770000005-20261127-0A1B2C3D4E5F-7A",
            ksef_verification_url=KOD_I,
        ),
        pdf=ContentFile(b"%PDF-1.4\n%%EOF\n"),
    )
    return order


def test_operator_sees_an_invoices_ksef_number_linked_to_its_check(
    shop_server, order_with_a_ksef_invoice, browser_page
):
    page = browser_page
    page.goto(f"{shop_server.url}/")
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")

    page.goto(
        f"{shop_server.url}{reverse('sales:order_detail', args=[order_with_a_ksef_invoice.pk])}"
    )

    row = page.locator("#invoices tr", has_text="FV/17/2026")
    expect(row).to_contain_text("Przyjęta przez KSeF")
    expect(row).to_contain_text("Wewnątrzwspólnotowa dostawa towarów (WDT)")
    link = row.get_by_role("link", name="7770000005-20261127-0A1B2C3D4E5F-7A")
    expect(link).to_have_attribute("href", KOD_I)
