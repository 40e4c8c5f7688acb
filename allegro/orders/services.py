"""Import of Allegro checkout forms: the journal, the first-connect backfill and reconciliation.

Allegro's event journal is a trigger, not a ledger (events repeat, arrive out of order, go
missing), so every path ends in the same place: re-read whole checkout forms and upsert them
by id in one transaction per page. HTTP happens outside transactions; each transaction starts
by locking the account row, which serialises the writers of one account.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from allegro import notices
from allegro.accounts.models import AllegroAccount
from allegro.api.backoff import retry_delay
from allegro.api.client import AllegroClient, CheckoutFormsPage, OrderEvent
from allegro.api.errors import AllegroAuthError, AllegroError, AllegroNotFound
from allegro.api.payloads import CheckoutForm, MalformedCheckoutForm, parse_checkout_form
from allegro.conversion.services import allegro_orders_cancellation_flag, auto_conversion_enqueue
from allegro.marketplaces import MARKETPLACES
from allegro.notices import allegro_error_notice
from allegro.orders.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderLine,
    AllegroOrderNote,
    BuyerStatus,
)
from allegro.orders.search import allegro_order_search_refresh, allegro_order_search_store
from sales.services import note_text_clean

logger = logging.getLogger(__name__)


PAGE_SIZE = 100  # the list endpoint's maximum


EVENTS_PAGE_SIZE = 1000  # the journal's maximum


LIST_OFFSET_LIMIT = 10_000  # Allegro answers 422 when offset + limit goes past this


# updatedAt filters are inclusive and clocks differ: look back a little so nothing slips between.
RECONCILE_OVERLAP = timedelta(minutes=5)


MIN_WINDOW = timedelta(seconds=2)


PROBLEMS_RETRIED_PER_SWEEP = 100


# The journal names the forms to read; up to this many are read one by one (a GET each), more
# through the list endpoint by updatedAt windows around their events, 100 a request.
SINGLE_READS_UP_TO = 3


# Around the events' times: Allegro's updatedAt and occurredAt come from different clocks.
BATCH_WINDOW_MARGIN = timedelta(seconds=30)


FULFILLMENT_STATUS_CHANGED = "FULFILLMENT_STATUS_CHANGED"


SORT_KEYS = {"bought_at": "lineItems.boughtAt", "updated_at": "updatedAt"}


@dataclass
class ImportStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded: int = 0
    # By checkout form id: a form set aside is counted once however often a run reads it.
    problems: dict[str, str] = field(default_factory=dict)
    requests: int = 0

    def add(self, other: "ImportStats") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.superseded += other.superseded
        self.problems |= other.problems
        self.requests += other.requests


class CursorMoved(Exception):
    """Another import of the same account stored this batch first; this one is dropped."""


ORDER_UPDATE_FIELDS = [
    "revision",
    "own_write_status",
    "own_write_at",
    "marketplace",
    "status",
    "fulfillment_status",
    "buyer_login",
    "bought_at",
    "allegro_updated_at",
    "total",
    "total_currency",
    "invoice_required",
    "message_to_seller",
    "payload",
    "updated_at",
]


def order_fields_from_form(form: CheckoutForm, raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "revision": form.revision,
        "marketplace": form.marketplace,
        "status": form.status,
        "fulfillment_status": form.fulfillment_status,
        "buyer_login": form.buyer.login,
        "bought_at": form.bought_at,
        "allegro_updated_at": form.updated_at,
        "total": form.total_to_pay,
        "invoice_required": form.invoice.required,
        "message_to_seller": form.message_to_seller,
        "payload": raw,
    }


def order_lines_from_form(order: AllegroOrder, form: CheckoutForm) -> list[AllegroOrderLine]:
    return [
        # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
        AllegroOrderLine(  # type: ignore[misc]
            order=order,
            line_item_id=line.id,
            offer_id=line.offer_id,
            offer_name=line.offer_name[:255],
            offer_external_id=line.external_id[:128],
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in form.lines
    ]


def _record_problems(
    account: AllegroAccount, problems: dict[str, tuple[str, Any]], now: datetime
) -> None:
    for form_id, (reason, raw) in problems.items():
        AllegroImportProblem.objects.update_or_create(
            account=account,
            checkout_form_id=form_id[:64],
            defaults={"reason": reason, "payload": raw, "resolved_at": None, "last_seen_at": now},
        )


def _supersede_merged(account: AllegroAccount, stored: list[AllegroOrder], now: datetime) -> int:
    """Mark forms whose line items moved into a newer form (Allegro merges purchases paid
    together under a new id) as superseded by it, so they are never shown as live orders."""
    owner_of_line = {line_id: order for order in stored for line_id in order.form.line_item_ids}
    # Through the indexed line table: merges are rare, so this finds nothing nearly always.
    moved = (
        AllegroOrderLine.objects.filter(
            line_item_id__in=owner_of_line,
            order__account=account,
            order__superseded_at__isnull=True,
        )
        .exclude(order__in=stored)
        .values_list("order_id", "line_item_id")
    )
    successor_of = {order_id: owner_of_line[line_id] for order_id, line_id in moved}
    for order in AllegroOrder.objects.filter(id__in=successor_of).only("id", "checkout_form_id"):
        successor = successor_of[order.id]
        order.superseded_by = successor
        order.superseded_at = now
        order.save(update_fields=["superseded_by", "superseded_at", "updated_at"])
        logger.info(
            "allegro.import.superseded",
            extra={"checkout_form_id": order.checkout_form_id, "by": successor.checkout_form_id},
        )
    return len(successor_of)


def orders_store(*, account: AllegroAccount, raws: Sequence[dict[str, Any]]) -> ImportStats:
    """Upsert checkout forms by id, in bulk. Call inside a transaction that locked the account.

    A form that does not fit the contract is recorded as a problem and nothing of it is stored;
    the rest of the batch goes on. A form already stored with the same revision is left alone.
    """
    stats = ImportStats()
    now = timezone.now()
    parsed: dict[str, tuple[CheckoutForm, dict[str, Any]]] = {}
    problems: dict[str, tuple[str, Any]] = {}
    for raw in raws:
        try:
            form = parse_checkout_form(raw)
        except MalformedCheckoutForm as error:
            form_id = raw.get("id") if isinstance(raw, dict) else None
            key = form_id if isinstance(form_id, str) and form_id else "(no id)"
            problems[key] = (notices.IMPORT_MALFORMED(detail=error.reason).stored(), raw)
            stats.problems[key] = error.reason
            logger.warning(
                "allegro.import.malformed", extra={"checkout_form_id": key, "reason": error.reason}
            )
            continue
        # A page may repeat a form (overlapping windows): the later copy wins.
        parsed[form.id] = (form, raw)
        if form.marketplace not in MARKETPLACES:
            # Stored and listed so staff see it, but a problem too: it cannot be converted
            # until the shop learns the marketplace (AllegroOrder.convertible says so).
            reason = notices.IMPORT_MARKETPLACE_UNKNOWN(marketplace=form.marketplace)
            problems[form.id] = (reason.stored(), raw)
            stats.problems[form.id] = str(reason)
            logger.warning(
                "allegro.import.unknown_marketplace",
                extra={"checkout_form_id": form.id, "marketplace": form.marketplace},
            )
    _record_problems(account, problems, now)

    existing = {
        order.checkout_form_id: order
        for order in AllegroOrder.objects.filter(account=account, checkout_form_id__in=parsed)
    }
    new_orders: list[AllegroOrder] = []
    changed: list[AllegroOrder] = []
    cancelled_ids: list[int] = []
    for form_id, (form, raw) in parsed.items():
        order = existing.get(form_id)
        if order is None:
            order = AllegroOrder(
                account=account, checkout_form_id=form_id, **order_fields_from_form(form, raw)
            )
            order.__dict__["form"] = form  # the cached view: parse each payload once
            new_orders.append(order)
        elif (
            order.revision != form.revision
            or order.payload != raw
            or order.own_write_at is not None
        ):
            if form.status == BuyerStatus.CANCELLED and order.status != BuyerStatus.CANCELLED:
                cancelled_ids.append(order.id)
            for name, value in order_fields_from_form(form, raw).items():
                setattr(order, name, value)
            # Read whole: whatever our own write made is in it (or its event makes us read).
            order.own_write_status, order.own_write_at = "", None
            order.__dict__["form"] = form  # replace the cached view of the old payload
            changed.append(order)
        else:
            stats.unchanged += 1

    # PostgreSQL and SQLite >= 3.35 return the new primary keys, which the lines need.
    AllegroOrder.objects.bulk_create(new_orders)
    if changed:
        for order in changed:
            order.updated_at = now
        AllegroOrder.objects.bulk_update(changed, ORDER_UPDATE_FIELDS)
        AllegroOrderLine.objects.filter(order__in=changed).delete()
    if cancelled_ids:
        # A sales order made before the cancellation must not go out unnoticed.
        allegro_orders_cancellation_flag(allegro_order_ids=cancelled_ids)
    stored = new_orders + changed
    AllegroOrderLine.objects.bulk_create(
        [line for order in stored for line in order_lines_from_form(order, order.form)]
    )
    allegro_order_search_store(orders=stored)
    if stored:
        stats.superseded = _supersede_merged(account, stored, now)
        AllegroImportProblem.objects.filter(
            account=account, checkout_form_id__in=list(parsed), resolved_at__isnull=True
        ).exclude(checkout_form_id__in=list(problems)).update(resolved_at=now)
    stats.created = len(new_orders)
    stats.updated = len(changed)
    if stored and account.auto_create_orders:
        auto_conversion_enqueue(account_id=account.id)
    return stats


def _lock_account(account_id: int) -> AllegroAccount:
    return AllegroAccount.objects.select_for_update().get(pk=account_id)


def _store_page(
    account_id: int, raws: Sequence[dict[str, Any]], *, backfill: bool = False
) -> ImportStats:
    with transaction.atomic():
        account = _lock_account(account_id)
        stats = orders_store(account=account, raws=raws)
        if backfill and raws:
            # The page is sorted by boughtAt: everything up to its newest order is stored, so
            # a backfill that stops here goes on from there, in the same transaction.
            newest = (
                AllegroOrder.objects.filter(
                    account=account, checkout_form_id__in=[raw.get("id") for raw in raws]
                )
                .order_by("-bought_at")
                .values_list("bought_at", flat=True)
                .first()
            )
            if newest is not None and (
                account.backfill_position is None or newest > account.backfill_position
            ):
                account.backfill_position = newest
                account.save(update_fields=["backfill_position", "updated_at"])
        return stats


def _events_store(account: AllegroAccount, events: Sequence[OrderEvent]) -> None:
    AllegroOrderEvent.objects.bulk_create(
        [
            AllegroOrderEvent(
                account=account,
                event_id=event.id,
                type=event.type,
                occurred_at=event.occurred_at,
                checkout_form_id=event.checkout_form_id,
                revision=event.revision or "",
            )
            for event in events
        ],
        ignore_conflicts=True,  # the journal repeats itself
    )


def _read_forms(
    client: AllegroClient,
    form_ids: Sequence[str],
    stats: ImportStats,
    *,
    skip_transient: bool = False,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Read each form once. Forms that answer 404 were merged away.

    With `skip_transient`, a form Allegro cannot serve right now (429, 5xx, timeout) is left
    for the next run and the others are read; without it the error ends the run.
    """
    form_ids = list(dict.fromkeys(form_ids))
    raws: list[dict[str, Any]] = []
    gone: list[str] = []
    for form_id in form_ids:
        stats.requests += 1
        try:
            raws.append(client.checkout_form(form_id))
        except AllegroNotFound:
            gone.append(form_id)
        except AllegroError as error:
            if not (skip_transient and error.is_transient):
                raise
            logger.info(
                "allegro.import.form_postponed",
                extra={"checkout_form_id": form_id, "error": str(error)},
            )
    return raws, gone


