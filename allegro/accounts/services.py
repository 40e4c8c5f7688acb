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
from shop.services import audit_record

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
        account, created = AllegroAccount.objects.update_or_create(
            seller_id=profile.id,
            defaults={
                "login": profile.login,
                "base_marketplace": profile.base_marketplace,
                "status": AllegroAccount.Status.CONNECTED,
                "status_reason": "",
                **account_token_fields(tokens),
            },
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
