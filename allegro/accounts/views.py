"""Allegro ▸ Settings: connected accounts and connecting one with the device flow."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from redis.exceptions import RedisError

from allegro.accounts.clients import request_budget
from allegro.accounts.models import AllegroAccount
from allegro.accounts.services import (
    AllegroConnectError,
    account_connect_poll,
    account_connect_start,
    account_disconnect,
    account_pause_set,
    account_rename,
)
from allegro.api.budget import AccountUsage, BudgetUsage
from allegro.api.errors import AllegroError, SlowDown
from allegro.conversion.selectors import accounts_auto_convert_waiting
from allegro.writeback.forms import StatusMappingForm, WriteSwitchesForm
from allegro.writeback.selectors import accounts_status_mappings

# The device flow in progress lives in the session: device_code must never reach the page.
SESSION_KEY = "allegro_connect"


settings_permission = permission_required("allegro.manage_allegro_settings", raise_exception=True)


def _budget(accounts: list[AllegroAccount]) -> dict[str, Any] | None:
    """The Client ID's request budget of the last minute, per account; None without Redis."""
    try:
        usage: BudgetUsage = request_budget().usage()
    except RedisError:
        return None
    idle = AccountUsage(requests=0, reads=0)
    rows = [(account, usage.accounts.get(str(account.pk), idle)) for account in accounts]
    known = {str(account.pk) for account in accounts}
    # Calls made for no account (or one removed since) still spent the budget.
    other = sum(used.requests for key, used in usage.accounts.items() if key not in known)
    return {
        "usage": usage,
        "rows": rows,
        "other": other,
        "percent": round(100 * usage.requests / usage.per_minute) if usage.per_minute else 0,
    }


@require_GET
@settings_permission
def settings_index(request: HttpRequest) -> HttpResponse:
    accounts = list(AllegroAccount.objects.order_by("login"))
    mappings = accounts_status_mappings(account_ids=[account.pk for account in accounts])
    waiting = accounts_auto_convert_waiting(accounts=accounts)
    for account in accounts:
        # How many orders the automatic conversion takes now (switched off: none).
        account.auto_convert_waiting = waiting[account.pk]  # type: ignore[attr-defined]
    context = {
        "title": _("Allegro ▸ Settings"),
        "accounts": accounts,
        "connect_in_progress": SESSION_KEY in request.session,
        "budget": _budget(accounts),
        "read_share": settings.ALLEGRO_READ_SHARE,
        # Per account: what is written to Allegro, and which status each sales status shows as.
        "writeback": [
            (
                account,
                WriteSwitchesForm(
                    initial={
                        "fulfillment_paused": account.fulfillment_writes_paused,
                        "shipment_paused": account.shipment_writes_paused,
                        "invoice_paused": account.invoice_writes_paused,
                        "invoices_for_everyone": account.invoices_for_everyone,
                    },
                    auto_id=f"id_switches_{account.pk}_%s",
                ),
                StatusMappingForm.for_mapping(
                    mappings[account.pk], auto_id=f"id_mapping_{account.pk}_%s"
                ),
            )
            for account in accounts
        ],
    }
    return render(request, "allegro/settings_index.html", context)


@require_POST
@settings_permission
def settings_connect_start(request: HttpRequest) -> HttpResponse:
    try:
        authorization = account_connect_start()
    except AllegroError as error:
        # An answer (a 5xx) names its trace-id; a connection error has none.
        messages.error(
            request, error.for_staff(_("Allegro is not answering. Try again in a moment."))
        )
        return redirect("allegro:accounts:settings")
    request.session[SESSION_KEY] = {
        "device_code": authorization.device_code,
        "user_code": authorization.user_code,
        "verification_uri_complete": authorization.verification_uri_complete,
        "interval": authorization.interval,
        "expires_at": time.time() + authorization.expires_in,
    }
    return redirect("allegro:accounts:settings_connect")


