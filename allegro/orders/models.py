from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from allegro import notices
from allegro.accounts.models import AllegroAccount
from allegro.api.payloads import CheckoutForm, parse_checkout_form
from allegro.marketplaces import MARKETPLACES, marketplace_name
from shop.models import InternalNote, SearchTerm
from shop.notices import Notice, choice_kind

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


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


class PaymentType(models.TextChoices):
    """How the buyer pays: Allegro's `payment.type` (and a surcharge's)."""

    CASH_ON_DELIVERY = "CASH_ON_DELIVERY", _("Cash on delivery")
    WIRE_TRANSFER = "WIRE_TRANSFER", _("Bank transfer")
    ONLINE = "ONLINE", _("Online payment")
    SPLIT_PAYMENT = "SPLIT_PAYMENT", _("Split payment")
    EXTENDED_TERM = "EXTENDED_TERM", _("Deferred payment")


# Allegro's statuses as a notice's parameter, said in the reader's language.
BUYER_STATUS = choice_kind("allegro.buyer_status", dict(BuyerStatus.choices))
FULFILLMENT_STATUS = choice_kind("allegro.fulfillment_status", dict(FulfillmentStatus.choices))


# Allegro shows these orders as done with (sent, picked up, cancelled or returned by the
# seller's side): the shop must not fulfil them again, only document them.
FULFILLED_OUTSIDE = (
    FulfillmentStatus.SENT,
    FulfillmentStatus.PICKED_UP,
    FulfillmentStatus.CANCELLED,
    FulfillmentStatus.RETURNED,
)


@dataclass(frozen=True)
class Convertibility:
    """Whether an order can become a sales order, and if not, why (`code`, `reason`).

    True in an `if` when it can: `{% if order.convertible %}` in a template. A convertible
    order Allegro already shows as fulfilled has `fulfilled_outside` set and `reason` says so:
    it converts only once an operator confirms (`needs_confirmation`)."""

    code: str = ""
    # Said in the reader's language by str() (templates do); kept as it is when stored.
    reason: Notice | str = ""
    fulfilled_outside: bool = False

    def __bool__(self) -> bool:
        return not self.code

    @property
    def needs_confirmation(self) -> bool:
        return self.fulfilled_outside


CONVERTIBLE = Convertibility()
# The same rule as AllegroOrder.convertible(), for querysets (automatic conversion).
CONVERTIBLE_ORDERS = Q(
    sales_order__isnull=True,
    superseded_at__isnull=True,
    status=BuyerStatus.READY_FOR_PROCESSING,
    marketplace__in=list(MARKETPLACES),
)


def unknown_marketplace_reason(marketplace: str) -> Notice:
    """The note an order from a marketplace the shop's table lacks carries, everywhere."""
    return notices.MARKETPLACE_UNKNOWN(marketplace=marketplace)


