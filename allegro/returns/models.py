import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import AllegroOrder
from sales.models import CURRENCY_CHOICES, SalesOrderReturn
from shop.outbox import OutboxRow


class ReturnStatus(models.TextChoices):
    """Allegro's timeline of a customer return."""

    CREATED = "CREATED", _("Declared")
    DISPATCHED = "DISPATCHED", _("Sent back")
    IN_TRANSIT = "IN_TRANSIT", _("On its way")
    DELIVERED = "DELIVERED", _("Arrived")
    FINISHED = "FINISHED", _("Refunded")
    FINISHED_APT = "FINISHED_APT", _("Refunded by Allegro Protect")
    REJECTED = "REJECTED", _("Rejected")
    COMMISSION_REFUND_CLAIMED = "COMMISSION_REFUND_CLAIMED", _("Commission refund claimed")
    COMMISSION_REFUNDED = "COMMISSION_REFUNDED", _("Commission refunded")
    WAREHOUSE_DELIVERED = "WAREHOUSE_DELIVERED", _("At Allegro's warehouse")
    WAREHOUSE_VERIFICATION = "WAREHOUSE_VERIFICATION", _("Being checked at the warehouse")


# Still waiting for the seller: a refund or a rejection ends them.
OPEN_RETURN_STATUSES = frozenset({"CREATED", "DISPATCHED", "IN_TRANSIT", "DELIVERED"})


class RejectionCode(models.TextChoices):
    REFUND_REJECTED = "REFUND_REJECTED", _("Refund refused (give the reason)")
    NEW_ITEM_SENT = "NEW_ITEM_SENT", _("A new item was sent instead")
    ITEM_FIXED = "ITEM_FIXED", _("The item was repaired")
    MISSING_PART_SENT = "MISSING_PART_SENT", _("The missing part was sent")
    ITEM_MISMATCH = "ITEM_MISMATCH", _("A different item came back")
    BUSINESS_PURCHASE = "BUSINESS_PURCHASE", _("A business purchase: no right of withdrawal")
    NO_RETURN_RIGHT = "NO_RETURN_RIGHT", _("No right to return this item")


class ReturnReason(models.TextChoices):
    """Why the buyer returns an item, as Allegro codes it."""

    NONE = "NONE", _("No reason given")
    MISTAKE = "MISTAKE", _("Bought by mistake")
    TRANSPORT = "TRANSPORT", _("Damaged in transport")
    DAMAGED = "DAMAGED", _("Damaged")
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED", _("Not as described")
    DONT_LIKE_IT = "DONT_LIKE_IT", _("Does not like it")
    OVERDUE_DELIVERY = "OVERDUE_DELIVERY", _("Delivered too late")
    INCOMPLETE = "INCOMPLETE", _("Incomplete")
    HIDDEN_FLAW = "HIDDEN_FLAW", _("Hidden flaw")
    OTHER_FLAW = "OTHER_FLAW", _("Another flaw")
    DIFFERENT = "DIFFERENT", _("A different item")
    COUNTERFEIT = "COUNTERFEIT", _("Counterfeit")
    NOT_NEW = "NOT_NEW", _("Not new")
    TOO_LARGE = "TOO_LARGE", _("Too large")
    TOO_SMALL = "TOO_SMALL", _("Too small")
    NOT_AS_EXPECTED = "NOT_AS_EXPECTED", _("Not as expected")
    ORDERED_FOR_COMPARISON = "ORDERED_FOR_COMPARISON", _("Ordered to compare")


class OutboxState(models.TextChoices):
    """Where a request to Allegro stands; the row, not Redis, is the truth."""

    PENDING = "PENDING", _("Being sent")
    SENT = "SENT", _("Sent, waiting for Allegro")
    DONE = "DONE", _("Done")
    FAILED = "FAILED", _("Failed")


