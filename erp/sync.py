"""A synchronization with the ERP, run by erp.jobs.sync_run with the run's id.

Order of work: (a) the ERP's currencies switch the shop's; (b) every order not in the ERP yet
is sent, and an order changed since it was sent is sent again while the ERP still ACCEPTS
changes; (c) the others' documents come back by one lookup (in chunks); (d) what a document
says is applied: status (walking the sales workflow), "needs attention" for a document the ERP
cancelled, the invoice PDF attached, the exchange rate kept on the link.

Each order is applied in a transaction of its own, and the ERP is only ever called outside
one: the ERP going down halfway leaves what was done done; the rest is counted failed with
the reason and the next sync picks it up (the ERP is idempotent by order number).
"""

import hashlib
import json
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import django_rq
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from erp import notices
from erp.backends import get_backend
from erp.backends.base import (
    PROTOCOL_VERSION,
    ErpAddress,
    ErpBackend,
    ErpBadResponse,
    ErpCurrency,
    ErpCustomer,
    ErpDocument,
    ErpDocumentStatus,
    ErpError,
    ErpInvoice,
    ErpInvoiceKind,
    ErpLine,
    ErpOrder,
    ErpPayment,
    ErpPickupPoint,
    ErpRefused,
    ErpTaxId,
    ErpUnavailable,
    KsefStatus,
    erp_order_payload,
)
from erp.models import ErpOrderLink, ErpStatus, ErpSyncRun
from erp.selectors import erp_orders_to_sync, erp_sync_run_running
from erp.services import erp_search_terms_set
from sales.models import (
    ALLOWED_TRANSITIONS,
    Address,
    InvalidStatusTransition,
    SalesOrder,
    SalesOrderInvoice,
    SalesOrderStatus,
)
from sales.services import (
    InvoiceData,
    SalesOrderRefused,
    sales_order_attention_flag,
    sales_order_invoice_record,
    sales_order_status_change,
)
from shop.notices import UNEXPECTED, Notice, NoticeError, error_stored, notice_lines
from shop.services import currencies_set_from_source

logger = logging.getLogger(__name__)

LOOKUP_CHUNK = 100
_S = SalesOrderStatus
# The sales status each ERP status means; CANCELLED is not here: it flags, never cancels.
STATUS_MAP: dict[str, str] = {
    ErpDocumentStatus.IN_PROGRESS: _S.IN_PROGRESS,
    ErpDocumentStatus.SHIPPED: _S.SENT,
    ErpDocumentStatus.DELIVERED: _S.PICKED_UP,
}
# How far along an order is: the ERP only ever moves an order forward.
_PROGRESS: dict[str, int] = {
    _S.NEW: 0,
    _S.ON_HOLD: 0,
    _S.IN_PROGRESS: 1,
    _S.READY_FOR_SHIPMENT: 2,
    _S.READY_FOR_PICKUP: 2,
    _S.SENT: 3,
    _S.PICKED_UP: 4,
}
# Tried first when two routes are as short (so NEW → SENT goes through IN_PROGRESS).
_PREFERRED = [_S.IN_PROGRESS, _S.READY_FOR_SHIPMENT, _S.SENT, _S.READY_FOR_PICKUP, _S.PICKED_UP]


# The outcome of an order that needs attention: it is held out of the sync (neither sent nor
# pulled) and listed in the run's summary until an operator decides on the order's page.
HELD = "held"


def _held(order_id: int) -> bool:
    return SalesOrder.objects.filter(pk=order_id, needs_attention=True).exists()


class SyncOrderError(NoticeError):
    """One order could not be synchronized; the message is for staff."""


# --- what is sent -----------------------------------------------------------------------------


def _erp_address(address: Address | None) -> ErpAddress | None:
    if address is None or not (address.street or address.city):
        return None
    return ErpAddress(
        name=address.name,
        company=address.company_name,
        street=address.street,
        zip_code=address.zip_code,
        city=address.city,
        country_code=address.country_code,
        phone=address.phone_number,
    )


