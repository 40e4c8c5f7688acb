"""The sync under protocol 3: invoices stored with their KSeF state, the order's lines taking
the VAT the ERP decided, what may reach the buyer, rejections held for attention, corrections
once each, and no resend of orders sent before the upgrade."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from djmoney.money import Money

from allegro.writeback.models import AllegroWrite
from erp.models import ErpOrderLink, ErpSyncRun
from erp.selectors import erp_orders_to_sync
from erp.sync import erp_order_from_sales, erp_order_hash, sync_run_perform, sync_run_start
from sales.models import BuyerKind, SalesOrder, SalesOrderInvoice
from sales.services import LineData
from shop.notices import notice_text
from tests.erp.v3 import KOD_I, KSEF_NUMBER, MemoryErp, document, invoice
from tests.support.factories import make_allegro_order, make_product, make_sales_order

pytestmark = pytest.mark.django_db


def sync(erp: MemoryErp) -> ErpSyncRun:
    run, created = sync_run_start(trigger=ErpSyncRun.Trigger.MANUAL, user=None)
    assert created
    return sync_run_perform(run_id=run.pk, backend=erp)


@pytest.fixture
def erp() -> MemoryErp:
    return MemoryErp()


def czech_company_order(**fields) -> SalesOrder:
    """A Czech company's order, converted from Allegro, asking for an invoice."""
    product = make_product(sku="VAC-252", vat_rate=Decimal("23.00"))
    values = {
        "currency": "CZK",
        "marketplace": "allegro-cz",
        "customer_company": "Vesel Trading s.r.o.",
        "customer_tax_ids": [{"type": "VAT_EU", "label": "DIČ", "value": "CZ27654321"}],
        "buyer_kind": BuyerKind.COMPANY,
        "customer_vat_eu_verified": True,
        "invoice_requested": True,
        "lines": [
            LineData(
                product=product,
                quantity=1,
                unit_price=Money("1299.00", "CZK"),
                vat_rate=Decimal("21.00"),
            )
        ],
        "delivery_cost": Money("79.00", "CZK"),
    }
    values.update(fields)
    order = make_sales_order(**values)
    make_allegro_order("checkout-form-allegro-cz.json", sales_order=order, invoice_required=True)
    return order


def invoice_writes(order: SalesOrder) -> list[int]:
    return sorted(
        AllegroWrite.objects.filter(
            allegro_order__sales_order=order, kind=AllegroWrite.Kind.INVOICE
        ).values_list("target__invoice_id", flat=True)
    )


def test_an_accepted_wdt_invoice_is_stored_shown_to_the_buyer_and_sets_the_lines_vat(erp):
    order = czech_company_order()
    sync(erp)
    erp.set(document(order.number, invoice()))

    run = sync(erp)

    assert (run.updated, run.failed) == (1, 0), run.errors
    stored = SalesOrderInvoice.objects.get(order=order)
    assert (stored.kind, stored.ksef_status, stored.ksef_number) == ("VAT", "accepted", KSEF_NUMBER)
    assert stored.ksef_verification_url == KOD_I
    assert stored.vat_rule == "WDT" and "odwrotne obciążenie" in stored.vat_rule_text
    assert stored.exchange_rate == Decimal("0.1734")
    assert stored.exchange_rate_table == "230/A/NBP/2026"
    assert stored.total == Money("1299.00", "CZK") and stored.total_pln == Money("225.25", "PLN")
    assert stored.pdf and stored.pdf.open("rb").read(5) == b"%PDF-"
    assert [line.vat_rate for line in order.lines.all()] == [Decimal("0.00")]
    assert invoice_writes(order) == [stored.pk]


def test_a_pending_invoice_waits_and_goes_once_a_later_sync_sees_it_accepted(erp):
    order = czech_company_order()
    sync(erp)
    erp.set(document(order.number, invoice(status="pending"), status="DELIVERED"))

    sync(erp)

    stored = SalesOrderInvoice.objects.get(order=order)
    assert stored.ksef_status == "pending" and not stored.pdf
    assert invoice_writes(order) == [] and erp.pdfs_fetched == []
    # Delivered with an invoice, yet still asked about while KSeF has not answered.
    assert erp_orders_to_sync() == [order.pk]

    erp.set(document(order.number, invoice(), status="DELIVERED"))
    sync(erp)
    sync(erp)

    stored.refresh_from_db()
    assert stored.ksef_status == "accepted" and stored.pdf
    assert invoice_writes(order) == [stored.pk]
    assert erp.pdfs_fetched == ["17"]
    assert erp_orders_to_sync() == []


def test_a_rejected_invoice_holds_the_order_with_the_reason_and_nothing_goes_out(erp):
    order = czech_company_order()
    sync(erp)
    erp.set(document(order.number, invoice(status="rejected")))

    sync(erp)

    order.refresh_from_db()
    assert order.needs_attention
    reason = notice_text(order.attention_reason)
    assert "KSeF" in reason and "Błąd weryfikacji" in reason
    stored = SalesOrderInvoice.objects.get(order=order)
    assert stored.ksef_status == "rejected" and not stored.pdf
    assert invoice_writes(order) == [] and erp.pdfs_fetched == []