def _journal_order(event: OrderEvent) -> tuple[datetime, int, str]:
    # Ids are growing digit strings: by length, then text, they sort as the journal does even
    # when a page comes out of order.
    return (event.occurred_at, len(event.id), event.id)


@dataclass(frozen=True)
class OwnWrite:
    """The journal's event of our own fulfillment write: its revision is all the shop lacks."""

    event: OrderEvent
    base_revision: str  # the revision the write was sent against (stored until now)
    written_at: datetime


@dataclass
class JournalReads:
    """What a journal page asks of the shop, form by form."""

    # Forms to read, each with its latest event (whose revision a read must reach).
    to_read: dict[str, OrderEvent] = field(default_factory=dict)
    # For forms to read whose updatedAt moved in the page: when (their last such event).
    updated_near: dict[str, datetime] = field(default_factory=dict)
    own_writes: dict[str, OwnWrite] = field(default_factory=dict)


def _own_write_event(
    journal: Sequence[OrderEvent], base_revision: str, written_at: datetime
) -> OrderEvent | None:
    """The one event our own write made, if the form's events after the write are exactly that:
    a fulfillment change. Anything more (another change by someone else) and it must be read.

    After the write means after the event of the revision it was sent against, or, without that
    event in the page, since the second it was sent (Allegro's clock may differ a little; a
    doubt only costs a read)."""
    based = [index for index, event in enumerate(journal) if event.revision == base_revision]
    if based:
        after = list(journal[based[-1] + 1 :])
    else:
        since = written_at.replace(microsecond=0)
        after = [event for event in journal if event.occurred_at >= since]
    if len(after) != 1:
        return None
    event = after[0]
    if event.type != FULFILLMENT_STATUS_CHANGED or not event.revision:
        return None
    return event if event.revision != base_revision else None


