"""Allegro tokens at rest (Fernet-encrypted on AllegroAccount) and their refresh under a lock."""

import base64
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

import django_rq
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from allegro.accounts.models import AllegroAccount
from allegro.api.client import OAuthTokens
from allegro.api.errors import AllegroAuthError, AllegroUnavailable
from allegro.notices import ACCOUNT_TOKENS_REVOKED, ACCOUNT_TOKENS_UNREADABLE
from shop.notices import Notice, notice_text

logger = logging.getLogger(__name__)


# Longer than one refresh call (ALLEGRO_HTTP_TIMEOUT), so the lock outlives the call it guards.
REFRESH_LOCK_SECONDS = 30


@cache
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"shop.allegro.tokens").derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _cipher() -> Fernet:
    return _fernet(settings.ALLEGRO_TOKEN_KEY or settings.SECRET_KEY)


def token_encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode()


def token_decrypt(ciphertext: str) -> str:
    return _cipher().decrypt(ciphertext.encode()).decode()


def account_token_fields(tokens: OAuthTokens) -> dict[str, Any]:
    """The AllegroAccount field values storing `tokens`; for create, update_or_create or save."""
    return {
        "access_token_encrypted": token_encrypt(tokens.access_token),
        "refresh_token_encrypted": token_encrypt(tokens.refresh_token),
        "access_token_expires_at": tokens.expires_at,
    }


def account_tokens_save(*, account: AllegroAccount, tokens: OAuthTokens) -> None:
    fields = account_token_fields(tokens)
    for name, value in fields.items():
        setattr(account, name, value)
    account.save(update_fields=[*fields, "updated_at"])


def account_tokens(account: AllegroAccount) -> OAuthTokens:
    return OAuthTokens(
        access_token=token_decrypt(account.access_token_encrypted),
        refresh_token=token_decrypt(account.refresh_token_encrypted),
        expires_at=account.access_token_expires_at,
    )


def account_reconnect_needed(*, account: AllegroAccount, reason: Notice) -> None:
    account.status = AllegroAccount.Status.RECONNECT_NEEDED
    account.status_reason = reason.stored()
    account.save(update_fields=["status", "status_reason", "updated_at"])
    logger.warning("allegro.account.reconnect_needed", extra={"account_id": account.pk})


class AccountTokenStore:
    """TokenStore over one AllegroAccount row, shared by every process through Redis.

    Call the client outside `transaction.atomic`: a refreshed pair must be committed before
    the lock is released, or another process refreshes again with a spent refresh token.
    """

    def __init__(self, account_id: int) -> None:
        self.account_id = account_id

    def _load(self) -> tuple[AllegroAccount, OAuthTokens]:
        account = AllegroAccount.objects.get(pk=self.account_id)
        if not account.is_connected:
            raise AllegroAuthError(
                f"Allegro account {self.account_id} needs reconnecting: "
                f"{notice_text(account.status_reason)}"
            )
        try:
            return account, account_tokens(account)
        except InvalidToken as exc:
            # The encryption key changed: the stored pair is lost for good.
            account_reconnect_needed(
                account=account,
                reason=ACCOUNT_TOKENS_UNREADABLE(),
            )
            raise AllegroAuthError("stored Allegro tokens cannot be decrypted") from exc

    def current(self) -> OAuthTokens:
        return self._load()[1]

    def refresh(self, stale: OAuthTokens, refresh: Callable[[str], OAuthTokens]) -> OAuthTokens:
        # A Redis lock, not a row lock: no database transaction stays open across HTTP.
        lock = django_rq.get_connection("default").lock(
            f"allegro:token-refresh:{self.account_id}",
            timeout=REFRESH_LOCK_SECONDS,
            blocking_timeout=REFRESH_LOCK_SECONDS,
        )
        if not lock.acquire():
            raise AllegroUnavailable("Allegro token refresh lock is busy")
        try:
            account, tokens = self._load()
            if tokens.access_token != stale.access_token:
                return tokens  # another process refreshed while we waited
            try:
                fresh = refresh(tokens.refresh_token)
            except AllegroAuthError as exc:
                if exc.needs_reconnect:
                    account_reconnect_needed(
                        account=account,
                        reason=ACCOUNT_TOKENS_REVOKED(),
                    )
                raise
            account_tokens_save(account=account, tokens=fresh)
            logger.info("allegro.token.refreshed", extra={"account_id": self.account_id})
            return fresh
        finally:
            lock.release()
