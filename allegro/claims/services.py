"""Commission refund claims: recorded by an operator, filed once by a job, followed until
Allegro decides, cancellable while it has not.

Allegro's create call takes no command id, so it is not idempotent: before filing, the job
lists the offer's claims and adopts one for the same line and quantity that no other claim of
the shop holds (the answer to an earlier attempt that was lost). The row is leased while a
worker talks to Allegro, so two workers never file it together.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allegro.accounts.models import AllegroAccount
from allegro.api.backoff import retry_delay
from allegro.api.claims import (
    refund_claim,
    refund_claim_cancel,
    refund_claim_create,
    refund_claims,
)
from allegro.api.client import AllegroClient
from allegro.api.errors import AllegroAuthError, AllegroClientError, AllegroError
from allegro.claims.models import CANCELLABLE_STATUSES, ClaimStatus, RefundClaim
from allegro.orders.models import AllegroOrder, AllegroOrderLine
from shop.queueing import JobQueue

logger = logging.getLogger(__name__)

ClientFor = Callable[[AllegroAccount], AllegroClient]


class RefundClaimRefused(Exception):
    """The claim was not recorded or changed; the message tells the operator why."""


# The row is committed: the periodic job takes it once Redis is back.
_queue = JobQueue(logger, "allegro.claim.enqueue_failed", timeout_setting="ALLEGRO_WRITE_LEASE")


def _enqueue_now(job: str, claim_id: int, delay: float = 0) -> None:
    _queue.put(job, claim_id, delay=delay, claim_id=claim_id)


def _enqueue(job: str, claim_id: int) -> None:
    transaction.on_commit(lambda: _enqueue_now(job, claim_id))


def claimed_quantity(*, line_id: int) -> int:
    """Items of the line held by the shop's claims (pending, filed and not released)."""
    return sum(
        claim.quantity
        for claim in RefundClaim.objects.filter(line_id=line_id)
        if claim.holds_quantity
    )


@transaction.atomic
def refund_claim_record(
    *,
    allegro_order_id: int,
    line_id: int,
    quantity: int,
    user: AbstractBaseUser | AnonymousUser | None,
) -> RefundClaim:
    """Record a claim for `quantity` items of one line; a job files it after commit. All the
    line's claims together never exceed its quantity (the order is locked while counting, so
    a double click records one). Whether Allegro grants it (the purchase was never paid, or
    came back) is Allegro's to say."""
    order = AllegroOrder.objects.select_for_update().get(pk=allegro_order_id)
    line = AllegroOrderLine.objects.filter(pk=line_id, order=order).first()
    if line is None:
        raise RefundClaimRefused(_("That line is not part of this order."))
    if quantity < 1:
        raise RefundClaimRefused(_("Claim at least one item."))
    left = line.quantity - claimed_quantity(line_id=line.pk)
    if quantity > left:
        raise RefundClaimRefused(
            _("Only %(left)s more item(s) of “%(offer)s” can be claimed.")
            % {"left": max(left, 0), "offer": line.offer_name}
        )
    claim = RefundClaim.objects.create(
        account_id=order.account_id,
        allegro_order=order,
        line=line,
        quantity=quantity,
        next_attempt_at=timezone.now(),
        created_by_id=getattr(user, "pk", None),
    )
    logger.info(
        "allegro.claim.recorded",
        extra={"claim_id": claim.pk, "line_id": line.pk, "quantity": quantity},
    )
    _enqueue("allegro.claims.jobs.send_refund_claim", claim.pk)
    return claim


