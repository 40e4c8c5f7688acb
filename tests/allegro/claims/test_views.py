"""Claims from the order pages: a line and a quantity, a cancel button, a list."""

import pytest
from django.urls import reverse

from allegro.claims.models import RefundClaim
from tests.support.factories import make_allegro_order, make_sales_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_jobs(monkeypatch):
    # The job is queued after commit; these tests look at the pages, not at Allegro.
    monkeypatch.setattr("allegro.claims.services._enqueue", lambda job, claim_id: None)


def test_an_operator_claims_a_line_from_the_allegro_order_page(operator_client):
    order = make_allegro_order()
    line = order.lines.first()
    url = reverse("allegro:orders:order_detail", args=[order.pk])
    page = operator_client.get(url).content.decode()
    assert 'id="refund-claims"' in page and "Wnioskuj o zwrot prowizji" in page

    response = operator_client.post(
        reverse("allegro:claims:claim_create", args=[order.pk]),
        {"line": line.pk, "quantity": 1, "next": url},
        follow=True,
    )

    claim = RefundClaim.objects.get()
    assert (claim.line, claim.quantity, claim.state) == (line, 1, "PENDING")
    assert "Wniosek o zwrot prowizji zapisano" in response.content.decode()
    assert "Czeka na wysłanie" in response.content.decode()


def test_too_many_items_are_refused_with_a_message_not_an_error(operator_client):
    order = make_allegro_order()
    line = order.lines.first()

    response = operator_client.post(
        reverse("allegro:claims:claim_create", args=[order.pk]),
        {"line": line.pk, "quantity": line.quantity + 1},
        follow=True,
    )

    assert response.status_code == 200
    assert not RefundClaim.objects.exists()
    assert "tylko" in response.content.decode()


def test_a_pending_claim_is_withdrawn_from_the_sales_order_page(operator_client):
    sales_order = make_sales_order()
    order = make_allegro_order(sales_order=sales_order)
    operator_client.post(
        reverse("allegro:claims:claim_create", args=[order.pk]),
        {"line": order.lines.first().pk, "quantity": 1},
    )
    claim = RefundClaim.objects.get()
    page = operator_client.get(reverse("sales:order_detail", args=[sales_order.pk]))
    assert "Anuluj wniosek" in page.content.decode()

    operator_client.post(reverse("allegro:claims:claim_cancel", args=[claim.pk]))

    claim.refresh_from_db()
    assert claim.state == RefundClaim.State.WITHDRAWN


def test_the_list_under_the_allegro_menu(operator_client):
    order = make_allegro_order()
    operator_client.post(
        reverse("allegro:claims:claim_create", args=[order.pk]),
        {"line": order.lines.first().pk, "quantity": 1},
    )

    page = operator_client.get(reverse("allegro:claims:claim_list")).content.decode()
    assert "Allegro ▸ Zwroty prowizji" in page
    assert order.lines.first().offer_name in page
    filtered = operator_client.get(reverse("allegro:claims:claim_list") + "?status=GRANTED")
    assert order.lines.first().offer_name not in filtered.content.decode()
