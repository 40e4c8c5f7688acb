"""Claims filed by real `rqworker` processes through 5xx and 429 storms and a killed worker:
each recorded claim reaches Allegro exactly once."""

from collections import Counter

import django_rq
import pytest

from allegro.accounts.clients import client_for_account
from allegro.api.claims import refund_claims
from allegro.claims.models import RefundClaim
from allegro.claims.services import refund_claim_record, refund_claims_follow
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from tests.allegro.writeback.test_faults import start_workers  # noqa: F401 (fixture)
from tests.support.offline import emulator_call
from tests.support.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
ORDERS = 40


@pytest.mark.postgres
def test_claims_are_filed_once_through_storms_and_a_killed_worker(
    allegro_emulator,
    connected_account,
    start_workers,  # noqa: F811
    settings,
):
    settings.ALLEGRO_WRITE_LEASE = 3  # as the workers' (tests.support.workers)
    form_ids = emulator_call(allegro_emulator, "orders", {"status": "BOUGHT", "count": ORDERS})
    account_import_run(
        account_id=connected_account.id, client=client_for_account(connected_account)
    )
    orders = list(AllegroOrder.objects.filter(checkout_form_id__in=form_ids["ids"]))
    emulator_call(
        allegro_emulator,
        "faults",
        [
            {
                "type": "status",
                "status": 503,
                "ratio": 0.2,
                "seed": 1,
                "count": 20,
                "path": "/order/refund-claims",
            },
            {
                "type": "status",
                "status": 429,
                "ratio": 0.05,
                "seed": 2,
                "count": 3,
                "retry_after": 1,
                "path": "/order/refund-claims",
            },
        ],
    )
    workers = start_workers(2)

    for index, order in enumerate(orders):
        if index == ORDERS // 2:
            workers.kill(workers.alive[0])  # and the claim in its hands
            workers.start(1)
        refund_claim_record(
            allegro_order_id=order.pk, line_id=order.lines.first().pk, quantity=1, user=None
        )

    queue = django_rq.get_queue("default")

    def all_filed() -> bool:
        if not RefundClaim.objects.filter(state=RefundClaim.State.PENDING).exists():
            return True
        if queue.count == 0:  # what a killed worker dropped: the periodic job's turn
            refund_claims_follow(client_for=client_for_account)
        return False

    try:
        wait_for(all_filed, timeout=90, interval=0.5, what="every claim to be filed")
    except AssertionError:
        raise AssertionError(workers.logs()) from None

    # Both storms blew themselves out on the claims (a fault is gone once its count is spent).
    assert emulator_call(allegro_emulator, "state", method="get")["faults"] == []
    assert set(RefundClaim.objects.values_list("state", flat=True)) == {"SENT"}
    filed = refund_claims(client_for_account(connected_account), limit=100)
    per_line = Counter(claim.line_item_id for claim in filed)
    assert len(filed) == ORDERS and set(per_line.values()) == {1}, per_line
    assert set(RefundClaim.objects.values_list("claim_id", flat=True)) == {c.id for c in filed}