@transaction.atomic
def refund_claim_cancel_request(
    *, claim_id: int, user: AbstractBaseUser | AnonymousUser | None
) -> RefundClaim:
    """The operator cancels a claim: one not sent yet is withdrawn here; a filed one Allegro
    has not decided is cancelled on Allegro by a job. Refused while a worker is filing it
    (it may reach Allegro any moment) and once Allegro has decided."""
    claim = RefundClaim.objects.select_for_update().get(pk=claim_id)
    now = timezone.now()
    if claim.cancel_requested_at is not None or claim.allegro_status == ClaimStatus.CANCELLED:
        return claim
    if claim.being_sent(now) and claim.state == RefundClaim.State.PENDING:
        raise RefundClaimRefused(_("The claim is being sent to Allegro right now; try again."))
    if claim.state == RefundClaim.State.PENDING:
        claim.state = RefundClaim.State.WITHDRAWN
        claim.next_attempt_at = None
        claim.save(update_fields=["state", "next_attempt_at", "updated_at"])
        logger.info("allegro.claim.withdrawn", extra={"claim_id": claim.pk})
        return claim
    if not claim.cancellable:
        raise RefundClaimRefused(
            _("Allegro has decided this claim already (%(status)s): it cannot be cancelled.")
            % {"status": claim.get_allegro_status_display() or claim.get_state_display()}
        )
    claim.cancel_requested_at = now
    claim.next_attempt_at = now
    claim.attempts = 0
    claim.save(update_fields=["cancel_requested_at", "next_attempt_at", "attempts", "updated_at"])
    logger.info("allegro.claim.cancel_requested", extra={"claim_id": claim.pk})
    _enqueue("allegro.claims.jobs.sync_refund_claim", claim.pk)
    return claim


def _lease(claim_id: int, now: datetime) -> bool:
    """Take the row for this worker; False if not due or held by another."""
    return RefundClaim.claim(claim_id, now, lease=timedelta(seconds=settings.ALLEGRO_WRITE_LEASE))


def _file(claim: RefundClaim, client: AllegroClient) -> str:
    """Allegro's id of this claim: adopted from a lost earlier attempt, else filed now."""
    line = claim.line
    taken = set(
        RefundClaim.objects.exclude(pk=claim.pk)
        .filter(line=line)
        .exclude(claim_id="")
        .values_list("claim_id", flat=True)
    )
    for existing in refund_claims(client, offer_id=line.offer_id):
        if (
            existing.line_item_id == line.line_item_id
            and existing.quantity == claim.quantity
            and existing.id not in taken
            and existing.status != ClaimStatus.CANCELLED
        ):
            logger.info("allegro.claim.adopted", extra={"claim_id": claim.pk, "id": existing.id})
            return existing.id
    return refund_claim_create(client, line_item_id=line.line_item_id, quantity=claim.quantity)


def _follow_delay() -> timedelta:
    return timedelta(seconds=settings.ALLEGRO_CLAIM_FOLLOW_INTERVAL)


def _store_answer(claim: RefundClaim, client: AllegroClient, now: datetime) -> None:
    answer = refund_claim(client, claim.claim_id)
    final = answer.is_final
    RefundClaim.objects.filter(pk=claim.pk).update(
        allegro_status=answer.status,
        commission=answer.commission,
        checked_at=now,
        last_error="",
        attempts=0,
        claimed_until=None,
        next_attempt_at=None if final else now + _follow_delay(),
        updated_at=now,
    )


def _postpone(claim: RefundClaim, error: AllegroError, job: str) -> str:
    delay = retry_delay(claim.attempts, error)
    RefundClaim.postpone(claim.pk, delay=timedelta(seconds=delay), error=error.for_staff())
    _enqueue_now(job, claim.pk, delay)  # if Redis is down the periodic job finds it due
    return "retry"


def _refused(error: AllegroError) -> str:
    text = (error.user_message if isinstance(error, AllegroClientError) else None) or str(error)
    return error.for_staff(text)


