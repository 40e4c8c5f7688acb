"""Signing in, lockouts, users and roles, the audit trail and the error pages."""

import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.template.loader import get_template
from django.test import Client, RequestFactory
from django.urls import reverse

from shop.auth import client_ip
from shop.models import AuditEntry, ShopSettings
from shop.roles import ADMINISTRATOR, OPERATOR
from tests.support.factories import make_account, make_user
from tests.support.html import text

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
USERS = reverse("shop:users")
AUDIT = reverse("shop:audit")


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_ten_wrong_passwords_lock_the_login_until_an_administrator_lifts_it(
    client, administrator_client, caplog
):
    make_user(role=OPERATOR, username="kasia")  # password "password"
    for _attempt in range(9):
        assert sign_in(client, "kasia", "wrong").status_code == 200  # the form again
    caplog.clear()
    with caplog.at_level(logging.INFO):
        locked = sign_in(client, "kasia", "wrong")

    assert locked.status_code == 429
    assert "Logowanie zablokowane" in text(locked)  # our own page, in Polish
    assert sorted(r.getMessage() for r in caplog.records if r.name == "shop.auth") == [
        "auth.locked_out",
        "auth.login_failed",
    ]
    # Even the right password is refused now, from another address too.
    assert sign_in(Client(), "kasia", "password", "10.0.0.2").status_code == 429

    page = text(administrator_client.get(USERS))
    assert "kasia" in page and "zablokowane" in page
    attempt = AccessAttempt.objects.get(username="kasia", ip_address="10.0.0.1")
    lifted = administrator_client.post(reverse("shop:lockout_lift", args=[attempt.pk]))

    assert lifted["Location"] == USERS
    assert not AccessAttempt.objects.exists()
    assert sign_in(Client(), "kasia", "password")["Location"].startswith("/")
    entry = AuditEntry.objects.get(action="auth.lockout_lifted")
    assert entry.username == "szef" and entry.before["failures"] >= 10


def test_ten_failures_from_one_address_lock_that_address_for_every_user_name(client):
    make_user(role=OPERATOR, username="kasia")
    for attempt in range(10):
        sign_in(client, f"guess-{attempt}", "wrong", "10.9.9.9")

    assert sign_in(client, "kasia", "password", "10.9.9.9").status_code == 429
    assert sign_in(Client(), "kasia", "password", "10.1.1.1").status_code == 302


def test_a_failed_sign_in_is_one_log_line(client, caplog):
    make_user(role=OPERATOR, username="kasia")
    with caplog.at_level(logging.INFO):
        sign_in(client, "kasia", "wrong")

    failures = [r for r in caplog.records if r.getMessage() == "auth.login_failed"]
    assert len(failures) == 1
    assert failures[0].username == "kasia"  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.name.startswith("axes")]


def test_proxy_address_is_believed_only_when_a_proxy_is_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.TRUST_PROXY_HEADERS = False
    assert client_ip(request) == "10.0.0.5"
    settings.TRUST_PROXY_HEADERS = True
    assert client_ip(request) == "1.2.3.4"


def test_administrator_adds_a_user_with_a_checked_password_and_changes_the_role(
    administrator_client,
):
    weak = administrator_client.post(
        reverse("shop:user_create"), {"username": "ola", "password": "12345678", "role": OPERATOR}
    )
    assert weak.status_code == 200 and not User.objects.filter(username="ola").exists()

    administrator_client.post(
        reverse("shop:user_create"),
        {"username": "ola", "password": "Kontuar-sklep-2024", "role": OPERATOR},
    )
    ola = User.objects.get(username="ola")
    assert list(ola.groups.values_list("name", flat=True)) == [OPERATOR]

    response = administrator_client.post(
        reverse("shop:user_update", args=[ola.pk]), {"role": ADMINISTRATOR}
    )

    ola.refresh_from_db()
    assert response["Location"] == USERS
    assert list(ola.groups.values_list("name", flat=True)) == [ADMINISTRATOR]
    assert ola.is_active is False  # the box was left unticked
    change = AuditEntry.objects.get(action="user.updated")
    assert change.before["role"] == OPERATOR and change.after["role"] == ADMINISTRATOR
    assert AuditEntry.objects.filter(action="user.created", object_repr="ola").exists()


def test_an_administrator_cannot_demote_themselves(administrator_client):
    me = User.objects.get(username="szef")
    response = administrator_client.post(
        reverse("shop:user_update", args=[me.pk]), {"role": OPERATOR, "is_active": "on"}
    )
    assert response.status_code == 200
    assert me.groups.filter(name=ADMINISTRATOR).exists()


def test_operators_are_refused_users_and_the_audit_trail_with_our_own_page(operator_client, caplog):
    with caplog.at_level(logging.INFO):
        refused = operator_client.get(USERS)

    assert refused.status_code == 403
    page = text(refused)
    assert "Brak dostępu" in page and 'href="/"' in page and "Kontuar" in page
    forbidden = [r for r in caplog.records if r.name == "django.request"]
    assert len(forbidden) == 1 and forbidden[0].exc_info is None
    assert operator_client.get(AUDIT).status_code == 403


def test_switching_automatic_conversion_on_appears_in_the_audit_trail(administrator_client):
    account = make_account(login="sklep_testowy")
    administrator_client.post(
        reverse("allegro:conversion:settings_auto_conversion", args=[account.pk]),
        {"enabled": "on"},
    )

    entry = AuditEntry.objects.get(action="allegro.auto_conversion_set")
    assert (entry.username, entry.object_id) == ("szef", str(account.pk))
    changes = {field: (before, after) for field, before, after in entry.changes()}
    assert changes["auto_create_orders"] == (False, True)
    assert changes["from"][0] is None and changes["from"][1]  # from when it takes orders
    page = text(administrator_client.get(AUDIT, {"username": "szef"}))
    # The action in words, its code kept as the cell's title.
    row = '<td title="allegro.auto_conversion_set">Przełączone automatyczne zamówienia</td>'
    assert row in page and "sklep_testowy" in page
    assert row not in text(administrator_client.get(AUDIT, {"username": "nikt"}))


def test_shop_variant_change_is_audited_with_before_and_after(administrator_client):
    ShopSettings.load()
    administrator_client.post(reverse("shop:settings"), {"variant": "PRO"})
    entry = AuditEntry.objects.get(action="shop.variant_set")
    assert (entry.before, entry.after) == ({"variant": "STANDARD"}, {"variant": "PRO"})


def test_pages_name_the_product_and_the_shop(administrator_client, settings):
    settings.SHOP_NAME = "Czajniki Kowalski"
    page = text(administrator_client.get(reverse("shop:settings")))
    assert "Kontuar" in page and "Czajniki Kowalski" in page
    assert "e<span>·</span>" not in page


def test_missing_page_is_our_own_and_the_error_page_needs_no_database(administrator_client, client):
    missing = administrator_client.get("/nie-ma-takiej-strony/")
    assert missing.status_code == 404 and "Nie znaleziono strony" in text(missing)
    assert "Nie znaleziono strony" in text(client.get("/nie-ma-takiej-strony/"))
    # server_error renders 500.html with an empty context: no request, no context processors.
    assert "Kontuar" in get_template("500.html").render({})


def test_favicon_and_content_security_policy(client):
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301 and favicon["Location"].endswith("shop/favicon.svg")
    policy = client.get(LOGIN)["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy


@pytest.mark.parametrize(
    "url, params",
    [
        (reverse("sales:order_list"), {"created_to": "9999-12-31"}),
        (reverse("sales:order_list"), {"created_from": "0001-01-01"}),
        (reverse("allegro:orders:order_list"), {"bought_to": "9999-12-31"}),
    ],
)
def test_a_date_out_of_range_is_a_form_error_not_a_failure(administrator_client, url, params):
    response = administrator_client.get(url, params)
    assert response.status_code == 200
    assert "notice error" in text(response)