@require_GET
@settings_permission
def settings_connect(request: HttpRequest) -> HttpResponse:
    flow = request.session.get(SESSION_KEY)
    if flow is None:
        return redirect("allegro:accounts:settings")
    context = {
        "title": _("Connect Allegro account"),
        "user_code": flow["user_code"],
        "verification_uri_complete": flow["verification_uri_complete"],
        "interval": flow["interval"],
    }
    return render(request, "allegro/settings_connect.html", context)


def _poll(request: HttpRequest) -> dict[str, Any]:
    """One poll of the flow in the session: {"state": pending|connected|failed, ...}."""
    flow = request.session.get(SESSION_KEY)
    if flow is None:
        return {"state": "failed", "message": _("No connection is in progress.")}
    if time.time() > flow["expires_at"]:
        del request.session[SESSION_KEY]
        return {"state": "failed", "message": _("The code has expired. Start connecting again.")}
    try:
        account = account_connect_poll(device_code=flow["device_code"], user=request.user)
    except SlowDown:
        flow["interval"] += 5
        request.session.modified = True
        account = None
    except AllegroConnectError as exc:
        del request.session[SESSION_KEY]
        return {"state": "failed", "message": str(exc)}
    except AllegroError as exc:
        if exc.is_transient:
            return {
                "state": "pending",
                "message": exc.for_staff(_("Allegro is not answering; trying again.")),
                "interval": flow["interval"],
            }
        del request.session[SESSION_KEY]
        return {
            "state": "failed",
            "message": exc.for_staff(_("Allegro refused the connection: %s") % exc),
        }
    if account is None:
        return {
            "state": "pending",
            "message": _("Waiting for confirmation in Allegro…"),
            "interval": flow["interval"],
        }
    del request.session[SESSION_KEY]
    return {
        "state": "connected",
        "message": _("Connected Allegro account %(login)s (%(marketplace)s).")
        % {"login": account.login, "marketplace": account.get_base_marketplace_display()},
    }


@require_POST
@settings_permission
def settings_connect_poll(request: HttpRequest) -> HttpResponse:
    """JSON for the page's script (Accept: application/json); a redirect for the button."""
    result = _poll(request)
    if result["state"] == "pending":
        target = reverse("allegro:accounts:settings_connect")
    else:
        level = messages.SUCCESS if result["state"] == "connected" else messages.ERROR
        messages.add_message(request, level, result["message"])
        target = reverse("allegro:accounts:settings")
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {**result, "redirect": target if result["state"] != "pending" else None}
        )
    if result["state"] == "pending":
        messages.info(request, result["message"])
    return redirect(target)


def _back_to(account: AllegroAccount) -> HttpResponse:
    return redirect(reverse("allegro:accounts:settings") + f"#account-{account.pk}")


@require_POST
@settings_permission
def settings_account_rename(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(AllegroAccount, pk=pk)
    account = account_rename(
        account_id=account.pk, name=request.POST.get("name", ""), user=request.user
    )
    messages.success(
        request,
        _("Account %(login)s is now called %(name)s.")
        % {"login": account.login, "name": account.display_name},
    )
    return _back_to(account)


@require_POST
@settings_permission
def settings_account_pause(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause (`paused=1`) or resume one account; the others go on as they were."""
    account = get_object_or_404(AllegroAccount, pk=pk)
    paused = request.POST.get("paused") == "1"
    account = account_pause_set(account_id=account.pk, paused=paused, user=request.user)
    if paused:
        message = _(
            "Account %(name)s is paused: nothing is imported, created or written to Allegro "
            "for it until it is resumed."
        )
    else:
        message = _("Account %(name)s is resumed.")
    messages.success(request, message % {"name": account.display_name})
    return _back_to(account)


@require_POST
@settings_permission
def settings_account_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(AllegroAccount, pk=pk)
    account = account_disconnect(account_id=account.pk, user=request.user)
    messages.success(
        request,
        _(
            "Account %(name)s is disconnected: its authorization is forgotten, its orders "
            "stay. Connect it again to resume."
        )
        % {"name": account.display_name},
    )
    return _back_to(account)
