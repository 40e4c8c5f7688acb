"""Customer returns and payment refunds.

Import: a periodic job reads the account's customer returns of the last days and upserts them
by Allegro's id (running it twice changes nothing). Decisions: an operator accepts a return
(the sales order records which lines came back, the ERP corrects the invoice) or rejects it
with one of Allegro's codes (the rejection is an outbox on the return row, sent by a job).

Refunds: a row with its commandId is written in the transaction that decides it, before any
request; the job sends that command and only that command, so a retry, a double click or a
killed worker reuses the commandId and Allegro refunds once. A second job follows the refund's
status until Allegro says SUCCESS or it failed.
"""

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import django_rq
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as UserModel
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from allegro.accounts.models import AllegroAccount
from allegro.api import returns as api
from allegro.api.backoff import retry_delay
from allegro.api.client import AllegroClient
from allegro.api.errors import AllegroClientError, AllegroError
from allegro.orders.models import AllegroOrder
from allegro.returns.models import (
    AllegroRefund,
    AllegroReturn,
    AllegroReturnLine,
    OutboxState,
    RefundLimit,
    RejectionCode,
)
from sales.models import SalesOrderLine
from sales.returns import sales_order_return_record
from sales.services import SalesOrderRefused
from shop.queueing import JobQueue
from shop.services import audit_record

logger = logging.getLogger(__name__)
# The row is committed: the sweep queues it once Redis is back.
_queue = JobQueue(logger, "allegro.returns.enqueue_failed")

User = UserModel | AnonymousUser | None
# Allegro's refund statuses that end a refund without money given back.
REFUND_FAILED_STATUSES = frozenset({"CANCELED", "VALIDATE_FAILED"})
# A refund waiting on Allegro is asked again after 2 s, then twice as long each time, at most
# hourly: one Allegro holds for days (a bank transfer) costs a few requests a day.
REFUND_FOLLOW_FIRST = 2.0
REFUND_FOLLOW_MAX = 3600.0


def follow_delay(attempts: int) -> float:
    return min(REFUND_FOLLOW_FIRST * 2 ** min(max(attempts - 1, 0), 12), REFUND_FOLLOW_MAX)


class ReturnRefused(Exception):
    """The decision or refund was not made; the message tells the operator why."""


# Import


@dataclass(frozen=True)
class ReturnsImported:
    created: int
    updated: int


def _return_fields(item: api.CustomerReturn) -> dict:
    parcel = item.parcels[0] if item.parcels else None
    return {
        "checkout_form_id": item.checkout_form_id,
        "reference_number": item.reference_number[:64],
        "status": item.status[:32],
        "marketplace": item.marketplace[:32],
        "buyer_login": item.buyer_login[:128],
        "created_on_allegro": item.created_at,
        "parcel_waybill": (parcel.waybill if parcel else "")[:64],
        "parcel_carrier": (parcel.carrier_id if parcel else "")[:64],
        "payload": item.raw,
    }


