"""In Debian's Chromium: a buyer's message shows with an unread badge, the operator opens it
(the badge goes), answers with a ready-made reply, and the reply is in the emulator's thread."""

import django_rq
import pytest
from playwright.sync_api import expect

from allegro.accounts.clients import client_for_account
from allegro.messaging.models import AllegroReply
from allegro.messaging.services import reply_send
from shop.roles import OPERATOR
from tests.allegro.messaging.conftest import threads_on_allegro
from tests.support.factories import make_user
from tests.test_browser import browser_page, shop_server  # noqa: F401 (fixtures)
from tests.test_browser_workbench import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def czech_buyer_wrote(place_order, buyer_writes, import_messages):
    """Made before Chromium starts: the ORM then runs outside Playwright's event loop."""
    order = place_order("allegro-cz")
    buyer_writes(order.form_id, text="Dobrý den, kdy pošlete?", attachment=True)
    import_messages()
    make_user(role=OPERATOR, username="ola")
    django_rq.get_queue("default").empty()
    yield order
    django_rq.get_queue("default").empty()


def test_operator_reads_a_buyers_message_and_answers_with_a_ready_made_reply(
    allegro_emulator,
    shop_server,  # noqa: F811
    czech_buyer_wrote,
    browser_page,  # noqa: F811
):
    order = czech_buyer_wrote
    page = browser_page
    page.goto(f"{shop_server.url}/")
    page.fill("input[name=username]", "ola")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")

    menu = page.get_by_role("navigation").get_by_role("link", name="Wiadomości")
    expect(menu.locator(".unread-count")).to_have_text("1")
    menu.click()
    expect(page.locator("h1")).to_have_text("Allegro ▸ Wiadomości")
    row = page.locator("tbody tr", has_text=order.buyer)
    expect(row).to_contain_text("Nieprzeczytany")
    screenshot(page, "messages-list")

    row.get_by_role("link", name=order.buyer).click()
    expect(page.locator(".message.from-buyer")).to_contain_text("Dobrý den, kdy pošlete?")
    expect(page.get_by_role("link", name="zdjecie.png")).to_be_visible()
    # Opened: the menu's badge is gone.
    expect(page.get_by_role("navigation").locator(".unread-count")).to_have_count(0)

    page.select_option("select[name=reply_template]", label="Zásilka odeslána (czeski)")
    page.get_by_role("button", name="Wstaw").click()
    text = page.locator("textarea[name=text]")
    expect(text).to_contain_text("objednávka")
    expect(text).to_contain_text(order.allegro_order.sales_order.number)
    screenshot(page, "messages-thread")
    page.get_by_role("button", name="Wyślij kupującemu").click()
    expect(page.locator(".messages")).to_contain_text("Odpowiedź jest wysyłana do Allegro.")
    expect(page.locator(".message.pending")).to_contain_text("byla odeslána")

    reply = AllegroReply.objects.get()
    assert reply_send(reply_id=reply.pk, client_for=client_for_account) == "sent"
    page.reload()
    expect(page.locator(".message.from-seller")).to_contain_text("byla odeslána")
    expect(page.locator(".message.pending")).to_have_count(0)

    [thread] = threads_on_allegro(allegro_emulator)
    ours = [m for m in thread["messages"] if m["fromSeller"]]
    assert len(ours) == 1
    assert order.allegro_order.sales_order.number in ours[0]["text"]
    assert ours[0]["orderId"] == order.form_id