def _journal_reads(account_id: int, events: Sequence[OrderEvent]) -> JournalReads:
    """Form by form: nothing to read when it is stored at the revision of its latest event
    already; no read either when the only news is our own write's event; a read otherwise."""
    by_form: dict[str, dict[str, OrderEvent]] = {}
    for event in events:  # the journal repeats itself: once per event id
        by_form.setdefault(event.checkout_form_id, {})[event.id] = event
    stored = {
        form_id: (revision, own_write_at)
        for form_id, revision, own_write_at in AllegroOrder.objects.filter(
            account_id=account_id, checkout_form_id__in=by_form
        ).values_list("checkout_form_id", "revision", "own_write_at")
    }
    reads = JournalReads()
    for form_id, by_id in by_form.items():
        journal = sorted(by_id.values(), key=_journal_order)
        latest = journal[-1]
        revision, own_write_at = stored.get(form_id, (None, None))
        if latest.revision and latest.revision == revision:
            continue
        if revision is not None and own_write_at is not None:
            own = _own_write_event(journal, revision, own_write_at)
            if own is not None:
                reads.own_writes[form_id] = OwnWrite(own, revision, own_write_at)
                continue
        reads.to_read[form_id] = latest
        # A fulfillment change does not move updatedAt: only the others say where to look.
        moved = [event for event in journal if event.type != FULFILLMENT_STATUS_CHANGED]
        if moved:
            reads.updated_near[form_id] = moved[-1].occurred_at
    return reads


