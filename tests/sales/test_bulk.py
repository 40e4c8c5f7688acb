"""Bulk work on Sprzedaż ▸ Zamówienia: a status for many orders (each refusal with its reason),
printing and the ERP's action from the same bar, who may do what, and the RQ job for long runs."""

import django_rq
import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from rq import SimpleWorker

from erp.models import ErpSyncRun
from sales import services
from sales.forms import CHANGE_STATUS, PRINT_PICK_LIST
from sales.jobs import bulk_run
from sales.models import SalesBulkRun, SalesBulkRunItem, SalesOrderEvent, SalesOrderStatus
from sales.services import SalesOrderRefused, sales_bulk_run_perform, sales_bulk_status_start
from shop.notices import notice_text
from shop.roles import OPERATOR
from tests.support.clients import OPERATOR_USERNAME
from tests.support.factories import make_sales_order, make_user
from tests.support.html import messages_of, text

S = SalesOrderStatus
Outcome = SalesBulkRunItem.Outcome
BULK = reverse("sales:order_bulk")
ORDER_LIST = reverse("sales:order_list")


def outcomes(run: SalesBulkRun) -> dict[str, tuple[str, str]]:
    return {
        item.order.number: (item.outcome, notice_text(item.message))
        for item in run.items.select_related("order")
    }


# --- the service ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_order_moves_as_far_as_its_workflow_allows():
    ready = make_sales_order(status=S.READY_FOR_SHIPMENT)
    working = make_sales_order(status=S.IN_PROGRESS)
    sent = make_sales_order(status=S.SENT)
    cancelled = make_sales_order(status=S.CANCELLED)
    user = make_user()

    run = sales_bulk_status_start(
        order_ids=[ready.pk, working.pk, sent.pk, cancelled.pk], status=S.SENT, user=user
    )

    assert run.state == SalesBulkRun.State.DONE and run.total == 4
    result = outcomes(run)
    assert result[ready.number] == (Outcome.DONE, "")
    assert result[working.number] == (Outcome.DONE, "")
    assert result[sent.number] == (Outcome.UNCHANGED, "")
    assert result[cancelled.number][0] == Outcome.REFUSED
    assert "Anulowane" in result[cancelled.number][1] and "Wysłane" in result[cancelled.number][1]
    ready.refresh_from_db()
    cancelled.refresh_from_db()
    assert (ready.status, cancelled.status) == (S.SENT, S.CANCELLED)
    # Each change is the workflow's own: an event with who did it, as on the order's page.
    event = SalesOrderEvent.objects.get(order=ready, type=SalesOrderEvent.Type.STATUS_CHANGED)
    assert (event.user, event.from_status, event.to_status) == (user, S.READY_FOR_SHIPMENT, S.SENT)


@pytest.mark.django_db
def test_a_run_carried_out_twice_changes_each_order_once():
    order = make_sales_order(status=S.IN_PROGRESS)
    run = sales_bulk_status_start(order_ids=[order.pk], status=S.SENT, user=None)
    SalesBulkRun.objects.filter(pk=run.pk).update(state=SalesBulkRun.State.RUNNING)

    sales_bulk_run_perform(run_id=run.pk)

    assert SalesOrderEvent.objects.filter(order=order, type="STATUS_CHANGED").count() == 1
    assert outcomes(run)[order.number] == (Outcome.DONE, "")


@pytest.mark.django_db
def test_an_unknown_status_or_no_orders_is_refused_and_nothing_is_stored():
    order = make_sales_order()

    with pytest.raises(SalesOrderRefused):
        sales_bulk_status_start(order_ids=[order.pk], status="SHIPPED", user=None)
    with pytest.raises(SalesOrderRefused):
        sales_bulk_status_start(order_ids=[], status=S.SENT, user=None)

    assert not SalesBulkRun.objects.exists()


