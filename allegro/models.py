from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from allegro.payloads import CheckoutForm, parse_checkout_form

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class Marketplace(models.TextChoices):
    ALLEGRO_PL = "allegro-pl", "allegro.pl"
    ALLEGRO_CZ = "allegro-cz", "allegro.cz"
    ALLEGRO_SK = "allegro-sk", "allegro.sk"
    ALLEGRO_HU = "allegro-hu", "allegro.hu"
    ALLEGRO_BUSINESS_CZ = "allegro-business-cz", "allegro business .cz"


class BuyerStatus(models.TextChoices):
    """The buyer's side of an order: Allegro's `status`."""

    BOUGHT = "BOUGHT", _("Bought, form not filled in")
    FILLED_IN = "FILLED_IN", _("Filled in, not paid")
    READY_FOR_PROCESSING = "READY_FOR_PROCESSING", _("Ready for processing")
    CANCELLED = "CANCELLED", _("Cancelled")


class FulfillmentStatus(models.TextChoices):
    """The seller's side of an order: Allegro's `fulfillment.status`."""

    NEW = "NEW", _("New")
    PROCESSING = "PROCESSING", _("Processing")
    READY_FOR_SHIPMENT = "READY_FOR_SHIPMENT", _("Ready for shipment")
    READY_FOR_PICKUP = "READY_FOR_PICKUP", _("Ready for pickup")
    SENT = "SENT", _("Sent")
    PICKED_UP = "PICKED_UP", _("Picked up")
    CANCELLED = "CANCELLED", _("Cancelled")
    SUSPENDED = "SUSPENDED", _("Suspended")
    RETURNED = "RETURNED", _("Returned")


class AllegroAccount(models.Model):
    """A seller's Allegro account connected with OAuth; one account covers every marketplace."""

    class Status(models.TextChoices):
        CONNECTED = "CONNECTED", _("Connected")
        RECONNECT_NEEDED = "RECONNECT_NEEDED", _("Reconnect needed")

    seller_id = models.CharField(_("seller id"), max_length=32, unique=True)
    login = models.CharField(_("login"), max_length=128)
    base_marketplace = models.CharField(
        _("base marketplace"), max_length=32, choices=Marketplace.choices
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONNECTED
    )
    status_reason = models.CharField(_("status reason"), max_length=255, blank=True)

    # Fernet ciphertexts (allegro.tokens); the plain tokens never touch the database or logs.
    access_token_encrypted = models.TextField(editable=False)
    refresh_token_encrypted = models.TextField(editable=False)
    access_token_expires_at = models.DateTimeField(editable=False)

    # Import progress: the journal cursor moves only in the transaction that stores its orders.
    events_cursor = models.CharField(max_length=64, blank=True, editable=False)
    backfill_completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reconciled_through = models.DateTimeField(null=True, blank=True, editable=False)
    last_import_at = models.DateTimeField(_("last import"), null=True, blank=True)
    auto_create_orders = models.BooleanField(
        _("Create orders for offers automatically"),
        default=False,
        help_text=_("Every paid Allegro order becomes a sales order as soon as it is imported."),
    )
    last_import_error = models.TextField(_("last import error"), blank=True)

    # Staff can hold back each kind of write to Allegro (e.g. while fixing a mapping).
    fulfillment_writes_paused = models.BooleanField(_("status updates paused"), default=False)
    shipment_writes_paused = models.BooleanField(_("tracking numbers paused"), default=False)
    invoice_writes_paused = models.BooleanField(_("invoices paused"), default=False)
    invoices_for_everyone = models.BooleanField(
        _("Send invoices to every buyer"),
        default=False,
        help_text=_("Otherwise only to buyers who asked for an invoice."),
    )

    connected_at = models.DateTimeField(_("connected at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Allegro account")
        verbose_name_plural = _("Allegro accounts")
        ordering = ["login"]
        permissions = [("manage_allegro_settings", _("Can manage Allegro settings and accounts"))]

    def __str__(self) -> str:
        return self.login

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED


class AllegroOrder(models.Model):
    """One Allegro checkout form as last read; `payload` is the raw form, kept for replay."""

    account = models.ForeignKey(AllegroAccount, on_delete=models.PROTECT, related_name="orders")
    checkout_form_id = models.CharField(_("checkout form id"), max_length=36)
    revision = models.CharField(_("revision"), max_length=64)
    marketplace = models.CharField(_("marketplace"), max_length=32)
    status = models.CharField(_("buyer status"), max_length=24, choices=BuyerStatus.choices)
    fulfillment_status = models.CharField(
        _("fulfillment status"), max_length=24, choices=FulfillmentStatus.choices, blank=True
    )
    buyer_login = models.CharField(_("buyer login"), max_length=128)
    bought_at = models.DateTimeField(_("bought at"), null=True, blank=True)
    allegro_updated_at = models.DateTimeField(_("updated on Allegro"), null=True, blank=True)
    total = MoneyField(
        _("total to pay"), max_digits=14, decimal_places=2, currency_choices=CURRENCY_CHOICES
    )
    # Copied out of the payload for the list, which must not read the JSON of every row.
    invoice_required = models.BooleanField(_("invoice required"), default=False)
    message_to_seller = models.TextField(_("message to seller"), blank=True)
    payload = models.JSONField(_("raw checkout form"))

    # A form merged into a newer one (buyer paid several purchases together) stays for the
    # record but is never listed as a live order.
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supersedes"
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    # One Allegro order makes at most one sales order: the database itself refuses a second.
    sales_order = models.OneToOneField(
        "sales.SalesOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegro_order",
    )
    # Why the automatic conversion left this order for a person, in words staff can act on.
    conversion_problem = models.TextField(_("why it was not converted"), blank=True)

    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Allegro order")
        verbose_name_plural = _("Allegro orders")
        ordering = ["-bought_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "checkout_form_id"], name="allegro_order_unique_checkout_form"
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | Q(superseded_at__isnull=False),
                name="allegro_order_superseded_has_date",
            ),
        ]
        indexes = [
            # The list shows live orders only: partial indexes serve both its page and its
            # COUNT without reading the wide rows (each carries its JSON payload).
            models.Index(
                fields=["-bought_at", "-id"],
                condition=Q(superseded_at__isnull=True),
                name="allegro_order_live_idx",
            ),
            models.Index(
                fields=["marketplace", "-bought_at", "-id"],
                condition=Q(superseded_at__isnull=True),
                name="allegro_order_live_market_idx",
            ),
            # Counting live orders reads this small index, not the table.
            models.Index(fields=["superseded_at"], name="allegro_order_superseded_idx"),
            models.Index(fields=["buyer_login"], name="allegro_order_buyer_idx"),
            models.Index(fields=["checkout_form_id"], name="allegro_order_form_idx"),
        ]
        permissions = [
            ("view_allegro_payload", _("Can see raw Allegro payloads")),
            ("convert_allegroorder", _("Can turn Allegro orders into sales orders")),
        ]

    def __str__(self) -> str:
        return self.checkout_form_id

    @property
    def is_superseded(self) -> bool:
        return self.superseded_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.status == BuyerStatus.CANCELLED

    @cached_property
    def form(self) -> CheckoutForm:
        """The typed view of the stored payload (validated when it was imported)."""
        return parse_checkout_form(self.payload)


