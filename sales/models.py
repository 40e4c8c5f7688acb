from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from sales.notices import INVALID_TRANSITION
from shop.models import InternalNote, Product, SearchTerm
from shop.notices import NoticeError, choice_kind
from shop.runs import TrackedRun

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class SalesOrderStatus(models.TextChoices):
    NEW = "NEW", _("New")
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    READY_FOR_SHIPMENT = "READY_FOR_SHIPMENT", _("Ready for shipment")
    READY_FOR_PICKUP = "READY_FOR_PICKUP", _("Ready for pickup")
    SENT = "SENT", _("Sent")
    PICKED_UP = "PICKED_UP", _("Picked up")
    ON_HOLD = "ON_HOLD", _("On hold")
    CANCELLED = "CANCELLED", _("Cancelled")


_S = SalesOrderStatus
# Where an order may go from each status. Picked up and cancelled are final.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.NEW: frozenset(
        {_S.IN_PROGRESS, _S.READY_FOR_SHIPMENT, _S.READY_FOR_PICKUP, _S.ON_HOLD, _S.CANCELLED}
    ),
    _S.IN_PROGRESS: frozenset(
        {_S.READY_FOR_SHIPMENT, _S.READY_FOR_PICKUP, _S.SENT, _S.ON_HOLD, _S.CANCELLED}
    ),
    _S.READY_FOR_SHIPMENT: frozenset({_S.IN_PROGRESS, _S.SENT, _S.ON_HOLD, _S.CANCELLED}),
    _S.READY_FOR_PICKUP: frozenset({_S.IN_PROGRESS, _S.PICKED_UP, _S.ON_HOLD, _S.CANCELLED}),
    _S.SENT: frozenset({_S.PICKED_UP}),
    _S.PICKED_UP: frozenset(),
    _S.ON_HOLD: frozenset({_S.NEW, _S.IN_PROGRESS, _S.CANCELLED}),
    _S.CANCELLED: frozenset(),
}


class ParcelState(models.TextChoices):
    """Where the order's parcel is, as its carrier reports it (any channel may set it)."""

    PENDING = "PENDING", _("awaiting the carrier")
    IN_TRANSIT = "IN_TRANSIT", _("in transit")
    RELEASED_FOR_DELIVERY = "RELEASED_FOR_DELIVERY", _("out for delivery")
    AVAILABLE_FOR_PICKUP = "AVAILABLE_FOR_PICKUP", _("awaiting pickup")
    NOTICE_LEFT = "NOTICE_LEFT", _("notice left")
    ISSUE = "ISSUE", _("problem")
    DELIVERED = "DELIVERED", _("delivered")
    RETURNED = "RETURNED", _("returned")


class BuyerKind(models.TextChoices):
    """Who buys, as invoicing sees it: a company asked for an invoice with its data."""

    COMPANY = "company", _("Company")
    CONSUMER = "consumer", _("Consumer")


class AttentionResolution(models.TextChoices):
    """What an operator decides for an order that needs attention (the order is held till then)."""

    GO_ON = "GO_ON", _("Go on anyway")
    CANCEL = "CANCEL", _("Cancel the order")


RESOLUTION = choice_kind("sales.resolution", dict(AttentionResolution.choices))


# A sales status as a notice's parameter, said in the reader's language.
SALES_STATUS = choice_kind("sales.status", dict(SalesOrderStatus.choices))


class InvalidStatusTransition(NoticeError):
    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        super().__init__(
            INVALID_TRANSITION(
                current=SALES_STATUS(value=current), target=SALES_STATUS(value=target)
            )
        )


