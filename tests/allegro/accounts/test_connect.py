import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from allegro.accounts.models import AllegroAccount
from allegro.accounts.services import (
    AllegroConnectError,
    account_connect_poll,
    account_connect_start,
)
from allegro.accounts.tokens import account_tokens
from allegro.accounts.views import SESSION_KEY
from allegro.api.errors import SlowDown
from shop.roles import ADMINISTRATOR, OPERATOR
from tests.support.clients import signed_in


def connect(approve) -> AllegroAccount:
    authorization = account_connect_start()
    approve(authorization.user_code)
    account = account_connect_poll(device_code=authorization.device_code)
    assert account is not None
    return account


@pytest.mark.django_db
def test_device_flow_connects_the_seller(emulator_device_approve):
    authorization = account_connect_start()
    assert authorization.user_code in authorization.verification_uri_complete
    assert account_connect_poll(device_code=authorization.device_code) is None

    emulator_device_approve(authorization.user_code)
    account = account_connect_poll(device_code=authorization.device_code)

    assert account is not None

    assert account.is_connected
    assert account.login
    assert account.base_marketplace.startswith("allegro-")
    assert account_tokens(account).access_token not in account.access_token_encrypted


@pytest.mark.django_db
def test_reconnecting_the_same_seller_updates_the_account(emulator_device_approve):
    account = connect(emulator_device_approve)
    old_access = account_tokens(account).access_token
    account.status = AllegroAccount.Status.RECONNECT_NEEDED
    account.status_reason = "revoked"
    account.events_cursor = "1758566391660412"
    account.save()

    reconnected = connect(emulator_device_approve)

    assert reconnected.pk == account.pk
    assert AllegroAccount.objects.count() == 1
    assert reconnected.is_connected
    assert reconnected.status_reason == ""
    assert reconnected.events_cursor == "1758566391660412"
    assert account_tokens(reconnected).access_token != old_access


@pytest.mark.django_db
def test_an_unknown_device_code_is_a_readable_error(allegro_emulator):
    with translation.override("en"), pytest.raises(AllegroConnectError, match="expired"):
        account_connect_poll(device_code="no-such-code")


@pytest.mark.django_db
def test_a_declined_code_is_a_readable_error(emulator_control):
    authorization = account_connect_start()
    emulator_control("device/deny", {"user_code": authorization.user_code})
    with translation.override("en"), pytest.raises(AllegroConnectError, match="declined"):
        account_connect_poll(device_code=authorization.device_code)


@pytest.mark.django_db
def test_polling_faster_than_the_interval_asks_to_slow_down(allegro_emulator):
    authorization = account_connect_start()
    assert account_connect_poll(device_code=authorization.device_code) is None
    with pytest.raises(SlowDown):
        account_connect_poll(device_code=authorization.device_code)


@pytest.mark.django_db
def test_management_command_connects_through_the_emulator(allegro_emulator, capsys):
    call_command("allegro_connect", "--approve-in-emulator")
    account = AllegroAccount.objects.get()
    out = capsys.readouterr().out
    assert account.login in out
    assert account.base_marketplace in out


@pytest.mark.django_db
def test_settings_page_is_for_administrators_only():
    assert signed_in(role=OPERATOR).get(reverse("allegro:accounts:settings")).status_code == 403
    assert (
        signed_in(role=ADMINISTRATOR).get(reverse("allegro:accounts:settings")).status_code == 200
    )


@pytest.mark.django_db
def test_operators_cannot_start_a_connection():
    response = signed_in(role=OPERATOR).post(reverse("allegro:accounts:settings_connect_start"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_connect_flow_through_the_settings_page(emulator_device_approve):
    client = signed_in(role=ADMINISTRATOR)

    response = client.post(reverse("allegro:accounts:settings_connect_start"), follow=True)
    flow = client.session[SESSION_KEY]
    page = response.content.decode()
    assert flow["user_code"] in page
    assert 'target="_blank"' in page
    assert flow["device_code"] not in page

    poll_url = reverse("allegro:accounts:settings_connect_poll")
    pending = client.post(poll_url, headers={"Accept": "application/json"}).json()
    assert pending["state"] == "pending"
    assert pending["redirect"] is None

    emulator_device_approve(flow["user_code"])
    result = client.post(poll_url, headers={"Accept": "application/json"}).json()
    assert result["state"] == "connected"
    assert SESSION_KEY not in client.session

    account = AllegroAccount.objects.get()
    page = client.get(result["redirect"]).content.decode()
    assert account.login in page
    assert account.get_base_marketplace_display() in page


@pytest.mark.django_db
def test_check_button_without_javascript_redirects_back_while_pending(allegro_emulator):
    client = signed_in(role=ADMINISTRATOR)
    client.post(reverse("allegro:accounts:settings_connect_start"))

    response = client.post(reverse("allegro:accounts:settings_connect_poll"))

    assert response.status_code == 302
    assert response.url == reverse("allegro:accounts:settings_connect")


@pytest.mark.django_db
def test_settings_page_shows_an_account_needing_reconnection():
    AllegroAccount.objects.create(
        seller_id="1",
        login="sklep_cz",
        base_marketplace="allegro-cz",
        status=AllegroAccount.Status.RECONNECT_NEEDED,
        status_reason="Allegro no longer accepts the saved authorization.",
        access_token_encrypted="x",
        refresh_token_encrypted="x",
        access_token_expires_at="2026-01-01T00:00:00Z",
    )
    client = signed_in(role=ADMINISTRATOR)
    client.cookies.load({"django_language": "en"})

    page = client.get(reverse("allegro:accounts:settings"), headers={"Accept-Language": "en"})

    text = page.content.decode()
    assert "Reconnect needed" in text
    assert "Allegro no longer accepts the saved authorization." in text
    assert reverse("allegro:accounts:settings_connect_start") in text