@pytest.mark.parametrize(
    ("kind", "status", "extra", "goes"),
    [
        (BuyerKind.CONSUMER, "not_sent", {}, True),
        (BuyerKind.COMPANY, "not_sent", {}, False),
        (BuyerKind.COMPANY, "offline", {}, True),
        (BuyerKind.COMPANY, "offline", {"certificate_url": None}, False),
    ],
    ids=["consumer-outside", "company-outside", "offline-both-codes", "offline-one-code"],
)
def test_only_an_invoice_the_buyer_may_receive_goes_to_allegro(erp, kind, status, extra, goes):
    order = czech_company_order(buyer_kind=kind)
    sync(erp)
    erp.set(document(order.number, invoice(status=status, rule="OSS", rate="27.00", **extra)))

    sync(erp)

    stored = SalesOrderInvoice.objects.get(order=order)
    assert bool(stored.pdf)  # shown to staff in any case
    assert invoice_writes(order) == ([stored.pk] if goes else [])


def test_a_correction_is_a_further_invoice_sent_once(erp):
    order = czech_company_order()
    sync(erp)
    vat = invoice()
    erp.set(document(order.number, vat))
    sync(erp)
    correction = invoice(
        "FVK/1/2026",
        invoice_id="18",
        corrects={"id": "17", "number": "FV/17/2026"},
        quantity=-1,
    )
    erp.set(document(order.number, vat, correction))

    sync(erp)
    sync(erp)

    first, second = SalesOrderInvoice.objects.filter(order=order).order_by("id")
    assert second.kind == "CORRECTION" and second.corrects == first
    assert second.total == Money("-1299.00", "CZK")
    assert invoice_writes(order) == [first.pk, second.pk]
    assert erp.pdfs_fetched == ["17", "18"]


def test_a_finished_order_is_asked_again_once_a_day_while_a_correction_may_come(erp, settings):
    order = czech_company_order()
    sync(erp)
    erp.set(document(order.number, invoice(), status="DELIVERED"))
    sync(erp)
    assert erp_orders_to_sync() == []

    ErpOrderLink.objects.filter(order=order).update(synced_at=timezone.now() - timedelta(days=2))
    assert erp_orders_to_sync() == [order.pk]

    settings.ERP_CORRECTION_WATCH_DAYS = 0
    assert erp_orders_to_sync() == []


def test_the_order_sends_the_tax_point_and_buyer_data(erp):
    paid = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    order = czech_company_order(payment_type="ONLINE", paid_at=paid)

    sync(erp)

    sent = erp.sent[0]
    assert sent["sale_date"] == "2026-11-27"
    assert sent["payment"] == {"type": "ONLINE", "finished_at": "2026-11-27T09:30:00Z"}
    assert sent["customer"]["kind"] == "company" and sent["customer"]["vat_eu_verified"] is True
    assert order.number == sent["number"]


def test_an_order_sent_under_protocol_2_is_not_sent_again_after_the_upgrade(erp):
    order = czech_company_order()
    sync(erp)
    # As sent before the upgrade: the link holds the version-2 hash; since then the order
    # learnt its payment (a data migration), which protocol 3 sends.
    link = ErpOrderLink.objects.get(order=order)
    link.sent_hash = erp_order_hash(erp_order_from_sales(order), version=2)
    link.save(update_fields=["sent_hash"])
    SalesOrder.objects.filter(pk=order.pk).update(
        payment_type="ONLINE", paid_at=datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    )

    run = sync(erp)

    assert (run.updated, run.failed) == (0, 0), run.errors
    assert len(erp.sent) == 1

    SalesOrder.objects.filter(pk=order.pk).update(customer_name="Petr Veselý")
    changed = sync(erp)

    assert changed.failed == 0 and len(erp.sent) == 2
    assert erp.sent[1]["sale_date"] == "2026-11-27"


def test_the_erp_gets_the_products_polish_rate_not_the_channels_foreign_one():
    """Allegro's line on allegro.cz carries the Czech 21 %; protocol 3 sends the product's
    domestic rate and leaves WDT/OSS to the ERP."""
    product = make_product(sku="VAC-252", vat_rate=Decimal("23.00"))
    order = make_sales_order(
        currency="CZK",
        marketplace="allegro-cz",
        lines=[
            LineData(
                product=product,
                quantity=1,
                unit_price=Money("1299.00", "CZK"),
                vat_rate=Decimal("21.00"),
            )
        ],
    )
    assert order.lines.get().vat_rate == Decimal("21.00")  # shown as the channel sold it
    (line,) = erp_order_from_sales(order).lines
    assert line.vat_rate == Decimal("23.00")
