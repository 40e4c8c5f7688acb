"""Keeping Allegro in step with the shop: fulfillment status, tracking numbers, invoices.

A change in `sales` announces itself by a signal; the receivers here write an AllegroWrite row
in that same transaction and queue its job after commit. The job claims the row, reads
Allegro before it writes (so a retry never adds a waybill or an invoice twice, nor sends a
status Allegro already shows) and records the outcome on the row for staff to see. Redis only
delivers: a sweep queues again whatever waited too long.
"""

import logging
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

import django_rq
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from allegro import notices
from allegro.accounts.models import AllegroAccount
from allegro.api.backoff import retry_delay
from allegro.api.client import AllegroClient
from allegro.api.errors import AllegroAuthError, AllegroConflict, AllegroError
from allegro.notices import allegro_error_notice
from allegro.orders.models import FULFILLMENT_STATUS, AllegroOrder, FulfillmentStatus
from allegro.orders.services import account_own_writes_settle, orders_store
from allegro.writeback.models import (
    DEFAULT_STATUS_MAP,
    HELD_BACK,
    HELD_FOR_ATTENTION_KINDS,
    PAUSE_FIELDS,
    AllegroWrite,
    FulfillmentStatusMapping,
    held_for_attention,
)
from allegro.writeback.selectors import accounts_status_mappings
from sales.models import (
    AttentionResolution,
    SalesOrderInvoice,
    SalesOrderShipment,
    SalesOrderStatus,
)
from sales.services import SalesOrderRefused
from shop.queueing import JobQueue
from shop.services import audit_record, audited_update

logger = logging.getLogger(__name__)


# A stale revision is re-read and tried again; more than this many in a row is left for later.
CONFLICT_ROUNDS = 3


def fulfillment_status_for(*, account_id: int, sales_status: str) -> str:
    """The Allegro status a sales status shows as ("" = not sent), per account."""
    mapped = (
        FulfillmentStatusMapping.objects.filter(account_id=account_id, sales_status=sales_status)
        .values_list("fulfillment_status", flat=True)
        .first()
    )
    return DEFAULT_STATUS_MAP.get(sales_status, "") if mapped is None else mapped


JOB = "allegro.writeback.jobs.perform_write"


# The change and its row are committed already: failing here would only turn the seller's
# saved change into an error page. The sweep queues the row once Redis is back.
_queue = JobQueue(logger, "allegro.write.enqueue_failed", timeout_setting="ALLEGRO_WRITE_LEASE")


def _enqueue_now(write_id: int, delay: float = 0) -> None:
    _queue.put(JOB, write_id, delay=delay, write_id=write_id)


def write_enqueue(write_id: int) -> None:
    """Queue the job once the row is committed (the job must find it)."""
    transaction.on_commit(lambda: _enqueue_now(write_id))


def _record(*, allegro_order: AllegroOrder, kind: str, cause: str, target: dict) -> AllegroWrite:
    write, created = AllegroWrite.objects.get_or_create(
        cause=cause,
        defaults={
            "account_id": allegro_order.account_id,
            "allegro_order": allegro_order,
            "kind": kind,
            "target": target,
        },
    )
    if created:
        write_enqueue(write.id)
    return write


def _record_of(allegro_order: AllegroOrder, kind: str, name: str, pk: int) -> AllegroWrite:
    """The write that sends one object (a shipment, an invoice): one row per object."""
    return _record(
        allegro_order=allegro_order, kind=kind, cause=f"{name}:{pk}", target={f"{name}_id": pk}
    )


def _allegro_order_of(sales_order: Any) -> AllegroOrder | None:
    return AllegroOrder.objects.filter(sales_order=sales_order).select_related("account").first()


def on_sales_status_changed(*, order: Any, event: Any, new_status: str, **kwargs: Any) -> None:
    allegro_order = _allegro_order_of(order)
    if allegro_order is None:
        return
    status = fulfillment_status_for(account_id=allegro_order.account_id, sales_status=new_status)
    if status:
        _record(
            allegro_order=allegro_order,
            kind=AllegroWrite.Kind.FULFILLMENT,
            cause=f"status:{event.pk}",
            target={"status": status},
        )


def on_shipment_added(*, order: Any, shipment: SalesOrderShipment, **kwargs: Any) -> None:
    allegro_order = _allegro_order_of(order)
    if allegro_order is not None:
        _record_of(allegro_order, AllegroWrite.Kind.SHIPMENT, "shipment", shipment.pk)