def erp_order_from_sales(order: SalesOrder) -> ErpOrder:
    """The ERP's view of a sales order (what POST /api/orders receives)."""
    pickup = None
    if order.pickup_point_id:
        pickup = ErpPickupPoint(
            id=order.pickup_point_id,
            name=order.pickup_point_name,
            address=order.pickup_point_address,
        )
    payment = None
    if order.payment_type or order.paid_at:
        payment = ErpPayment(type=order.payment_type, finished_at=order.paid_at)
    return ErpOrder(
        number=order.number,
        currency=order.currency,
        order_date=timezone.localdate(order.created_at),
        channel=order.channel,
        marketplace=order.marketplace,
        customer=ErpCustomer(
            name=order.customer_name,
            company=order.customer_company,
            tax_ids=tuple(
                ErpTaxId(type=str(t.get("type", "")), value=str(t.get("value", "")))
                for t in order.customer_tax_ids or []
            ),
            email=order.customer_email,
            phone=order.customer_phone,
            kind=order.buyer_kind,
            vat_eu_verified=order.customer_vat_eu_verified,
        ),
        billing_address=_erp_address(order.billing_address),
        delivery_address=_erp_address(order.delivery_address),
        pickup_point=pickup,
        delivery_method=order.delivery_method,
        # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
        delivery_cost=order.delivery_cost.amount,  # type: ignore[attr-defined]
        lines=tuple(
            ErpLine(
                code=line.code,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price.amount,  # type: ignore[attr-defined]
                # Protocol 3: the product's domestic rate; the ERP decides what is charged
                # (WDT, OSS) and the line then shows that. A channel's own rate (Allegro's
                # 21 % on allegro.cz) is not a Polish rate.
                vat_rate=line.product.vat_rate,
            )
            for line in order.lines.select_related("product").order_by("id")
        ),
        total=order.total.amount,  # type: ignore[attr-defined]
        document_only=order.fulfilled_outside,
        payment=payment,
        delivery_date=order.delivery_date,
    )


def erp_order_hash(order: ErpOrder, *, version: int = PROTOCOL_VERSION) -> str:
    payload = erp_order_payload(order, version=version)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def erp_order_unchanged(order: ErpOrder, sent_hash: str) -> bool:
    """Whether the ERP has the order as it stands. An order sent under protocol 2 carries
    the hash of the version-2 body: it is unchanged while that body is, so the upgrade alone
    (new fields, sale_date become the tax point) neither resends it nor meets a 409 `locked`.
    A real change sends it whole under protocol 3."""
    return sent_hash in (erp_order_hash(order), erp_order_hash(order, version=2))


# --- currencies -------------------------------------------------------------------------------


@transaction.atomic
def currencies_apply(*, currencies: list[ErpCurrency]) -> list[str]:
    """Make the shop's currencies those the ERP has available (the home currency stays on);
    returns "CZK+" / "EUR-" for each one switched."""
    changed = currencies_set_from_source(available={c.code for c in currencies if c.available})
    if changed:
        logger.info("erp.currencies.changed", extra={"changed": changed})
    return changed


# --- applying a document ----------------------------------------------------------------------


def _route(current: str, target: str) -> list[str]:
    """The statuses to pass through, shortest first, never through ON_HOLD or CANCELLED."""
    seen = {current}
    queue: deque[tuple[str, list[str]]] = deque([(current, [])])
    while queue:
        status, path = queue.popleft()
        if status == target:
            return path
        nexts = ALLOWED_TRANSITIONS[status]
        for step in _PREFERRED:
            if step in nexts and step not in seen:
                seen.add(step)
                queue.append((step, [*path, step]))
    raise InvalidStatusTransition(current, target)


def status_route(current: str, target: str) -> list[str]:
    """How the ERP's news moves an order: forward only (nothing when it is there or beyond);
    delivered goes through "sent" unless the order waits for pickup in person."""
    if current == _S.CANCELLED:
        raise InvalidStatusTransition(current, target)
    if _PROGRESS[current] >= _PROGRESS[target]:
        return []
    if target == _S.PICKED_UP and current != _S.READY_FOR_PICKUP:
        to_sent = _route(current, _S.SENT)
        return [*to_sent, *_route(_S.SENT, _S.PICKED_UP)]
    return _route(current, target)


