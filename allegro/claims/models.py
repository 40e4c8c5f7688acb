from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from djmoney.models.fields import MoneyField

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import AllegroOrder, AllegroOrderLine
from sales.models import CURRENCY_CHOICES
from shop.outbox import OutboxRow


class ClaimStatus(models.TextChoices):
    """Allegro's status of a claim (RefundClaim.status)."""

    IN_PROGRESS = "IN_PROGRESS", pgettext_lazy("refund claim", "In progress")
    WAITING_FOR_PAYMENT_REFUND = "WAITING_FOR_PAYMENT_REFUND", _("Waiting for the buyer's refund")
    GRANTED = "GRANTED", _("Granted")
    REJECTED = "REJECTED", _("Rejected")
    REJECTED_AFTER_APPEAL = "REJECTED_AFTER_APPEAL", _("Rejected after appeal")
    CANCELLED = "CANCELLED", pgettext_lazy("refund claim", "Cancelled")
    APPEALED = "APPEALED", _("Appealed")


# Allegro has decided: nothing changes any more, so the claim is no longer followed.
FINAL_STATUSES = frozenset(
    {
        ClaimStatus.GRANTED,
        ClaimStatus.REJECTED,
        ClaimStatus.REJECTED_AFTER_APPEAL,
        ClaimStatus.CANCELLED,
    }
)
# What the seller may still cancel on Allegro.
CANCELLABLE_STATUSES = frozenset({ClaimStatus.IN_PROGRESS, ClaimStatus.WAITING_FOR_PAYMENT_REFUND})
# Claims that no longer hold any of their line's quantity.
RELEASED_STATUSES = frozenset(
    {ClaimStatus.REJECTED, ClaimStatus.REJECTED_AFTER_APPEAL, ClaimStatus.CANCELLED}
)


class RefundClaim(OutboxRow):
    """A commission refund claim for some items of one line of an Allegro order. The row is
    written with the operator's request and is itself the outbox: a job files it with Allegro
    once (it reads the line's claims before it files), then follows Allegro's answer."""

    class State(models.TextChoices):
        PENDING = "PENDING", _("Waiting to be sent")
        SENT = "SENT", _("Filed with Allegro")
        FAILED = "FAILED", _("Refused by Allegro")
        WITHDRAWN = "WITHDRAWN", _("Withdrawn before sending")

    account = models.ForeignKey(
        AllegroAccount, on_delete=models.CASCADE, related_name="refund_claims"
    )
    allegro_order = models.ForeignKey(
        AllegroOrder, on_delete=models.CASCADE, related_name="refund_claims"
    )
    line = models.ForeignKey(AllegroOrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    # Allegro's id and status, once filed; the commission is what Allegro says it refunds.
    claim_id = models.CharField(_("Allegro claim id"), max_length=64, blank=True)
    allegro_status = models.CharField(
        _("Allegro status"), max_length=32, choices=ClaimStatus.choices, blank=True
    )
    commission = MoneyField(
        _("commission"),
        max_digits=14,
        decimal_places=2,
        currency_choices=CURRENCY_CHOICES,
        null=True,
        blank=True,
    )
    # The operator asked to cancel a filed claim; a job tells Allegro.
    cancel_requested_at = models.DateTimeField(_("cancellation requested"), null=True, blank=True)
    # Empty once Allegro's answer is final: nothing more to send or to ask. A worker holds the
    # row (claimed_until) while it sends or asks Allegro.
    next_attempt_at = models.DateTimeField(  # type: ignore[assignment]  # nullable here
        _("next attempt"), null=True, blank=True
    )
    checked_at = models.DateTimeField(_("last asked Allegro"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects: ClassVar[models.Manager["RefundClaim"]]
    _default_manager: ClassVar[models.Manager["RefundClaim"]]

    class Meta:
        verbose_name = _("commission refund claim")
        verbose_name_plural = _("commission refund claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim_id"],
                condition=~Q(claim_id=""),
                name="allegro_refund_claim_unique_id",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="allegro_refund_claim_quantity_positive"
            ),
            models.CheckConstraint(
                condition=~Q(state="SENT") | ~Q(claim_id=""),
                name="allegro_refund_claim_sent_has_id",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(next_attempt_at__isnull=False),
                name="allegro_refund_claim_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.line_id} {self.state} {self.allegro_status}"

    @property
    def is_final(self) -> bool:
        return self.state in (self.State.FAILED, self.State.WITHDRAWN) or (
            self.allegro_status in FINAL_STATUSES
        )

    @property
    def holds_quantity(self) -> bool:
        """Counts against the line's quantity (filed or about to be, and not released)."""
        if self.state in (self.State.FAILED, self.State.WITHDRAWN):
            return False
        return self.allegro_status not in RELEASED_STATUSES

    @property
    def cancel_pending(self) -> bool:
        """The operator asked to cancel and Allegro has not answered it yet."""
        return self.cancel_requested_at is not None and self.allegro_status in CANCELLABLE_STATUSES

    @property
    def cancellable(self) -> bool:
        if self.cancel_requested_at is not None:
            return False
        if self.state == self.State.PENDING:
            return True
        return self.state == self.State.SENT and self.allegro_status in CANCELLABLE_STATUSES
