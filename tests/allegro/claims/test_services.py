"""Commission refund claims against the emulator: recorded, filed once, followed, cancelled."""

import pytest
from djmoney.money import Money
from redis.exceptions import RedisError

from allegro.accounts.clients import client_for_account
from allegro.api.claims import refund_claim_create, refund_claims
from allegro.claims.models import RefundClaim
from allegro.claims.services import (
    RefundClaimRefused,
    refund_claim_cancel_request,
    refund_claim_record,
    refund_claim_send,
    refund_claim_sync,
    refund_claims_due,
    refund_claims_follow,
)
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from tests.support.offline import emulator_call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def import_order(allegro_emulator, connected_account, settings):
    settings.ALLEGRO_RETRY_BASE_DELAY = 0.01

    def imported(status: str) -> AllegroOrder:
        form_id = emulator_call(allegro_emulator, "orders", {"status": status})["ids"][0]
        account_import_run(
            account_id=connected_account.id, client=client_for_account(connected_account)
        )
        return AllegroOrder.objects.get(checkout_form_id=form_id)

    return imported


def record(order: AllegroOrder, quantity: int = 1) -> RefundClaim:
    return refund_claim_record(
        allegro_order_id=order.pk, line_id=order.lines.first().pk, quantity=quantity, user=None
    )


def send(claim: RefundClaim) -> str:
    return refund_claim_send(claim_id=claim.pk, client_for=client_for_account)


def sync(claim: RefundClaim) -> str:
    RefundClaim.objects.filter(pk=claim.pk).update(next_attempt_at=claim.created_at)
    return refund_claim_sync(claim_id=claim.pk, client_for=client_for_account)


def on_allegro(account) -> list:
    return refund_claims(client_for_account(account))


def test_a_claim_for_an_unpaid_purchase_is_filed_once_and_followed_until_granted(
    import_order, allegro_emulator, connected_account
):
    claim = record(import_order("BOUGHT"))

    assert send(claim) == "sent"
    assert send(claim) == "not due"
    claim.refresh_from_db()
    assert claim.state == RefundClaim.State.SENT
    assert claim.allegro_status == "IN_PROGRESS"
    assert [c.id for c in on_allegro(connected_account)] == [claim.claim_id]
    assert sync(claim) == "synced"  # nothing decided yet: followed further
    claim.refresh_from_db()
    assert claim.next_attempt_at is not None

    emulator_call(allegro_emulator, f"refund-claims/{claim.claim_id}/decide", {"status": "GRANTED"})
    assert sync(claim) == "synced"

    claim.refresh_from_db()
    assert claim.allegro_status == "GRANTED"
    assert claim.next_attempt_at is None  # decided: no longer followed
    line = claim.line
    assert claim.commission == Money(
        line.unit_price.amount * claim.quantity / 10, line.unit_price.currency
    )


def test_a_claim_for_a_paid_purchase_not_returned_is_refused_with_allegros_words(import_order):
    claim = record(import_order("READY_FOR_PROCESSING"))

    assert send(claim) == "failed"

    claim.refresh_from_db()
    assert claim.state == RefundClaim.State.FAILED
    assert "nieopłacone lub zwrócone" in claim.last_error
    assert "trace-id" in claim.last_error
    assert not claim.holds_quantity  # the line may be claimed again once it comes back


def test_a_returned_line_of_a_paid_order_can_be_claimed(import_order, allegro_emulator):
    order = import_order("READY_FOR_PROCESSING")
    line = order.lines.first()
    emulator_call(
        allegro_emulator,
        f"orders/{order.checkout_form_id}/line-returned",
        {"lineItemId": line.line_item_id, "quantity": 1},
    )

    assert send(record(order)) == "sent"


def test_a_claim_is_filed_once_when_allegros_answer_was_lost(import_order, connected_account):
    order = import_order("BOUGHT")
    claim = record(order)
    # As if the worker died after Allegro filed it and before the shop noted the id.
    filed = refund_claim_create(
        client_for_account(connected_account),
        line_item_id=order.lines.first().line_item_id,
        quantity=1,
    )

    assert send(claim) == "sent"

    claim.refresh_from_db()
    assert claim.claim_id == filed
    assert len(on_allegro(connected_account)) == 1


def test_a_claim_is_filed_once_through_5xx(import_order, allegro_emulator, connected_account):
    claim = record(import_order("BOUGHT"))
    emulator_call(
        allegro_emulator,
        "faults",
        [{"type": "status", "status": 503, "count": 2, "path": "/order/refund-claims"}],
    )

    assert send(claim) == "retry"
    RefundClaim.objects.filter(pk=claim.pk).update(next_attempt_at=claim.created_at)
    assert send(claim) == "retry"
    claim.refresh_from_db()
    assert "503" in claim.last_error and claim.state == RefundClaim.State.PENDING
    RefundClaim.objects.filter(pk=claim.pk).update(next_attempt_at=claim.created_at)
    assert refund_claims_follow(client_for=client_for_account) == {"sent": 1, "synced": 0}

    assert len(on_allegro(connected_account)) == 1


def test_a_claim_not_sent_yet_is_withdrawn_and_never_sent(import_order, connected_account):
    claim = record(import_order("BOUGHT"))

    claim = refund_claim_cancel_request(claim_id=claim.pk, user=None)

    assert claim.state == RefundClaim.State.WITHDRAWN
    assert send(claim) == "not due"
    assert on_allegro(connected_account) == []


def test_a_filed_claim_is_cancelled_on_allegro_and_a_decided_one_cannot_be(
    import_order, allegro_emulator
):
    order = import_order("BOUGHT")
    first = record(order)
    send(first)

    refund_claim_cancel_request(claim_id=first.pk, user=None)
    assert sync(first) == "synced"
    first.refresh_from_db()
    assert first.allegro_status == "CANCELLED"
    assert first.next_attempt_at is None

    second = record(order)  # the cancelled one holds nothing any more
    send(second)
    second.refresh_from_db()
    emulator_call(
        allegro_emulator, f"refund-claims/{second.claim_id}/decide", {"status": "REJECTED"}
    )
    sync(second)
    with pytest.raises(RefundClaimRefused, match="rozpatrzyło"):
        refund_claim_cancel_request(claim_id=second.pk, user=None)


def test_claims_of_a_line_never_exceed_its_quantity(import_order):
    order = import_order("BOUGHT")
    line = order.lines.first()
    record(order, quantity=line.quantity)

    with pytest.raises(RefundClaimRefused, match="tylko 0 szt"):
        record(order, quantity=1)
    assert RefundClaim.objects.count() == 1


def test_a_claim_recorded_while_redis_is_down_is_kept_for_the_periodic_job(
    import_order, monkeypatch, connected_account
):
    order = import_order("BOUGHT")

    def no_redis(*args, **kwargs):
        raise RedisError("Connection refused")

    monkeypatch.setattr("shop.queueing.django_rq.get_queue", no_redis)
    claim = record(order)  # no error for the operator: the row is committed

    assert refund_claims_due() == [(claim.pk, "PENDING")]
    monkeypatch.undo()
    assert refund_claims_follow(client_for=client_for_account) == {"sent": 1, "synced": 0}
    assert len(on_allegro(connected_account)) == 1
