"""Writes of the ERP app other than the sync itself (erp.sync)."""

import logging

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from erp.models import ErpSettings
from shop.services import audit_record

logger = logging.getLogger(__name__)


@transaction.atomic
def erp_settings_periodic_set(
    *, enabled: bool, user: AbstractBaseUser | AnonymousUser
) -> ErpSettings:
    """Switch the periodic sync on or off (the cron job runs regardless and checks this)."""
    ErpSettings.load()
    row = ErpSettings.objects.select_for_update().get(id=1)
    if row.periodic_sync == enabled:
        return row
    row.periodic_sync = enabled
    row.save(update_fields=["periodic_sync", "updated_at"])
    audit_record(
        user=user,
        action="erp.periodic_set",
        obj=row,
        before={"periodic_sync": not enabled},
        after={"periodic_sync": enabled},
    )
    logger.info("erp.periodic_set", extra={"user_id": user.pk, "enabled": enabled})
    return row
