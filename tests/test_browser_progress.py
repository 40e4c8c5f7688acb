"""A long run's progress panel (shop/_progress.html and shop/progress.js) in Debian's Chromium:
while an ERP synchronization runs, its numbers follow the run, and the page reloads once it ends."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from erp.models import ErpSyncRun
from shop.roles import ADMINISTRATOR
from tests.support.factories import make_user
from tests.test_browser import browser_page, shop_server  # noqa: F401 (fixtures)
from tests.test_browser_screens import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_running_syncs_numbers_follow_it_and_the_page_reloads_when_it_ends(
    shop_server,  # noqa: F811
    browser_page,  # noqa: F811
):
    make_user(role=ADMINISTRATOR, username="szef")
    run = ErpSyncRun.objects.create(trigger="MANUAL", state="RUNNING", total=4, processed=1, sent=1)
    page = browser_page
    page.goto(f"{shop_server.url}{reverse('erp:sync_detail', args=[run.pk])}")
    sign_in(page)
    panel = page.locator("#erp-sync-progress")
    expect(panel.locator("[data-field=processed]")).to_have_text("1")
    expect(page.locator("#erp-sync-sent")).to_have_text("1")

    ErpSyncRun.objects.filter(pk=run.pk).update(processed=3, sent=2, failed=1)
    expect(panel.locator("[data-field=processed]")).to_have_text("3")
    expect(page.locator("#erp-sync-sent")).to_have_text("2")
    expect(page.locator("#erp-sync-failed")).to_have_text("1")
    expect(page.locator("#erp-sync-bar")).to_have_js_property("value", 3)

    ErpSyncRun.objects.filter(pk=run.pk).update(
        state="DONE", processed=4, sent=3, finished_at=timezone.now()
    )
    expect(page.locator("#erp-sync-state")).to_have_text("Wykonane z błędami")  # reloaded
    expect(page.locator("#erp-sync-sent")).to_have_text("3")
    expect(page.locator("script[src$='progress.js']")).to_have_count(0)
