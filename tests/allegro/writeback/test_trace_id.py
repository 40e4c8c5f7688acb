"""A write Allegro refused, and an import that failed, show staff Allegro's trace-id."""

import pytest
from django.urls import reverse
from django.utils import translation

from allegro.accounts.models import AllegroAccount
from allegro.api.errors import AllegroError
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from allegro.writeback.models import AllegroWrite
from allegro.writeback.services import write_perform
from sales.services import sales_order_shipment_add
from shop.notices import notice_text
from shop.roles import ADMINISTRATOR
from tests.support.clients import signed_in
from tests.support.factories import make_account, make_allegro_order, make_sales_order
from tests.support.html import text
from tests.support.stub_allegro import stub_allegro, stub_client

pytestmark = pytest.mark.django_db

REFUSED = {
    "errors": [
        {
            "code": "VALIDATION_ERROR",
            "message": "carrierId: carrier ALLEGRO is not supported",
            "userMessage": "Przewoźnik ALLEGRO nie jest już obsługiwany.",
            "path": "carrierId",
        }
    ]
}


def test_a_failed_write_shows_allegros_trace_id_in_the_list_and_the_panel():
    account = make_account()
    allegro_order = make_allegro_order(account=account)
    sales_order = make_sales_order(channel_reference=allegro_order.checkout_form_id)
    AllegroOrder.objects.filter(pk=allegro_order.pk).update(sales_order=sales_order)
    sales_order_shipment_add(
        order_id=sales_order.pk, carrier_code="DPD", waybill="0000123456789U", user=None
    )
    write = AllegroWrite.objects.get(kind=AllegroWrite.Kind.SHIPMENT)

    def answer(method: str, path: str):
        if method == "GET":
            return 200, {"shipments": []}, {"trace-id": "read-trace"}
        return 422, REFUSED, {"trace-id": "7f3a9c0e-write"}

    with stub_allegro(answer) as stub:
        outcome = write_perform(write_id=write.pk, client_for=lambda _a: stub_client(stub.url))

    assert outcome == "failed"
    write.refresh_from_db()
    # Allegro's own words (and trace-id) inside our sentence.
    with translation.override("pl"):
        said = notice_text(write.last_error)
    assert said == (
        "Allegro odmówiło: Przewoźnik ALLEGRO nie jest już obsługiwany. (trace-id: 7f3a9c0e-write)"
    )
    staff = signed_in(role=ADMINISTRATOR)
    listed = text(staff.get(reverse("allegro:writeback:write_list") + "?state=ALL"))
    assert "(trace-id: 7f3a9c0e-write)" in listed
    panel = text(staff.get(reverse("sales:order_detail", args=[sales_order.pk])))
    assert "(trace-id: 7f3a9c0e-write)" in panel


def test_a_failed_import_keeps_allegros_trace_id_for_the_settings_page(settings):
    settings.ALLEGRO_IMPORT_ATTEMPTS = 1
    account = make_account(login="importowy")
    answer = (400, REFUSED, {"trace-id": "import-trace-9"})

    with stub_allegro(lambda method, path: answer) as stub, pytest.raises(AllegroError):
        account_import_run(account_id=account.pk, client=stub_client(stub.url))

    account.refresh_from_db()
    assert notice_text(account.last_import_error).endswith("(trace-id: import-trace-9)")
    page = text(signed_in(role=ADMINISTRATOR).get(reverse("allegro:accounts:settings")))
    assert "(trace-id: import-trace-9)" in page
    assert AllegroAccount.objects.get(pk=account.pk).is_connected
