import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.support.factories import make_sales_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


def test_admin_lists_and_shows_orders_read_only(superuser_client):
    order = make_sales_order(customer_name="Jan Kowalski")

    changelist = superuser_client.get(reverse("admin:sales_salesorder_changelist"))
    change = superuser_client.get(reverse("admin:sales_salesorder_change", args=[order.pk]))

    assert changelist.status_code == 200 and order.number in changelist.content.decode()
    assert change.status_code == 200
    page = change.content.decode()
    assert 'name="status"' not in page  # status moves through the workflow only
    assert "Kubek termiczny 450 ml" in page  # lines inline
    assert "Utworzono" in page  # events inline


def test_admin_cannot_add_or_delete_orders(superuser_client):
    order = make_sales_order()

    assert superuser_client.get(reverse("admin:sales_salesorder_add")).status_code == 403
    delete_url = reverse("admin:sales_salesorder_delete", args=[order.pk])
    assert superuser_client.get(delete_url).status_code == 403
