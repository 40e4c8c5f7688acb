"""Signing in: which address a request comes from, and one log line per failure or lockout.

django-axes counts the failures and locks out (config/settings.py, AXES_*); administrators see
and lift lockouts on Sklep ▸ Blokady logowania (shop.views.lockout_list)."""

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one our proxy appended to X-Forwarded-For when a proxy is
    trusted (TRUST_PROXY_HEADERS), otherwise the connection's own. A client's own entries,
    further left, are never believed."""
    if settings.TRUST_PROXY_HEADERS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    logger.warning(
        "auth.login_failed",
        extra={
            "username": credentials.get("username", ""),
            "ip_address": client_ip(request) if request is not None else None,
        },
    )


def on_locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    logger.warning("auth.locked_out", extra={"username": username, "ip_address": ip_address})