def _own_writes_adopt(account_id: int, own_writes: dict[str, OwnWrite]) -> list[str]:
    """Take each own write's revision from its event, if the order is still as it was when
    the event was weighed (no read or other write since). Returns the forms not settled."""
    if not own_writes:
        return []
    now = timezone.now()
    with transaction.atomic():
        account = _lock_account(account_id)
        adopted: list[AllegroOrder] = []
        for order in AllegroOrder.objects.filter(
            account=account, checkout_form_id__in=own_writes, own_write_at__isnull=False
        ):
            own = own_writes[order.checkout_form_id]
            if order.revision != own.base_revision or order.own_write_at != own.written_at:
                continue
            status = order.own_write_status
            fulfillment = order.payload.get("fulfillment")
            order.payload = {
                **order.payload,
                "revision": own.event.revision,
                "fulfillment": {
                    **(fulfillment if isinstance(fulfillment, dict) else {}),
                    "status": status,
                },
            }
            order.revision = own.event.revision or ""
            order.fulfillment_status = status
            order.own_write_status, order.own_write_at = "", None
            order.updated_at = now
            adopted.append(order)
        AllegroOrder.objects.bulk_update(
            adopted,
            [
                "revision",
                "fulfillment_status",
                "payload",
                "own_write_status",
                "own_write_at",
                "updated_at",
            ],
        )
    settled = {order.checkout_form_id for order in adopted}
    if adopted:
        logger.info(
            "allegro.import.own_writes_settled",
            extra={"account_id": account_id, "checkout_form_ids": sorted(settled)},
        )
    return [form_id for form_id in own_writes if form_id not in settled]


def account_own_writes_settle(*, account_id: int, client: AllegroClient) -> ImportStats:
    """Learn the revisions our own fulfillment writes made from one journal page (one request
    for every order of the account), without moving the cursor: the importer still reads the
    page, and finds those orders at their events' revisions already."""
    stats = ImportStats(requests=1)
    cursor = AllegroAccount.objects.values_list("events_cursor", flat=True).get(pk=account_id)
    events = client.order_events(from_id=cursor or None, limit=EVENTS_PAGE_SIZE)
    _own_writes_adopt(account_id, _journal_reads(account_id, events).own_writes)
    return stats


