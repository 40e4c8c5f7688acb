"""In Chromium: the carrier's history of a parcel shows on the order once the emulator
advances it and the periodic job has asked Allegro."""

import os
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from allegro.accounts.clients import client_for_account
from allegro.tracking.services import parcels_refresh
from shop.roles import OPERATOR
from tests.allegro.tracking.conftest import SENT_AT
from tests.support.factories import make_user
from tests.support.offline import emulator_call
from tests.test_browser import browser_page, shop_server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_parcels_history_shows_on_the_order_after_the_carrier_moves_it(
    shop_server,  # noqa: F811 (a fixture)
    browser_page,  # noqa: F811
    allegro_emulator,
    sent_order,
):
    order = sent_order("DPD777")
    make_user(role=OPERATOR, username="ola")
    parcels_refresh(client_for=client_for_account, now=SENT_AT)
    page = browser_page
    page.goto(shop_server.url + reverse("sales:order_detail", args=[order.pk]))
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    panel = page.locator("#parcel-tracking")
    expect(panel.locator("tbody tr")).to_have_count(1)
    expect(panel).to_contain_text("czeka na przewoźnika")

    for status in ("in_transit", "out_for_delivery"):
        emulator_call(allegro_emulator, "parcels/advance", {"waybill": "DPD777", "status": status})
    parcels_refresh(client_for=client_for_account, now=SENT_AT + timedelta(hours=1))
    page.reload()

    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("wydana do doręczenia")
    expect(rows.nth(1)).to_contain_text("w drodze")
    folder = os.environ.get("PRINT_IMAGES_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, "screen-parcel-tracking.png"), full_page=True)
    page.goto(shop_server.url + reverse("sales:order_list"))
    expect(page.locator("tbody tr", has_text=order.number)).to_contain_text("wydana do doręczenia")
