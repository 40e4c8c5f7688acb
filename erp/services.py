"""Writes of the ERP app other than the sync itself (erp.sync)."""

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from erp.models import ErpOrderLink, ErpSettings
from sales.search import sales_order_search_terms_set
from shop.search import Terms
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


SEARCH_SOURCE = "erp"


def erp_search_terms(link: Any) -> Terms:
    return [("erp_document", link.document_number), ("invoice", link.invoice_number)]


def erp_search_terms_set(link: ErpOrderLink) -> None:
    """Sprzedaż ▸ Zamówienia finds the order by the ERP's document and invoice numbers."""
    sales_order_search_terms_set(
        order_id=link.order_id, source=SEARCH_SOURCE, terms=erp_search_terms(link)
    )