def _list_page(
    client: AllegroClient,
    *,
    key: str,
    start: datetime,
    end: datetime,
    offset: int,
    stats: ImportStats,
) -> CheckoutFormsPage:
    """One page of the forms whose `key` lies in [start, end], oldest first."""
    stats.requests += 1
    return client.checkout_forms(
        offset=offset,
        limit=PAGE_SIZE,
        sort=SORT_KEYS[key],
        **{f"{key}_gte": start, f"{key}_lte": end},
    )


def _list_around(
    client: AllegroClient,
    to_read: dict[str, OrderEvent],
    updated_near: dict[str, datetime],
    stats: ImportStats,
) -> dict[str, dict[str, Any]]:
    """The forms updated around the events' times, 100 a request; stops as soon as the pages
    left would cost more than reading the still missing forms one by one."""
    start = min(updated_near.values()) - BATCH_WINDOW_MARGIN
    end = max(updated_near.values()) + BATCH_WINDOW_MARGIN
    listed: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        page = _list_page(
            client, key="updated_at", start=start, end=end, offset=offset, stats=stats
        )
        for raw in page.forms:
            form_id = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(form_id, str):
                listed[form_id] = raw
        offset += PAGE_SIZE
        available = min(page.total_count, LIST_OFFSET_LIMIT)
        if offset >= available or not page.forms:
            return listed
        missing = sum(
            1 for form_id, event in to_read.items() if not _reached(listed, form_id, event)
        )
        if -(-(available - offset) // PAGE_SIZE) >= missing:
            return listed


def _reached(listed: dict[str, dict[str, Any]], form_id: str, event: OrderEvent) -> bool:
    raw = listed.get(form_id)
    return raw is not None and bool(event.revision) and raw.get("revision") == event.revision


def _read_named(
    client: AllegroClient, reads: JournalReads, stats: ImportStats
) -> tuple[list[dict[str, Any]], list[str]]:
    """Read the forms a journal page names: a few one by one, more through the list around
    their events. A form the list did not bring at its event's revision (a fulfillment change,
    a change after the window, an event without one) is then read by itself: nothing is missed.
    """
    raws: list[dict[str, Any]] = []
    missing = list(reads.to_read)
    if len(reads.to_read) > SINGLE_READS_UP_TO and reads.updated_near:
        listed = _list_around(client, reads.to_read, reads.updated_near, stats)
        # Every listed form is stored (read now, so current): its later events cost nothing.
        raws.extend(listed.values())
        missing = [
            form_id
            for form_id, event in reads.to_read.items()
            if not _reached(listed, form_id, event)
        ]
    read, gone = _read_forms(client, missing, stats)
    return raws + read, gone  # a single read comes later, so it wins over a listed copy


def account_import_events(*, account_id: int, client: AllegroClient) -> ImportStats:
    """Read the journal from the stored cursor to its end, page by page.

    The cursor moves in the same transaction that stores the page's orders, and only if no
    other run moved it meanwhile: a crash or a lost race leaves the page to be read again.
    """
    stats = ImportStats()
    cursor = AllegroAccount.objects.values_list("events_cursor", flat=True).get(pk=account_id)
    while True:
        stats.requests += 1
        events = client.order_events(from_id=cursor or None, limit=EVENTS_PAGE_SIZE)
        if not events:
            return stats
        reads = _journal_reads(account_id, events)
        # Settled before the page is stored: a fact whether or not the cursor moves.
        for form_id in _own_writes_adopt(account_id, reads.own_writes):
            reads.to_read[form_id] = reads.own_writes[form_id].event
        raws, gone = _read_named(client, reads, stats)
        with transaction.atomic():
            account = _lock_account(account_id)
            if account.events_cursor != cursor:
                raise CursorMoved(account_id)
            # Events first: a cancellation's reason (buyer or Allegro) is read from them.
            _events_store(account, events)
            stats.add(orders_store(account=account, raws=raws))
            account.events_cursor = events[-1].id
            account.save(update_fields=["events_cursor", "updated_at"])
        if gone:
            logger.info("allegro.import.forms_gone", extra={"checkout_form_ids": gone})
        cursor = events[-1].id
        if len(events) < EVENTS_PAGE_SIZE:
            return stats


def _import_window(
    client: AllegroClient,
    *,
    account_id: int,
    key: str,
    start: datetime,
    end: datetime,
    stats: ImportStats,
    backfill: bool = False,
) -> None:
    """Store every form of [start, end], 100 a request, one transaction a page.

    Sorted oldest first, so forms that appear while we page land behind us and shift nothing.
    A window listing more than the 10,000 forms Allegro lets us page through is halved.
    """
    offset = 0
    while True:
        page = _list_page(client, key=key, start=start, end=end, offset=offset, stats=stats)
        if offset == 0 and page.total_count > LIST_OFFSET_LIMIT and end - start > MIN_WINDOW:
            middle = start + (end - start) / 2
            for half_start, half_end in ((start, middle), (middle, end)):
                _import_window(
                    client,
                    account_id=account_id,
                    key=key,
                    start=half_start,
                    end=half_end,
                    stats=stats,
                    backfill=backfill,
                )
            return
        stats.add(_store_page(account_id, page.forms, backfill=backfill))
        offset += PAGE_SIZE
        if offset >= min(page.total_count, LIST_OFFSET_LIMIT) or not page.forms:
            return


def _history_store(
    *, account_id: int, client: AllegroClient, until_id: str, from_id: str, stats: ImportStats
) -> None:
    """Keep the journal's past (Allegro keeps 60 days) as the history of backfilled orders.

    Only the events are stored: the forms come from the list, 100 a request, so the history
    costs one request per 1,000 events. Each page records how far it got, so an interrupted
    backfill does not read the past again.
    """
    while True:
        stats.requests += 1
        events = client.order_events(from_id=from_id or None, limit=EVENTS_PAGE_SIZE)
        if not events:
            return
        with transaction.atomic():
            account = _lock_account(account_id)
            _events_store(account, events)
            account.backfill_history_from = events[-1].id
            account.save(update_fields=["backfill_history_from", "updated_at"])
        if len(events) < EVENTS_PAGE_SIZE or any(event.id == until_id for event in events):
            return
        from_id = events[-1].id


def account_backfill(*, account_id: int, client: AllegroClient, days: int) -> ImportStats:
    """On first connect: start the journal at "now", then fetch the last `days` from the list.

    The cursor is set before the backfill so that nothing bought meanwhile falls between the
    two; what both see is simply upserted twice.
    """
    stats = ImportStats(requests=1)
    latest = client.order_event_stats()
    with transaction.atomic():
        account = _lock_account(account_id)
        if account.backfill_completed_at is not None:
            return stats
        if not account.events_cursor and latest.id:
            account.events_cursor = latest.id
        if account.backfill_until is None:
            # Fixed at the first attempt: the journal covers everything after it.
            account.backfill_until = timezone.now()
        account.save(update_fields=["events_cursor", "backfill_until", "updated_at"])
    history_done = account.backfill_history_from == latest.id
    if latest.id and not history_done:
        _history_store(
            account_id=account_id,
            client=client,
            until_id=latest.id,
            from_id=account.backfill_history_from,
            stats=stats,
        )
    end = account.backfill_until
    _import_window(
        client,
        account_id=account_id,
        key="bought_at",
        start=account.backfill_position or end - timedelta(days=days),
        end=end,
        stats=stats,
        backfill=True,
    )
    AllegroAccount.objects.filter(pk=account_id).update(
        backfill_completed_at=end, reconciled_through=end
    )
    return stats


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def _retry_problems(*, account_id: int, client: AllegroClient, stats: ImportStats) -> None:
    """Read again the forms set aside as malformed: Allegro may have mended them since."""
    problem_ids = (
        AllegroImportProblem.objects.filter(account_id=account_id, resolved_at__isnull=True)
        .order_by("last_seen_at")
        .values_list("checkout_form_id", flat=True)[:PROBLEMS_RETRIED_PER_SWEEP]
    )
    # A form that came without a usable id cannot be asked for again; one this run has just
    # read (the sweep's window lists it again) need not be.
    form_ids = [
        form_id for form_id in problem_ids if _is_uuid(form_id) and form_id not in stats.problems
    ]
    if not form_ids:
        return
    # Each form stays a problem until it is read: one that fails now is tried at the next sweep.
    raws, gone = _read_forms(client, form_ids, stats, skip_transient=True)
    stats.add(_store_page(account_id, raws))
    # A form merged away since cannot be mended; its lines live on in the new form.
    AllegroImportProblem.objects.filter(account_id=account_id, checkout_form_id__in=gone).update(
        resolved_at=timezone.now()
    )


def account_reconcile(*, account_id: int, client: AllegroClient) -> ImportStats:
    """Find what the journal missed: every form updated since the last sweep."""
    account = AllegroAccount.objects.get(pk=account_id)
    end = timezone.now()
    start = (
        account.reconciled_through or end - timedelta(days=settings.ALLEGRO_BACKFILL_DAYS)
    ) - RECONCILE_OVERLAP
    stats = ImportStats()
    _import_window(
        client, account_id=account_id, key="updated_at", start=start, end=end, stats=stats
    )
    _retry_problems(account_id=account_id, client=client, stats=stats)
    AllegroAccount.objects.filter(pk=account_id).filter(
        Q(reconciled_through__isnull=True) | Q(reconciled_through__lt=end)
    ).update(reconciled_through=end)
    return stats


def account_import_run(
    *, account_id: int, client: AllegroClient, reconcile: bool = False
) -> ImportStats:
    """One import pass for one account: backfill on first connect, then the journal.

    Whatever happens, the account shows when it last imported and the last error in words
    staff can read; Allegro being down only postpones the pass, nothing is lost.
    """
    account = AllegroAccount.objects.get(pk=account_id)
    stats = ImportStats()
    try:
        if account.backfill_completed_at is None:
            stats.add(
                account_backfill(
                    account_id=account_id, client=client, days=settings.ALLEGRO_BACKFILL_DAYS
                )
            )
        if reconcile:
            stats.add(account_reconcile(account_id=account_id, client=client))
        stats.add(account_import_events(account_id=account_id, client=client))
    except CursorMoved:
        logger.info("allegro.import.raced", extra={"account_id": account_id})
    except AllegroAuthError as error:
        AllegroAccount.objects.filter(pk=account_id).update(
            status=AllegroAccount.Status.RECONNECT_NEEDED,
            status_reason=allegro_error_notice(error, limit=notices.DETAIL_CHARS).stored(),
            last_import_error=allegro_error_notice(error).stored(),
        )
        raise
    except AllegroError as error:
        AllegroAccount.objects.filter(pk=account_id).update(
            last_import_error=allegro_error_notice(error).stored()
        )
        logger.warning(
            "allegro.import.failed", extra={"account_id": account_id, "error": str(error)}
        )
        raise
    AllegroAccount.objects.filter(pk=account_id).update(
        last_import_at=timezone.now(), last_import_error=""
    )
    logger.info(
        "allegro.import.done",
        extra={
            "account_id": account_id,
            "orders_created": stats.created,
            "updated": stats.updated,
            "problems": len(stats.problems),
            "requests": stats.requests,
        },
    )
    return stats


def account_import_riding_out(
    *, account_id: int, client: AllegroClient, reconcile: bool = False
) -> ImportStats:
    """One import pass that rides out what passes: 429, 5xx and timeouts are tried again with
    backoff, up to ALLEGRO_IMPORT_ATTEMPTS passes, by the periodic job and the command alike.

    Pages already stored stay stored, so a retry goes on from the cursor. A permanent error,
    or a transient one that outlasts the attempts, is raised (and is on the account already).
    """
    attempt = 1
    while True:
        try:
            return account_import_run(account_id=account_id, client=client, reconcile=reconcile)
        except AllegroError as error:
            if not error.is_transient or attempt >= settings.ALLEGRO_IMPORT_ATTEMPTS:
                raise
            time.sleep(retry_delay(attempt, error))
            attempt += 1


def allegro_order_note_add(
    *, order_id: int, text: str, user: User | AnonymousUser | None
) -> AllegroOrderNote:
    """Keep the shop's own note on an Allegro order; nothing of it ever goes to Allegro.
    Raises sales.services.SalesOrderRefused for an empty or too long text."""
    text = note_text_clean(text)
    order = AllegroOrder.objects.get(pk=order_id)
    author = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        note = AllegroOrderNote.objects.create(order=order, text=text, author=author)
        allegro_order_search_refresh(order_ids=[order.pk])
    return note
