from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import AllegroOrder, FulfillmentStatus
from sales.models import SalesOrderStatus
from shop.outbox import OutboxRow, due_index


class FulfillmentStatusMapping(models.Model):
    """Which Allegro fulfillment status a sales order status shows as, per account; the
    defaults live in allegro.writeback and apply where no row says otherwise."""

    account = models.ForeignKey(
        AllegroAccount, on_delete=models.CASCADE, related_name="status_mappings"
    )
    sales_status = models.CharField(_("sales order status"), max_length=24)
    fulfillment_status = models.CharField(
        _("Allegro fulfillment status"),
        max_length=24,
        choices=FulfillmentStatus.choices,
        blank=True,
        help_text=_("Empty: this status is not sent to Allegro."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "sales_status"], name="allegro_status_mapping_unique"
            ),
            models.CheckConstraint(
                condition=~Q(fulfillment_status=FulfillmentStatus.RETURNED),
                name="allegro_status_mapping_not_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sales_status} → {self.fulfillment_status or '—'}"


class AllegroWrite(OutboxRow):
    """Something Allegro must be told, written in the transaction of the change that causes
    it and carried out by an idempotent job; the row, not Redis, is the truth."""

    class Kind(models.TextChoices):
        FULFILLMENT = "FULFILLMENT", _("Status")
        SHIPMENT = "SHIPMENT", _("Tracking number")
        INVOICE = "INVOICE", _("Invoice")

    class State(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        DONE = "DONE", _("Done")
        SKIPPED = "SKIPPED", _("Nothing to send")
        FAILED = "FAILED", _("Failed")

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="writes")
    allegro_order = models.ForeignKey(AllegroOrder, on_delete=models.CASCADE, related_name="writes")
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    # One row per cause ("status:<sales event id>", "shipment:<id>", "invoice:<id>"): a
    # repeated signal or a double click cannot queue the same write twice.
    cause = models.CharField(max_length=64, unique=True)
    # FULFILLMENT: {"status": "SENT"}; SHIPMENT: {"shipment_id": 1}; INVOICE: {"invoice_id": 1}
    target = models.JSONField()
    # What Allegro gave back that a retry must reuse (e.g. the invoice id before the upload).
    result = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    next_attempt_at = models.DateTimeField(_("next attempt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("write to Allegro")
        verbose_name_plural = _("writes to Allegro")
        ordering = ["created_at", "id"]
        indexes = [
            due_index("allegro_write_due_idx"),
            models.Index(fields=["state", "-updated_at"], name="allegro_write_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["PENDING", "FAILED"]) | Q(done_at__isnull=False),
                name="allegro_write_finished_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.cause} {self.state}"

    def reached_allegro(self) -> bool:
        return self.state == self.State.DONE

    def being_sent(self, now: datetime) -> bool:
        return self.state == self.State.PENDING and super().being_sent(now)


# What each sales order status shows as on Allegro where an account's mapping says nothing.
DEFAULT_STATUS_MAP: dict[str, str] = {
    SalesOrderStatus.NEW: FulfillmentStatus.NEW,
    SalesOrderStatus.IN_PROGRESS: FulfillmentStatus.PROCESSING,
    SalesOrderStatus.READY_FOR_SHIPMENT: FulfillmentStatus.READY_FOR_SHIPMENT,
    SalesOrderStatus.READY_FOR_PICKUP: FulfillmentStatus.READY_FOR_PICKUP,
    SalesOrderStatus.SENT: FulfillmentStatus.SENT,
    SalesOrderStatus.PICKED_UP: FulfillmentStatus.PICKED_UP,
    SalesOrderStatus.ON_HOLD: FulfillmentStatus.SUSPENDED,
    SalesOrderStatus.CANCELLED: FulfillmentStatus.CANCELLED,
}


# The kinds of write held while their sales order needs attention, until an operator decides
# on the order's page; tracking numbers are not held.
HELD_FOR_ATTENTION_KINDS = frozenset({AllegroWrite.Kind.FULFILLMENT, AllegroWrite.Kind.INVOICE})


def held_for_attention() -> Q:
    """Writes (of any state) that wait while their sales order needs attention."""
    return Q(kind__in=HELD_FOR_ATTENTION_KINDS, allegro_order__sales_order__needs_attention=True)


# write.result["held_back"] of a status not sent because Allegro was further along.
HELD_BACK = "further_along"


# The account's switch that holds back each kind of write.
PAUSE_FIELDS: dict[str, str] = {
    AllegroWrite.Kind.FULFILLMENT: "fulfillment_writes_paused",
    AllegroWrite.Kind.SHIPMENT: "shipment_writes_paused",
    AllegroWrite.Kind.INVOICE: "invoice_writes_paused",
}
