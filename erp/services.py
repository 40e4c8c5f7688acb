"""Writes of the ERP app other than the sync itself (erp.sync)."""

import logging

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from erp.models import ErpSettings
from shop.services import audited_update

logger = logging.getLogger(__name__)


@transaction.atomic
def erp_settings_periodic_set(
    *, enabled: bool, user: AbstractBaseUser | AnonymousUser
) -> ErpSettings:
    """Switch the periodic sync on or off (the cron job runs regardless and checks this)."""
    ErpSettings.load()
    row = ErpSettings.objects.select_for_update().get(id=1)
    values = {"periodic_sync": enabled}
    if not audited_update(obj=row, values=values, user=user, action="erp.periodic_set"):
        return row
    logger.info("erp.periodic_set", extra={"user_id": user.pk, "enabled": enabled})
    return row