# KSeF states in which the ERP's PDF may be shown to a buyer (protocol 3).
SHOWABLE = frozenset({KsefStatus.ACCEPTED, KsefStatus.OFFLINE, KsefStatus.NOT_SENT})


def _showable(invoice: ErpInvoice) -> bool:
    if invoice.ksef is None:  # a version-2 ERP: its invoice is the PDF, as before
        return True
    return bool(invoice.pdf_url) and invoice.ksef.status in SHOWABLE


def _pdfs_needed(order_id: int, document: ErpDocument) -> list[ErpInvoice]:
    """The document's showable invoices whose PDF the shop does not have yet."""
    have = set(
        SalesOrderInvoice.objects.filter(order_id=order_id)
        .exclude(pdf="")
        .values_list("number", flat=True)
    )
    return [i for i in document.all_invoices if _showable(i) and i.number not in have]


def _invoice_data(invoice: ErpInvoice) -> InvoiceData:
    rate = invoice.exchange_rate
    ksef = invoice.ksef
    return InvoiceData(
        number=invoice.number,
        source_id=invoice.id,
        kind=invoice.kind,
        corrects_number=invoice.corrects.number if invoice.corrects else "",
        correction_reason=invoice.correction_reason,
        issue_date=invoice.issue_date,
        sale_date=invoice.sale_date,
        total=invoice.total,
        total_pln=invoice.total_pln,
        vat_rule=invoice.vat_rule,
        vat_rule_text=invoice.vat_rule_text,
        vat_summary=[
            {
                "rate": f"{row.rate:.2f}",
                "net": f"{row.net:.2f}",
                "vat": f"{row.vat:.2f}",
                "gross": f"{row.gross:.2f}",
            }
            for row in invoice.vat_summary
        ],
        exchange_rate=rate.rate if rate else None,
        exchange_rate_table=rate.table if rate else "",
        exchange_rate_date=rate.date if rate else None,
        ksef_status=ksef.status if ksef else "",
        ksef_number=ksef.number if ksef else "",
        ksef_verification_url=ksef.verification_url if ksef else "",
        ksef_certificate_url=ksef.certificate_url if ksef else "",
        ksef_reason=ksef.reason if ksef else "",
        line_vat_rates={line.code: line.vat_rate for line in invoice.lines},
    )


def _invoice_attention(order: SalesOrder, invoice: ErpInvoice) -> Notice | None:
    """Why a newly seen KSeF state needs a person (None if it does not)."""
    ksef = invoice.ksef
    if ksef is None:
        return None
    if ksef.status == KsefStatus.REJECTED:
        return notices.KSEF_REJECTED(
            number=invoice.number, reason=ksef.reason or notices.NO_REASON()
        )
    if ksef.status == KsefStatus.NOT_SENT and order.is_company_buyer:
        return notices.KSEF_NOT_SENT(number=invoice.number)
    return None


def _apply_invoices(
    order: SalesOrder, document: ErpDocument, pdfs: dict[str, bytes], user: User | None
) -> bool:
    changed = False
    for invoice in document.all_invoices:
        pdf = pdfs.get(invoice.id)
        recorded = sales_order_invoice_record(
            order_id=order.pk,
            data=_invoice_data(invoice),
            pdf=ContentFile(pdf, name=f"{invoice.number.replace('/', '-')}.pdf")
            if pdf is not None
            else None,
            user=user,
        )
        changed |= recorded.created or recorded.ksef_changed or recorded.attached
        reason = _invoice_attention(order, invoice) if recorded.ksef_changed else None
        if reason is not None:
            sales_order_attention_flag(order_id=order.pk, reason=reason, user=user)
    return changed