def _live_index(*fields: str, name: str) -> models.Index:
    """An index of the live orders only: those no newer copy of their form superseded."""
    return models.Index(fields=list(fields), condition=Q(superseded_at__isnull=True), name=name)


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

    # Our own fulfillment write reached Allegro at `own_write_at` and set `own_write_status`;
    # all the shop lacks is the revision it made, which the journal's event for it carries
    # (the importer takes it from there, no read). Cleared whenever the form is read.
    own_write_status = models.CharField(
        _("status of our own write awaiting its revision"),
        max_length=24,
        choices=FulfillmentStatus.choices,
        blank=True,
    )
    own_write_at = models.DateTimeField(_("own write sent at"), null=True, blank=True)

    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Annotations only (nothing changes at run time): djmoney swaps the default manager's class
    # for one made inside a function, which the django-stubs plugin cannot look up.
    objects: ClassVar[models.Manager["AllegroOrder"]]
    _default_manager: ClassVar[models.Manager["AllegroOrder"]]

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
            models.CheckConstraint(
                condition=Q(own_write_at__isnull=True, own_write_status="")
                | (Q(own_write_at__isnull=False) & ~Q(own_write_status="")),
                name="allegro_order_own_write_pending_whole",
            ),
        ]
        indexes = [
            # The list shows live orders only: partial indexes serve both its page and its
            # COUNT without reading the wide rows (each carries its JSON payload).
            _live_index("-bought_at", "-id", name="allegro_order_live_idx"),
            _live_index("marketplace", "-bought_at", "-id", name="allegro_order_live_market_idx"),
            # One per sort key of the list (allegro.orders.selectors.ALLEGRO_ORDER_SORTS),
            # with the id that breaks ties: a keyset page is a range of one of them.
            *(
                _live_index(field, "id", name=f"allegro_order_live_{name}_idx")
                for field, name in [
                    ("buyer_login", "buyer"),
                    ("total", "total"),
                    ("status", "status"),
                    ("fulfillment_status", "fulfil"),
                ]
            ),
            # The list's counts per (buyer, fulfillment) status: an index-only scan, not the
            # wide table (3.5x faster at 100,000 orders).
            _live_index("status", "fulfillment_status", name="allegro_order_live_chips_idx"),
            # The same counts over one marketplace (the commonest filter), each status's
            # capped count from an index that starts with what it compares.
            _live_index(
                "marketplace", "status", "fulfillment_status", name="allegro_order_mkt_chips_idx"
            ),
            _live_index("marketplace", "fulfillment_status", name="allegro_order_mkt_fulfil_idx"),
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

    @property
    def is_converted(self) -> bool:
        return self.sales_order_id is not None

    def convertible(self) -> Convertibility:
        """The one answer to "can this order become a sales order?" as far as the order itself
        goes: the list's checkbox, the detail's button, bulk and automatic conversion and the
        conversion service all ask here (CONVERTIBLE_ORDERS is the same rule as a filter).
        What the shop must have for it (variant, currency, products) the service checks."""
        if self.is_converted:
            return Convertibility("converted", notices.CONVERTED())
        if self.superseded_at is not None:
            replaced_by = self.superseded_by
            return Convertibility(
                "superseded",
                notices.SUPERSEDED(form_id=replaced_by.checkout_form_id if replaced_by else "?"),
            )
        if self.status == BuyerStatus.CANCELLED:
            return Convertibility("cancelled", notices.CANCELLED())
        if self.status != BuyerStatus.READY_FOR_PROCESSING:
            # Only READY_FOR_PROCESSING is final (paid, or cash on delivery).
            return Convertibility(
                "not_paid", notices.NOT_PAID(status=BUYER_STATUS(value=self.status))
            )
        if self.marketplace not in MARKETPLACES:
            return Convertibility(
                "marketplace_unknown", unknown_marketplace_reason(self.marketplace)
            )
        if self.is_fulfilled_outside:
            return Convertibility(
                reason=notices.FULFILLED_OUTSIDE(
                    status=FULFILLMENT_STATUS(value=self.fulfillment_status)
                ),
                fulfilled_outside=True,
            )
        return CONVERTIBLE

    @property
    def is_fulfilled_outside(self) -> bool:
        return self.fulfillment_status in FULFILLED_OUTSIDE

    @property
    def marketplace_name(self) -> str:
        return marketplace_name(self.marketplace)

    @cached_property
    def form(self) -> CheckoutForm:
        """The typed view of the stored payload (validated when it was imported)."""
        return parse_checkout_form(self.payload)


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

    # Annotations only (nothing changes at run time): djmoney swaps the default manager's class
    # for one made inside a function, which the django-stubs plugin cannot look up.
    objects: ClassVar[models.Manager["AllegroOrderLine"]]
    _default_manager: ClassVar[models.Manager["AllegroOrderLine"]]

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

    class Type(models.TextChoices):
        # Allegro's OrderEventType; a type Allegro adds later is kept and shown as it came.
        BOUGHT = "BOUGHT", _("Bought (form not filled in yet)")
        FILLED_IN = "FILLED_IN", _("Form filled in, not paid yet")
        READY_FOR_PROCESSING = "READY_FOR_PROCESSING", _("Paid: ready for processing")
        BUYER_CANCELLED = "BUYER_CANCELLED", _("Cancelled by the buyer")
        FULFILLMENT_STATUS_CHANGED = "FULFILLMENT_STATUS_CHANGED", _("Fulfillment status changed")
        BUYER_MODIFIED = "BUYER_MODIFIED", _("Changed by the buyer")
        AUTO_CANCELLED = "AUTO_CANCELLED", _("Cancelled by Allegro")

    account = models.ForeignKey(AllegroAccount, on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=64)
    type = models.CharField(_("type"), max_length=32, choices=Type.choices)
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


class AllegroOrderNote(InternalNote):
    """Staff's own note on an Allegro order: kept here only, never sent to Allegro."""

    order = models.ForeignKey(AllegroOrder, on_delete=models.CASCADE, related_name="notes")


class AllegroOrderSearchTerm(SearchTerm):
    """A normalized text the order is found by in Allegro ▸ Zamówienia's search (shop.search):
    from its checkout form (form id, buyer, addresses, tax ids, offers) and its notes, kept by
    allegro.orders.search whenever the form is stored or a note added. What the shop did with
    a converted order (tracking and invoice numbers) is found through its sales order's terms."""

    # The unique constraint's index starts with the order: no index of its own.
    order = models.ForeignKey(
        AllegroOrder, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta(SearchTerm.Meta):
        constraints = [
            *SearchTerm.Meta.constraints,
            models.UniqueConstraint(
                fields=["order", "kind", "term"], name="allegro_search_term_unique"
            ),
        ]