class AllegroReturn(models.Model):
    """A buyer's customer return as Allegro reports it, and what the operator decided."""

    class Decision(models.TextChoices):
        NONE = "", _("Waiting for a decision")
        ACCEPTED = "ACCEPTED", _("Accepted")
        REJECTED = "REJECTED", _("Rejected")

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="returns")
    allegro_order = models.ForeignKey(
        AllegroOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="returns"
    )
    return_id = models.CharField(_("return id"), max_length=64)
    checkout_form_id = models.CharField(_("checkout form id"), max_length=64)
    reference_number = models.CharField(_("reference number"), max_length=64, blank=True)
    status = models.CharField(_("status on Allegro"), max_length=32)
    marketplace = models.CharField(_("marketplace"), max_length=32, blank=True)
    buyer_login = models.CharField(_("buyer login"), max_length=128, blank=True)
    created_on_allegro = models.DateTimeField(_("declared at"), null=True, blank=True)
    parcel_waybill = models.CharField(_("return parcel"), max_length=64, blank=True)
    parcel_carrier = models.CharField(_("carrier"), max_length=64, blank=True)
    rejection_code = models.CharField(
        _("rejection code"), max_length=32, choices=RejectionCode.choices, blank=True
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=250, blank=True)
    payload = models.JSONField(_("raw customer return"))
    decision = models.CharField(
        _("decision"), max_length=8, choices=Decision.choices, blank=True, default=""
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The rejection is an outbox: PENDING until Allegro has it (then DONE) or refused (FAILED).
    rejection_state = models.CharField(
        max_length=8, choices=OutboxState.choices, blank=True, default=""
    )
    rejection_error = models.TextField(blank=True)
    rejection_attempts = models.PositiveIntegerField(default=0)
    rejection_claimed_until = models.DateTimeField(null=True, blank=True)
    sales_return = models.OneToOneField(
        SalesOrderReturn,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allegro_return",
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Allegro return")
        verbose_name_plural = _("Allegro returns")
        ordering = ["-created_on_allegro", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["return_id"], name="allegro_return_unique_id"),
            # A decision is both ways or none: rejected <=> a code to send.
            models.CheckConstraint(
                condition=~Q(decision="REJECTED") | ~Q(rejection_code=""),
                name="allegro_return_rejection_has_code",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "-created_on_allegro"], name="allegro_return_status_idx"
            ),
            models.Index(fields=["checkout_form_id"], name="allegro_return_form_idx"),
        ]
        permissions = [
            ("handle_allegroreturn", _("Can accept and reject returns and refund payments")),
            ("refund_above_limit", _("Can refund more than the operators' limit")),
        ]

    def __str__(self) -> str:
        return self.reference_number or self.return_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RETURN_STATUSES and not self.decision

    def status_label(self) -> str:
        return (
            str(ReturnStatus(self.status).label)
            if self.status in ReturnStatus.values
            else self.status
        )


class AllegroReturnLine(models.Model):
    customer_return = models.ForeignKey(
        AllegroReturn, on_delete=models.CASCADE, related_name="lines"
    )
    offer_id = models.CharField(_("offer id"), max_length=32)
    name = models.CharField(_("offer"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        currency_choices=CURRENCY_CHOICES,
    )
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    comment = models.TextField(_("buyer's comment"), blank=True)

    objects: ClassVar[models.Manager["AllegroReturnLine"]]
    _default_manager: ClassVar[models.Manager["AllegroReturnLine"]]

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    def reason_label(self) -> str:
        """Allegro's reason in words; a code Allegro added since, as it came."""
        return (
            str(ReturnReason(self.reason).label)
            if self.reason in ReturnReason.values
            else self.reason
        )


class RefundLimit(models.Model):
    """Above this amount (in its currency) a refund needs an administrator; no row, no limit."""

    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, primary_key=True
    )
    amount = models.DecimalField(_("limit"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("refund limit for operators")
        verbose_name_plural = _("refund limits for operators")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="allegro_refund_limit_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class AllegroRefund(OutboxRow):
    """A payment refund: written with its commandId before any request, so that every retry
    (a job run twice, a double click, a killed worker) sends the same command and Allegro
    refunds once."""

    class State(models.TextChoices):
        PENDING = "PENDING", _("Being sent")
        SENT = "SENT", _("Waiting for Allegro")
        SUCCESS = "SUCCESS", _("Refunded")
        FAILED = "FAILED", _("Failed")

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="refunds")
    allegro_order = models.ForeignKey(
        AllegroOrder, on_delete=models.CASCADE, related_name="refunds"
    )
    customer_return = models.ForeignKey(
        AllegroReturn, on_delete=models.SET_NULL, null=True, blank=True, related_name="refunds"
    )
    command_id = models.UUIDField(_("command id"), default=uuid.uuid4, editable=False)
    reason = models.CharField(_("reason"), max_length=32, default="REFUND")
    # [{"line_item_id", "name", "quantity", "unit_price"}] in the order's currency
    lines = models.JSONField(default=list, blank=True)
    delivery = MoneyField(
        _("delivery"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        currency_choices=CURRENCY_CHOICES,
    )
    # [{"id", "amount"}]
    surcharges = models.JSONField(default=list, blank=True)
    total = MoneyField(
        _("amount"), max_digits=14, decimal_places=2, currency_choices=CURRENCY_CHOICES
    )
    comment = models.CharField(_("comment for the buyer"), max_length=250, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    allegro_refund_id = models.CharField(max_length=64, blank=True)
    allegro_status = models.CharField(_("status on Allegro"), max_length=24, blank=True)
    last_error = models.TextField(_("Allegro's answer"), blank=True)
    trace_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[models.Manager["AllegroRefund"]]
    _default_manager: ClassVar[models.Manager["AllegroRefund"]]

    class Meta:
        verbose_name = _("Allegro refund")
        verbose_name_plural = _("Allegro refunds")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["command_id"], name="allegro_refund_unique_command"),
            # One live refund per return: accepting twice cannot give the money back twice.
            models.UniqueConstraint(
                fields=["customer_return"],
                condition=~Q(state="FAILED"),
                name="allegro_refund_one_per_return",
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="allegro_refund_total_positive"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["PENDING", "SENT"]),
                name="allegro_refund_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.command_id} {self.state}"

    @property
    def holds_money(self) -> bool:
        """Counts against what may still be refunded: all but a failed one."""
        return self.state != self.State.FAILED