def _apply_document(
    *,
    order_id: int,
    document: ErpDocument,
    pdfs: dict[str, bytes],
    user: User | None,
    sent_hash: str = "",
) -> bool:
    """Apply what the ERP says of one order, all or nothing; True if the shop's order changed.

    Called with the PDFs already downloaded: no ERP call happens while the order is locked."""
    changed = False
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order_id)
        link, _created = ErpOrderLink.objects.select_for_update().get_or_create(order=order)
        numbers_before = ("", "") if _created else (link.document_number, link.invoice_number)
        if document.status == ErpDocumentStatus.CANCELLED:
            if order.status != _S.CANCELLED:
                reason = notices.DOCUMENT_CANCELLED(document=document.document_number).stored()
                if not (order.needs_attention and reason in notice_lines(order.attention_reason)):
                    sales_order_attention_flag(order_id=order.pk, reason=reason, user=user)
                    changed = True
        elif document.status in STATUS_MAP:
            for step in status_route(order.status, STATUS_MAP[document.status]):
                sales_order_status_change(order_id=order.pk, status=step, user=user)
                changed = True
        changed |= _apply_invoices(order, document, pdfs, user)
        now = timezone.now()
        link.document_number = document.document_number
        link.erp_status = document.status
        if sent_hash:
            link.sent_hash = sent_hash
            link.sent_at = now
        # The link keeps the order's first VAT invoice (the ERP's `invoice`), as before.
        invoice = document.invoice or next(
            (i for i in document.all_invoices if i.kind == ErpInvoiceKind.VAT), None
        )
        if invoice is not None:
            link.invoice_number = invoice.number
            link.erp_invoice_id = invoice.id
            link.invoice_total_pln = invoice.total_pln
            rate = invoice.exchange_rate
            link.exchange_rate = rate.rate if rate else None
            link.exchange_rate_currency = rate.currency if rate else ""
            link.exchange_rate_table = rate.table if rate else ""
            link.exchange_rate_date = rate.date if rate else None
        link.last_error = ""
        link.last_error_at = None
        link.synced_at = now
        link.save()
        if (link.document_number, link.invoice_number) != numbers_before:
            erp_search_terms_set(link)
    return changed


def _record_error(*, order_id: int, message: str) -> None:
    with transaction.atomic():
        link, _created = ErpOrderLink.objects.select_for_update().get_or_create(order_id=order_id)
        link.last_error = message
        link.last_error_at = timezone.now()
        link.save(update_fields=["last_error", "last_error_at", "updated_at"])


# --- the run ----------------------------------------------------------------------------------


@dataclass
class _Progress:
    run_id: int
    numbers: dict[int, str]
    processed: int = 0
    sent: int = 0
    updated: int = 0
    failed: int = 0
    held: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    held_orders: list[dict[str, Any]] = field(default_factory=list)

    def save(self, **extra: Any) -> None:
        ErpSyncRun.objects.filter(pk=self.run_id).update(
            processed=self.processed,
            sent=self.sent,
            updated=self.updated,
            failed=self.failed,
            held=self.held,
            errors=self.errors,
            held_orders=self.held_orders,
            heartbeat_at=timezone.now(),
            **extra,
        )

    def run_error(self, message: str) -> None:
        self.errors.append({"number": "", "order_id": None, "message": message})
        self.save()

    def fail(self, order_id: int, message: str) -> None:
        _record_error(order_id=order_id, message=message)
        self.failed += 1
        self.processed += 1
        self.errors.append(
            {"number": self.numbers.get(order_id, ""), "order_id": order_id, "message": message}
        )
        self.save()

    def hold(self, order_id: int) -> None:
        """The order needs attention: it stays out of the ERP until an operator decides."""
        self.held += 1
        self.processed += 1
        self.held_orders.append({"number": self.numbers.get(order_id, ""), "order_id": order_id})
        self.save()

    def done(self, outcome: str) -> None:
        self.processed += 1
        if outcome == "sent":
            self.sent += 1
        elif outcome == "updated":
            self.updated += 1
        self.save()


def _message(error: Exception) -> str:
    """What an order's or the run's error is stored as: a notice wherever it is known."""
    if isinstance(error, ErpBadResponse):
        return notices.BAD_RESPONSE(detail=str(error)).stored()
    if isinstance(error, ErpUnavailable) and not isinstance(error.notice, Notice):
        return notices.UNAVAILABLE(error=str(error)).stored()
    return error_stored(error)


