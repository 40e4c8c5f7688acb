"""Writes to the order book. Every change locks the order, writes its event in the same
transaction, and announces status changes through sales.signals."""

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial

import django_rq
from django.contrib.auth.models import AnonymousUser, User
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money
from redis.exceptions import RedisError

from sales.models import (
    ALLOWED_TRANSITIONS,
    Address,
    AttentionResolution,
    BuyerKind,
    InvalidStatusTransition,
    InvoiceKind,
    KsefStatus,
    ParcelState,
    SalesBulkRun,
    SalesBulkRunItem,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderInvoice,
    SalesOrderLine,
    SalesOrderNote,
    SalesOrderNumberSequence,
    SalesOrderShipment,
    SalesOrderStatus,
)
from sales.signals import (
    sales_order_attention_resolved,
    sales_order_invoice_attached,
    sales_order_shipment_added,
    sales_order_shipment_removing,
    sales_order_status_changed,
)
from shop.models import Currency, Product

logger = logging.getLogger(__name__)

NUMBER_FORMAT = "ZS/{year}/{sequence:06d}"
MAX_WAYBILL_LENGTH = 64  # Allegro's limit, and no carrier's numbers are longer
# What carriers' tracking numbers are made of ("AD-1239134", "JJD000030123", "0000123/2026").
WAYBILL_CHARACTERS = re.compile(r"[A-Za-z0-9/-]+")
MAX_INVOICE_BYTES = 3 * 1024 * 1024  # Allegro refuses larger invoice files
# One statement that increments and reads (PostgreSQL and SQLite >= 3.35 both RETURN).
NEXT_NUMBER_SQL = (
    f"UPDATE {SalesOrderNumberSequence._meta.db_table} SET last_number = last_number + 1"
    " WHERE year = %s RETURNING last_number"
)


class SalesOrderRefused(Exception):
    """The order cannot be created as asked; the message tells the operator why."""


@dataclass(frozen=True)
class AddressData:
    name: str = ""
    company_name: str = ""
    street: str = ""
    zip_code: str = ""
    city: str = ""
    country_code: str = ""
    phone_number: str = ""


@dataclass(frozen=True)
class LineData:
    product: Product
    quantity: int
    unit_price: Money
    name: str = ""  # the product's name unless the channel sold it under another
    vat_rate: Decimal | None = None  # the product's rate unless the channel says otherwise


@dataclass(frozen=True)
class NewSalesOrder:
    channel: str
    currency: str
    lines: Sequence[LineData]
    delivery_cost: Money
    marketplace: str = ""
    channel_reference: str = ""
    customer_name: str = ""
    customer_company: str = ""
    customer_tax_ids: Sequence[dict[str, str]] = field(default_factory=list)
    customer_email: str = ""
    customer_phone: str = ""
    customer_login: str = ""
    invoice_requested: bool = False
    buyer_kind: str = ""  # sales.models.BuyerKind; "" = not known
    customer_vat_eu_verified: bool = False
    payment_type: str = ""
    paid_at: datetime | None = None
    delivery_date: date | None = None
    billing_address: AddressData | None = None
    delivery_address: AddressData | None = None
    delivery_method: str = ""
    pickup_point_id: str = ""
    pickup_point_name: str = ""
    pickup_point_address: str = ""
    pickup_point_description: str = ""
    buyer_message: str = ""
    # Where the order starts: NEW, unless the channel already took it further (then usually
    # `fulfilled_outside`, and the order is only documented, not fulfilled by the shop).
    status: str = SalesOrderStatus.NEW
    fulfilled_outside: bool = False