@transaction.atomic
def returns_store(*, account: AllegroAccount, items: list[api.CustomerReturn]) -> ReturnsImported:
    """Upsert returns by Allegro's id; lines are written once (a return's items never change)."""
    created = updated = 0
    form_ids = {item.checkout_form_id for item in items}
    orders = {
        order.checkout_form_id: order.pk
        for order in AllegroOrder.objects.filter(
            account=account, checkout_form_id__in=form_ids
        ).only("id", "checkout_form_id")
    }
    for item in items:
        fields = _return_fields(item)
        fields["allegro_order_id"] = orders.get(item.checkout_form_id)
        row = AllegroReturn.objects.select_for_update().filter(return_id=item.id).first()
        if row is None:
            row = AllegroReturn.objects.create(account=account, return_id=item.id, **fields)
            AllegroReturnLine.objects.bulk_create(
                AllegroReturnLine(  # type: ignore[misc]
                    customer_return=row,
                    offer_id=line.offer_id[:32],
                    name=line.name[:255],
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    reason=line.reason[:32],
                    comment=line.comment,
                )
                for line in item.items
            )
            created += 1
            continue
        if item.rejection_code and not row.rejection_code:
            # Rejected in Allegro's own panel: shown as Allegro has it.
            fields |= {"rejection_code": item.rejection_code, "decision": "REJECTED"}
            fields["rejection_reason"] = item.rejection_reason[:250]
        changed = [name for name, value in fields.items() if getattr(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, fields[name])
            row.save(update_fields=[*changed, "updated_at"])
            updated += 1
    return ReturnsImported(created, updated)


def account_returns_import(*, account_id: int, client: AllegroClient) -> ReturnsImported:
    """Read the account's returns declared in the last ALLEGRO_RETURNS_DAYS (their statuses move
    for weeks: parcel sent, arrived, refunded) and store them page by page."""
    account = AllegroAccount.objects.get(pk=account_id)
    since = timezone.now() - timedelta(days=settings.ALLEGRO_RETURNS_DAYS)
    created = updated = offset = 0
    page_size = settings.ALLEGRO_RETURNS_PAGE
    while True:
        page = api.customer_returns(client, created_at_gte=since, offset=offset, limit=page_size)
        stored = returns_store(account=account, items=page)
        created, updated = created + stored.created, updated + stored.updated
        if len(page) < page_size:
            return ReturnsImported(created, updated)
        offset += page_size


# Decisions


def _as_money(value: Any) -> Money:
    """A MoneyField's value (django-stubs types the field as its base DecimalField)."""
    return cast(Money, value)


def _user_id(user: User) -> int | None:
    return getattr(user, "pk", None)


def _acting(user: User) -> UserModel | None:
    return user if user is not None and user.is_authenticated else None


def _sales_quantities(customer_return: AllegroReturn) -> dict[int, int]:
    """The return's items as sales order lines: offers matched to the Allegro lines, whose
    order the sales order's lines were made in."""
    order = customer_return.allegro_order
    if order is None or order.sales_order_id is None:
        return {}
    form_lines = order.form.lines
    sales_lines = list(SalesOrderLine.objects.filter(order_id=order.sales_order_id).order_by("id"))
    by_offer: dict[str, list[int]] = {}
    for form_line, sales_line in zip(form_lines, sales_lines, strict=False):
        by_offer.setdefault(form_line.offer_id, []).append(sales_line.pk)
    quantities: dict[int, int] = {}
    for line in customer_return.lines.all():
        ids = by_offer.get(line.offer_id)
        if ids:
            quantities[ids[0]] = quantities.get(ids[0], 0) + line.quantity
    return quantities


@transaction.atomic
def return_accept(*, return_pk: int, user: User) -> AllegroReturn:
    """The goods may come back: the sales order records which lines, the ERP hears of it (and
    corrects the invoice). The money goes back by a refund, proposed with the return's lines."""
    row = (
        AllegroReturn.objects.select_for_update(of=("self",))
        .select_related("allegro_order")
        .get(pk=return_pk)
    )
    if row.decision == AllegroReturn.Decision.ACCEPTED:
        return row
    if not row.is_open:
        raise ReturnRefused(
            _("This return is decided already (%(status)s).") % {"status": row.status_label()}
        )
    quantities = _sales_quantities(row)
    if quantities:
        order = row.allegro_order
        assert order is not None and order.sales_order_id is not None
        try:
            row.sales_return = sales_order_return_record(
                order_id=order.sales_order_id,
                reference=f"allegro:{row.return_id}"[:64],
                quantities=quantities,
                reason=", ".join(sorted({line.reason for line in row.lines.all() if line.reason})),
                user=user,
            )
        except SalesOrderRefused as error:
            raise ReturnRefused(str(error)) from error
    row.decision = AllegroReturn.Decision.ACCEPTED
    row.decided_by = _acting(user)
    row.decided_at = timezone.now()
    row.save(update_fields=["decision", "decided_by", "decided_at", "sales_return", "updated_at"])
    logger.info(
        "allegro.return.accepted", extra={"return_id": row.return_id, "user_id": _user_id(user)}
    )
    return row


def _enqueue(job: str, pk: int) -> None:
    _queue.after_commit(job, pk, job=job, pk=pk)


@transaction.atomic
def return_reject(*, return_pk: int, code: str, reason: str, user: User) -> AllegroReturn:
    """Refuse the refund with one of Allegro's codes (REFUND_REJECTED needs a reason); a job
    tells Allegro."""
    reason = reason.strip()
    if code not in RejectionCode.values:
        raise ReturnRefused(_("Choose one of Allegro's reasons for the rejection."))
    if code == RejectionCode.REFUND_REJECTED and not reason:
        raise ReturnRefused(_("Write why the refund is refused: Allegro shows it to the buyer."))
    if len(reason) > 250:
        raise ReturnRefused(_("The reason may have at most 250 characters."))
    row = AllegroReturn.objects.select_for_update().get(pk=return_pk)
    if row.decision == AllegroReturn.Decision.REJECTED:
        return row
    if not row.is_open:
        raise ReturnRefused(
            _("This return is decided already (%(status)s).") % {"status": row.status_label()}
        )
    if row.refunds.exclude(state=AllegroRefund.State.FAILED).exists():
        raise ReturnRefused(_("This return is being refunded, so it cannot be rejected."))
    row.decision = AllegroReturn.Decision.REJECTED
    row.rejection_code = code
    row.rejection_reason = reason
    row.rejection_state = OutboxState.PENDING
    row.rejection_error = ""
    row.decided_by = _acting(user)
    row.decided_at = timezone.now()
    row.save(
        update_fields=[
            "decision",
            "rejection_code",
            "rejection_reason",
            "rejection_state",
            "rejection_error",
            "decided_by",
            "decided_at",
            "updated_at",
        ]
    )
    _enqueue("allegro.returns.jobs.perform_rejection", row.pk)
    logger.info("allegro.return.rejected", extra={"return_id": row.return_id, "code": code})
    return row


def rejection_perform(
    *, return_pk: int, client_for: Callable[[AllegroAccount], AllegroClient]
) -> str:
    """Send a recorded rejection; safe to run twice (Allegro's 422 "already rejected" is done)."""
    now = timezone.now()
    claimed = (
        AllegroReturn.objects.filter(pk=return_pk, rejection_state=OutboxState.PENDING)
        .filter(Q(rejection_claimed_until__isnull=True) | Q(rejection_claimed_until__lt=now))
        .update(
            rejection_claimed_until=now + timedelta(seconds=settings.ALLEGRO_WRITE_LEASE),
            rejection_attempts=F("rejection_attempts") + 1,
        )
    )
    if not claimed:
        return "not due"
    row = AllegroReturn.objects.select_related("account").get(pk=return_pk)
    client = client_for(row.account)
    try:
        current = api.customer_return(client, row.return_id)
        if current.status != "REJECTED":
            current = api.customer_return_reject(
                client, row.return_id, code=row.rejection_code, reason=row.rejection_reason
            )
    except AllegroError as error:
        if error.is_transient and row.rejection_attempts < settings.ALLEGRO_WRITE_MAX_ATTEMPTS:
            AllegroReturn.objects.filter(pk=row.pk).update(
                rejection_claimed_until=None, rejection_error=error.for_staff()
            )
            _enqueue_now_in(
                "allegro.returns.jobs.perform_rejection",
                row.pk,
                retry_delay(row.rejection_attempts, error),
            )
            return "retry"
        message = error.for_staff(
            (error.user_message if isinstance(error, AllegroClientError) else None) or str(error)
        )
        AllegroReturn.objects.filter(pk=row.pk).update(
            rejection_state=OutboxState.FAILED,
            rejection_error=message,
            rejection_claimed_until=None,
        )
        return "failed"
    AllegroReturn.objects.filter(pk=row.pk).update(
        rejection_state=OutboxState.DONE,
        rejection_error="",
        rejection_claimed_until=None,
        status=current.status,
        payload=current.raw,
    )
    return "done"


def _enqueue_now_in(job: str, pk: int, delay: float) -> None:
    _queue.put(job, pk, delay=delay, job=job, pk=pk)


# Refunds


@dataclass(frozen=True)
class Refundable:
    """What can still be given back of an order, in its currency."""

    currency: str
    lines: dict[str, int]  # line item id -> quantity not yet refunded
    unit_prices: dict[str, Money]
    names: dict[str, str]
    delivery: Money
    surcharges: dict[str, Money]
    total: Money  # paid less refunded


def refundable(*, allegro_order: AllegroOrder) -> Refundable:
    form = allegro_order.form
    currency = form.currency
    zero = Money(0, currency)
    refunds = list(
        AllegroRefund.objects.filter(allegro_order=allegro_order).exclude(
            state=AllegroRefund.State.FAILED
        )
    )
    lines = {line.id: line.quantity for line in form.lines}
    delivery = form.delivery.cost
    surcharges = {s.id: s.paid_amount for s in form.surcharges if s.paid_amount is not None}
    paid = (form.payment.paid_amount if form.payment and form.payment.paid_amount else zero) + sum(
        surcharges.values(), zero
    )
    for refund in refunds:
        for line in refund.lines:
            lines[line["line_item_id"]] = lines.get(line["line_item_id"], 0) - int(line["quantity"])
        if refund.delivery is not None:
            delivery -= _as_money(refund.delivery)
        for surcharge in refund.surcharges:
            surcharges[surcharge["id"]] = surcharges.get(surcharge["id"], zero) - Money(
                Decimal(surcharge["amount"]), currency
            )
        paid -= _as_money(refund.total)
    return Refundable(
        currency=currency,
        lines=lines,
        unit_prices={line.id: line.unit_price for line in form.lines},
        names={line.id: line.offer_name for line in form.lines},
        delivery=delivery,
        surcharges=surcharges,
        total=paid,
    )


@transaction.atomic
def refund_limit_set(*, currency: str, amount: Decimal | None, user: User) -> None:
    """Set (or with None remove) the amount above which a refund in `currency` needs an
    administrator; audited."""
    if currency not in settings.CURRENCIES:
        raise ReturnRefused(_("Unknown currency."))
    if amount is not None and (amount < 0 or amount != amount.quantize(Decimal("0.01"))):
        raise ReturnRefused(_("The limit must be a positive amount in grosze at most."))
    row = RefundLimit.objects.select_for_update().filter(currency=currency).first()
    before = {"amount": str(row.amount) if row else None}
    if amount is None:
        RefundLimit.objects.filter(currency=currency).delete()
    else:
        RefundLimit.objects.update_or_create(currency=currency, defaults={"amount": amount})
    after = {"amount": str(amount) if amount is not None else None}
    if before != after:
        audit_record(
            user=user,
            action="allegro.refund_limit_set",
            object_type="RefundLimit",
            object_id=currency,
            object_repr=currency,
            before=before,
            after=after,
        )


def refund_limit_exceeded(*, total: Money, user: User) -> bool:
    if user is not None and user.has_perm("allegro.refund_above_limit"):
        return False
    limit = (
        RefundLimit.objects.filter(currency=str(total.currency))
        .values_list("amount", flat=True)
        .first()
    )
    return limit is not None and total.amount > limit


def _money(amount: Money | None, currency: str, what: str) -> Money | None:
    if amount is None or amount.amount == 0:
        return None
    if str(amount.currency) != currency:
        raise ReturnRefused(
            _("%(what)s must be in the order's currency %(currency)s.")
            % {"what": what, "currency": currency}
        )
    if amount.amount < 0 or amount.amount != amount.amount.quantize(Decimal("0.01")):
        raise ReturnRefused(
            _("%(what)s must be a positive amount in grosze at most.") % {"what": what}
        )
    return amount


@transaction.atomic
def refund_create(
    *,
    allegro_order_id: int,
    command_id: uuid.UUID,
    lines: Mapping[str, int],
    delivery: Money | None = None,
    surcharges: Mapping[str, Money] | None = None,
    customer_return_id: int | None = None,
    comment: str = "",
    user: User,
) -> AllegroRefund:
    """Record a refund of chosen line quantities, delivery and surcharges, checked against what
    the buyer paid less what was refunded already. `command_id` comes from the form the
    operator saw: the same one again (a double click) returns the refund made the first time.
    The job is queued after commit."""
    order = (
        AllegroOrder.objects.select_for_update().select_related("account").get(pk=allegro_order_id)
    )
    existing = AllegroRefund.objects.filter(command_id=command_id).first()
    if existing is not None:
        return existing
    if customer_return_id is not None:
        live = (
            AllegroRefund.objects.filter(customer_return_id=customer_return_id)
            .exclude(state=AllegroRefund.State.FAILED)
            .first()
        )
        if live is not None:
            return live
    form = order.form
    if form.payment is None or not form.payment.id or form.payment.paid_amount is None:
        raise ReturnRefused(
            _("The buyer paid nothing through Allegro, so nothing can be refunded there.")
        )
    left = refundable(allegro_order=order)
    currency = left.currency
    zero = Money(0, currency)
    chosen: list[dict] = []
    total = zero
    for line_item_id, quantity in lines.items():
        if not quantity:
            continue
        if line_item_id not in left.lines:
            raise ReturnRefused(_("The line is not a line of this order."))
        if not 0 < quantity <= left.lines[line_item_id]:
            raise ReturnRefused(
                _("%(name)s: %(quantity)s to refund, but only %(left)s can still be refunded.")
                % {
                    "name": left.names[line_item_id],
                    "quantity": quantity,
                    "left": left.lines[line_item_id],
                }
            )
        unit = left.unit_prices[line_item_id]
        total += unit * quantity
        chosen.append(
            {
                "line_item_id": line_item_id,
                "name": left.names[line_item_id],
                "quantity": quantity,
                "unit_price": str(unit.amount),
            }
        )
    delivery = _money(delivery, currency, _("Delivery"))
    if delivery is not None:
        if delivery > left.delivery:
            raise ReturnRefused(
                _("Delivery: at most %(left)s can still be refunded.") % {"left": left.delivery}
            )
        total += delivery
    chosen_surcharges = []
    for surcharge_id, amount in (surcharges or {}).items():
        value = _money(amount, currency, _("Surcharge"))
        if value is None:
            continue
        if surcharge_id not in left.surcharges or value > left.surcharges[surcharge_id]:
            raise ReturnRefused(_("A surcharge can be refunded up to what the buyer paid for it."))
        total += value
        chosen_surcharges.append({"id": surcharge_id, "amount": str(value.amount)})
    if total <= zero:
        raise ReturnRefused(_("Choose what to refund."))
    if total > left.total:
        raise ReturnRefused(
            _("%(total)s is more than the %(left)s the buyer paid and has not had back.")
            % {"total": total, "left": left.total}
        )
    if refund_limit_exceeded(total=total, user=user):
        raise ReturnRefused(
            _("A refund of %(total)s is above the operators' limit: an administrator must make it.")
            % {"total": total}
        )
    try:
        with transaction.atomic():
            refund = AllegroRefund.objects.create(  # type: ignore[misc]
                account=order.account,
                allegro_order=order,
                customer_return_id=customer_return_id,
                command_id=command_id,
                reason="REFUND",
                lines=chosen,
                delivery=delivery,
                surcharges=chosen_surcharges,
                total=total,
                comment=comment.strip()[:250],
                created_by=_acting(user),
            )
    except IntegrityError:
        # The same command or a live refund of this return, made meanwhile by another request.
        found = (
            AllegroRefund.objects.filter(
                Q(command_id=command_id)
                | Q(customer_return_id=customer_return_id, customer_return__isnull=False)
            )
            .exclude(state=AllegroRefund.State.FAILED)
            .first()
        )
        if found is None:
            raise
        return found
    _enqueue("allegro.returns.jobs.perform_refund", refund.pk)
    logger.info(
        "allegro.refund.recorded",
        extra={"refund_id": refund.pk, "command_id": str(command_id), "user_id": _user_id(user)},
    )
    return refund


@dataclass(frozen=True)
class ReturnRefundPlan:
    """What refunding an accepted return gives back: its lines, matched to the order's lines
    by offer, and the delivery cost once the return leaves nothing of the order unrefunded
    (a consumer who withdraws from the whole contract gets the delivery back, art. 32 of the
    Consumer Rights Act); a part returned leaves the delivery to a refund by hand."""

    lines: dict[str, int]
    delivery: Money | None
    total: Money


def return_refund_plan(*, row: AllegroReturn) -> ReturnRefundPlan | None:
    """The plan for a return whose order is in the shop; None when it is not."""
    if row.allegro_order is None:
        return None
    form = row.allegro_order.form
    by_offer = {line.offer_id: line.id for line in form.lines}
    lines: dict[str, int] = {}
    for line in row.lines.all():
        if line.offer_id in by_offer:
            lines[by_offer[line.offer_id]] = lines.get(by_offer[line.offer_id], 0) + line.quantity
    left = refundable(allegro_order=row.allegro_order)
    whole_order = all(lines.get(line_id, 0) >= quantity for line_id, quantity in left.lines.items())
    delivery = left.delivery if whole_order and left.delivery.amount > 0 else None
    total = sum(
        (left.unit_prices[line_id] * quantity for line_id, quantity in lines.items()),
        Money(0, left.currency),
    )
    return ReturnRefundPlan(
        lines=lines, delivery=delivery, total=total + delivery if delivery else total
    )


def refund_from_return(*, return_pk: int, command_id: uuid.UUID, user: User) -> AllegroRefund:
    """The refund of an accepted return, as `return_refund_plan` says."""
    row = AllegroReturn.objects.select_related("allegro_order").get(pk=return_pk)
    if row.allegro_order is None:
        raise ReturnRefused(_("The order of this return is not in the shop (yet)."))
    if row.decision != AllegroReturn.Decision.ACCEPTED:
        raise ReturnRefused(_("Accept the return before refunding it."))
    plan = return_refund_plan(row=row)
    assert plan is not None
    return refund_create(
        allegro_order_id=row.allegro_order.pk,
        command_id=command_id,
        lines=plan.lines,
        delivery=plan.delivery,
        customer_return_id=row.pk,
        user=user,
    )


def _claim(refund_id: int, states: list[str], now: datetime) -> bool:
    lease = timedelta(seconds=settings.ALLEGRO_WRITE_LEASE)
    return AllegroRefund.claim(refund_id, now, lease=lease, state__in=states)


def _fail(refund: AllegroRefund, message: str, trace_id: str | None) -> None:
    AllegroRefund.finish(
        refund.pk,
        state=AllegroRefund.State.FAILED,
        error=message,
        trace_id=trace_id or "",
        done_at=timezone.now(),
    )
    logger.warning("allegro.refund.failed", extra={"refund_id": refund.pk, "error": message})


def _retry_later(
    refund: AllegroRefund, job: str, delay: float, message: str = "", trace: str = ""
) -> None:
    AllegroRefund.postpone(refund.pk, delay=timedelta(seconds=delay), error=message, trace_id=trace)
    _enqueue_now_in(job, refund.pk, delay)


def _settle(refund: AllegroRefund, found: api.Refund, trace_id: str | None) -> str:
    """Record what Allegro says of the refund; SENT ones are followed by another job."""
    if found.status == "SUCCESS":
        state = AllegroRefund.State.SUCCESS
    elif found.status in REFUND_FAILED_STATUSES:
        state = AllegroRefund.State.FAILED
    else:
        state = AllegroRefund.State.SENT
    now = timezone.now()
    AllegroRefund.finish(
        refund.pk,
        state=state,
        error=(
            _("Allegro reports the refund as %(status)s.") % {"status": found.status}
            if state == AllegroRefund.State.FAILED
            else ""
        ),
        allegro_refund_id=found.id,
        allegro_status=found.status,
        # The answer's trace-id, so that a question to Allegro about this refund can name it.
        trace_id=trace_id or "",
        next_attempt_at=now + timedelta(seconds=follow_delay(refund.attempts)),
        done_at=now if state != AllegroRefund.State.SENT else None,
    )
    if state == AllegroRefund.State.SENT:
        _enqueue_now_in(
            "allegro.returns.jobs.follow_refund", refund.pk, follow_delay(refund.attempts)
        )
    return state


def refund_perform(*, refund_id: int, client_for: Callable[[AllegroAccount], AllegroClient]) -> str:
    """Send the refund's command. Any number of runs, crashes included, send the same
    commandId, which Allegro answers with the one refund it made."""
    if not _claim(refund_id, [AllegroRefund.State.PENDING], timezone.now()):
        return "not due"
    refund = AllegroRefund.objects.select_related("account", "allegro_order").get(pk=refund_id)
    order = refund.allegro_order
    form = order.form
    currency = _as_money(refund.total).currency
    request = api.RefundRequest(
        command_id=str(refund.command_id),
        checkout_form_id=order.checkout_form_id,
        payment_id=form.payment.id if form.payment else "",
        reason=refund.reason,
        lines=[
            api.RefundLine(line["line_item_id"], int(line["quantity"])) for line in refund.lines
        ],
        delivery=_as_money(refund.delivery) if refund.delivery is not None else None,
        surcharges=[(s["id"], Money(Decimal(s["amount"]), currency)) for s in refund.surcharges],
        comment=refund.comment,
    )
    client = client_for(refund.account)
    try:
        found = api.refund_initiate(client, request)
    except AllegroError as error:
        if error.is_transient and refund.attempts < settings.ALLEGRO_WRITE_MAX_ATTEMPTS:
            _retry_later(
                refund,
                "allegro.returns.jobs.perform_refund",
                retry_delay(refund.attempts, error),
                error.for_staff(),
                error.trace_id or "",
            )
            return "retry"
        # Allegro refused (amount, payment, a conflicting commandId): its own words for staff.
        text = (error.user_message if isinstance(error, AllegroClientError) else None) or str(error)
        _fail(refund, text, error.trace_id)
        return "failed"
    return _settle(refund, found, client.last_trace_id)


def refund_follow(*, refund_id: int, client_for: Callable[[AllegroAccount], AllegroClient]) -> str:
    """Ask Allegro how a sent refund stands until it is SUCCESS or failed."""
    if not _claim(refund_id, [AllegroRefund.State.SENT], timezone.now()):
        return "not due"
    refund = AllegroRefund.objects.select_related("account").get(pk=refund_id)
    client = client_for(refund.account)
    try:
        found = api.refunds(client, refund_id=refund.allegro_refund_id)
    except AllegroError as error:
        delay = retry_delay(min(refund.attempts, 8), error)
        _retry_later(
            refund,
            "allegro.returns.jobs.follow_refund",
            delay,
            error.for_staff(),
            error.trace_id or "",
        )
        return "retry"
    if not found:
        _retry_later(refund, "allegro.returns.jobs.follow_refund", follow_delay(refund.attempts))
        return "not listed yet"
    return _settle(refund, found[0], client.last_trace_id)


def refunds_sweep(*, limit: int = 1000) -> int:
    """Queue again refunds (and rejections) whose jobs were lost: a killed worker, Redis
    restarted. A PENDING refund is sent again with its own commandId, so nothing doubles."""
    now = timezone.now()
    quiet = timedelta(seconds=settings.ALLEGRO_WRITE_SWEEP_AFTER)
    due = AllegroRefund.lost(
        now, quiet=quiet, state__in=[AllegroRefund.State.PENDING, AllegroRefund.State.SENT]
    ).values_list("id", "state")[:limit]
    queue = django_rq.get_queue("default")
    count = 0
    for refund_id, state in due:
        job = "perform_refund" if state == AllegroRefund.State.PENDING else "follow_refund"
        queue.enqueue(f"allegro.returns.jobs.{job}", refund_id)
        count += 1
    rejections = (
        AllegroReturn.objects.filter(
            rejection_state=OutboxState.PENDING, updated_at__lte=now - quiet
        )
        .filter(Q(rejection_claimed_until__isnull=True) | Q(rejection_claimed_until__lt=now))
        .values_list("id", flat=True)[:limit]
    )
    for return_pk in rejections:
        queue.enqueue("allegro.returns.jobs.perform_rejection", return_pk)
        count += 1
    return count
