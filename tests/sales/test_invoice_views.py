"""Invoices attached by hand on the sales order page, and served only to staff."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from allegro.accounts.models import AllegroAccount
from allegro.orders.models import AllegroOrder
from allegro.writeback.models import AllegroWrite
from sales.models import SalesOrderInvoice
from tests.support.factories import make_allegro_order, make_sales_order, make_user
from tests.support.html import messages_of

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def detail_url(order) -> str:
    return reverse("sales:order_detail", args=[order.pk])


def upload(client, order, *, number="FV/1/2026", content=PDF, name="faktura.pdf"):
    return client.post(
        detail_url(order),
        {
            "action": "attach_invoice",
            "number": number,
            "pdf": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def allegro_sales_order(**allegro_fields):
    allegro_order = make_allegro_order(**allegro_fields)
    sales_order = make_sales_order(channel_reference=allegro_order.checkout_form_id)
    AllegroOrder.objects.filter(pk=allegro_order.pk).update(sales_order=sales_order)
    return sales_order


def test_a_pdf_is_attached_listed_and_downloadable(operator_client):
    order = make_sales_order(channel="sklep")

    response = upload(operator_client, order)

    assert response["Location"] == detail_url(order)
    assert messages_of(response) == ["Dołączono fakturę FV/1/2026."]
    invoice = SalesOrderInvoice.objects.get(order=order)
    page = operator_client.get(detail_url(order)).content.decode()
    download = reverse("sales:invoice_download", args=[order.pk, invoice.pk])
    assert "FV/1/2026" in page and download in page
    served = operator_client.get(download)
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert 'filename="FV-1-2026.pdf"' in served["Content-Disposition"]
    assert b"".join(served.streaming_content) == PDF


def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_saved(operator_client):
    order = make_sales_order(channel="sklep")

    response = upload(operator_client, order, content=b"<html>not a pdf</html>", name="f.pdf")

    assert messages_of(response) == ["Nie dołączono faktury. Plik faktury nie jest plikiem PDF."]
    assert not SalesOrderInvoice.objects.exists()


def test_an_invoice_without_a_number_is_refused(operator_client):
    order = make_sales_order(channel="sklep")

    response = upload(operator_client, order, number="")

    assert messages_of(response)[0].startswith("Nie dołączono faktury. Numer faktury:")
    assert not SalesOrderInvoice.objects.exists()


def test_the_same_number_twice_keeps_the_first_file(operator_client):
    order = make_sales_order(channel="sklep")
    upload(operator_client, order)

    response = upload(operator_client, order, content=PDF + b"% other\n")

    assert messages_of(response)[-1:] == [
        "Faktura FV/1/2026 była już dołączona; jej pliku nie zastąpiono."
    ]
    assert SalesOrderInvoice.objects.count() == 1


def test_an_invoice_a_buyer_asked_for_goes_to_allegro(operator_client):
    order = allegro_sales_order(invoice_required=True)

    upload(operator_client, order)

    write = AllegroWrite.objects.get()
    assert write.kind == AllegroWrite.Kind.INVOICE
    assert write.target == {"invoice_id": SalesOrderInvoice.objects.get().pk}


def test_an_invoice_nobody_asked_for_stays_in_the_shop(operator_client):
    order = allegro_sales_order(invoice_required=False)

    upload(operator_client, order)

    assert SalesOrderInvoice.objects.filter(order=order).exists()
    assert not AllegroWrite.objects.exists()


def test_an_invoice_goes_to_every_buyer_when_the_account_says_so(operator_client):
    order = allegro_sales_order(invoice_required=False)
    AllegroAccount.objects.update(invoices_for_everyone=True)

    upload(operator_client, order)

    assert AllegroWrite.objects.get().kind == AllegroWrite.Kind.INVOICE


def test_uploading_needs_the_right_to_change_orders(client):
    order = make_sales_order(channel="sklep")
    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(viewer)

    assert upload(client, order).status_code == 403
    assert not SalesOrderInvoice.objects.exists()


def test_an_invoice_is_served_only_to_staff_who_may_see_orders(operator_client):
    order = make_sales_order(channel="sklep")
    upload(operator_client, order)
    invoice = SalesOrderInvoice.objects.get()
    other = make_sales_order(channel="sklep")

    client = Client()
    client.force_login(make_user())
    assert (
        client.get(reverse("sales:invoice_download", args=[order.pk, invoice.pk])).status_code
        == 403
    )
    wrong_order = reverse("sales:invoice_download", args=[other.pk, invoice.pk])
    assert operator_client.get(wrong_order).status_code == 404
