from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.urls import reverse
from djmoney.money import Money

from sales.links import _source_links, source_link_register
from sales.models import SalesOrderEvent, SalesOrderStatus
from sales.services import LineData, sales_order_attention_flag
from tests.support.clients import OPERATOR_USERNAME
from tests.support.factories import make_product, make_sales_order, make_user
from tests.support.html import text

pytestmark = pytest.mark.django_db
ORDER_LIST = reverse("sales:order_list")
WARSAW = ZoneInfo("Europe/Warsaw")
S = SalesOrderStatus


@pytest.fixture
def operator(operator_client):
    """The user operator_client is signed in as."""
    return User.objects.get(username=OPERATOR_USERNAME)


def detail_url(order) -> str:
    return reverse("sales:order_detail", args=[order.pk])


def listed(client, **params) -> list[str]:
    """Numbers of the orders the list shows for these GET parameters."""
    response = client.get(ORDER_LIST, params)
    assert response.status_code == 200
    return [order.number for order in response.context["page"]]


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ORDER_LIST, "detail"])
def test_anonymous_user_is_sent_to_sign_in(client, url):
    url = detail_url(make_sales_order()) if url == "detail" else url

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [ORDER_LIST, "detail"])
def test_user_without_sales_permissions_gets_403(client, url):
    url = detail_url(make_sales_order()) if url == "detail" else url
    client.force_login(make_user())

    assert client.get(url).status_code == 403


def test_user_who_may_only_view_cannot_change_status(client):
    order = make_sales_order()
    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(viewer)

    assert client.get(detail_url(order)).status_code == 200
    response = client.post(detail_url(order), {"action": "change_status", "status": S.CANCELLED})

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == S.NEW


def test_missing_order_is_404(operator_client):
    assert operator_client.get(reverse("sales:order_detail", args=[999999])).status_code == 404


# --- list -------------------------------------------------------------------------------


def test_operator_sees_orders_with_polish_labels(operator_client):
    order = make_sales_order(customer_name="Anna Nowak", status=S.READY_FOR_SHIPMENT)

    response = operator_client.get(ORDER_LIST)

    page = text(response)
    assert order.number in page
    assert "Anna Nowak" in page
    assert "Gotowe do wysyłki" in page
    assert "Sprzedaż ▸ Zamówienia" in page
    assert "allegro.pl" in page


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (S.NEW, "Nowe"),
        (S.IN_PROGRESS, "W realizacji"),
        (S.READY_FOR_SHIPMENT, "Gotowe do wysyłki"),
        (S.READY_FOR_PICKUP, "Gotowe do odbioru"),
        (S.SENT, "Wysłane"),
        (S.PICKED_UP, "Odebrane"),
        (S.ON_HOLD, "Wstrzymane"),
        (S.CANCELLED, "Anulowane"),
    ],
)
def test_status_labels_are_polish(operator_client, status, label):
    make_sales_order(status=status)

    assert f">{label}</span>" in text(operator_client.get(ORDER_LIST))


def test_czech_order_total_is_shown_in_crowns(operator_client):
    line = LineData(product=make_product(), quantity=2, unit_price=Money("659.00", "CZK"))
    make_sales_order(
        currency="CZK",
        marketplace="allegro-cz",
        lines=[line],
        delivery_cost=Money("60.00", "CZK"),
    )

    page = text(operator_client.get(ORDER_LIST))

    assert "1 378,00 CZK" in page
    assert "allegro.cz" in page


def test_newest_orders_come_first(operator_client):
    older = make_sales_order(created_at=datetime(2025, 3, 1, 10, tzinfo=WARSAW))
    newer = make_sales_order(created_at=datetime(2025, 3, 2, 10, tzinfo=WARSAW))

    assert listed(operator_client) == [newer.number, older.number]


def test_attention_flag_shows_its_reason(operator_client):
    order = make_sales_order()
    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował po akceptacji")

    page = text(operator_client.get(ORDER_LIST))

    assert 'title="Kupujący anulował po akceptacji"' in page


def test_status_filter(operator_client):
    sent = make_sales_order(status=S.SENT)
    make_sales_order()

    assert listed(operator_client, status=S.SENT) == [sent.number]