def refund_claim_send(*, claim_id: int, client_for: ClientFor) -> str:
    """File one recorded claim with Allegro (once), then read Allegro's status. Safe to run
    twice, or after a crash at any point."""
    now = timezone.now()
    pending = RefundClaim.objects.filter(pk=claim_id, state=RefundClaim.State.PENDING)
    if not pending.exists() or not _lease(claim_id, now):
        return "not due"
    claim = RefundClaim.objects.select_related("account", "line").get(pk=claim_id)
    if claim.state != RefundClaim.State.PENDING:  # withdrawn just before the lease
        RefundClaim.objects.filter(pk=claim_id).update(claimed_until=None)
        return "not due"
    job = "allegro.claims.jobs.send_refund_claim"
    try:
        client = client_for(claim.account)
        allegro_id = _file(claim, client)
    except AllegroAuthError as error:
        return _postpone(claim, error, job)
    except AllegroError as error:
        if error.is_transient and claim.attempts < settings.ALLEGRO_WRITE_MAX_ATTEMPTS:
            return _postpone(claim, error, job)
        RefundClaim.finish(
            claim.pk, state=RefundClaim.State.FAILED, error=_refused(error), next_attempt_at=None
        )
        logger.warning(
            "allegro.claim.refused", extra={"claim_id": claim.pk, "error": _refused(error)}
        )
        return "failed"
    # Kept at once: from here on a retry follows this claim instead of filing another.
    RefundClaim.objects.filter(pk=claim.pk).update(
        state=RefundClaim.State.SENT,
        claim_id=allegro_id,
        allegro_status=ClaimStatus.IN_PROGRESS,
        last_error="",
        updated_at=timezone.now(),
    )
    claim.refresh_from_db()
    try:
        _store_answer(claim, client, timezone.now())
    except AllegroError as error:
        # Filed: only the first read failed; the follow-up asks again.
        RefundClaim.objects.filter(pk=claim.pk).update(
            claimed_until=None,
            attempts=0,
            next_attempt_at=timezone.now() + _follow_delay(),
            last_error=error.for_staff(),
        )
    logger.info("allegro.claim.sent", extra={"claim_id": claim.pk, "id": allegro_id})
    return "sent"


def refund_claim_sync(*, claim_id: int, client_for: ClientFor) -> str:
    """A filed claim: carry out the operator's cancellation if one waits, then read Allegro's
    status (and its commission). Safe to run twice."""
    now = timezone.now()
    filed = RefundClaim.objects.filter(pk=claim_id, state=RefundClaim.State.SENT)
    if not filed.exists() or not _lease(claim_id, now):
        return "not due"
    claim = RefundClaim.objects.select_related("account").get(pk=claim_id)
    try:
        client = client_for(claim.account)
        if claim.cancel_requested_at is not None and claim.allegro_status in CANCELLABLE_STATUSES:
            try:
                refund_claim_cancel(client, claim.claim_id)
            except AllegroClientError as error:
                if error.status != 422:
                    raise
                # Decided meanwhile (or cancelled by an earlier try): the read says which.
                logger.info("allegro.claim.cancel_too_late", extra={"claim_id": claim.pk})
        _store_answer(claim, client, now)
    except AllegroError as error:
        if error.is_transient or isinstance(error, AllegroAuthError):
            return _postpone(claim, error, "allegro.claims.jobs.sync_refund_claim")
        RefundClaim.objects.filter(pk=claim.pk).update(
            last_error=_refused(error),
            claimed_until=None,
            next_attempt_at=now + _follow_delay(),
            updated_at=now,
        )
        return "failed"
    return "synced"


def refund_claims_due(*, limit: int = 500) -> list[tuple[int, str]]:
    """(id, state) of the claims whose turn it is: to be filed, or followed."""
    now = timezone.now()
    return list(
        RefundClaim.objects.filter(
            state__in=[RefundClaim.State.PENDING, RefundClaim.State.SENT],
            next_attempt_at__lte=now,
        )
        .filter(RefundClaim.unclaimed(now))
        .exclude(account__paused=True)
        .order_by("next_attempt_at")
        .values_list("id", "state")[:limit]
    )


def refund_claims_follow(*, client_for: ClientFor, limit: int = 500) -> dict[str, int]:
    """Periodic: file what waits (its job was lost) and ask Allegro about filed claims that are
    due. Returns how many of each."""
    done = {"sent": 0, "synced": 0}
    for claim_id, state in refund_claims_due(limit=limit):
        if state == RefundClaim.State.PENDING:
            done["sent"] += refund_claim_send(claim_id=claim_id, client_for=client_for) == "sent"
        else:
            done["synced"] += (
                refund_claim_sync(claim_id=claim_id, client_for=client_for) == "synced"
            )
    return done