def on_shipment_removing(*, order: Any, shipment: SalesOrderShipment, **kwargs: Any) -> None:
    """A tracking number is being removed: its write is cancelled while Allegro has not got it,
    and the removal refused once it has (DONE) or a worker is sending it now. The row is
    locked, so a worker's claim (an UPDATE of a PENDING row) comes before or after, never
    between."""
    write = AllegroWrite.objects.select_for_update().filter(cause=f"shipment:{shipment.pk}").first()
    if write is None or write.state == AllegroWrite.State.SKIPPED:
        return
    now = timezone.now()
    if write.reached_allegro():
        raise SalesOrderRefused(
            _(
                "Tracking number %(waybill)s is on Allegro already, so it cannot be removed"
                " here; correct it in Allegro's Sales Manager."
            )
            % {"waybill": shipment.waybill}
        )
    if write.being_sent(now):
        raise SalesOrderRefused(
            _("Tracking number %(waybill)s is being sent to Allegro right now; try again shortly.")
            % {"waybill": shipment.waybill}
        )
    write.state = AllegroWrite.State.SKIPPED
    write.last_error = notices.WRITE_REMOVED().stored()
    # The shipment row goes: the write keeps what it was about, for the list of writes.
    write.target = {
        **write.target,
        "carrier": shipment.carrier_name or shipment.carrier_code,
        "waybill": shipment.waybill,
    }
    write.done_at = now
    write.claimed_until = None
    write.save(
        update_fields=["state", "last_error", "target", "done_at", "claimed_until", "updated_at"]
    )
    logger.info(
        "allegro.write.shipment_cancelled",
        extra={"write_id": write.pk, "shipment_id": shipment.pk},
    )


def on_invoice_attached(*, order: Any, invoice: SalesOrderInvoice, **kwargs: Any) -> None:
    """An invoice got its PDF or a new KSeF state: it goes to Allegro (once: one row per
    invoice) when the buyer may receive it, each correction as an invoice of its own."""
    allegro_order = _allegro_order_of(order)
    if allegro_order is None:
        return
    if not invoice.buyer_may_receive(company_buyer=order.is_company_buyer):
        # Pending in KSeF, rejected, or a company's invoice kept outside KSeF: the buyer must
        # not get it; a later state announces it again.
        return
    # Czech, Slovak and Hungarian buyers get it exactly as Polish ones: by what they asked for.
    if allegro_order.invoice_required or allegro_order.account.invoices_for_everyone:
        _record_of(allegro_order, AllegroWrite.Kind.INVOICE, "invoice", invoice.pk)


def on_attention_resolved(*, order: Any, resolution: str, **kwargs: Any) -> None:
    """An operator decided on an order that needed attention. Going on: its held status and
    invoice writes are queued now. Cancelling: they are obsolete (the cancellation that follows
    writes its own status)."""
    held = AllegroWrite.objects.filter(
        allegro_order__sales_order=order,
        kind__in=HELD_FOR_ATTENTION_KINDS,
        state=AllegroWrite.State.PENDING,
    )
    if resolution == AttentionResolution.CANCEL:
        now = timezone.now()
        obsolete = held.update(
            state=AllegroWrite.State.SKIPPED,
            last_error=notices.WRITE_CANCELLED().stored(),
            done_at=now,
            claimed_until=None,
            updated_at=now,
        )
        logger.info(
            "allegro.write.obsolete_by_cancel",
            extra={"sales_order_id": order.pk, "writes": obsolete},
        )
        return
    for write_id in held.values_list("id", flat=True):
        write_enqueue(write_id)


def _refresh_from_allegro(client: AllegroClient, order: AllegroOrder) -> None:
    raw = client.checkout_form(order.checkout_form_id)
    with transaction.atomic():
        account = AllegroAccount.objects.select_for_update().get(pk=order.account_id)
        orders_store(account=account, raws=[raw])
    order.refresh_from_db(fields=["revision", "fulfillment_status", "payload", "own_write_at"])


# How far along Allegro's fulfillment is; CANCELLED, RETURNED and SUSPENDED stand apart.
_F = FulfillmentStatus
FULFILLMENT_STAGE: dict[str, int] = {
    _F.NEW: 0,
    _F.PROCESSING: 1,
    _F.READY_FOR_SHIPMENT: 2,
    _F.READY_FOR_PICKUP: 2,
    _F.SENT: 3,
    _F.PICKED_UP: 3,
}


def _backwards(write: AllegroWrite, order: AllegroOrder) -> bool:
    """Whether the status would move Allegro to an earlier stage than it shows, and no
    operator confirmed exactly that (target "backwards_confirmed")."""
    if write.target.get("backwards_confirmed"):
        return False
    desired = FULFILLMENT_STAGE.get(write.target["status"])
    current = FULFILLMENT_STAGE.get(order.fulfillment_status)
    return desired is not None and current is not None and desired < current