def test_channel_and_marketplace_filter(operator_client):
    czech = make_sales_order(marketplace="allegro-cz", currency="CZK")
    polish = make_sales_order(marketplace="allegro-pl")
    own = make_sales_order(channel="sklep", marketplace="")

    assert listed(operator_client, source="allegro:allegro-cz") == [czech.number]
    assert set(listed(operator_client, source="allegro")) == {czech.number, polish.number}
    assert listed(operator_client, source="sklep") == [own.number]


def test_currency_filter(operator_client):
    czech = make_sales_order(currency="CZK")
    make_sales_order()

    assert listed(operator_client, currency="CZK") == [czech.number]


def test_date_range_filter_uses_warsaw_days(operator_client):
    # 23:30 in Warsaw on 1 March is 22:30 UTC: still 1 March for staff.
    late_evening = make_sales_order(created_at=datetime(2025, 3, 1, 23, 30, tzinfo=WARSAW))
    next_morning = make_sales_order(created_at=datetime(2025, 3, 2, 0, 30, tzinfo=WARSAW))
    make_sales_order(created_at=datetime(2025, 2, 28, 12, tzinfo=WARSAW))

    assert listed(operator_client, created_from="2025-03-01", created_to="2025-03-01") == [
        late_evening.number
    ]
    assert listed(operator_client, created_from="2025-03-02") == [next_morning.number]
    assert len(listed(operator_client, created_to="2025-03-01")) == 2


def test_needs_attention_filter(operator_client):
    flagged = make_sales_order()
    sales_order_attention_flag(order_id=flagged.pk, reason="Sprawdź adres")
    make_sales_order()

    assert listed(operator_client, needs_attention="on") == [flagged.number]


@pytest.mark.parametrize(
    ("field", "value", "query"),
    [
        ("customer_name", "Zofia Wiśniewska", "wiśniew"),
        ("customer_company", "Hurtownia Pod Lipą sp. z o.o.", "pod lipą"),
        ("customer_login", "zosia_w", "ZOSIA"),
        ("customer_email", "zofia@example.cz", "example.cz"),
        ("channel_reference", "29a7e4d0-1b8f-11ee-9c63-d5d1c3a2b111", "29a7e4d0"),
    ],
)
def test_search_finds_by_customer_and_reference(operator_client, field, value, query):
    wanted = make_sales_order(**{field: value})
    make_sales_order()

    assert listed(operator_client, q=query) == [wanted.number]


def test_search_finds_by_number(operator_client):
    orders = [make_sales_order() for _ in range(3)]

    assert listed(operator_client, q=orders[1].number) == [orders[1].number]


def test_mistyped_date_narrows_nothing_and_says_so(operator_client):
    make_sales_order()

    response = operator_client.get(ORDER_LIST, {"created_from": "2025-13-45"})

    assert response.status_code == 200
    assert len(response.context["page"]) == 1
    assert response.context["form"].errors


def test_pages_keep_the_filters(operator_client):
    for _ in range(51):
        make_sales_order(status=S.IN_PROGRESS)
    make_sales_order()

    response = operator_client.get(ORDER_LIST, {"status": S.IN_PROGRESS})
    second = operator_client.get(ORDER_LIST, {"status": S.IN_PROGRESS, "page": 2})

    assert len(response.context["page"]) == 50
    assert "?status=IN_PROGRESS&amp;page=2" in text(response)
    assert len(second.context["page"]) == 1


@pytest.mark.parametrize("count", [5, 60])
def test_list_query_count_does_not_grow_with_orders(
    operator_client, django_assert_max_num_queries, count
):
    product = make_product()
    for index in range(count):
        order = make_sales_order(
            lines=[LineData(product=product, quantity=1, unit_price=Money("1.00", "PLN"))]
        )
        if index % 3 == 0:
            sales_order_attention_flag(order_id=order.pk, reason="Sprawdź")

    # Session, user, two for permissions, role, sources, count, page, the counts per status
    # (one grouped query), the menu's unread messages: 10 whatever the rows.
    with django_assert_max_num_queries(10):
        response = operator_client.get(ORDER_LIST, {"page": 2 if count > 50 else 1})
    assert response.status_code == 200


# --- detail -----------------------------------------------------------------------------