class SalesOrderNumberSequence(models.Model):
    """The last number given in a year; locked while an order takes the next one, so numbers
    are gapless (a rolled-back order gives its number back)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Address(models.Model):
    name = models.CharField(_("name"), max_length=255, blank=True)
    company_name = models.CharField(_("company"), max_length=255, blank=True)
    street = models.CharField(_("street"), max_length=255, blank=True)
    zip_code = models.CharField(_("postal code"), max_length=32, blank=True)
    city = models.CharField(_("city"), max_length=128, blank=True)
    country_code = models.CharField(_("country"), max_length=2, blank=True)
    phone_number = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return ", ".join(self.lines)

    @property
    def lines(self) -> list[str]:
        town = f"{self.zip_code} {self.city}".strip()
        parts = [self.company_name, self.name, self.street, town, self.country_code]
        return [part for part in parts if part]


class SalesOrder(models.Model):
    """The shop's own order, from any channel; amounts in the order's currency."""

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    number_year = models.PositiveIntegerField(editable=False)
    number_sequence = models.PositiveIntegerField(editable=False)

    channel = models.CharField(_("channel"), max_length=32)
    marketplace = models.CharField(_("marketplace"), max_length=32, blank=True)
    channel_reference = models.CharField(_("reference in the channel"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=SalesOrderStatus.choices, default=SalesOrderStatus.NEW
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)

    customer_name = models.CharField(_("customer"), max_length=255, blank=True)
    customer_company = models.CharField(_("company"), max_length=255, blank=True)
    # [{"type": "CZ_ICO", "label": "IČO", "value": "27654321"}, ...]
    customer_tax_ids = models.JSONField(_("tax ids"), default=list, blank=True)
    customer_email = models.CharField(_("e-mail"), max_length=255, blank=True)
    customer_phone = models.CharField(_("phone"), max_length=32, blank=True)
    customer_login = models.CharField(_("login in the channel"), max_length=128, blank=True)
    invoice_requested = models.BooleanField(_("invoice requested"), default=False)
    # "" = not known (orders from before it was recorded): a tax id then means a company.
    buyer_kind = models.CharField(_("buyer"), max_length=16, choices=BuyerKind.choices, blank=True)
    # The channel checked the buyer's EU VAT number (Allegro: invoice.features VAT_EU_VERIFIED).
    customer_vat_eu_verified = models.BooleanField(_("EU VAT number verified"), default=False)
    # What the ERP needs for the tax point: how and when the buyer paid (null = not paid in
    # advance, or not known), and the day the goods were handed over when the shop knows it.
    payment_type = models.CharField(_("payment type"), max_length=32, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    billing_address = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery_address = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    delivery_method = models.CharField(_("delivery method"), max_length=255, blank=True)
    pickup_point_id = models.CharField(_("pickup point id"), max_length=64, blank=True)
    pickup_point_name = models.CharField(_("pickup point"), max_length=255, blank=True)
    pickup_point_address = models.CharField(_("pickup point address"), max_length=255, blank=True)
    pickup_point_description = models.TextField(_("pickup point description"), blank=True)
    delivery_cost = MoneyField(
        _("delivery cost"), max_digits=14, decimal_places=2, currency_choices=CURRENCY_CHOICES
    )
    lines_total = MoneyField(
        _("lines total"), max_digits=14, decimal_places=2, currency_choices=CURRENCY_CHOICES
    )
    total = MoneyField(
        _("total"), max_digits=14, decimal_places=2, currency_choices=CURRENCY_CHOICES
    )
    buyer_message = models.TextField(_("message from the buyer"), blank=True)
    # Shipped (or closed) before the shop took the order: the channel gives its status. Such
    # an order is only documented (invoice), never fulfilled again.
    fulfilled_outside = models.BooleanField(_("fulfilled outside the shop"), default=False)

    # The latest word of the carrier on the order's parcels ("" = none tracked yet), written
    # by sales_order_parcel_state_set for whichever channel tracks them.
    parcel_state = models.CharField(
        _("parcel"), max_length=24, choices=ParcelState.choices, blank=True
    )

    needs_attention = models.BooleanField(_("needs attention"), default=False)
    attention_reason = models.TextField(_("why it needs attention"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Annotations only (nothing changes at run time): djmoney swaps the default manager's class
    # for one made inside a function, which the django-stubs plugin cannot look up.
    objects: ClassVar[models.Manager["SalesOrder"]]
    _default_manager: ClassVar[models.Manager["SalesOrder"]]

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number_year", "number_sequence"], name="sales_order_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(total_currency=F("currency"))
                & Q(lines_total_currency=F("currency"))
                & Q(delivery_cost_currency=F("currency")),
                name="sales_order_one_currency",
            ),
            models.CheckConstraint(
                condition=Q(needs_attention=False) | ~Q(attention_reason=""),
                name="sales_order_attention_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="sales_order_created_idx"),
            models.Index(fields=["status", "-created_at"], name="sales_order_status_idx"),
            models.Index(fields=["marketplace", "-created_at"], name="sales_order_market_idx"),
            # The counts per status over the list read this index alone (an index-only scan,
            # 14 ms at 100,000 orders on PostgreSQL against 44 ms reading the rows).
            models.Index(fields=["status", "needs_attention"], name="sales_order_status_count_idx"),
            # The same counts over one source (the commonest filter) read this one alone: at
            # 1,000,000 orders 78 ms against 236 ms through the rows.
            models.Index(
                fields=["channel", "marketplace", "status", "needs_attention"],
                name="sales_order_source_count_idx",
            ),
            # And over one currency: each status's capped count (sales_order_status_counts)
            # would otherwise read every order of that status to find none in CZK.
            models.Index(
                fields=["currency", "status", "needs_attention"],
                name="sales_order_currency_count_idx",
            ),
            # "Needs attention" is about 1 % of the orders: its page reads this small index
            # instead of walking the date index past 99 other orders for each one it shows.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(needs_attention=True),
                name="sales_order_attention_idx",
            ),
            # One per sort key of the list (sales.selectors.SALES_ORDER_SORTS), with the id
            # that breaks ties: a keyset page is a range of one of them at any depth. The
            # number's key is the unique (number_year, number_sequence) constraint's index.
            models.Index(fields=["customer_name", "id"], name="sales_order_customer_sort_idx"),
            models.Index(fields=["total", "id"], name="sales_order_total_sort_idx"),
            models.Index(fields=["status", "id"], name="sales_order_status_sort_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_company_buyer(self) -> bool:
        if self.buyer_kind:
            return self.buyer_kind == BuyerKind.COMPANY
        return bool(self.customer_tax_ids)


class SalesOrderSource(models.Model):
    """A (channel, marketplace) pair that orders came from, once.

    The list's source filter reads this small table; a DISTINCT over every order took
    156–250 ms a request at 1,000,000 orders. `sales_order_create` adds the pair of each new
    order (an insert that does nothing when the pair is known)."""

    channel = models.CharField(_("channel"), max_length=32)
    marketplace = models.CharField(_("marketplace"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("order source")
        verbose_name_plural = _("order sources")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "marketplace"], name="sales_order_source_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.marketplace}"


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(
        _("unit price"), max_digits=14, decimal_places=2, currency_choices=CURRENCY_CHOICES
    )
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)

    # Annotations only (nothing changes at run time): djmoney swaps the default manager's class
    # for one made inside a function, which the django-stubs plugin cannot look up.
    objects: ClassVar[models.Manager["SalesOrderLine"]]
    _default_manager: ClassVar[models.Manager["SalesOrderLine"]]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="sales_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    @property
    def total(self):
        return self.unit_price * self.quantity


class SalesOrderEvent(models.Model):
    """The order's history: who did what and when, written with the change itself."""

    class Type(models.TextChoices):
        CREATED = "CREATED", _("Created")
        STATUS_CHANGED = "STATUS_CHANGED", _("Status changed")
        ATTENTION_FLAGGED = "ATTENTION_FLAGGED", _("Flagged for attention")
        ATTENTION_CLEARED = "ATTENTION_CLEARED", _("Attention cleared")
        SHIPMENT_ADDED = "SHIPMENT_ADDED", _("Tracking number added")
        SHIPMENT_REMOVED = "SHIPMENT_REMOVED", _("Tracking number removed")
        INVOICE_ATTACHED = "INVOICE_ATTACHED", _("Invoice attached")
        INVOICE_ISSUED = "INVOICE_ISSUED", _("Invoice issued")
        KSEF_STATUS_CHANGED = "KSEF_STATUS_CHANGED", _("KSeF status changed")
        VAT_RATES_CHANGED = "VAT_RATES_CHANGED", _("VAT rates set by the invoice")
        RETURN_RECORDED = "RETURN_RECORDED", _("Goods returned")

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("type"), max_length=24, choices=Type.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=24, choices=SalesOrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=SalesOrderStatus.choices, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.type}"


