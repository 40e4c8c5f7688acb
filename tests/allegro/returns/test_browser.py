"""In Chromium: the operator sees a Czech buyer's return in Allegro ▸ Zwroty, accepts it and
presses refund twice; Allegro gets one refund, in crowns."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from allegro.accounts.clients import client_for_account
from allegro.returns.models import AllegroRefund
from allegro.returns.services import account_returns_import, refund_follow, refund_perform
from shop.roles import OPERATOR
from tests.allegro.returns.conftest import SentOrder, open_return
from tests.support.factories import make_user
from tests.support.offline import emulator_call
from tests.test_browser import browser_page, shop_server

__all__ = ["browser_page", "shop_server"]  # fixtures, used by name
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_accepts_a_czech_return_and_refunds_it_once_in_crowns(
    shop_server, allegro_emulator, connected_account, czech_order: SentOrder, browser_page, tmp_path
):
    open_return(allegro_emulator, czech_order, line=0)
    account_returns_import(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    make_user(role=OPERATOR, username="ola")
    page = browser_page
    page.goto(f"{shop_server.url}/")
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")

    page.get_by_role("link", name="Allegro ▸ Zwroty", exact=True).click()
    expect(page.locator("h1")).to_have_text("Allegro ▸ Zwroty")
    row = page.locator("tr.return-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Odesłany")
    row.locator("a").first.click()

    page.get_by_role("button", name="Przyjmij zwrot").click()
    expect(page.get_by_text("Zwrot przyjęty")).to_be_visible()
    refund_button = page.get_by_role("button", name="Zwróć pieniądze za zwrócone przedmioty")
    return_page = page.url
    refund_button.dblclick()
    expect(page.locator("tr.refund-row")).to_have_count(1)
    # And once more from the page as it was (the browser's Back, the same form).
    page.go_back()
    if page.url == return_page and refund_button.count():
        refund_button.click()
    page.goto(return_page)
    expect(page.locator("tr.refund-row")).to_have_count(1)

    refund = AllegroRefund.objects.get()
    unit = Decimal(czech_order.form["lineItems"][0]["price"]["amount"])
    assert refund.total.amount == unit and str(refund.total.currency) == "CZK"
    expect(page.locator("td.refund-total")).to_contain_text("CZK")

    # The worker's part, done here: send, then follow until Allegro says SUCCESS.
    client_for = client_for_account
    assert refund_perform(refund_id=refund.pk, client_for=client_for) == "SENT"
    AllegroRefund.objects.filter(pk=refund.pk).update(next_attempt_at=refund.created_at)
    assert refund_follow(refund_id=refund.pk, client_for=client_for) == "SUCCESS"
    page.reload()
    expect(page.locator("tr.refund-row")).to_contain_text("Zwrócono")
    page.screenshot(path=str(tmp_path / "return.png"), full_page=True)

    # The sales order's page: the returned line, and the return and its refund in the panel.
    page.get_by_role("link", name="zamówienie sprzedaży").click()
    expect(page.locator(".returned-quantity")).to_have_text("zwrócono 1")
    panel = page.locator("#allegro-returns")
    expect(panel.locator("tr.refund-row")).to_contain_text("Zwrócono")
    expect(panel).to_contain_text("Odesłany")
    page.screenshot(path=str(tmp_path / "sales-order.png"), full_page=True)

    on_allegro = emulator_call(allegro_emulator, "refunds", method="get")["refunds"]
    assert len(on_allegro) == 1
    assert on_allegro[0]["totalValue"] == {"amount": str(unit), "currency": "CZK"}
