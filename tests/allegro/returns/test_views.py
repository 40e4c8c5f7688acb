"""Allegro ▸ Zwroty and the refund forms, as an operator and an administrator use them."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from allegro.accounts.clients import client_for_account
from allegro.returns.models import AllegroRefund, AllegroReturn, RefundLimit
from allegro.returns.services import account_returns_import
from tests.allegro.returns.conftest import SentOrder, open_return
from tests.support import clients

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported_return(allegro_emulator, connected_account, czech_order) -> AllegroReturn:
    open_return(allegro_emulator, czech_order, line=0)
    account_returns_import(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    return AllegroReturn.objects.get()


def _command_id(html: str) -> str:
    found = re.search(r'name="command_id" value="([0-9a-f-]{36})"', html)
    assert found, "no refund form on the page"
    return found.group(1)


def test_the_operator_accepts_a_return_and_refunding_twice_makes_one_refund(
    operator_client: Client, imported_return: AllegroReturn, czech_order: SentOrder
):
    listing = operator_client.get(reverse("allegro:returns:return_list") + "?waiting=on")
    assert listing.status_code == 200
    assert imported_return.reference_number in listing.content.decode()

    detail_url = reverse("allegro:returns:return_detail", args=[imported_return.pk])
    operator_client.post(reverse("allegro:returns:return_accept", args=[imported_return.pk]))
    page = operator_client.get(detail_url).content.decode()
    command_id = _command_id(page)
    # The button says what it gives back: one item, no delivery (the rest stays with the buyer).
    assert "refund-plan" in page and "bez dostawy" in page
    refund_url = reverse("allegro:returns:return_refund", args=[imported_return.pk])
    operator_client.post(refund_url, {"command_id": command_id})
    operator_client.post(refund_url, {"command_id": command_id})
    refund = AllegroRefund.objects.get()
    assert str(refund.command_id) == command_id
    assert str(refund.total.currency) == "CZK"

    sales_page = operator_client.get(
        reverse("sales:order_detail", args=[czech_order.sales_order_id])
    )
    html = sales_page.content.decode()
    assert "allegro-returns" in html and imported_return.reference_number in html
    assert "zwrócono 1" in html  # the returned line, on the sales order's lines


def test_a_bad_rejection_is_a_message_not_an_error_page(
    operator_client: Client, imported_return: AllegroReturn
):
    url = reverse("allegro:returns:return_reject", args=[imported_return.pk])
    response = operator_client.post(url, {"code": "REFUND_REJECTED", "reason": ""}, follow=True)
    assert response.status_code == 200
    assert "Allegro" in response.content.decode()
    imported_return.refresh_from_db()
    assert imported_return.decision == ""
    operator_client.post(url, {"code": "NOPE"})
    response = operator_client.post(url, {"code": "BUSINESS_PURCHASE", "reason": ""})
    imported_return.refresh_from_db()
    assert (imported_return.decision, imported_return.rejection_code) == (
        "REJECTED",
        "BUSINESS_PURCHASE",
    )
    assert imported_return.rejection_state == "PENDING"


def test_a_refund_by_hand_above_the_limit_needs_an_administrator(
    operator_client: Client, czech_order: SentOrder
):
    administrator_client = clients.administrator()  # a browser of its own
    RefundLimit.objects.create(currency="CZK", amount="100.00")
    order = czech_order.allegro_order
    page = operator_client.get(reverse("allegro:orders:order_detail", args=[order.pk]))
    assert page.status_code == 200
    line_id = czech_order.form["lineItems"][1]["id"]
    body = {"command_id": str(uuid.uuid4()), f"line_{line_id}": "3", "delivery": ""}
    url = reverse("allegro:returns:order_refund", args=[order.pk])
    response = operator_client.post(url, body, follow=True)
    assert "administrator" in str([str(m) for m in response.context["messages"]])
    assert not AllegroRefund.objects.exists()
    administrator_client.post(url, body)
    administrator_client.post(url, body)  # pressed twice: the same commandId, one refund
    assert AllegroRefund.objects.count() == 1


def test_a_refund_by_hand_more_than_paid_or_garbage_is_refused_with_a_message(
    operator_client: Client, czech_order: SentOrder
):
    order = czech_order.allegro_order
    url = reverse("allegro:returns:order_refund", args=[order.pk])
    line_id = czech_order.form["lineItems"][0]["id"]
    for body in (
        {"command_id": str(uuid.uuid4()), f"line_{line_id}": "5"},
        {"command_id": str(uuid.uuid4()), "delivery": "99999"},
        {"command_id": "not-a-uuid", "delivery": "1"},
        {"command_id": str(uuid.uuid4()), "delivery": "1.001"},
    ):
        response = operator_client.post(url, body, follow=True)
        assert response.status_code == 200
        assert [m.level_tag for m in response.context["messages"]] == ["error"], body
    assert not AllegroRefund.objects.exists()


def test_only_an_administrator_sets_the_refund_limit(operator_client: Client):
    url = reverse("allegro:returns:refund_limit")
    assert operator_client.post(url, {"currency": "CZK", "amount": "500"}).status_code == 403
    admin = clients.administrator()
    admin.post(url, {"currency": "CZK", "amount": "500"})
    assert RefundLimit.objects.get(currency="CZK").amount == 500
    response = admin.post(url, {"currency": "XXX", "amount": "1"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    admin.post(url, {"currency": "CZK", "amount": ""})
    assert not RefundLimit.objects.exists()


def test_the_list_names_the_shops_order_and_finds_the_return_by_its_number(
    operator_client: Client, imported_return: AllegroReturn, czech_order: SentOrder
):
    number = czech_order.allegro_order.sales_order.number
    url = reverse("allegro:returns:return_list")
    html = operator_client.get(url).content.decode()
    sales_url = reverse("sales:order_detail", args=[czech_order.sales_order_id])
    assert f'href="{sales_url}">{number}</a>' in html

    found = operator_client.get(url, {"q": number}).content.decode()
    assert imported_return.reference_number in found
    nothing = operator_client.get(url, {"q": number + "9"}).content.decode()
    assert imported_return.reference_number not in nothing