class _Sync:
    def __init__(self, run: ErpSyncRun, backend: ErpBackend) -> None:
        self.run = run
        self.backend = backend
        self.user = run.started_by
        self.down: ErpUnavailable | None = None  # once down, the ERP is not called again

    def _apply(self, order_id: int, document: ErpDocument, sent_hash: str = "") -> bool:
        pdfs = {
            invoice.id: self.backend.invoice_pdf(invoice.id)
            for invoice in _pdfs_needed(order_id, document)
        }
        return _apply_document(
            order_id=order_id, document=document, pdfs=pdfs, user=self.user, sent_hash=sent_hash
        )

    def _guarded(self, progress: _Progress, order_id: int, work: Any) -> None:
        """Run one order's work; its failure is that order's error, never the run's end."""
        if self.down is not None:
            progress.fail(order_id, _message(self.down))
            return
        try:
            outcome = work()
        except ErpUnavailable as error:
            self.down = error
            progress.fail(order_id, _message(error))
        except (ErpError, InvalidStatusTransition, SalesOrderRefused, SyncOrderError) as error:
            progress.fail(order_id, _message(error))
        except Exception as error:  # a bug must cost one order, not the whole run
            logger.exception("erp.sync.order_failed", extra={"order_id": order_id})
            progress.fail(order_id, UNEXPECTED(error=repr(error)).stored())
        else:
            if outcome == HELD:
                progress.hold(order_id)
            elif outcome is not None:
                progress.done(outcome)

    def perform(self) -> None:
        order_ids = erp_orders_to_sync(order_ids=self.run.order_ids)
        numbers = dict(SalesOrder.objects.filter(pk__in=order_ids).values_list("id", "number"))
        progress = _Progress(run_id=self.run.pk, numbers=numbers)
        ErpSyncRun.objects.filter(pk=self.run.pk).update(total=len(order_ids))

        try:
            changed = currencies_apply(currencies=self.backend.currencies())
            ErpSyncRun.objects.filter(pk=self.run.pk).update(currencies_changed=changed)
        except ErpUnavailable as error:
            self.down = error
            progress.run_error(_message(error))
        except ErpError as error:
            progress.run_error(notices.CURRENCIES(error=_message(error)).stored())

        links = {
            link.order_id: link for link in ErpOrderLink.objects.filter(order_id__in=order_ids)
        }
        to_pull: list[int] = []
        notes: dict[int, Notice] = {}
        for order_id in order_ids:
            link = links.get(order_id)

            def send(order_id: int = order_id, link: ErpOrderLink | None = link) -> str | None:
                order = SalesOrder.objects.select_related(
                    "billing_address", "delivery_address"
                ).get(pk=order_id)
                if order.needs_attention:
                    return HELD
                erp_order = erp_order_from_sales(order)
                digest = erp_order_hash(erp_order)
                first = link is None or not link.document_number
                if (
                    not first
                    and link is not None
                    and (
                        link.erp_status != ErpStatus.ACCEPTED
                        or erp_order_unchanged(erp_order, link.sent_hash)
                    )
                ):
                    to_pull.append(order_id)
                    return None
                try:
                    document = self.backend.order_send(erp_order)
                except ErpRefused as error:
                    if error.code != "locked" or first:
                        raise
                    # The ERP started on it meanwhile: our changes are late; pull its status.
                    notes[order_id] = notices.LATE_CHANGE()
                    to_pull.append(order_id)
                    return None
                changed = self._apply(order_id, document, sent_hash=digest)
                if first:
                    return "sent"
                return "updated" if (document.updated or changed) else "unchanged"

            self._guarded(progress, order_id, send)

        for start in range(0, len(to_pull), LOOKUP_CHUNK):
            chunk = to_pull[start : start + LOOKUP_CHUNK]
            documents: dict[str, ErpDocument] = {}
            if self.down is None:
                try:
                    found = self.backend.orders_lookup([numbers[i] for i in chunk])
                    documents = {document.number: document for document in found}
                except ErpUnavailable as error:
                    self.down = error
                except ErpError as error:
                    for order_id in chunk:
                        progress.fail(order_id, _message(error))
                    continue
            for order_id in chunk:

                def pull(order_id: int = order_id, documents: dict = documents) -> str:
                    if _held(order_id):  # flagged since it was looked at above
                        return HELD
                    document = documents.get(numbers[order_id])
                    if document is None:
                        raise SyncOrderError(notices.UNKNOWN_ORDER(number=numbers[order_id]))
                    changed = self._apply(order_id, document)
                    if order_id in notes:
                        raise SyncOrderError(notes[order_id])
                    return "updated" if changed else "unchanged"

                self._guarded(progress, order_id, pull)

        state = ErpSyncRun.State.FAILED if self.down is not None else ErpSyncRun.State.DONE
        progress.save(state=state, finished_at=timezone.now())
        logger.info(
            "erp.sync.finished",
            extra={
                "run_id": self.run.pk,
                "state": state,
                "sent": progress.sent,
                "updated": progress.updated,
                "failed": progress.failed,
                "held": progress.held,
            },
        )