@pytest.mark.django_db
def test_a_long_run_is_left_to_the_job(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BULK_INLINE_LIMIT", 2)
    orders = [make_sales_order(status=S.IN_PROGRESS) for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = sales_bulk_status_start(order_ids=[o.pk for o in orders], status=S.SENT, user=None)

    assert run.is_running and len(callbacks) == 1
    assert set(run.items.values_list("outcome", flat=True)) == {Outcome.PENDING}


@pytest.mark.django_db(transaction=True)
def test_the_job_on_real_redis_carries_out_a_long_run(monkeypatch, operator_client):
    """More than BULK_INLINE_LIMIT orders: the request queues a job, a worker does the rest."""
    monkeypatch.setattr(services, "BULK_INLINE_LIMIT", 2)
    queue = django_rq.get_queue("default")
    queue.empty()
    orders = [make_sales_order(status=S.READY_FOR_SHIPMENT) for _ in range(4)]
    held = make_sales_order(status=S.ON_HOLD)

    response = operator_client.post(
        BULK,
        {"action": CHANGE_STATUS, "status": S.SENT, "orders": [o.pk for o in [*orders, held]]},
    )
    run = SalesBulkRun.objects.get()
    assert response.url == reverse("sales:bulk_run_detail", args=[run.pk])
    assert operator_client.get(response.url).context["status"]["running"]
    assert queue.count == 1

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    run.refresh_from_db()
    status = operator_client.get(reverse("sales:bulk_run_status", args=[run.pk])).json()
    assert (status["running"], status["processed"], status["done"], status["refused"]) == (
        False,
        5,
        4,
        1,
    )
    page = text(operator_client.get(response.url))
    assert held.number in page and "Wstrzymane" in page
    assert bulk_run(run.pk) == {"run": run.pk, "total": 5}  # again: nothing left to do
    assert SalesOrderEvent.objects.filter(type="STATUS_CHANGED").count() == 4
    queue.empty()


# --- the views --------------------------------------------------------------------------------


@pytest.fixture
def operator(operator_client) -> User:
    return User.objects.get(username=OPERATOR_USERNAME)


@pytest.mark.django_db
def test_the_list_moves_selected_orders_and_shows_every_outcome(operator_client):
    packed = [make_sales_order(status=S.READY_FOR_SHIPMENT) for _ in range(2)]
    cancelled = make_sales_order(status=S.CANCELLED)

    response = operator_client.post(
        BULK,
        {
            "action": CHANGE_STATUS,
            "status": S.SENT,
            "orders": [o.pk for o in [*packed, cancelled]],
        },
        follow=True,
    )

    page = text(response)
    assert response.status_code == 200
    rows = response.context["page"]
    # Refusals first: they are what the operator must act on.
    assert [item.outcome for item in rows] == [Outcome.REFUSED, Outcome.DONE, Outcome.DONE]
    assert "Odmowa" in page and "Wykonane" in page
    assert "o statusie „Anulowane” nie może przejść na „Wysłane”" in page  # the workflow says
    assert all(number in page for number in (packed[0].number, packed[1].number))


@pytest.mark.django_db
def test_all_matching_the_filter_takes_the_filter_not_the_ticks(operator_client):
    ready = [make_sales_order(status=S.READY_FOR_SHIPMENT, currency="CZK") for _ in range(2)]
    other = make_sales_order(status=S.READY_FOR_SHIPMENT, currency="PLN")

    operator_client.post(
        BULK,
        {
            "action": CHANGE_STATUS,
            "status": S.SENT,
            "scope": "all",
            "filters": "currency=CZK&status=READY_FOR_SHIPMENT",
            "orders": [other.pk],
        },
    )

    run = SalesBulkRun.objects.get()
    assert set(run.items.values_list("order_id", flat=True)) == {o.pk for o in ready}
    other.refresh_from_db()
    assert other.status == S.READY_FOR_SHIPMENT


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"action": CHANGE_STATUS, "status": S.SENT}, "Najpierw zaznacz zamówienia"),
        ({"action": CHANGE_STATUS, "orders": ["ORDER"]}, "Wybierz nowy status"),
        ({"action": CHANGE_STATUS, "status": "SHIPPED", "orders": ["ORDER"]}, "Nowy status"),
        ({"action": CHANGE_STATUS, "status": S.SENT, "orders": ["x1"]}, "Zamówienia"),
        ({"action": CHANGE_STATUS, "status": S.SENT, "orders": ["999999"]}, "Zamówienia"),
        ({"action": "delete_everything", "orders": ["ORDER"]}, "Działanie"),
        (
            {
                "action": CHANGE_STATUS,
                "status": S.SENT,
                "scope": "all",
                "filters": "created_from=x",
            },
            "Filtr listy jest nieprawidłowy",
        ),
        (
            {"action": PRINT_PICK_LIST, "scope": "all", "filters": "currency=EUR"},
            "Żadne zamówienie nie pasuje do filtra",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_a_message_on_the_list_and_nothing_is_done(operator_client, data, error):
    order = make_sales_order(status=S.IN_PROGRESS)
    data = {
        key: [str(order.pk) if v == "ORDER" else v for v in value]
        if isinstance(value, list)
        else value
        for key, value in data.items()
    }

    response = operator_client.post(BULK, {**data, "next": f"{ORDER_LIST}?q=x"})

    assert response.status_code == 302 and response.url == f"{ORDER_LIST}?q=x"
    flashed = " ".join(messages_of(response))
    assert "Nic nie zostało zrobione" in flashed
    assert error in flashed
    assert not SalesBulkRun.objects.exists()
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_next_must_stay_on_this_site(operator_client):
    response = operator_client.post(BULK, {"action": CHANGE_STATUS, "next": "https://evil.test/"})
    assert response.url == ORDER_LIST


@pytest.mark.django_db
def test_a_viewer_may_not_change_status_in_bulk(client: Client):
    order = make_sales_order(status=S.IN_PROGRESS)
    viewer = make_user()
    viewer.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(viewer)

    response = client.post(BULK, {"action": CHANGE_STATUS, "status": S.SENT, "orders": [order.pk]})
    page = client.get(ORDER_LIST).content.decode()

    assert response.status_code == 403
    assert not SalesBulkRun.objects.exists()
    assert 'value="status"' not in page  # the bar offers printing only


@pytest.mark.django_db
def test_someone_without_sales_rights_gets_403_everywhere(client: Client):
    order = make_sales_order()
    run = sales_bulk_status_start(order_ids=[order.pk], status=S.IN_PROGRESS, user=None)
    client.force_login(make_user())

    assert client.post(BULK, {"action": PRINT_PICK_LIST, "orders": [order.pk]}).status_code == 403
    assert client.get(reverse("sales:bulk_run_detail", args=[run.pk])).status_code == 403
    assert client.get(reverse("sales:bulk_run_status", args=[run.pk])).status_code == 403
    assert client.post(reverse("sales:bulk_run_resume", args=[run.pk])).status_code == 403


@pytest.mark.django_db
def test_a_missing_run_is_404(operator_client):
    assert operator_client.get(reverse("sales:bulk_run_detail", args=[999])).status_code == 404
    assert operator_client.get(reverse("sales:bulk_run_status", args=[999])).status_code == 404


@pytest.mark.django_db
def test_a_stalled_run_can_be_queued_again(operator_client, django_capture_on_commit_callbacks):
    order = make_sales_order(status=S.IN_PROGRESS)
    run = SalesBulkRun.objects.create(action="STATUS", target_status=S.SENT, total=1)
    SalesBulkRunItem.objects.create(run=run, order=order)
    url = reverse("sales:bulk_run_resume", args=[run.pk])

    with django_capture_on_commit_callbacks(execute=False) as fresh:
        operator_client.post(url)
    SalesBulkRun.objects.filter(pk=run.pk).update(heartbeat_at=run.started_at.replace(year=2020))
    assert operator_client.get(reverse("sales:bulk_run_detail", args=[run.pk])).context["status"][
        "stalled"
    ]
    with django_capture_on_commit_callbacks(execute=False) as stalled:
        operator_client.post(url)

    assert (len(fresh), len(stalled)) == (0, 1)


# --- the ERP's action, contributed through sales.links ------------------------------------------


@pytest.mark.django_db
def test_operators_have_no_erp_action_and_may_not_post_it(operator_client):
    order = make_sales_order()

    page = operator_client.get(ORDER_LIST).content.decode()
    response = operator_client.post(BULK, {"action": "erp_send", "orders": [order.pk]})

    assert 'value="erp_send"' not in page
    assert response.status_code == 403
    assert not ErpSyncRun.objects.exists()


@pytest.mark.django_db
def test_administrators_send_the_selected_orders_to_the_erp(
    administrator_client, django_capture_on_commit_callbacks
):
    chosen, _other = make_sales_order(), make_sales_order()

    assert 'value="erp_send"' in administrator_client.get(ORDER_LIST).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = administrator_client.post(BULK, {"action": "erp_send", "orders": [chosen.pk]})

    run = ErpSyncRun.objects.get()
    assert run.order_ids == [chosen.pk]
    assert response.url == reverse("erp:sync_detail", args=[run.pk])


@pytest.mark.django_db
def test_an_operator_role_may_do_the_bulk_status_change(client: Client):
    client.force_login(make_user(role=OPERATOR))
    order = make_sales_order(status=S.NEW)

    response = client.post(
        BULK, {"action": CHANGE_STATUS, "status": S.IN_PROGRESS, "orders": [order.pk]}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS
