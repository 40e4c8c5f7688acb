import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import InvalidToken
from django.db import connection

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.accounts.tokens import (
    AccountTokenStore,
    account_token_fields,
    account_tokens,
    token_decrypt,
    token_encrypt,
)
from allegro.api.client import OAuthTokens, oauth_from_settings
from allegro.api.errors import AllegroAuthError


def make_tokens(suffix: str = "1", *, expires_in: timedelta = timedelta(hours=12)) -> OAuthTokens:
    return OAuthTokens(
        access_token=f"access-secret-{suffix}",
        refresh_token=f"refresh-secret-{suffix}",
        expires_at=datetime.now(UTC) + expires_in,
    )


def make_account(tokens: OAuthTokens, seller_id: str = "44012345") -> AllegroAccount:
    return AllegroAccount.objects.create(
        seller_id=seller_id,
        login="sklep_testowy",
        base_marketplace="allegro-pl",
        **account_token_fields(tokens),
    )


def test_encryption_round_trips_and_hides_the_plain_text():
    ciphertext = token_encrypt("access-secret")
    assert "access-secret" not in ciphertext
    assert token_decrypt(ciphertext) == "access-secret"


def test_encryption_key_comes_from_allegro_token_key_when_set(settings):
    ciphertext = token_encrypt("access-secret")
    settings.ALLEGRO_TOKEN_KEY = "another-key"
    with pytest.raises(InvalidToken):
        token_decrypt(ciphertext)


@pytest.mark.django_db
def test_tokens_are_encrypted_in_the_database():
    account = make_account(make_tokens())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM allegro_allegroaccount"
            " WHERE id = %s",
            [account.pk],
        )
        row = cursor.fetchone()
    assert "access-secret-1" not in row[0]
    assert "refresh-secret-1" not in row[1]
    assert account_tokens(AllegroAccount.objects.get(pk=account.pk)).refresh_token == (
        "refresh-secret-1"
    )


@pytest.mark.django_db
def test_refresh_stores_the_new_pair_before_returning_it():
    stale = make_tokens("old")
    account = make_account(stale)
    calls = []

    def refresh(refresh_token: str) -> OAuthTokens:
        calls.append(refresh_token)
        return make_tokens("new")

    fresh = AccountTokenStore(account.pk).refresh(stale, refresh)

    assert calls == ["refresh-secret-old"]
    assert fresh.access_token == "access-secret-new"
    assert account_tokens(AllegroAccount.objects.get(pk=account.pk)) == fresh


@pytest.mark.django_db
def test_refresh_returns_the_stored_pair_when_someone_else_refreshed():
    stale = make_tokens("old")
    account = make_account(make_tokens("theirs"))

    def refresh(refresh_token: str) -> OAuthTokens:
        raise AssertionError("must not refresh a pair refreshed by someone else")

    assert AccountTokenStore(account.pk).refresh(stale, refresh).access_token == (
        "access-secret-theirs"
    )


@pytest.mark.django_db
def test_invalid_grant_marks_the_account_reconnect_needed():
    stale = make_tokens()
    account = make_account(stale)

    def refresh(refresh_token: str) -> OAuthTokens:
        raise AllegroAuthError("400 invalid_grant", status=400, error="invalid_grant")

    with pytest.raises(AllegroAuthError):
        AccountTokenStore(account.pk).refresh(stale, refresh)

    account.refresh_from_db()
    assert account.status == AllegroAccount.Status.RECONNECT_NEEDED
    assert account.status_reason
    # A disconnected account fails at once, without calling Allegro with dead tokens.
    with pytest.raises(AllegroAuthError, match="reconnecting"):
        AccountTokenStore(account.pk).current()


@pytest.mark.django_db
def test_a_transient_refresh_failure_leaves_the_account_connected():
    stale = make_tokens()
    account = make_account(stale)

    def refresh(refresh_token: str) -> OAuthTokens:
        raise AllegroAuthError("401 invalid_client", status=401, error="invalid_client")

    with pytest.raises(AllegroAuthError):
        AccountTokenStore(account.pk).refresh(stale, refresh)
    account.refresh_from_db()
    assert account.is_connected


@pytest.mark.django_db
def test_tokens_the_encryption_key_cannot_read_mark_the_account_reconnect_needed(settings):
    account = make_account(make_tokens())
    settings.ALLEGRO_TOKEN_KEY = "a-rotated-key"
    with pytest.raises(AllegroAuthError):
        AccountTokenStore(account.pk).current()
    account.refresh_from_db()
    assert account.status == AllegroAccount.Status.RECONNECT_NEEDED


@pytest.fixture
def emulator_tokens(emulator_device_approve) -> OAuthTokens:
    """A real token pair from the emulator's device flow."""
    oauth = oauth_from_settings()
    authorization = oauth.device_authorization_start()
    emulator_device_approve(authorization.user_code)
    return oauth.device_token(authorization.device_code)


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_meeting_an_expired_token_refresh_it_once(emulator_tokens, caplog):
    tokens = emulator_tokens
    expired = OAuthTokens(tokens.access_token, tokens.refresh_token, datetime.now(UTC))
    account = make_account(expired)
    caplog.set_level(logging.INFO, logger="allegro")
    barrier = threading.Barrier(50)
    sellers: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client = client_for_account(account)
            barrier.wait()
            sellers.append(client.me().id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(sellers) == 50
    assert [r.message for r in caplog.records].count("allegro.oauth.refreshed") == 1
    stored = account_tokens(AllegroAccount.objects.get(pk=account.pk))
    assert stored.access_token != tokens.access_token
    assert stored.expires_at > datetime.now(UTC) + timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_a_revoked_refresh_token_marks_the_account_reconnect_needed(
    emulator_tokens, emulator_control
):
    tokens = emulator_tokens
    account = make_account(
        OAuthTokens(tokens.access_token, tokens.refresh_token, datetime.now(UTC))
    )
    emulator_control("tokens/revoke")

    with pytest.raises(AllegroAuthError):
        client_for_account(account).me()

    account.refresh_from_db()
    assert account.status == AllegroAccount.Status.RECONNECT_NEEDED
    assert account.status_reason


@pytest.mark.django_db(transaction=True)
def test_tokens_never_appear_in_logs(emulator_tokens, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = emulator_tokens
    account = make_account(
        OAuthTokens(tokens.access_token, tokens.refresh_token, datetime.now(UTC))
    )
    client = client_for_account(account)
    client.me()  # refreshes first: the token is past its expiry
    fresh = account_tokens(AllegroAccount.objects.get(pk=account.pk))

    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    for secret in (tokens.access_token, tokens.refresh_token, fresh.access_token):
        assert secret not in logged
    assert tokens.access_token not in repr(tokens) + repr(client)
