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
    sales_bulk_status_start,
    sales_order_attention_flag,
    sales_order_invoice_record,
    sales_order_note_add,
    sales_order_shipment_add,
)
from shop.roles import ADMINISTRATOR
from shop.services import product_create
from tests.support.factories import (
    CZ_FORM,
    make_account,
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


@pytest.fixture
def browser(shop_server, back_office):  # noqa: F811
    """The module's one Chromium, started after the server and the data and closed before
    them: the ORM then never runs inside Playwright's event loop, where Django would open
    another connection (and the server's teardown, ending the others, would end the test's)."""
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
    make_allegro_order(CZ_FORM, account=allegro.account)  # a company from Prague
    wholesale = make_account(login="hurtownia_b", name="Hurtownia")
    for _ in range(51):  # two pages of this account's orders, for the keys
        make_allegro_order(account=wholesale)
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
    czech = make_sales_order(
        currency="CZK", marketplace="allegro-cz", customer_name="Petra Dvořáková"
    )
    bulk_run = sales_bulk_status_start(  # one done, one refused with the workflow's reason
        order_ids=[czech.pk, sales.pk], status=SalesOrderStatus.IN_PROGRESS, user=boss
    )
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
        "sales-bulk-run": reverse("sales:bulk_run_detail", args=[bulk_run.pk]),
        "allegro-list": reverse("allegro:orders:order_list") + f"?account={allegro.account_id}",
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
        "wholesale": reverse("allegro:orders:order_list") + f"?account={wholesale.pk}",
    }


def sign_in(page) -> None:
    page.fill("input[name=username]", "szef")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_be_visible()


def visit_every_page(page, url: str, pages: dict[str, str], width: int, shots: Path) -> dict:
    """Screenshot each page once and return what reaches past the window's edge, by page."""
    overflowing = {}
    for name, path in pages.items():
        page.goto(f"{url}{path}")
        expect(page.locator("h1")).to_be_visible()
        page.screenshot(path=shots / f"{name}-{width}.png", full_page=True)
        if found := page.evaluate(OVERFLOWS):
            overflowing[name] = found
    return overflowing


def test_every_page_fits_a_phone_and_a_monitor_and_the_keys_work(
    shop_server,  # noqa: F811
    back_office,
    browser,
    shots,
):
    print(f"screenshots: {shots}")
    pages = {name: path for name, path in back_office.items() if name != "wholesale"}
    overflowing: dict[tuple[str, int], list[str]] = {}
    blocked: list[str] = []
    for width in (PHONE, MONITOR):
        context = browser.new_context(viewport={"width": width, "height": 860})
        page = context.new_page()
        # Nothing the pages need may be inline: the Content-Security-Policy would block it.
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        page.goto(f"{shop_server.url}/login/")
        page.screenshot(path=shots / f"login-{width}.png", full_page=True)
        if found := page.evaluate(OVERFLOWS):
            overflowing[("login", width)] = found
        sign_in(page)
        found_by_page = visit_every_page(page, shop_server.url, pages, width, shots)
        overflowing |= {(name, width): found for name, found in found_by_page.items()}
        if width == PHONE:
            # The user's name and "Log out" are behind the menu button, and fit when opened.
            logout = page.get_by_role("button", name="Wyloguj")
            expect(logout).to_be_hidden()
            page.get_by_role("button", name="Menu").click()
            expect(logout).to_be_visible()
            expect(page.get_by_text("szef", exact=True)).to_be_visible()
            page.screenshot(path=shots / f"menu-open-{width}.png")
            if found := page.evaluate(OVERFLOWS):
                overflowing[("menu-open", width)] = found
        else:
            expect(page.get_by_role("button", name="Menu")).to_be_hidden()
            expect(page.get_by_role("button", name="Wyloguj")).to_be_visible()
            keys_search_and_turn_pages(page, f"{shop_server.url}{back_office['wholesale']}")
        context.close()
    assert overflowing == {}
    assert blocked == []


def keys_search_and_turn_pages(page, two_pages: str) -> None:
    """'/' searches, j/k and the arrows turn pages, '?' helps; never while typing."""
    page.goto(two_pages)
    page.wait_for_load_state()  # app.js (deferred) listens from here on
    first_page = page.url
    pager = page.locator(".pager")
    search = page.locator("form.filters input[name=q]")

    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("jk")  # typing: letters, not pages
    expect(search).to_have_value("jk")
    assert page.url == first_page
    page.keyboard.press("Escape")
    expect(search).not_to_be_focused()

    for key, number in (("j", 2), ("k", 1), ("ArrowRight", 2), ("ArrowLeft", 1)):
        page.keyboard.press(key)
        expect(pager).to_contain_text(f"Strona {number} z 2")
        page.wait_for_load_state()
    assert "account=" in page.url  # the filter stays

    help_box = page.locator("dialog#shortcuts")
    expect(help_box).to_be_hidden()
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Szukaj na tej liście")
    page.keyboard.press("j")  # the help is open: no page turns under it
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    expect(pager).to_contain_text("Strona 1 z 2")
    page.get_by_role("button", name="Skróty klawiszowe").click()
    expect(help_box).to_be_visible()