def _held_back(write: AllegroWrite, order: AllegroOrder) -> tuple[str, str]:
    write.result = {"held_back": HELD_BACK, "allegro_status": order.fulfillment_status}
    logger.info(
        "allegro.write.held_back",
        extra={
            "write_id": write.pk,
            "status": write.target["status"],
            "allegro_status": order.fulfillment_status,
        },
    )
    return (
        AllegroWrite.State.SKIPPED,
        notices.WRITE_FURTHER_ALONG(
            status=FULFILLMENT_STATUS(value=order.fulfillment_status)
        ).stored(),
    )


@transaction.atomic
def write_backwards_confirm(
    *, write_id: int, user: AbstractBaseUser | AnonymousUser | None
) -> AllegroWrite:
    """An operator confirms a status held back because Allegro was further along: exactly
    that write is sent, moving Allegro back. Other writes are left as they are."""
    write = AllegroWrite.objects.select_for_update().get(pk=write_id)
    if write.state != AllegroWrite.State.SKIPPED or write.result.get("held_back") != HELD_BACK:
        return write
    write.target = {**write.target, "backwards_confirmed": True}
    write.state = AllegroWrite.State.PENDING
    write.next_attempt_at = timezone.now()
    write.claimed_until = None
    write.done_at = None
    write.attempts = 0
    write.save(
        update_fields=[
            "target",
            "state",
            "next_attempt_at",
            "claimed_until",
            "done_at",
            "attempts",
            "updated_at",
        ]
    )
    logger.info(
        "allegro.write.backwards_confirmed",
        extra={"write_id": write.pk, "status": write.target["status"], "user_id": _user_id(user)},
    )
    write_enqueue(write.pk)
    return write


def _revision_learn(client: AllegroClient, order: AllegroOrder) -> None:
    """Our own last write moved Allegro's revision and the shop has not learnt it yet: sending
    against the old one would pay a 409. The journal's event for that write carries it: one
    page of the journal settles every such order of the account. Read the form only if the
    journal does not have it (yet)."""
    try:
        account_own_writes_settle(account_id=order.account_id, client=client)
    except AllegroError as error:
        logger.info(
            "allegro.write.journal_unavailable",
            extra={"checkout_form_id": order.checkout_form_id, "error": str(error)},
        )
    order.refresh_from_db(fields=["revision", "fulfillment_status", "payload", "own_write_at"])
    if order.own_write_at is not None:
        _refresh_from_allegro(client, order)


def _fulfillment(write: AllegroWrite, client: AllegroClient) -> tuple[str, str]:
    desired = write.target["status"]
    order = write.allegro_order
    for _round in range(CONFLICT_ROUNDS):
        # Asked again after each conflict: the 409 may be a later status sent meanwhile by
        # another worker, which this older one must not overwrite.
        if AllegroWrite.objects.filter(
            allegro_order_id=write.allegro_order_id, kind=write.kind, id__gt=write.id
        ).exists():
            # Only the latest status counts: sending the ones before it would waste changes
            # (Allegro takes 100 per order) and could land after it.
            return AllegroWrite.State.SKIPPED, notices.WRITE_REPLACED().stored()
        if order.fulfillment_status == desired:
            return AllegroWrite.State.DONE, ""
        if _backwards(write, order):
            return _held_back(write, order)
        if order.own_write_at is not None:
            _revision_learn(client, order)
            continue  # decide again on what was learnt
        sent_at = timezone.now()
        try:
            client.fulfillment_set(order.checkout_form_id, status=desired, revision=order.revision)
        except AllegroConflict:
            # Our copy is stale (perhaps by someone's change in Allegro): read, decide again.
            _refresh_from_allegro(client, order)
            continue
        # Allegro has it; the shop knows all of it but the new revision, which the journal's
        # event for this write brings (the importer takes it from there, with no read).
        AllegroOrder.objects.filter(pk=order.pk).update(
            fulfillment_status=desired, own_write_status=desired, own_write_at=sent_at
        )
        return AllegroWrite.State.DONE, ""
    # Our words, not Allegro's: the stored notice says it in the reader's language.
    raise AllegroConflict(f"a newer revision each of {CONFLICT_ROUNDS} times")


