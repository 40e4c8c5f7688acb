from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sales.models import SalesOrder, SalesOrderReturn
from shop.models import OneRowSettings
from shop.outbox import OutboxRow, due_index
from shop.runs import TrackedRun


class ErpSettings(OneRowSettings):
    """The one row of ERP settings."""

    periodic_sync = models.BooleanField(_("periodic synchronization"), default=False)

    class Meta:
        verbose_name = _("ERP settings")
        verbose_name_plural = _("ERP settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="erp_settings_singleton")]

    def __str__(self) -> str:
        return str(_("ERP settings"))


class ErpStatus(models.TextChoices):
    ACCEPTED = "ACCEPTED", _("Accepted")
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    SHIPPED = "SHIPPED", _("Shipped")
    DELIVERED = "DELIVERED", _("Delivered")
    CANCELLED = "CANCELLED", _("Cancelled")


class ErpOrderLink(models.Model):
    """A sales order's document in the ERP, and what the ERP last told us of it.

    A row exists from the first attempt to send; `document_number` is empty until the ERP
    accepted the order. `sent_hash` covers what was sent, so a changed order is sent again
    while the ERP still accepts changes (ACCEPTED)."""

    order = models.OneToOneField(
        SalesOrder, on_delete=models.CASCADE, related_name="erp_link", verbose_name=_("order")
    )
    document_number = models.CharField(_("ERP document"), max_length=64, blank=True)
    erp_status = models.CharField(
        _("ERP status"), max_length=16, choices=ErpStatus.choices, blank=True
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_hash = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=64, blank=True)
    erp_invoice_id = models.CharField(max_length=64, blank=True)
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=14, decimal_places=6, null=True, blank=True
    )
    exchange_rate_currency = models.CharField(max_length=3, blank=True)
    exchange_rate_table = models.CharField(_("rate table"), max_length=64, blank=True)
    exchange_rate_date = models.DateField(_("rate date"), null=True, blank=True)
    invoice_total_pln = models.DecimalField(
        _("invoice total in PLN"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    synced_at = models.DateTimeField(_("last synchronized"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ERP order link")
        verbose_name_plural = _("ERP order links")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["erp_status"], name="erp_link_status_idx")]

    def __str__(self) -> str:
        return self.document_number or f"{self.order_id} ({_('not in the ERP')})"


class ErpSyncRun(TrackedRun):
    """One synchronization with the ERP, its progress written as it goes.

    At most one is RUNNING (a partial unique index): asking for a second returns the first."""

    class Trigger(models.TextChoices):
        MANUAL = "MANUAL", _("Button")
        PERIODIC = "PERIODIC", _("Periodic")
        ADMIN_ACTION = "ADMIN_ACTION", _("Admin action")

    class State(models.TextChoices):
        RUNNING = "RUNNING", _("Running")
        DONE = "DONE", _("Done")
        FAILED = "FAILED", _("Failed")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.RUNNING)
    # Only these sales orders (the admin action); null = every order that needs it.
    order_ids = models.JSONField(null=True, blank=True)
    total = models.PositiveIntegerField(_("orders"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # Orders left out because they need attention: [{"number": "ZS/...", "order_id": 17}]
    held = models.PositiveIntegerField(_("held for attention"), default=0)
    held_orders = models.JSONField(default=list, blank=True)
    # [{"number": "ZS/2026/000017", "order_id": 17, "message": <a notice>}]; number "" = the
    # run's own; the message as shop.notices stores it, said in the reader's language when shown
    errors = models.JSONField(_("errors"), default=list, blank=True)
    currencies_changed = models.JSONField(default=list, blank=True)

    class Meta(TrackedRun.Meta):
        verbose_name = _("ERP synchronization")
        verbose_name_plural = _("ERP synchronizations")
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=Q(state="RUNNING"), name="erp_sync_one_running"
            ),
        ]
        permissions = [("run_erp_sync", _("Can synchronize with the ERP"))]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.state}"

    @property
    def is_running(self) -> bool:
        return self.state == self.State.RUNNING

    @property
    def had_errors(self) -> bool:
        return bool(self.failed or self.errors)

    @property
    def outcome(self) -> tuple[str, str]:
        """The run's state as staff should read it, and its badge: "Done" only when nothing
        failed; a finished run with failed orders or errors is "Done with errors"."""
        if self.state == self.State.RUNNING:
            return str(self.State.RUNNING.label), "warn"
        if self.state == self.State.FAILED:
            return str(self.State.FAILED.label), "err"
        if self.had_errors:
            return gettext("Done with errors"), "err"
        return str(self.State.DONE.label), "ok"


class ErpReturn(OutboxRow):
    """Goods came back (sales.SalesOrderReturn): the ERP must correct the invoice. Written in the
    transaction that recorded the return, sent by a job (`POST /api/returns`, idempotent by the
    return's reference), queued again by a sweep when lost."""

    class State(models.TextChoices):
        PENDING = "PENDING", _("Waiting to be sent")
        DONE = "DONE", _("Corrected by the ERP")
        FAILED = "FAILED", _("Refused by the ERP")

    sales_return = models.OneToOneField(
        SalesOrderReturn, on_delete=models.CASCADE, related_name="erp_return"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("return sent to the ERP")
        indexes = [due_index("erp_return_due_idx")]

    def __str__(self) -> str:
        return f"{self.sales_return_id} {self.state}"
