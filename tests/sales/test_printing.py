"""The printouts as a packer reads them: each PDF rendered to an image (pypdfium2), its text
read back, and the picture kept (PRINT_IMAGES_DIR) for a person to look at."""

import os
import re
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from sales.forms import PRINT_ORDER_SHEETS, PRINT_PACKING_LISTS, PRINT_PICK_LIST
from sales.services import AddressData, LineData, sales_order_note_add
from tests.support.factories import make_product, make_sales_order, make_user

pytestmark = pytest.mark.django_db
BULK = reverse("sales:order_bulk")


def pdf_pages(content: bytes, *, save_as: str = "") -> list[str]:
    """The text of each page; the pages as PNG files too when PRINT_IMAGES_DIR is set."""
    assert content.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(content)
    texts = []
    for index in range(len(document)):
        page = document[index]
        texts.append(page.get_textpage().get_text_range().replace("\xa0", " "))
        bitmap = page.render(scale=1.5)
        image = bitmap.to_pil()
        assert image.width > 800 and image.getbbox() is not None  # something is drawn
        folder = os.environ.get("PRINT_IMAGES_DIR")
        if folder and save_as:
            image.save(Path(folder) / f"print-{save_as}-{index + 1}.png")
    document.close()
    return texts


def download(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


@pytest.fixture
def parcel_order():
    """An order to a Czech pickup point with two products, a message and an internal note."""
    cup = make_product(sku="KUB-450", ean="5901234123457", name="Kubek termiczny 450 ml")
    lid = make_product(sku="POK-01", ean="", name="Pokrywka silikonowa żółta")
    order = make_sales_order(
        customer_name="Zdeňka Dvořáková",
        customer_company="Dvořák s.r.o.",
        customer_phone="+420 601 234 567",
        customer_tax_ids=[{"type": "CZ_ICO", "label": "IČO", "value": "27654321"}],
        delivery_method="Zásilkovna – výdejní místo",
        pickup_point_id="CZ-12345",
        pickup_point_name="Zásilkovna Brno, Masarykova 12",
        pickup_point_address="Masarykova 12, 602 00 Brno",
        delivery_address=AddressData(
            name="Zdeňka Dvořáková", street="Husova 5", zip_code="60200", city="Brno"
        ),
        billing_address=AddressData(
            company_name="Dvořák s.r.o.", street="Husova 5", zip_code="60200", city="Brno"
        ),
        buyer_message="Prosím zabalit jako dárek.",
        lines=[
            LineData(product=cup, quantity=3, unit_price=Money(Decimal("45.00"), "PLN")),
            LineData(product=lid, quantity=1, unit_price=Money(Decimal("9.99"), "PLN")),
        ],
    )
    packer = make_user(username="magda")
    sales_order_note_add(
        order_id=order.pk, text="Sprawdzić rysę na kubku przed wysyłką", user=packer
    )
    return order


def test_the_packing_list_has_all_a_packer_needs(operator_client, parcel_order):
    url = reverse("sales:order_print", args=[parcel_order.pk, "packing-list"])

    [page] = pdf_pages(download(operator_client.get(url)), save_as="packing-list")

    for expected in (
        "Lista pakowania",
        parcel_order.number,
        "Zdeňka Dvořáková",
        "+420 601 234 567",
        "CZ-12345",
        "Zásilkovna Brno, Masarykova 12",
        "KUB-450",
        "5901234123457",
        "Kubek termiczny 450 ml",
        "Pokrywka silikonowa żółta",
        "Prosím zabalit jako dárek.",
        "Sprawdzić rysę na kubku przed wysyłką",
        "magda",
    ):
        assert expected in page, expected
    assert "Sztuk razem: 4" in page
    # Prices are for the order sheet; the parcel's paper shows none.
    assert "45,00" not in page


def test_the_order_sheet_adds_prices_billing_and_tax_ids(operator_client, parcel_order):
    url = reverse("sales:order_print", args=[parcel_order.pk, "order-sheet"])

    [page] = pdf_pages(download(operator_client.get(url)), save_as="order-sheet")

    for expected in ("Karta zamówienia", parcel_order.number, "IČO: 27654321", "Husova 5"):
        assert expected in page, expected
    assert "154,99 zł" in page  # 3 × 45.00 + 9.99 + 10.00 delivery, to the grosz
    assert "Sprawdzić rysę" in page


def test_the_pick_list_sums_each_product_over_the_orders(operator_client, parcel_order):
    cup = parcel_order.lines.get(code="KUB-450").product
    second = make_sales_order(
        lines=[LineData(product=cup, quantity=2, unit_price=Money(Decimal("45.00"), "PLN"))]
    )

    response = operator_client.post(
        BULK, {"action": PRINT_PICK_LIST, "orders": [parcel_order.pk, second.pk]}
    )
    [page] = pdf_pages(download(response), save_as="pick-list")

    assert "Lista kompletacyjna" in page
    # 3 + 2 cups in one row (the text comes cell by cell)
    assert re.search(r"KUB-450\s+5901234123457\s+Kubek termiczny 450 ml\s+5\s", page)
    assert parcel_order.number in page and second.number in page
    assert "Zamówienia: 2 · produkty: 2 · sztuki: 6" in page


def test_packing_lists_of_several_orders_come_one_order_a_page(operator_client, parcel_order):
    other = make_sales_order(customer_name="Anna Nowak")

    response = operator_client.post(
        BULK, {"action": PRINT_PACKING_LISTS, "orders": [other.pk, parcel_order.pk]}
    )
    pages = pdf_pages(download(response))

    assert len(pages) == 2
    assert parcel_order.number in pages[0] and "Anna Nowak" in pages[1]


def test_the_order_page_links_its_printouts(operator_client, parcel_order):
    page = operator_client.get(reverse("sales:order_detail", args=[parcel_order.pk]))

    for kind in ("packing-list", "order-sheet"):
        assert reverse("sales:order_print", args=[parcel_order.pk, kind]) in page.content.decode()


def test_an_unknown_printout_or_order_is_404(operator_client, parcel_order):
    assert (
        operator_client.get(
            reverse("sales:order_print", args=[parcel_order.pk, "invoice"])
        ).status_code
        == 404
    )
    assert (
        operator_client.get(reverse("sales:order_print", args=[999999, "order-sheet"])).status_code
        == 404
    )


def test_printing_needs_the_right_to_see_orders(client: Client, parcel_order):
    client.force_login(make_user())
    url = reverse("sales:order_print", args=[parcel_order.pk, "packing-list"])

    assert client.get(url).status_code == 403
    assert (
        client.post(BULK, {"action": PRINT_ORDER_SHEETS, "orders": [parcel_order.pk]}).status_code
        == 403
    )


def test_a_viewer_may_print_but_not_change(client: Client, parcel_order):
    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(viewer)

    response = client.post(BULK, {"action": PRINT_ORDER_SHEETS, "orders": [parcel_order.pk]})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
