"""A sent Allegro order whose tracking number Allegro took, at a moment the tests' clock knows."""

from datetime import UTC, datetime

import pytest

from allegro.accounts.clients import client_for_account
from allegro.conversion.services import allegro_order_convert
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from allegro.writeback.models import AllegroWrite
from allegro.writeback.services import write_perform
from emulator.catalogue import CATALOGUE
from sales.models import SalesOrder
from sales.services import sales_order_shipment_add, sales_order_status_change
from tests.support.factories import make_product
from tests.support.offline import emulator_call

SENT_AT = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sent_order(allegro_emulator, connected_account, settings, db):
    """A paid Polish Allegro order converted, sent with a DPD tracking number Allegro took."""
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01
    for product in CATALOGUE:
        make_product(sku=product.sku)

    def make(waybill: str) -> SalesOrder:
        form_id = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl"})["ids"][0]
        account_import_run(
            account_id=connected_account.id, client=client_for_account(connected_account)
        )
        allegro_order = AllegroOrder.objects.get(checkout_form_id=form_id)
        order = allegro_order_convert(allegro_order_id=allegro_order.id, user=None).sales_order
        sales_order_shipment_add(order_id=order.id, carrier_code="DPD", waybill=waybill, user=None)
        sales_order_status_change(order_id=order.id, status="IN_PROGRESS", user=None)
        sales_order_status_change(order_id=order.id, status="SENT", user=None)
        for write_id in AllegroWrite.objects.filter(state="PENDING").values_list("id", flat=True):
            write_perform(write_id=write_id, client_for=client_for_account)
        # The tracking number reached Allegro at a moment the test's clock knows.
        AllegroWrite.objects.filter(kind="SHIPMENT").update(done_at=SENT_AT)
        return order

    return make