def sync_run_perform(*, run_id: int, backend: ErpBackend | None = None) -> ErpSyncRun:
    """Carry out a RUNNING sync; a run already finished is left as it is (a job run twice)."""
    run = ErpSyncRun.objects.select_related("started_by").get(pk=run_id)
    if not run.is_running:
        return run
    try:
        _Sync(run, backend or get_backend()).perform()
    except Exception as error:
        logger.exception("erp.sync.crashed", extra={"run_id": run_id})
        ErpSyncRun.objects.filter(pk=run_id, state=ErpSyncRun.State.RUNNING).update(
            state=ErpSyncRun.State.FAILED,
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        message = UNEXPECTED(error=repr(error)).stored()
        run.errors = [*run.errors, {"number": "", "order_id": None, "message": message}]
        run.save(update_fields=["errors"])
        raise
    run.refresh_from_db()
    return run


# --- starting one -----------------------------------------------------------------------------


def _enqueue_now(run_id: int) -> None:
    try:
        django_rq.get_queue("default").enqueue("erp.jobs.sync_run", run_id)
    except RedisError:
        # The run is committed; pressing the button again queues it again (or the periodic
        # tick starts over once the run is stale). An error page would help nobody.
        logger.warning("erp.sync.enqueue_failed", extra={"run_id": run_id}, exc_info=True)


def _fail_stale_runs() -> None:
    """A RUNNING run untouched for ERP_SYNC_STALE_AFTER lost its worker: it must not block."""
    cutoff = timezone.now() - timedelta(seconds=settings.ERP_SYNC_STALE_AFTER)
    stale = ErpSyncRun.objects.filter(state=ErpSyncRun.State.RUNNING, heartbeat_at__lt=cutoff)
    for run in stale:
        run.state = ErpSyncRun.State.FAILED
        run.finished_at = timezone.now()
        run.errors = [
            *run.errors,
            {"number": "", "order_id": None, "message": notices.ABANDONED().stored()},
        ]
        run.save(update_fields=["state", "finished_at", "errors", "heartbeat_at"])


def sync_run_start(
    *,
    trigger: str,
    user: User | AnonymousUser | None,
    order_ids: list[int] | None = None,
) -> tuple[ErpSyncRun, bool]:
    """Start a sync, or return the one running (False): at most one runs, by the database's
    partial unique index, whoever presses at the same moment. The job is queued on commit."""
    _fail_stale_runs()
    acting = user if user is not None and user.is_authenticated else None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                run = ErpSyncRun.objects.create(
                    trigger=trigger,
                    started_by=acting,
                    order_ids=sorted(order_ids) if order_ids is not None else None,
                )
        except IntegrityError:
            running = erp_sync_run_running()
            if running is not None:
                # Queued again in case its job was lost (Redis down when it started); the
                # job's lock and the run's state make a second delivery do nothing.
                transaction.on_commit(partial(_enqueue_now, running.pk))
                return running, False
            continue  # it finished in between: try again
        transaction.on_commit(partial(_enqueue_now, run.pk))
        logger.info("erp.sync.started", extra={"run_id": run.pk, "trigger": trigger})
        return run, True
    raise RuntimeError("could not start an ERP sync")  # pragma: no cover
