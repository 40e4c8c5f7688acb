"""Sales orders made from Allegro orders before protocol 3 get what the ERP now needs, read
from the stored checkout form: the buyer's kind, Allegro's EU VAT verification, the payment's
type and end, and for orders fulfilled outside the shop the day Allegro shows them sent.
What the form does not say stays unknown ("" / null); nothing is sent to the ERP by this."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

WARSAW = ZoneInfo("Europe/Warsaw")
HANDED_OVER = ("SENT", "PICKED_UP", "RETURNED")


def _moment(value):
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def forwards(apps, schema_editor):
    AllegroOrder = apps.get_model("allegro", "AllegroOrder")
    AllegroOrderEvent = apps.get_model("allegro", "AllegroOrderEvent")
    SalesOrder = apps.get_model("sales", "SalesOrder")
    converted = AllegroOrder.objects.filter(sales_order__isnull=False).only(
        "account_id", "checkout_form_id", "fulfillment_status", "allegro_updated_at", "payload",
        "sales_order_id",
    )
    for order in converted.iterator(chunk_size=500):
        raw = order.payload if isinstance(order.payload, dict) else {}
        invoice = raw.get("invoice") or {}
        address = invoice.get("address") or {}
        company = address.get("company") if isinstance(address, dict) else None
        payment = raw.get("payment") or {}
        values = {
            "buyer_kind": "company" if company else "consumer",
            "customer_vat_eu_verified": "VAT_EU_VERIFIED" in (invoice.get("features") or []),
            "payment_type": str(payment.get("type") or "")[:32],
            "paid_at": _moment(payment.get("finishedAt")),
        }
        sales = SalesOrder.objects.filter(pk=order.sales_order_id)
        if order.fulfillment_status in HANDED_OVER and sales.filter(fulfilled_outside=True):
            moment = (
                AllegroOrderEvent.objects.filter(
                    account_id=order.account_id,
                    checkout_form_id=order.checkout_form_id,
                    type="FULFILLMENT_STATUS_CHANGED",
                )
                .order_by("-occurred_at")
                .values_list("occurred_at", flat=True)
                .first()
            ) or order.allegro_updated_at
            if moment:
                values["delivery_date"] = moment.astimezone(WARSAW).date()
        sales.update(**values)


class Migration(migrations.Migration):
    dependencies = [
        ("allegro", "0010_own_write_revision_pending"),
        ("sales", "0005_buyer_payment_and_ksef_invoices"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