def full_order(**overrides):
    fields = {
        "currency": "CZK",
        "marketplace": "allegro-cz",
        "customer_name": "Petr Novák",
        "customer_company": "Novák s.r.o.",
        "customer_tax_ids": [
            {"type": "CZ_ICO", "label": "IČO", "value": "27654321"},
            {"type": "CZ_DIC", "label": "DIČ", "value": "CZ27654321"},
        ],
        "customer_phone": "+420 601 234 567",
        "customer_login": "petr_novak",
        "invoice_requested": True,
        "delivery_method": "Allegro One Box, Balíkovna",
        "pickup_point_id": "CZ-BALIKOVNA-10003",
        "pickup_point_name": "Balíkovna Praha 3",
        "pickup_point_address": "Seifertova 12, 130 00 Praha 3",
        "pickup_point_description": "Vstup z ulice, 2. patro",
        "buyer_message": "Prosím zabalit jako dárek",
        "lines": [
            LineData(
                product=make_product(sku="KUB-450", name="Kubek termiczny 450 ml"),
                quantity=2,
                unit_price=Money("659.00", "CZK"),
            )
        ],
        "delivery_cost": Money("60.00", "CZK"),
    }
    fields.update(overrides)
    return make_sales_order(**fields)


def test_detail_shows_customer_lines_and_totals(operator_client):
    order = full_order()

    page = text(operator_client.get(detail_url(order)))

    assert order.number in page
    assert "Novák s.r.o." in page and "petr_novak" in page and "+420 601 234 567" in page
    assert "IČO" in page and "27654321" in page and "DIČ" in page
    assert "KUB-450" in page and "Kubek termiczny 450 ml" in page
    assert "1 318,00 CZK" in page  # line total
    assert "1 378,00 CZK" in page  # order total
    assert "23%" in page
    assert "Prosím zabalit jako dárek" in page


def test_detail_shows_the_pickup_point_prominently(operator_client):
    order = full_order()

    page = text(operator_client.get(detail_url(order)))

    assert "panel prominent pickup-point" in page
    for value in (
        "Balíkovna Praha 3",
        "CZ-BALIKOVNA-10003",
        "Seifertova 12, 130 00 Praha 3",
        "Vstup z ulice, 2. patro",
    ):
        assert value in page


def test_detail_links_back_to_the_source_the_channel_registered(operator_client):
    order = make_sales_order(channel="testchannel", channel_reference="REF-1")
    source_link_register("testchannel", lambda o: ("Zamówienie testowe", f"/test/{o.pk}/"))
    try:
        page = text(operator_client.get(detail_url(order)))
    finally:
        del _source_links["testchannel"]

    assert f'href="/test/{order.pk}/"' in page
    assert "Zamówienie testowe" in page


def test_detail_offers_only_the_allowed_next_statuses(operator_client):
    order = make_sales_order(status=S.SENT)

    response = operator_client.get(detail_url(order))

    assert response.context["next_statuses"] == [S.PICKED_UP]
    assert 'value="PICKED_UP"' in text(response)
    assert 'value="NEW"' not in text(response)


def test_status_change_by_post_changes_status_and_history(operator_client, operator):
    order = make_sales_order()

    response = operator_client.post(
        detail_url(order),
        {"action": "change_status", "status": S.IN_PROGRESS, "from_status": S.NEW},
        follow=True,
    )

    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS
    event = order.events.get(type=SalesOrderEvent.Type.STATUS_CHANGED)
    assert event.user == operator
    page = text(response)
    assert f"Zamówienie {order.number} ma teraz status „W realizacji”." in page
    assert "Zmiana statusu" in page  # the history row
    assert response.redirect_chain == [(detail_url(order), 302)]


def test_forbidden_status_change_shows_a_message_not_an_error(operator_client):
    order = make_sales_order(status=S.SENT)

    response = operator_client.post(
        detail_url(order), {"action": "change_status", "status": S.NEW, "from_status": S.SENT}
    )

    assert response.status_code == 302
    [message] = flashed(response)
    assert message == "Zamówienie o statusie „Wysłane” nie może przejść na „Nowe”."
    order.refresh_from_db()
    assert order.status == S.SENT


def test_stale_form_says_the_order_changed_meanwhile(operator_client):
    order = make_sales_order(status=S.CANCELLED)

    # The page was rendered while the order was still new; someone cancelled it since.
    response = operator_client.post(
        detail_url(order),
        {"action": "change_status", "status": S.IN_PROGRESS, "from_status": S.NEW},
    )

    [message] = flashed(response)
    assert message.startswith("W międzyczasie zamówienie zmieniło status na „Anulowane”")
    assert "„W realizacji”" in message
    order.refresh_from_db()
    assert order.status == S.CANCELLED