def _shipment(write: AllegroWrite, client: AllegroClient) -> tuple[str, str]:
    shipment = SalesOrderShipment.objects.get(pk=write.target["shipment_id"])
    form_id = write.allegro_order.checkout_form_id
    for existing in client.shipments(form_id):
        if existing.waybill == shipment.waybill and existing.carrier_id == shipment.carrier_code:
            return AllegroWrite.State.DONE, ""
    created = client.shipment_add(
        form_id,
        carrier_id=shipment.carrier_code,
        waybill=shipment.waybill,
        carrier_name=shipment.carrier_name if shipment.carrier_code == "OTHER" else None,
    )
    write.result = {"allegro_shipment_id": created.id}
    return AllegroWrite.State.DONE, ""


def _invoice(write: AllegroWrite, client: AllegroClient) -> tuple[str, str]:
    invoice = SalesOrderInvoice.objects.select_related("order").get(pk=write.target["invoice_id"])
    if not invoice.buyer_may_receive(company_buyer=invoice.order.is_company_buyer):
        # Recorded when it could go; asked again now, as nothing reaches Allegro twice.
        return AllegroWrite.State.SKIPPED, notices.WRITE_NOT_FOR_BUYER().stored()
    form_id = write.allegro_order.checkout_form_id
    on_allegro = next(
        (i for i in client.invoices(form_id) if i.invoice_number == invoice.number), None
    )
    if on_allegro is not None and on_allegro.file_uploaded_at is not None:
        return AllegroWrite.State.DONE, ""
    invoice_id = on_allegro.id if on_allegro is not None else None
    if invoice_id is None:
        invoice_id = client.invoice_add(
            form_id,
            file_name=f"{invoice.number.replace('/', '-')}.pdf",
            invoice_number=invoice.number,
        )
        # Kept at once: a retry after a crash uploads to this invoice instead of adding one.
        AllegroWrite.objects.filter(pk=write.pk).update(result={"allegro_invoice_id": invoice_id})
    with invoice.pdf.open("rb") as pdf:
        client.invoice_file_upload(form_id, invoice_id, pdf.read())
    write.result = {"allegro_invoice_id": invoice_id}
    return AllegroWrite.State.DONE, ""


PERFORMERS: dict[str, Callable[[AllegroWrite, AllegroClient], tuple[str, str]]] = {
    AllegroWrite.Kind.FULFILLMENT: _fulfillment,
    AllegroWrite.Kind.SHIPMENT: _shipment,
    AllegroWrite.Kind.INVOICE: _invoice,
}


def _claim(write_id: int, now: datetime) -> bool:
    """Take the row for this worker; False if it is not due, finished or held by another."""
    return AllegroWrite.claim(
        write_id,
        now,
        lease=timedelta(seconds=settings.ALLEGRO_WRITE_LEASE),
        state=AllegroWrite.State.PENDING,
    )


def _finish(write: AllegroWrite, state: str, note: str) -> None:
    AllegroWrite.finish(
        write.pk,
        state=state,
        error=note,
        result=write.result,
        done_at=timezone.now() if state != AllegroWrite.State.FAILED else None,
    )


def _postpone(write: AllegroWrite, delay: float, error: str) -> None:
    AllegroWrite.postpone(write.pk, delay=timedelta(seconds=delay), error=error)
    _enqueue_now(write.pk, delay)


def _release(write: AllegroWrite) -> None:
    """Give the row back untried: the attempt does not count."""
    AllegroWrite.objects.filter(pk=write.pk).update(claimed_until=None, attempts=F("attempts") - 1)


def _held_now(write: AllegroWrite) -> bool:
    """Asked when the write is due, not when it was recorded: a cancellation flagged after the
    write was queued holds it too."""
    return (
        write.kind in HELD_FOR_ATTENTION_KINDS
        and AllegroOrder.objects.filter(
            pk=write.allegro_order_id, sales_order__needs_attention=True
        ).exists()
    )


