"""Reads about the connected accounts."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from allegro.accounts.models import AllegroAccount
from shop.health import Check
from shop.notices import notice_text


def accounts_health() -> list[Check]:
    """Per account: is its token usable, and has its import run lately (three intervals)?"""
    now = timezone.now()
    stale_after = 3 * settings.ALLEGRO_IMPORT_INTERVAL
    checks = []
    for account in AllegroAccount.objects.order_by("login"):
        name = _("Allegro account %(login)s") % {"login": account.display_name}
        key = f"allegro.account.{account.pk}"
        if account.status == AllegroAccount.Status.DISCONNECTED:
            # An administrator's choice, not a fault: nobody needs warning.
            checks.append(Check(key, name, True, account.get_status_display()))
            continue
        if not account.is_connected:
            reason = notice_text(account.status_reason) or account.get_status_display()
            checks.append(
                Check(
                    key,
                    name,
                    False,
                    reason,
                    _("Allegro account %(login)s must be connected again.")
                    % {"login": account.login},
                )
            )
            continue
        if account.last_import_at is None:
            age = None
            detail = _("never imported")
        else:
            age = (now - account.last_import_at).total_seconds()
            detail = _("last import %(seconds)d s ago") % {"seconds": round(age)}
        if account.last_import_error:
            detail += " · " + notice_text(account.last_import_error)[:200]
        if account.paused:
            checks.append(Check(key, name, True, _("paused") + " · " + detail))
            continue
        if age is None or age > stale_after:
            warning = _("No import from Allegro account %(login)s for over %(seconds)d s.") % {
                "login": account.login,
                "seconds": stale_after,
            }
            checks.append(Check(key, name, False, detail, warning))
        else:
            checks.append(Check(key, name, True, detail))
    return checks


def accounts_working_ids() -> list[int]:
    """The accounts periodic jobs work for: connected and not paused by an administrator."""
    return list(
        AllegroAccount.objects.filter(
            status=AllegroAccount.Status.CONNECTED, paused=False
        ).values_list("id", flat=True)
    )
