"""Every list and detail page on a phone (390 px) and a wide monitor (1366 px), in Debian's
Chromium: nothing wider than the screen, the menu folded behind a button on the phone, and the
lists' keyboard shortcuts. Screenshots of each page are kept for a person to look at
(SCREENSHOTS_DIR, or the test's temporary folder)."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money
from playwright.sync_api import expect, sync_playwright

from allegro.orders.models import AllegroOrder
from allegro.writeback.models import AllegroWrite
from erp.models import ErpOrderLink, ErpSyncRun
from sales.models import SalesOrderStatus
from sales.services import (
    InvoiceData,
    LineData,
    sales_order_attention_flag,
    sales_order_invoice_record,
    sales_order_note_add,
    sales_order_shipment_add,
)
from shop.roles import ADMINISTRATOR, OPERATOR
from shop.services import product_create
from tests.support.factories import (
    CZ_FORM,
    make_allegro_order,
    make_import_problem,
    make_product,
    make_sales_order,
    make_user,
)
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, shop_server  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE, MONITOR = 390, 1366

# The right edge of every visible element inside the window, and no element that scrolls
# sideways (a raw payload's <pre> may: it is read by scrolling). An element clipped by an
# ancestor counts as that ancestor, which is checked itself.
OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className ? "." + el.className : "");
  if (document.documentElement.scrollWidth > width) {
    found.push(`page ${document.documentElement.scrollWidth}px wide`);
  }
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1
        && el.tagName !== "PRE") {
      found.push(`${name(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
    }
    if ((box.right > width + 0.5 || box.left < -0.5) && !clipped(el)) {
      const text = (el.textContent || "").trim().slice(0, 40);
      found.push(`${name(el)} "${text}" ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  // Text too: a word wider than its box runs past the box's edge, and maybe the window's.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const holder = node.parentElement;
    const own = holder.getBoundingClientRect();
    if (!own.width || clipped(holder) || getComputedStyle(holder).overflowX !== "visible") continue;
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.right > width + 0.5) {
      found.push(`text "${node.textContent.trim().slice(0, 40)}" ends at ${Math.round(box.right)}`);
    }
    const block = holder.closest("td, th, li, dd, dt, p, div, section, label");
    if (block && box.right > block.getBoundingClientRect().right + 1) {
      found.push(`text "${node.textContent.trim().slice(0, 40)}" runs out of ${name(block)}`);
    }
  }
  return found.slice(0, 15);
}"""


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module; each test opens its own context (cookies) in it."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def back_office(settings, tmp_path) -> dict[str, str]:
    """A shop with something on every page, long names included; the pages' paths by name.
    Made before the browser starts: the ORM then runs outside Playwright's event loop."""
    settings.MEDIA_ROOT = tmp_path / "media"
    boss = make_user(role=ADMINISTRATOR, username="szef", first_name="Katarzyna")
    kettle = make_product(
        sku="CZAJ-17-STAL-PREMIUM", ean="5901234123457", name="Czajnik elektryczny 1,7 l stal"
    )
    product_create(  # an entry in the audit log
        sku="FILTR-01",
        ean="",
        name="Filtr antywapienny do czajnika",
        vat_rate=Decimal("23.00"),
        price=Money("19.99", "PLN"),
        user=boss,
    )
    allegro = make_allegro_order()  # Jan Kowalski, a kettle and a filter, a message
    make_allegro_order(CZ_FORM)
    sales = make_sales_order(
        status=SalesOrderStatus.READY_FOR_SHIPMENT,
        customer_name="Małgorzata Wiśniewska-Szczepańska",
        customer_company="Przedsiębiorstwo Handlowo-Usługowe „Wiśniewscy” Spółka Jawna",
        customer_login="wisniewska_malgorzata_1984",
        channel_reference=allegro.checkout_form_id,
        invoice_requested=True,
        lines=[LineData(product=kettle, quantity=2, unit_price=Money("149.00", "PLN"))],
    )
    AllegroOrder.objects.filter(pk=allegro.pk).update(sales_order=sales)
    sales_order_attention_flag(
        order_id=sales.pk, reason="Kupujący anulował zamówienie po wysłaniu do ERP"
    )
    sales_order_note_add(order_id=sales.pk, text="Zapakować w folię bąbelkową.", user=boss)
    sales_order_shipment_add(
        order_id=sales.pk, carrier_code="INPOST", waybill="620123456789012345678901", user=boss
    )
    sales_order_invoice_record(
        order_id=sales.pk,
        data=InvoiceData(number="FV/2026/12/000123", total=Decimal("308.00")),
        pdf=ContentFile(b"%PDF-1.4\n%%EOF\n"),
    )
    ErpOrderLink.objects.create(
        order=sales, document_number="ZK/2026/12/004711", erp_status="ACCEPTED"
    )
    make_sales_order(currency="CZK", marketplace="allegro-cz", customer_name="Petra Dvořáková")
    AllegroWrite.objects.create(
        account_id=allegro.account_id,
        allegro_order=allegro,
        cause="screens:1",
        state="FAILED",
        kind=AllegroWrite.Kind.FULFILLMENT,
        target={"status": "SENT"},
        last_error="422: The fulfillment status cannot be changed from CANCELLED to SENT.",
    )
    make_import_problem(reason="lineItems[0].offer.id: required; the form cannot be imported")
    run = ErpSyncRun.objects.create(
        trigger="MANUAL",
        state="DONE",
        total=2,
        processed=2,
        sent=1,
        failed=1,
        finished_at=timezone.now(),
        errors=[{"number": sales.number, "order_id": sales.pk, "message": "Kontrahent bez NIP"}],
    )
    return {
        "sales-list": reverse("sales:order_list"),
        "sales-detail": reverse("sales:order_detail", args=[sales.pk]),
        "allegro-list": reverse("allegro:orders:order_list"),
        "allegro-detail": reverse("allegro:orders:order_detail", args=[allegro.pk]),
        "allegro-problems": reverse("allegro:orders:problem_list"),
        "allegro-writes": reverse("allegro:writeback:write_list"),
        "allegro-settings": reverse("allegro:accounts:settings"),
        "erp-sync-list": reverse("erp:sync_list"),
        "erp-sync-detail": reverse("erp:sync_detail", args=[run.pk]),
        "settings": reverse("shop:settings"),
        "users": reverse("shop:users"),
        "user-form": reverse("shop:user_update", args=[boss.pk]),
        "product-form": reverse("shop:product_create"),
        "audit": reverse("shop:audit"),
        "health": reverse("shop:health"),
    }


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", "szef")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_be_visible()