def test_posting_the_current_status_changes_nothing(operator_client):
    order = make_sales_order(status=S.IN_PROGRESS)

    response = operator_client.post(
        detail_url(order),
        {"action": "change_status", "status": S.IN_PROGRESS, "from_status": S.NEW},
    )

    assert len(flashed(response)) == 1
    assert not order.events.filter(type=SalesOrderEvent.Type.STATUS_CHANGED).exists()


def test_unknown_status_is_refused_with_a_message(operator_client):
    order = make_sales_order()

    response = operator_client.post(
        detail_url(order), {"action": "change_status", "status": "SHIPPED_BY_DRONE"}
    )

    assert response.status_code == 302
    assert len(flashed(response)) == 1
    order.refresh_from_db()
    assert order.status == S.NEW


def test_unknown_action_is_refused(operator_client):
    order = make_sales_order()

    response = operator_client.post(detail_url(order), {"action": "delete"})

    assert response.status_code == 302
    assert len(flashed(response)) == 1


def test_attention_banner_offers_the_decisions_and_going_on_lifts_the_hold(
    operator_client, operator
):
    order = make_sales_order()
    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował po akceptacji")

    page = text(operator_client.get(detail_url(order)))
    assert "Kupujący anulował po akceptacji" in page
    assert "Checked" not in page and "Sprawdzone" not in page
    assert "Mimo to kontynuuj" in page and "Anuluj zamówienie" in page

    response = operator_client.post(
        detail_url(order), {"action": "resolve_attention", "resolution": "GO_ON"}
    )

    assert len(flashed(response)) == 1
    order.refresh_from_db()
    assert (order.needs_attention, order.status) == (False, S.NEW)
    cleared = order.events.get(type=SalesOrderEvent.Type.ATTENTION_CLEARED)
    assert cleared.user == operator
    assert "Mimo to kontynuuj" in text(operator_client.get(detail_url(order)))  # in the history


def test_cancelling_from_the_banner_cancels_the_order(operator_client, operator):
    order = make_sales_order()
    sales_order_attention_flag(order_id=order.pk, reason="Kupujący anulował po akceptacji")

    operator_client.post(detail_url(order), {"action": "resolve_attention", "resolution": "CANCEL"})

    order.refresh_from_db()
    assert (order.needs_attention, order.status) == (False, S.CANCELLED)
    cancelled = order.events.get(type=SalesOrderEvent.Type.STATUS_CHANGED)
    assert (cancelled.user, cancelled.to_status) == (operator, S.CANCELLED)


def test_an_unknown_decision_changes_nothing(operator_client):
    order = make_sales_order()
    sales_order_attention_flag(order_id=order.pk, reason="Sprawdź")

    response = operator_client.post(
        detail_url(order), {"action": "resolve_attention", "resolution": "IGNORE"}
    )

    assert len(flashed(response)) == 1
    order.refresh_from_db()
    assert order.needs_attention


def test_cancel_is_not_offered_where_the_order_cannot_be_cancelled(operator_client):
    order = make_sales_order(status=S.SENT)
    sales_order_attention_flag(order_id=order.pk, reason="Sprawdź")

    page = text(operator_client.get(detail_url(order)))

    assert "Mimo to kontynuuj" in page and "Anuluj zamówienie" not in page


def test_user_who_may_only_view_cannot_resolve_attention(client):
    order = make_sales_order()
    sales_order_attention_flag(order_id=order.pk, reason="Sprawdź")
    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(viewer)

    assert "Mimo to kontynuuj" not in text(client.get(detail_url(order)))
    response = client.post(
        detail_url(order), {"action": "resolve_attention", "resolution": "GO_ON"}
    )

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.needs_attention


def test_history_lists_every_event_with_who_and_statuses(operator_client, operator):
    order = make_sales_order()
    operator_client.post(
        detail_url(order), {"action": "change_status", "status": S.ON_HOLD, "from_status": S.NEW}
    )

    response = operator_client.get(detail_url(order))

    events = list(response.context["events"])
    assert [event.type for event in events] == ["CREATED", "STATUS_CHANGED"]
    page = text(response)
    assert "operator" in page
    assert "Wstrzymane" in page
