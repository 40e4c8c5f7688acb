"""Staff's say in writing to Allegro: per account, pauses, who gets invoices and which Allegro
status each sales order status shows as; and trying failed writes again in bulk."""

import logging
from collections.abc import Collection, Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allegro.models import AllegroAccount, AllegroWrite, FulfillmentStatus, FulfillmentStatusMapping
from allegro.writeback import PAUSE_FIELDS, write_enqueue, write_retry
from allegro.writeback_selectors import accounts_status_mappings
from sales.models import SalesOrderStatus

logger = logging.getLogger(__name__)

# Allegro refuses RETURNED from a seller: it is set by Allegro's own returns process.
MAPPABLE_STATUSES = frozenset(FulfillmentStatus.values) - {FulfillmentStatus.RETURNED}
NOT_SENT = ""
# Writes queued at once when a kind is resumed; the periodic sweep queues any beyond.
RESUME_LIMIT = 1000


class WritebackSettingsRefused(Exception):
    """The settings were not saved; the message tells the administrator why."""


def _user_id(user: AbstractBaseUser | None) -> int | None:
    return getattr(user, "pk", None)


@transaction.atomic
def account_status_mapping_set(
    *, account_id: int, mapping: Mapping[str, str], user: AbstractBaseUser | None
) -> dict[str, str]:
    """Set which Allegro status each given sales status shows as ("" = not sent); all or
    nothing. Returns the account's whole mapping."""
    unknown = sorted(set(mapping) - set(SalesOrderStatus.values))
    if unknown:
        raise WritebackSettingsRefused(
            _("Unknown sales order status: %(statuses)s.") % {"statuses": ", ".join(unknown)}
        )
    for sales_status, allegro_status in mapping.items():
        if allegro_status == FulfillmentStatus.RETURNED:
            raise WritebackSettingsRefused(
                _("“%(status)s” cannot be sent as RETURNED: Allegro sets that status itself.")
                % {"status": SalesOrderStatus(sales_status).label}
            )
        if allegro_status != NOT_SENT and allegro_status not in MAPPABLE_STATUSES:
            raise WritebackSettingsRefused(
                _(
                    "“%(status)s”: “%(value)s” is not an Allegro fulfillment status. Choose one"
                    " of the list or “do not send”."
                )
                % {"status": SalesOrderStatus(sales_status).label, "value": allegro_status}
            )
    # Locked so that two administrators saving at once leave one whole mapping, not a mix.
    AllegroAccount.objects.select_for_update().get(pk=account_id)
    for sales_status, allegro_status in mapping.items():
        FulfillmentStatusMapping.objects.update_or_create(
            account_id=account_id,
            sales_status=sales_status,
            defaults={"fulfillment_status": allegro_status},
        )
    logger.info(
        "allegro.writeback.mapping_set",
        extra={"account_id": account_id, "mapping": dict(mapping), "user_id": _user_id(user)},
    )
    return accounts_status_mappings(account_ids=[account_id])[account_id]


@transaction.atomic
def account_write_switches_set(
    *,
    account_id: int,
    fulfillment_paused: bool,
    shipment_paused: bool,
    invoice_paused: bool,
    invoices_for_everyone: bool,
    user: AbstractBaseUser | None,
) -> AllegroAccount:
    """Pause or resume each kind of write, and choose who gets invoices. A resumed kind's
    waiting writes are queued after commit rather than at the next sweep."""
    account = AllegroAccount.objects.select_for_update().get(pk=account_id)
    wanted = {
        PAUSE_FIELDS[AllegroWrite.Kind.FULFILLMENT]: fulfillment_paused,
        PAUSE_FIELDS[AllegroWrite.Kind.SHIPMENT]: shipment_paused,
        PAUSE_FIELDS[AllegroWrite.Kind.INVOICE]: invoice_paused,
        "invoices_for_everyone": invoices_for_everyone,
    }
    changed = [field for field, value in wanted.items() if getattr(account, field) != value]
    if not changed:
        return account
    resumed = [
        kind for kind, field in PAUSE_FIELDS.items() if field in changed and not wanted[field]
    ]
    for field in changed:
        setattr(account, field, wanted[field])
    account.save(update_fields=[*changed, "updated_at"])
    logger.info(
        "allegro.writeback.switches_set",
        extra={
            "account_id": account_id,
            "changed": {field: wanted[field] for field in changed},
            "user_id": _user_id(user),
        },
    )
    if resumed:
        due = AllegroWrite.objects.filter(
            account_id=account_id,
            kind__in=resumed,
            state=AllegroWrite.State.PENDING,
            next_attempt_at__lte=timezone.now(),
        ).values_list("id", flat=True)[:RESUME_LIMIT]
        for write_id in due:
            write_enqueue(write_id)
    return account


def writes_retry(*, write_ids: Collection[int]) -> int:
    """ "Ponów" for many writes at once; the finished ones are left alone. Returns how many
    will be tried again. Each write is retried in its own transaction, as one by one."""
    retryable = AllegroWrite.objects.filter(
        pk__in=write_ids, state__in=[AllegroWrite.State.FAILED, AllegroWrite.State.PENDING]
    ).order_by("id")
    retried = 0
    for write_id in retryable.values_list("id", flat=True):
        retried += write_retry(write_id=write_id).state == AllegroWrite.State.PENDING
    return retried