def _acting(user: User | AnonymousUser | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def _next_number(year: int) -> tuple[int, str]:
    """Take the year's next number. The UPDATE holds the sequence row's lock until the order's
    transaction ends, so concurrent orders queue here and a rollback returns the number."""
    with connection.cursor() as cursor:
        cursor.execute(NEXT_NUMBER_SQL, [year])
        row = cursor.fetchone()
        if row is None:  # the year's first order
            SalesOrderNumberSequence.objects.get_or_create(year=year)
            cursor.execute(NEXT_NUMBER_SQL, [year])
            row = cursor.fetchone()
    sequence = row[0]
    return sequence, NUMBER_FORMAT.format(year=year, sequence=sequence)


def _address(data: AddressData | None) -> Address | None:
    if data is None:
        return None
    return Address.objects.create(**data.__dict__)


def _check(new: NewSalesOrder) -> None:
    if not new.lines:
        raise SalesOrderRefused(_("An order needs at least one line."))
    if not Currency.objects.filter(code=new.currency, is_available=True).exists():
        raise SalesOrderRefused(
            _("The currency %(currency)s is not available in the shop.")
            % {"currency": new.currency}
        )
    amounts = [new.delivery_cost, *(line.unit_price for line in new.lines)]
    if any(amount.currency.code != new.currency for amount in amounts):
        raise SalesOrderRefused(
            _("All amounts of an order must be in %(currency)s.") % {"currency": new.currency}
        )
    if any(line.quantity < 1 for line in new.lines):
        raise SalesOrderRefused(_("Every line needs a quantity of at least 1."))
    if new.buyer_kind not in ("", *BuyerKind.values):
        raise SalesOrderRefused(_("Unknown buyer kind: %(kind)s.") % {"kind": new.buyer_kind})
    if new.status not in SalesOrderStatus.values:
        raise SalesOrderRefused(_("Unknown order status: %(status)s.") % {"status": new.status})


@transaction.atomic
def sales_order_create(*, new: NewSalesOrder, user: User | AnonymousUser | None) -> SalesOrder:
    """Create an order with its lines, number and first event, all or nothing."""
    _check(new)
    year = timezone.localdate().year
    sequence, number = _next_number(year)
    lines_total = sum(
        (line.unit_price * line.quantity for line in new.lines), Money(0, new.currency)
    )
    # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
    order = SalesOrder.objects.create(  # type: ignore[misc]
        number=number,
        number_year=year,
        number_sequence=sequence,
        channel=new.channel,
        marketplace=new.marketplace,
        channel_reference=new.channel_reference,
        currency=new.currency,
        customer_name=new.customer_name,
        customer_company=new.customer_company,
        customer_tax_ids=list(new.customer_tax_ids),
        customer_email=new.customer_email,
        customer_phone=new.customer_phone,
        customer_login=new.customer_login,
        invoice_requested=new.invoice_requested,
        buyer_kind=new.buyer_kind,
        customer_vat_eu_verified=new.customer_vat_eu_verified,
        payment_type=new.payment_type,
        paid_at=new.paid_at,
        delivery_date=new.delivery_date,
        billing_address=_address(new.billing_address),
        delivery_address=_address(new.delivery_address),
        delivery_method=new.delivery_method,
        pickup_point_id=new.pickup_point_id,
        pickup_point_name=new.pickup_point_name,
        pickup_point_address=new.pickup_point_address,
        pickup_point_description=new.pickup_point_description,
        delivery_cost=new.delivery_cost,
        lines_total=lines_total,
        total=lines_total + new.delivery_cost,
        buyer_message=new.buyer_message,
        status=new.status,
        fulfilled_outside=new.fulfilled_outside,
        created_by=_acting(user),
    )
    SalesOrderLine.objects.bulk_create(
        # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
        SalesOrderLine(  # type: ignore[misc]
            order=order,
            product=line.product,
            code=line.product.sku,
            name=(line.name or line.product.name)[:255],
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.product.vat_rate if line.vat_rate is None else line.vat_rate,
        )
        for line in new.lines
    )
    SalesOrderEvent.objects.create(
        order=order,
        type=SalesOrderEvent.Type.CREATED,
        user=order.created_by,
        to_status=order.status,
        message=_("Fulfilled outside the shop.") if order.fulfilled_outside else "",
    )
    return order


@transaction.atomic
def sales_order_status_change(
    *, order_id: int, status: str, user: User | AnonymousUser | None, note: str = ""
) -> SalesOrder:
    """Move an order to `status` if its workflow allows; a change to the same status is none.
    `note` says in the history who or what made the change when no user did."""
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    if order.status == status:
        return order
    if status not in ALLOWED_TRANSITIONS[order.status]:
        raise InvalidStatusTransition(order.status, status)
    old_status = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    event = SalesOrderEvent.objects.create(
        order=order,
        type=SalesOrderEvent.Type.STATUS_CHANGED,
        user=_acting(user),
        from_status=old_status,
        to_status=status,
        message=note,
    )
    sales_order_status_changed.send(
        sender=SalesOrder,
        order=order,
        event=event,
        old_status=old_status,
        new_status=status,
        user=_acting(user),
    )
    return order


@transaction.atomic
def sales_order_attention_flag(
    *, order_id: int, reason: str, user: User | AnonymousUser | None = None
) -> SalesOrder:
    """Ask staff to look at an order (e.g. the buyer cancelled it after it was accepted)."""
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    if order.needs_attention and reason in order.attention_reason:
        return order
    order.needs_attention = True
    order.attention_reason = "\n".join(filter(None, [order.attention_reason, reason]))
    order.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
    SalesOrderEvent.objects.create(
        order=order, type=SalesOrderEvent.Type.ATTENTION_FLAGGED, user=_acting(user), message=reason
    )
    return order


@transaction.atomic
def sales_order_attention_resolve(
    *, order_id: int, resolution: AttentionResolution, user: User | AnonymousUser | None
) -> SalesOrder:
    """An operator's decision on an order held for attention: go on anyway (what waited for it
    goes ahead) or cancel the order through its workflow. Either lifts the hold; the event
    records who chose what. An order no longer held (resolved meanwhile) is left as it is."""
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    if not order.needs_attention:
        return order
    cancel = resolution == AttentionResolution.CANCEL
    if cancel and SalesOrderStatus.CANCELLED not in ALLOWED_TRANSITIONS[order.status]:
        raise InvalidStatusTransition(order.status, SalesOrderStatus.CANCELLED)
    reason = order.attention_reason
    order.needs_attention = False
    order.attention_reason = ""
    order.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
    event = SalesOrderEvent.objects.create(
        order=order,
        type=SalesOrderEvent.Type.ATTENTION_CLEARED,
        user=_acting(user),
        message="\n".join(
            [_("Decision: %(choice)s.") % {"choice": AttentionResolution(resolution).label}, reason]
        ),
    )
    # Before the cancellation: what waited for the decision is dropped, then the cancellation
    # itself is announced like any status change.
    sales_order_attention_resolved.send(
        sender=SalesOrder,
        order=order,
        event=event,
        resolution=AttentionResolution(resolution).value,
        user=_acting(user),
    )
    if cancel:
        order = sales_order_status_change(
            order_id=order.pk, status=SalesOrderStatus.CANCELLED, user=user
        )
    return order


def waybill_normalize(waybill: str) -> str:
    """A tracking number as carriers and Allegro know it, or SalesOrderRefused with the one
    message every form and service shows. Whitespace anywhere is dropped (a number copied as
    "Z 123 4567 890" is Packeta's "Z1234567890": carriers print the groups, their tracking
    takes them joined), what is left is 1 to 64 letters, digits, "-" or "/"."""
    joined = "".join(waybill.split())
    if not (1 <= len(joined) <= MAX_WAYBILL_LENGTH) or not WAYBILL_CHARACTERS.fullmatch(joined):
        raise SalesOrderRefused(
            _(
                "A tracking number has 1 to %(max)d characters: letters, digits, “-” and “/”"
                " (spaces are left out)."
            )
            % {"max": MAX_WAYBILL_LENGTH}
        )
    return joined


@transaction.atomic
def sales_order_shipment_add(
    *,
    order_id: int,
    carrier_code: str,
    waybill: str,
    carrier_name: str = "",
    user: User | AnonymousUser | None,
) -> SalesOrderShipment:
    """Record a tracking number; the same waybill twice is one shipment."""
    waybill = waybill_normalize(waybill)
    if not carrier_code.strip():
        raise SalesOrderRefused(_("Choose the carrier of the tracking number."))
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    shipment, created = SalesOrderShipment.objects.get_or_create(
        order=order,
        carrier_code=carrier_code,
        waybill=waybill,
        defaults={"carrier_name": carrier_name, "created_by": _acting(user)},
    )
    if created:
        SalesOrderEvent.objects.create(
            order=order,
            type=SalesOrderEvent.Type.SHIPMENT_ADDED,
            user=_acting(user),
            message=f"{carrier_name or carrier_code}: {waybill}",
        )
        sales_order_shipment_added.send(
            sender=SalesOrder, order=order, shipment=shipment, user=_acting(user)
        )
    return shipment


@transaction.atomic
def sales_order_shipment_remove(
    *, shipment_id: int, user: User | AnonymousUser | None
) -> SalesOrderShipment:
    """Remove a tracking number (a wrong one) while no channel has it yet. The channels hear
    sales_order_shipment_removing in this transaction: each cancels what it would have sent,
    or refuses (SalesOrderRefused) once the number is sent or being sent; a refusal rolls the
    whole removal back. Returns the removed shipment (no longer in the database)."""
    order_id = (
        SalesOrderShipment.objects.filter(pk=shipment_id).values_list("order_id", flat=True).first()
    )
    gone = SalesOrderRefused(_("This tracking number was removed already."))
    if order_id is None:
        raise gone
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    shipment = SalesOrderShipment.objects.filter(pk=shipment_id).first()
    if shipment is None:  # removed by someone else while this waited for the order's lock
        raise gone
    sales_order_shipment_removing.send(
        sender=SalesOrder, order=order, shipment=shipment, user=_acting(user)
    )
    label = f"{shipment.carrier_name or shipment.carrier_code}: {shipment.waybill}"
    shipment.delete()
    SalesOrderEvent.objects.create(
        order=order, type=SalesOrderEvent.Type.SHIPMENT_REMOVED, user=_acting(user), message=label
    )
    return shipment


@transaction.atomic
def sales_order_parcel_state_set(
    *, order_id: int, state: str, delivered_picks_up: bool, by: str
) -> SalesOrder:
    """Record what the carrier says of the order's parcels (a ParcelState value). When they are
    delivered and `delivered_picks_up` (the shop's choice), a sent order becomes picked up, with
    `by` (who reported it, in words) in its history; an order in any other status is left as
    it is. Saying the same again changes nothing."""
    if state not in ParcelState.values:
        raise ValueError(f"Unknown parcel state: {state}")
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    if order.parcel_state != state:
        order.parcel_state = state
        order.save(update_fields=["parcel_state", "updated_at"])
    # Only a parcel the shop sent: an order still being packed or collected in person stays.
    if (
        state == ParcelState.DELIVERED
        and delivered_picks_up
        and order.status == SalesOrderStatus.SENT
    ):
        order = sales_order_status_change(
            order_id=order.pk, status=SalesOrderStatus.PICKED_UP, user=None, note=by
        )
    return order


@transaction.atomic
def sales_order_invoice_attach(
    *,
    order_id: int,
    number: str,
    pdf: File,
    user: User | AnonymousUser | None,
) -> SalesOrderInvoice:
    """Attach the order's invoice (a real PDF); the same number twice is one invoice."""
    number = _invoice_number(number)
    _check_pdf(pdf)
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    existing = SalesOrderInvoice.objects.filter(order=order, number=number).first()
    if existing is not None:
        return existing
    invoice = SalesOrderInvoice(order=order, number=number, created_by=_acting(user))
    _pdf_attach(order, invoice, pdf, user)
    return invoice


def _invoice_number(number: str) -> str:
    number = number.strip()
    if not number:
        raise SalesOrderRefused(_("An invoice needs its number."))
    return number


def _check_pdf(pdf: File) -> None:
    pdf.seek(0)
    if pdf.read(5) != b"%PDF-":
        raise SalesOrderRefused(_("The invoice file is not a PDF."))
    if pdf.size > MAX_INVOICE_BYTES:
        raise SalesOrderRefused(_("An invoice PDF may have at most 3 MB."))
    pdf.seek(0)


def _pdf_attach(
    order: SalesOrder, invoice: SalesOrderInvoice, pdf: File, user: User | AnonymousUser | None
) -> None:
    """Store the PDF (saving the invoice), write the event and announce it: the channels then
    decide whether the buyer may receive it (SalesOrderInvoice.buyer_may_receive)."""
    invoice.pdf.save(f"{invoice.number.replace('/', '-')}.pdf", pdf, save=False)
    invoice.save()
    SalesOrderEvent.objects.create(
        order=order,
        type=SalesOrderEvent.Type.INVOICE_ATTACHED,
        user=_acting(user),
        message=invoice.number,
    )
    sales_order_invoice_attached.send(
        sender=SalesOrder, order=order, invoice=invoice, user=_acting(user)
    )


@dataclass(frozen=True)
class InvoiceData:
    """An invoice as its issuer (the ERP) describes it; amounts in the order's currency."""

    number: str
    source_id: str = ""  # the issuer's own id of it
    kind: str = InvoiceKind.VAT
    corrects_number: str = ""
    correction_reason: str = ""
    issue_date: date | None = None
    sale_date: date | None = None
    total: Decimal | None = None
    total_pln: Decimal | None = None
    vat_rule: str = ""
    vat_rule_text: str = ""
    vat_summary: Sequence[Mapping[str, str]] = ()
    exchange_rate: Decimal | None = None
    exchange_rate_table: str = ""
    exchange_rate_date: date | None = None
    ksef_status: str = ""
    ksef_number: str = ""
    ksef_verification_url: str = ""
    ksef_certificate_url: str = ""
    ksef_reason: str = ""
    # The VAT the invoice charges per line code: the order's lines take it over (a VAT
    # invoice only; a correction's lines are differences).
    line_vat_rates: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class InvoiceRecorded:
    invoice: SalesOrderInvoice
    created: bool
    ksef_changed: bool  # its KSeF status is not what it was (or it is new)
    attached: bool  # its PDF was stored now


def _lines_vat_set(
    order: SalesOrder, rates: Mapping[str, Decimal], user: User | AnonymousUser | None
) -> None:
    changed = []
    for line in order.lines.select_for_update():
        rate = rates.get(line.code)
        if rate is not None and line.vat_rate != rate:
            changed.append(f"{line.code}: {line.vat_rate:g} → {rate:g} %")
            line.vat_rate = rate
            line.save(update_fields=["vat_rate"])
    if changed:
        SalesOrderEvent.objects.create(
            order=order,
            type=SalesOrderEvent.Type.VAT_RATES_CHANGED,
            user=_acting(user),
            message="\n".join(changed),
        )


@transaction.atomic
def sales_order_invoice_record(
    *,
    order_id: int,
    data: InvoiceData,
    pdf: File | None = None,
    user: User | AnonymousUser | None = None,
) -> InvoiceRecorded:
    """Record an invoice of the order as its issuer describes it now (KSeF state, VAT rule,
    rate, totals): a new one, or the same number brought up to date. The PDF is stored once,
    when given; the order's lines take the VAT rates a VAT invoice charges. Running it twice
    with the same data changes nothing."""
    number = _invoice_number(data.number)
    if data.kind not in InvoiceKind.values:
        raise SalesOrderRefused(_("Unknown invoice kind: %(kind)s.") % {"kind": data.kind})
    if data.ksef_status not in ("", *KsefStatus.values):
        raise SalesOrderRefused(
            _("Unknown KSeF status: %(status)s.") % {"status": data.ksef_status}
        )
    if pdf is not None:
        _check_pdf(pdf)
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    invoice = SalesOrderInvoice.objects.filter(order=order, number=number).first()
    created = invoice is None
    if invoice is None:
        invoice = SalesOrderInvoice(order=order, number=number, created_by=_acting(user))
    before = invoice.ksef_status if not created else None
    values = {
        "erp_invoice_id": data.source_id,
        "kind": data.kind,
        "correction_reason": data.correction_reason,
        "issue_date": data.issue_date,
        "sale_date": data.sale_date,
        "vat_rule": data.vat_rule,
        "vat_rule_text": data.vat_rule_text[:255],
        "vat_summary": [dict(row) for row in data.vat_summary],
        "exchange_rate": data.exchange_rate,
        "exchange_rate_table": data.exchange_rate_table,
        "exchange_rate_date": data.exchange_rate_date,
        "ksef_status": data.ksef_status,
        "ksef_number": data.ksef_number,
        "ksef_verification_url": data.ksef_verification_url,
        "ksef_certificate_url": data.ksef_certificate_url,
        "ksef_reason": data.ksef_reason,
    }
    dirty = created
    for name, value in values.items():
        if getattr(invoice, name) != value:
            setattr(invoice, name, value)
            dirty = True
    corrects = None
    if data.corrects_number:
        corrects = SalesOrderInvoice.objects.filter(
            order=order, number=data.corrects_number
        ).first()
    if invoice.corrects_id != (corrects.pk if corrects else None):
        invoice.corrects = corrects
        dirty = True
    totals = {
        "total": Money(data.total, order.currency) if data.total is not None else None,
        "total_pln": Money(data.total_pln, "PLN") if data.total_pln is not None else None,
    }
    for name, amount in totals.items():
        if getattr(invoice, name) != amount:
            setattr(invoice, name, amount)
            dirty = True
    attached = False
    if pdf is not None and not invoice.pdf:
        _pdf_attach(order, invoice, pdf, user)  # saves the invoice too
        attached = True
    elif dirty:
        invoice.save()
    if created:
        SalesOrderEvent.objects.create(
            order=order,
            type=SalesOrderEvent.Type.INVOICE_ISSUED,
            user=_acting(user),
            message=" · ".join(
                filter(None, [number, str(InvoiceKind(data.kind).label), data.vat_rule_text])
            ),
        )
    ksef_changed = before != invoice.ksef_status
    if ksef_changed and invoice.ksef_status:
        SalesOrderEvent.objects.create(
            order=order,
            type=SalesOrderEvent.Type.KSEF_STATUS_CHANGED,
            user=_acting(user),
            message=" · ".join(
                filter(
                    None,
                    [
                        number,
                        str(KsefStatus(invoice.ksef_status).label),
                        invoice.ksef_number,
                        invoice.ksef_reason,
                    ],
                )
            ),
        )
    if ksef_changed and not attached and invoice.pdf:
        # Its PDF came earlier (e.g. issued offline): the channels decide again on the new state.
        sales_order_invoice_attached.send(
            sender=SalesOrder, order=order, invoice=invoice, user=_acting(user)
        )
    if data.kind == InvoiceKind.VAT and data.line_vat_rates:
        _lines_vat_set(order, data.line_vat_rates, user)
    return InvoiceRecorded(invoice, created, ksef_changed, attached)


MAX_NOTE_LENGTH = 2000


def note_text_clean(text: str) -> str:
    """An internal note's text as kept (any order's, any channel's), or SalesOrderRefused."""
    text = text.strip()
    if not text:
        raise SalesOrderRefused(_("Write the note first."))
    if len(text) > MAX_NOTE_LENGTH:
        raise SalesOrderRefused(
            _("A note may have at most %(max)d characters.") % {"max": MAX_NOTE_LENGTH}
        )
    return text


def sales_order_note_add(
    *, order_id: int, text: str, user: User | AnonymousUser | None
) -> SalesOrderNote:
    """Keep an internal note on the order, signed by who wrote it. Notes are the shop's own:
    no signal goes out, so no channel ever hears of them."""
    text = note_text_clean(text)
    order = SalesOrder.objects.get(pk=order_id)
    return SalesOrderNote.objects.create(order=order, text=text, author=_acting(user))


# --- bulk actions -----------------------------------------------------------------------------

# Up to this many orders a bulk run is carried out in the request (a few seconds); more go to
# an RQ job and the operator watches its page fill in.
BULK_INLINE_LIMIT = 200
_Outcome = SalesBulkRunItem.Outcome


def _enqueue_bulk_run(run_id: int) -> None:
    try:
        django_rq.get_queue("default").enqueue("sales.jobs.bulk_run", run_id)
    except RedisError:
        # The run and its items are committed; its page offers to queue it again.
        logger.warning("sales.bulk.enqueue_failed", extra={"run_id": run_id}, exc_info=True)


def sales_bulk_run_queue(*, run_id: int) -> None:
    """Queue the run's job once the run is committed (again: a job lost with Redis)."""
    transaction.on_commit(partial(_enqueue_bulk_run, run_id))


def sales_bulk_status_start(
    *, order_ids: Sequence[int], status: str, user: User | AnonymousUser | None
) -> SalesBulkRun:
    """Move many orders to `status`, each as far as its workflow allows.

    The run and one PENDING item per order are written first, in one transaction; a short run
    is then carried out here, a long one by sales.jobs.bulk_run. Either way each order's
    outcome lands on its item (done, already so, or refused with the workflow's reason)."""
    if status not in SalesOrderStatus.values:
        raise SalesOrderRefused(_("Unknown order status: %(status)s.") % {"status": status})
    ids = sorted(set(order_ids))
    if not ids:
        raise SalesOrderRefused(_("Select the orders first."))
    with transaction.atomic():
        run = SalesBulkRun.objects.create(
            action=SalesBulkRun.Action.STATUS,
            target_status=status,
            started_by=_acting(user),
            total=len(ids),
        )
        SalesBulkRunItem.objects.bulk_create(
            (SalesBulkRunItem(run=run, order_id=order_id) for order_id in ids), batch_size=1000
        )
        if len(ids) > BULK_INLINE_LIMIT:
            sales_bulk_run_queue(run_id=run.pk)
    logger.info("sales.bulk.started", extra={"run_id": run.pk, "orders": len(ids)})
    if len(ids) <= BULK_INLINE_LIMIT:
        return sales_bulk_run_perform(run_id=run.pk)
    return run


def _bulk_item_status(*, item_id: int, status: str, user: User | None) -> None:
    """One order of a status run, with its outcome, all or nothing."""
    with transaction.atomic():
        item = SalesBulkRunItem.objects.select_for_update().get(pk=item_id)
        if item.outcome != _Outcome.PENDING:  # a second delivery of the job did it meanwhile
            return
        order = SalesOrder.objects.select_for_update().get(pk=item.order_id)
        if order.status == status:
            item.outcome = _Outcome.UNCHANGED
        else:
            try:
                with transaction.atomic():
                    sales_order_status_change(order_id=order.pk, status=status, user=user)
                item.outcome = _Outcome.DONE
            except (InvalidStatusTransition, SalesOrderRefused) as error:
                item.outcome, item.message = _Outcome.REFUSED, str(error)
            except Exception as error:  # a bug must cost one order, not the whole run
                logger.exception("sales.bulk.order_failed", extra={"item_id": item_id})
                item.outcome = _Outcome.REFUSED
                item.message = _("Unexpected error: %(error)r") % {"error": error}
        item.save(update_fields=["outcome", "message"])


def sales_bulk_run_perform(*, run_id: int) -> SalesBulkRun:
    """Carry out what is still PENDING of a run; a finished run is left as it is, so a job
    delivered twice (or resumed after its worker died) does each order once."""
    run = SalesBulkRun.objects.select_related("started_by").get(pk=run_id)
    if not run.is_running:
        return run
    pending = list(
        run.items.filter(outcome=_Outcome.PENDING).order_by("id").values_list("id", flat=True)
    )
    for item_id in pending:
        _bulk_item_status(item_id=item_id, status=run.target_status, user=run.started_by)
        SalesBulkRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())
    SalesBulkRun.objects.filter(pk=run_id, state=SalesBulkRun.State.RUNNING).update(
        state=SalesBulkRun.State.DONE, finished_at=timezone.now()
    )
    logger.info("sales.bulk.finished", extra={"run_id": run_id, "orders": len(pending)})
    run.refresh_from_db()
    return run
