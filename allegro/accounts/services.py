"""Connecting a seller's Allegro account with OAuth's device flow."""

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils.translation import gettext

from allegro.accounts.models import AllegroAccount
from allegro.accounts.tokens import account_token_fields
from allegro.api.client import (
    AllegroClient,
    DeviceAuthorization,
    InMemoryTokenStore,
    oauth_from_settings,
)
from allegro.api.errors import AccessDenied, AllegroAuthError, AuthorizationPending
from allegro.notices import ACCOUNT_DISCONNECTED
from shop.services import audit_record, audited_update

logger = logging.getLogger(__name__)


class AllegroConnectError(Exception):
    """The connection cannot complete; the message can be shown to staff as it is."""


def account_connect_start() -> DeviceAuthorization:
    """Ask Allegro for a code the seller confirms at `verification_uri_complete`.

    Keep `device_code` on the server: whoever holds it gets the account's tokens.
    """
    return oauth_from_settings().device_authorization_start()


def account_connect_poll(
    *, device_code: str, user: AbstractBaseUser | AnonymousUser | None = None
) -> AllegroAccount | None:
    """None while the seller has not confirmed; the connected account once they have.

    Raises SlowDown when polled too often (add 5 s to the interval), AllegroConnectError when
    the seller declined or the code expired, and other AllegroErrors when Allegro is unavailable.
    """
    oauth = oauth_from_settings()
    try:
        tokens = oauth.device_token(device_code)
    except AuthorizationPending:
        return None
    except AccessDenied as exc:
        raise AllegroConnectError(
            exc.for_staff(gettext("The connection was declined in Allegro."))
        ) from exc
    except AllegroAuthError as exc:
        raise AllegroConnectError(
            exc.for_staff(
                gettext("The code has expired or is no longer valid. Start connecting again.")
            )
        ) from exc

    # The pair is stored only with the seller it belongs to, so read who that is first.
    client = AllegroClient(
        settings.ALLEGRO_API_URL,
        InMemoryTokenStore(tokens),
        oauth,
        settings.ALLEGRO_HTTP_TIMEOUT,
    )
    profile = client.me()
    # Tokens may have been refreshed while reading /me; store the pair in use now.
    tokens = client.tokens.current()

    # update_or_create locks an existing row: a reconnect of the same seller keeps the account
    # (and its import cursor) and replaces its tokens; the audit entry joins its transaction.
    with transaction.atomic():
        previous = AllegroAccount.objects.filter(seller_id=profile.id).first()
        fields = {
            "login": profile.login,
            "base_marketplace": profile.base_marketplace,
            "status": AllegroAccount.Status.CONNECTED,
            "status_reason": "",
            **account_token_fields(tokens),
        }
        # A second seller is a second account; a reconnect keeps its name and pause.
        account, created = AllegroAccount.objects.update_or_create(
            seller_id=profile.id,
            defaults=fields,
            create_defaults={**fields, "name": profile.login},
        )
        audit_record(
            user=user,
            action="allegro.account_connected",
            obj=account,
            before={"status": previous.status, "login": previous.login} if previous else {},
            after={"status": account.status, "login": account.login},
        )
    logger.info(
        "allegro.account.connected",
        extra={"account_id": account.pk, "seller_id": profile.id, "reconnect": not created},
    )
    return account


class AccountSettingsRefused(Exception):
    """The change was not saved; the message tells the administrator why."""


@transaction.atomic
def account_rename(
    *, account_id: int, name: str, user: AbstractBaseUser | AnonymousUser | None
) -> AllegroAccount:
    """The name staff see in lists; empty means the login again."""
    account = AllegroAccount.objects.select_for_update().get(pk=account_id)
    name = name.strip()[:64] or account.login
    action = "allegro.account_renamed"
    if not audited_update(obj=account, values={"name": name}, user=user, action=action):
        return account
    logger.info("allegro.account.renamed", extra={"account_id": account.pk})
    return account


@transaction.atomic
def account_pause_set(
    *, account_id: int, paused: bool, user: AbstractBaseUser | AnonymousUser | None
) -> AllegroAccount:
    """Stop (or resume) importing, converting and writing for this account only.

    Its writes stay PENDING meanwhile; on resume the periodic sweep and import take them up.
    """
    account = AllegroAccount.objects.select_for_update().get(pk=account_id)
    action = "allegro.account_paused" if paused else "allegro.account_resumed"
    if not audited_update(obj=account, values={"paused": paused}, user=user, action=action):
        return account
    logger.info("allegro.account.pause_set", extra={"account_id": account.pk, "paused": paused})
    return account


@transaction.atomic
def account_disconnect(
    *, account_id: int, user: AbstractBaseUser | AnonymousUser | None
) -> AllegroAccount:
    """Forget the account's tokens; its orders, writes and settings stay, as do other accounts.

    Connecting the same seller again (device flow) brings it back with its import cursor.
    """
    account = AllegroAccount.objects.select_for_update().get(pk=account_id)
    if account.status == AllegroAccount.Status.DISCONNECTED:
        return account
    before = {"status": account.status}
    account.status = AllegroAccount.Status.DISCONNECTED
    account.status_reason = ACCOUNT_DISCONNECTED().stored()
    account.access_token_encrypted = ""
    account.refresh_token_encrypted = ""
    account.save(
        update_fields=[
            "status",
            "status_reason",
            "access_token_encrypted",
            "refresh_token_encrypted",
            "updated_at",
        ]
    )
    audit_record(
        user=user,
        action="allegro.account_disconnected",
        obj=account,
        before=before,
        after={"status": account.status},
    )
    logger.info("allegro.account.disconnected", extra={"account_id": account.pk})
    return account