class OfferProductLink(models.Model):
    """An offer whose external id is not a shop SKU, tied to its product once by an operator."""

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="+")
    offer_id = models.CharField(_("offer id"), max_length=32)
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("offer–product link")
        verbose_name_plural = _("offer–product links")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "offer_id"], name="allegro_offer_link_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} → {self.product_id}"


class AllegroOrderLine(models.Model):
    order = models.ForeignKey(AllegroOrder, on_delete=models.CASCADE, related_name="lines")
    line_item_id = models.CharField(max_length=64)
    offer_id = models.CharField(_("offer id"), max_length=32)
    offer_name = models.CharField(_("offer"), max_length=255)
    offer_external_id = models.CharField(_("external id (SKU)"), max_length=128, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(
        _("unit price"), max_digits=14, decimal_places=2, currency_choices=CURRENCY_CHOICES
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "line_item_id"], name="allegro_order_line_unique_item"
            ),
        ]
        indexes = [
            models.Index(fields=["offer_id"], name="allegro_line_offer_idx"),
            models.Index(fields=["line_item_id"], name="allegro_line_item_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.offer_name}"


class AllegroOrderEvent(models.Model):
    """An entry of Allegro's order journal, kept as the order's history."""

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=64)
    type = models.CharField(_("type"), max_length=32)
    occurred_at = models.DateTimeField(_("occurred at"))
    checkout_form_id = models.CharField(max_length=36)
    revision = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["occurred_at", "event_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "event_id"], name="allegro_event_unique_id"),
        ]
        indexes = [models.Index(fields=["checkout_form_id"], name="allegro_event_form_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.checkout_form_id}"


class AllegroImportProblem(models.Model):
    """A checkout form that could not be imported, with a reason staff can read."""

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="problems")
    checkout_form_id = models.CharField(_("checkout form id"), max_length=64)
    reason = models.TextField(_("reason"))
    payload = models.JSONField(_("raw payload"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "checkout_form_id"], name="allegro_problem_unique_form"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checkout_form_id}: {self.reason}"


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


class AllegroWrite(models.Model):
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
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), auto_now_add=True)
    # A worker holds the row until then; one killed mid-way loses it to the sweep.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("write to Allegro")
        verbose_name_plural = _("writes to Allegro")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="PENDING"),
                name="allegro_write_due_idx",
            ),
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