@pytest.mark.parametrize("width", [PHONE, MONITOR])
def test_every_page_fits_the_screen(shop_server, back_office, browser, shots, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 860})
    page = context.new_page()
    sign_in(page, shop_server.url)
    overflowing = {}
    for name, path in back_office.items():
        page.goto(f"{shop_server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        page.screenshot(path=shots / f"{name}-{width}.png", full_page=True)
        found = page.evaluate(OVERFLOWS)
        if found:
            overflowing[name] = found
    if width == PHONE:
        # The user's name and "Log out" are behind the menu button, and fit when opened.
        logout = page.get_by_role("button", name="Wyloguj")
        expect(logout).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        expect(logout).to_be_visible()
        expect(page.get_by_text("szef", exact=True)).to_be_visible()
        page.screenshot(path=shots / f"menu-open-{width}.png")
        if found := page.evaluate(OVERFLOWS):
            overflowing["menu-open"] = found
    else:
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        expect(page.get_by_role("button", name="Wyloguj")).to_be_visible()
    context.close()
    print(f"screenshots: {shots}")
    assert overflowing == {}


@pytest.fixture
def two_pages_of_orders(transactional_db) -> None:
    for _ in range(51):
        make_allegro_order()
    make_user(role=OPERATOR, username="ola")


def test_keyboard_searches_and_turns_pages_but_not_while_typing(
    shop_server,  # noqa: F811
    two_pages_of_orders,
    browser,
):
    context = browser.new_context(viewport={"width": MONITOR, "height": 860})
    page = context.new_page()
    page.goto(f"{shop_server.url}{reverse('allegro:orders:order_list')}")
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    first_page = page.url
    search = page.locator("form.filters input[name=q]")

    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("jk")  # typing: letters, not pages
    expect(search).to_have_value("jk")
    assert page.url == first_page
    page.keyboard.press("Escape")
    expect(search).not_to_be_focused()

    page.keyboard.press("j")
    expect(page.locator(".pager")).to_contain_text("Strona 2 z 2")
    page.keyboard.press("k")
    expect(page.locator(".pager")).to_contain_text("Strona 1 z 2")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".pager")).to_contain_text("Strona 2 z 2")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".pager")).to_contain_text("Strona 1 z 2")

    help_box = page.locator("dialog#shortcuts")
    expect(help_box).to_be_hidden()
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Szukaj na tej liście")
    page.keyboard.press("j")  # the help is open: no page turns under it
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    expect(page.locator(".pager")).to_contain_text("Strona 1 z 2")
    page.get_by_role("button", name="Skróty klawiszowe").click()
    expect(help_box).to_be_visible()
    context.close()