class SalesOrderShipment(models.Model):
    """A parcel's tracking number; the carrier code is the one the channel knows it by."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="shipments")
    carrier_code = models.CharField(_("carrier"), max_length=64)
    carrier_name = models.CharField(_("carrier name"), max_length=255, blank=True)
    waybill = models.CharField(_("tracking number"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "carrier_code", "waybill"], name="sales_shipment_unique_waybill"
            ),
            # The rest of the rule (1-64 of letters, digits, "-", "/") is waybill_normalize's.
            models.CheckConstraint(condition=~Q(waybill=""), name="sales_shipment_waybill_given"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_code} {self.waybill}"


def invoice_upload_to(invoice: "SalesOrderInvoice", filename: str) -> str:
    return f"invoices/{invoice.order.number_year}/{invoice.order_id}/{filename}"


class InvoiceKind(models.TextChoices):
    VAT = "VAT", _("VAT invoice")
    CORRECTION = "CORRECTION", _("Correction")


class VatRule(models.TextChoices):
    DOMESTIC = "DOMESTIC", _("Domestic VAT")
    WDT = "WDT", _("Intra-community supply (WDT), 0 %, reverse charge")
    OSS = "OSS", _("OSS: VAT of the buyer's country")


class KsefStatus(models.TextChoices):
    """Where an invoice stands in KSeF (Krajowy System e-Faktur); "" = not known (uploaded by
    staff, or from an ERP that says nothing of KSeF)."""

    NOT_SENT = "not_sent", _("Outside KSeF (consumer)")
    PENDING = "pending", _("Waiting for KSeF")
    ACCEPTED = "accepted", _("Accepted by KSeF")
    OFFLINE = "offline", _("Issued offline")
    REJECTED = "rejected", _("Rejected by KSeF")


INVOICE_KIND = choice_kind("sales.invoice_kind", dict(InvoiceKind.choices))
KSEF_STATUS = choice_kind("sales.ksef_status", dict(KsefStatus.choices))


class SalesOrderInvoice(models.Model):
    """A sales document of an order: from the ERP (VAT invoices and their corrections, with
    their KSeF state), or uploaded by staff meanwhile. The PDF is there only once the invoice
    may be shown to a buyer (a pending or rejected one has none)."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(_("invoice number"), max_length=64)
    pdf = models.FileField(_("PDF"), upload_to=invoice_upload_to, blank=True)
    erp_invoice_id = models.CharField(max_length=64, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.VAT
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    sale_date = models.DateField(_("sale date"), null=True, blank=True)
    # In the order's currency; negative on a correction that gives money back.
    total = MoneyField(
        _("total"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        currency_choices=CURRENCY_CHOICES,
    )
    total_pln = MoneyField(
        _("total in PLN"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency="PLN",
        currency_choices=CURRENCY_CHOICES,
    )
    vat_rule = models.CharField(_("VAT rule"), max_length=16, choices=VatRule.choices, blank=True)
    vat_rule_text = models.CharField(_("VAT rule on the invoice"), max_length=255, blank=True)
    # [{"rate": "0.00", "net": "...", "vat": "...", "gross": "..."}] as the invoice shows it.
    vat_summary = models.JSONField(_("VAT summary"), default=list, blank=True)
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=14, decimal_places=6, null=True, blank=True
    )
    exchange_rate_table = models.CharField(_("rate table"), max_length=64, blank=True)
    exchange_rate_date = models.DateField(_("rate date"), null=True, blank=True)
    ksef_status = models.CharField(
        _("KSeF status"), max_length=16, choices=KsefStatus.choices, blank=True
    )
    ksef_number = models.CharField(_("KSeF number"), max_length=64, blank=True)
    ksef_verification_url = models.URLField(_("KSeF verification link"), max_length=500, blank=True)
    ksef_certificate_url = models.URLField(_("KSeF certificate link"), max_length=500, blank=True)
    ksef_reason = models.TextField(_("KSeF rejection reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager["SalesOrderInvoice"]]
    _default_manager: ClassVar[models.Manager["SalesOrderInvoice"]]

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="sales_invoice_unique_number"),
            models.CheckConstraint(
                condition=~Q(ksef_status=KsefStatus.ACCEPTED) | ~Q(ksef_number=""),
                name="sales_invoice_accepted_has_ksef_number",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def buyer_may_receive(self, *, company_buyer: bool) -> bool:
        """Whether this invoice may go to the buyer outside KSeF (an upload to the channel):
        accepted by KSeF, issued offline with both QR codes, or a consumer's invoice kept
        outside KSeF; one of unknown KSeF state (staff's upload) as before. Never without
        its PDF."""
        if not self.pdf:
            return False
        status = self.ksef_status
        if status in ("", KsefStatus.ACCEPTED):
            return True
        if status == KsefStatus.OFFLINE:
            return bool(self.ksef_verification_url and self.ksef_certificate_url)
        return status == KsefStatus.NOT_SENT and not company_buyer


class SalesOrderNote(InternalNote):
    """Staff's own note on an order: for the shop's people only, never sent to any channel."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="notes")


class SalesBulkRun(TrackedRun):
    """One bulk action over many orders (Sprzedaż ▸ Zamówienia), with each order's outcome as
    an item row. Small runs are carried out in the request, large ones by sales.jobs.bulk_run;
    either way the run's page lists every order's outcome."""

    class Action(models.TextChoices):
        STATUS = "STATUS", _("Change status")

    class State(models.TextChoices):
        RUNNING = "RUNNING", _("Running")
        DONE = "DONE", _("Done")

    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    target_status = models.CharField(
        _("new status"), max_length=24, choices=SalesOrderStatus.choices, blank=True
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    total = models.PositiveIntegerField(_("orders"), default=0)

    class Meta(TrackedRun.Meta):
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="STATUS") | ~Q(target_status=""),
                name="sales_bulk_status_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.action} {self.state}"

    @property
    def is_running(self) -> bool:
        return self.state == self.State.RUNNING


class SalesBulkRunItem(models.Model):
    """One order of a bulk run and what became of it; PENDING until its turn came."""

    class Outcome(models.TextChoices):
        PENDING = "PENDING", _("Waiting")
        DONE = "DONE", _("Done")
        UNCHANGED = "UNCHANGED", _("Already so")
        REFUSED = "REFUSED", _("Refused")

    run = models.ForeignKey(SalesBulkRun, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    # Why it was refused, in the operator's words (the workflow's own message).
    message = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "order"], name="sales_bulk_item_unique_order"),
            models.CheckConstraint(
                condition=~Q(outcome="REFUSED") | ~Q(message=""), name="sales_bulk_refusal_reason"
            ),
        ]
        indexes = [models.Index(fields=["run", "outcome"], name="sales_bulk_item_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.order_id} {self.outcome}"


class SalesOrderSearchTerm(SearchTerm):
    """A normalized text the order is found by in the list's search (shop.search). `source`
    says who keeps the row: "sales" for the order's own data (sales.search), a channel or
    the ERP for what only they know (an offer id, an ERP document number), each replacing
    its own rows through sales.search.sales_order_search_terms_set."""

    # The unique constraint's index starts with the order: no index of its own.
    order = models.ForeignKey(
        SalesOrder, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source = models.CharField(_("source"), max_length=16)

    class Meta(SearchTerm.Meta):
        constraints = [
            *SearchTerm.Meta.constraints,
            models.UniqueConstraint(
                fields=["order", "source", "kind", "term"], name="sales_search_term_unique"
            ),
        ]


class SalesOrderReturn(models.Model):
    """Goods that came back from the buyer, whatever the channel: which lines, how many. The
    channel's own return (its id in `reference`) says why and handles the money."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="returns")
    # The channel's id of the return: recording it twice records it once.
    reference = models.CharField(_("reference in the channel"), max_length=64)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reference"], name="sales_return_unique_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.reference}"


class SalesOrderReturnLine(models.Model):
    sales_return = models.ForeignKey(
        SalesOrderReturn, on_delete=models.CASCADE, related_name="lines"
    )
    line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="returned")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="sales_return_line_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["sales_return", "line"], name="sales_return_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.line_id}"
