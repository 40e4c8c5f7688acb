"""Reads for staff about writes to Allegro: what each write is, what waits, what failed."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from allegro.accounts.clients import request_gate_for
from allegro.accounts.models import AllegroAccount
from allegro.orders.models import AllegroOrder, FulfillmentStatus
from allegro.writeback.carriers import carrier_label
from allegro.writeback.models import (
    DEFAULT_STATUS_MAP,
    HELD_BACK,
    HELD_FOR_ATTENTION_KINDS,
    PAUSE_FIELDS,
    AllegroWrite,
    FulfillmentStatusMapping,
    held_for_attention,
)
from sales.models import SalesOrderInvoice, SalesOrderShipment
from shop.health import Check

# A write still pending after this long is shown as stuck and offered "Ponów": retries with
# back-off are over in minutes, so it is paused, lost by Redis, or Allegro is down for long.
WAITING_TOO_LONG = timedelta(minutes=15)


# The write list's state filter: the write states, and two views over them.
WAITING = "WAITING"


HELD = "HELD"  # pending while the sales order needs attention


ALL = "ALL"


@dataclass(frozen=True)
class WriteRow:
    write: AllegroWrite
    what: str  # "Status → PROCESSING", "Tracking number PACKETA Z123", "Invoice FV/1/2026"
    waiting_too_long: bool
    paused: bool  # staff paused this kind of write for the account
    held: bool = False  # pending until someone decides on its sales order that needs attention

    @property
    def can_retry(self) -> bool:
        if self.held:
            return False  # it would only be held again; the decision sends it
        return self.write.state == AllegroWrite.State.FAILED or self.waiting_too_long

    @property
    def held_back(self) -> bool:
        """A status not sent because Allegro was further along: an operator may confirm it."""
        return (
            self.write.state == AllegroWrite.State.SKIPPED
            and self.write.result.get("held_back") == HELD_BACK
        )


def _ids(writes: Iterable[AllegroWrite], kind: str, key: str) -> set[int]:
    return {w.target[key] for w in writes if w.kind == kind and key in w.target}


def _orders_held_for_attention(writes: Sequence[AllegroWrite]) -> set[int]:
    """The Allegro orders (of these pending status or invoice writes) whose sales order needs
    attention."""
    candidates = {
        w.allegro_order_id
        for w in writes
        if w.state == AllegroWrite.State.PENDING and w.kind in HELD_FOR_ATTENTION_KINDS
    }
    if not candidates:
        return set()
    return set(
        AllegroOrder.objects.filter(
            pk__in=candidates, sales_order__needs_attention=True
        ).values_list("pk", flat=True)
    )


def writes_described(writes: Sequence[AllegroWrite]) -> list[WriteRow]:
    """Each write with what it says in words; three queries whatever the number of writes.
    The writes need their account loaded (select_related) for the pause flags."""
    shipments = SalesOrderShipment.objects.only("carrier_code", "carrier_name", "waybill").in_bulk(
        _ids(writes, AllegroWrite.Kind.SHIPMENT, "shipment_id")
    )
    invoices = SalesOrderInvoice.objects.only("number").in_bulk(
        _ids(writes, AllegroWrite.Kind.INVOICE, "invoice_id")
    )
    stuck_since = timezone.now() - WAITING_TOO_LONG
    held_orders = _orders_held_for_attention(writes)
    rows = []
    for write in writes:
        if write.kind == AllegroWrite.Kind.FULFILLMENT:
            status = write.target.get("status", "?")
            what = _("Status → %(status)s") % {"status": _fulfillment_labels().get(status, status)}
        elif write.kind == AllegroWrite.Kind.SHIPMENT:
            shipment = shipments.get(write.target.get("shipment_id"))
            what = _("Tracking number %(carrier)s %(waybill)s") % {
                "carrier": carrier_label(shipment.carrier_code, shipment.carrier_name)
                if shipment
                else write.target.get("carrier", "?"),
                "waybill": shipment.waybill if shipment else write.target.get("waybill", "?"),
            }
        else:
            invoice = invoices.get(write.target.get("invoice_id"))
            what = _("Invoice %(number)s") % {"number": invoice.number if invoice else "?"}
        rows.append(
            WriteRow(
                write=write,
                what=what,
                waiting_too_long=write.state == AllegroWrite.State.PENDING
                and write.created_at <= stuck_since,
                paused=bool(getattr(write.account, PAUSE_FIELDS[write.kind])),
                held=write.state == AllegroWrite.State.PENDING
                and write.kind in HELD_FOR_ATTENTION_KINDS
                and write.allegro_order_id in held_orders,
            )
        )
    return rows


def allegro_order_writes(*, allegro_order_id: int) -> list[WriteRow]:
    """Every write of one Allegro order, oldest first."""
    writes = list(
        AllegroWrite.objects.filter(allegro_order_id=allegro_order_id)
        .select_related("account")
        .order_by("created_at", "id")
    )
    return writes_described(writes)


def allegro_write_list(*, filters: dict[str, Any]) -> QuerySet[AllegroWrite]:
    """Writes for Allegro ▸ Wysyłanie do Allegro, newest change first; `state` defaults to
    failed ones."""
    writes = AllegroWrite.objects.select_related(
        "account", "allegro_order", "allegro_order__sales_order"
    ).defer("allegro_order__payload")
    state = filters.get("state") or AllegroWrite.State.FAILED
    if state == HELD:
        writes = writes.filter(state=AllegroWrite.State.PENDING).filter(held_for_attention())
    elif state == WAITING:
        writes = writes.filter(
            state=AllegroWrite.State.PENDING, created_at__lte=timezone.now() - WAITING_TOO_LONG
        )
    elif state != ALL:
        writes = writes.filter(state=state)
    if filters.get("kind"):
        writes = writes.filter(kind=filters["kind"])
    if filters.get("account"):
        writes = writes.filter(account=filters["account"])
    return writes.order_by("-updated_at", "-id")


@dataclass(frozen=True)
class WritePauses:
    paused: list[str]  # labels of the kinds of write staff paused for the account
    # Seconds left of Allegro's 429 block; None when Redis could not be asked.
    rate_limited_for: float | None


def account_write_pauses(*, account: AllegroAccount) -> WritePauses:
    paused = [
        str(AllegroWrite.Kind(kind).label)
        for kind, field in PAUSE_FIELDS.items()
        if getattr(account, field)
    ]
    try:
        rate_limited_for: float | None = request_gate_for(account.pk).paused_for()
    except RedisError:
        rate_limited_for = None
    return WritePauses(paused=paused, rate_limited_for=rate_limited_for)


def _fulfillment_labels() -> dict[str, str]:
    return {value: str(label) for value, label in FulfillmentStatus.choices}


def accounts_status_mappings(*, account_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Account id → {sales status: Allegro status ("" = not sent)}, defaults filled in."""
    defaults = {str(sales): str(allegro) for sales, allegro in DEFAULT_STATUS_MAP.items()}
    mappings = {account_id: dict(defaults) for account_id in account_ids}
    rows = FulfillmentStatusMapping.objects.filter(account_id__in=mappings).values_list(
        "account_id", "sales_status", "fulfillment_status"
    )
    for account_id, sales_status, fulfillment_status in rows:
        mappings[account_id][sales_status] = fulfillment_status
    return mappings


def writes_health() -> list[Check]:
    """When the last write reached Allegro, and how many failed and wait for staff."""
    last = (
        AllegroWrite.objects.filter(state=AllegroWrite.State.DONE)
        .order_by("-done_at")
        .values_list("done_at", flat=True)
        .first()
    )
    failed = AllegroWrite.objects.filter(state=AllegroWrite.State.FAILED).count()
    detail = (
        _("last sent %(when)s") % {"when": timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S")}
        if last
        else _("nothing sent yet")
    )
    detail += " · " + _("%(count)d failed") % {"count": failed}
    return [Check("allegro.writes", _("Sending to Allegro"), failed == 0, detail)]


def shipments_removable(*, shipment_ids: Collection[int]) -> set[int]:
    """Which of these tracking numbers may still be removed: Allegro has not got them and no
    worker is sending them (on_shipment_removing checks again under a lock)."""
    now = timezone.now()
    causes = {f"shipment:{shipment_id}": shipment_id for shipment_id in shipment_ids}
    blocked = {
        causes[write.cause]
        for write in AllegroWrite.objects.filter(cause__in=causes)
        if write.reached_allegro() or write.being_sent(now)
    }
    return set(shipment_ids) - blocked