def write_perform(*, write_id: int, client_for: Callable[[AllegroAccount], AllegroClient]) -> str:
    """Carry out one write if it is due; safe to run twice or after a crash at any point."""
    if not _claim(write_id, timezone.now()):
        return "not due"
    write = AllegroWrite.objects.select_related("account", "allegro_order").get(pk=write_id)
    if write.account.paused or getattr(write.account, PAUSE_FIELDS[write.kind]):
        # Paused by staff: keep the row; the sweep queues it again once they resume.
        _release(write)
        return "paused"
    if _held_now(write):
        # The order needs attention: kept until an operator decides (on_attention_resolved).
        _release(write)
        return "held"
    try:
        state, note = PERFORMERS[write.kind](write, client_for(write.account))
    except AllegroAuthError as error:
        _postpone(write, settings.ALLEGRO_RETRY_MAX_DELAY, allegro_error_notice(error).stored())
        return "auth"
    except AllegroError as error:
        retryable = error.is_transient or isinstance(error, AllegroConflict)
        if retryable and write.attempts < settings.ALLEGRO_WRITE_MAX_ATTEMPTS:
            _postpone(
                write, retry_delay(write.attempts, error), allegro_error_notice(error).stored()
            )
            return "retry"
        # 4xx other than 409 will not get better by itself: keep Allegro's words for staff,
        # with its trace-id so that a question to Allegro can name the call.
        message = allegro_error_notice(error).stored()
        _finish(write, AllegroWrite.State.FAILED, message)
        logger.warning(
            "allegro.write.failed",
            extra={"write_id": write.pk, "kind": write.kind, "error": message},
        )
        return "failed"
    _finish(write, state, note)
    return state


@transaction.atomic
def write_retry(*, write_id: int) -> AllegroWrite:
    """Staff's "Ponów": a failed (or waiting) write is tried again now."""
    write = AllegroWrite.objects.select_for_update().get(pk=write_id)
    if write.state in (AllegroWrite.State.FAILED, AllegroWrite.State.PENDING):
        write.state = AllegroWrite.State.PENDING
        write.next_attempt_at = timezone.now()
        write.claimed_until = None
        write.attempts = 0
        write.save(
            update_fields=["state", "next_attempt_at", "claimed_until", "attempts", "updated_at"]
        )
        write_enqueue(write.pk)
    return write


def _paused_by_staff() -> Q:
    paused = Q(account__paused=True)  # the whole account, or one kind of write
    for kind, field in PAUSE_FIELDS.items():
        paused |= Q(kind=kind, **{f"account__{field}": True})
    return paused


def writes_sweep(*, limit: int = 1000) -> int:
    """Queue again every due write that has waited longer than a job should take to start:
    lost when Redis restarted, dropped by a killed worker, or held back by a pause."""
    now = timezone.now()
    quiet = timedelta(seconds=settings.ALLEGRO_WRITE_SWEEP_AFTER)
    due = list(
        AllegroWrite.lost(now, quiet=quiet, state=AllegroWrite.State.PENDING)
        .exclude(_paused_by_staff())
        .exclude(held_for_attention())  # queued again when the hold is lifted
        .values_list("id", flat=True)[:limit]
    )
    queue = django_rq.get_queue("default")
    for write_id in due:
        queue.enqueue(JOB, write_id)
    return len(due)


# Allegro refuses RETURNED from a seller: it is set by Allegro's own returns process.
MAPPABLE_STATUSES = frozenset(FulfillmentStatus.values) - {FulfillmentStatus.RETURNED}


NOT_SENT = ""


# Writes queued at once when a kind is resumed; the periodic sweep queues any beyond.
RESUME_LIMIT = 1000


class WritebackSettingsRefused(Exception):
    """The settings were not saved; the message tells the administrator why."""


def _user_id(user: AbstractBaseUser | AnonymousUser | None) -> int | None:
    return getattr(user, "pk", None)


@transaction.atomic
def account_status_mapping_set(
    *, account_id: int, mapping: Mapping[str, str], user: AbstractBaseUser | AnonymousUser | None
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
    account = AllegroAccount.objects.select_for_update().get(pk=account_id)
    before = accounts_status_mappings(account_ids=[account_id])[account_id]
    for sales_status, allegro_status in mapping.items():
        FulfillmentStatusMapping.objects.update_or_create(
            account_id=account_id,
            sales_status=sales_status,
            defaults={"fulfillment_status": allegro_status},
        )
    after = accounts_status_mappings(account_ids=[account_id])[account_id]
    if after != before:
        audit_record(
            user=user,
            action="allegro.status_mapping_set",
            obj=account,
            before=before,
            after=after,
        )
    logger.info(
        "allegro.writeback.mapping_set",
        extra={"account_id": account_id, "mapping": dict(mapping), "user_id": _user_id(user)},
    )
    return after


@transaction.atomic
def account_write_switches_set(
    *,
    account_id: int,
    fulfillment_paused: bool,
    shipment_paused: bool,
    invoice_paused: bool,
    invoices_for_everyone: bool,
    user: AbstractBaseUser | AnonymousUser | None,
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
    action = "allegro.write_switches_set"
    changed = audited_update(obj=account, values=wanted, user=user, action=action)
    if not changed:
        return account
    resumed = [
        kind for kind, field in PAUSE_FIELDS.items() if field in changed and not wanted[field]
    ]
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
