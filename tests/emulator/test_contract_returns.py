"""Customer returns and payment refunds: every emulator answer validates against Allegro's
after-sales-api.yaml, refunds are idempotent by commandId and checked against what was paid."""

from __future__ import annotations

import json
from typing import Any

from emulator.returns import BETA_MEDIA_TYPE
from tests.emulator import test_contract as contract
from tests.emulator.conftest import MEDIA_TYPE, Emulator, ready_order
from tests.emulator.test_contract import SHARED

SPEC_PATH = SHARED / "after-sales-api.yaml"


def validate(response: Any) -> None:
    """Against after-sales-api.yaml."""
    contract.validate(response, SPEC_PATH)


def sent_order(em: Emulator) -> dict[str, Any]:
    order = ready_order(em)
    path = f"/order/checkout-forms/{order['id']}/fulfillment"
    response = em.put(f"{path}?checkoutForm.revision={order['revision']}", {"status": "SENT"})
    assert response.status_code == 204
    return order


def call(em: Emulator, method: str, path: str, body: Any = None, media: str = MEDIA_TYPE) -> Any:
    headers = em.headers(Accept=media)
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
        headers["Content-Type"] = media
    return em.client.open(path, method=method, **kwargs)


def refund_body(order: dict[str, Any], command_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "payment": {"id": order["payment"]["id"]},
        "order": {"id": order["id"]},
        "commandId": command_id,
        "reason": "REFUND",
        **extra,
    }


def test_every_return_and_refund_answer_matches_the_spec(emulator: Emulator) -> None:
    em = emulator
    order = sent_order(em)
    line = order["lineItems"][0]
    currency = order["summary"]["totalToPay"]["currency"]
    opened = em.control(
        "POST", f"/orders/{order['id']}/return", {"items": [{"lineItemId": line["id"]}]}
    ).get_json()
    second = sent_order(em)
    other = em.control("POST", f"/orders/{second['id']}/return", {}).get_json()
    returns = "/order/customer-returns"
    unknown = "00000000-0000-4000-8000-000000000000"
    one_line = [{"id": line["id"], "type": "QUANTITY", "quantity": 1}]

    beta_calls: list[tuple[str, str, Any, int]] = [
        ("GET", returns, None, 200),
        ("GET", f"{returns}?orderId={order['id']}&status=DISPATCHED&limit=5", None, 200),
        ("GET", f"{returns}?parcels.waybill={opened['parcels'][0]['waybill']}", None, 200),
        ("GET", f"{returns}?from={opened['id']}", None, 200),
        ("GET", f"{returns}?limit=0", None, 400),
        ("GET", f"{returns}/{opened['id']}", None, 200),
        ("GET", f"{returns}/{unknown}", None, 404),
        ("POST", f"{returns}/{other['id']}/rejection", {"rejection": {"code": "NOPE"}}, 400),
        (
            "POST",
            f"{returns}/{other['id']}/rejection",
            {"rejection": {"code": "REFUND_REJECTED"}},
            400,
        ),
        (
            "POST",
            f"{returns}/{other['id']}/rejection",
            {"rejection": {"code": "BUSINESS_PURCHASE", "reason": "Zakup firmowy"}},
            200,
        ),
        ("POST", f"{returns}/{other['id']}/rejection", {"rejection": {"code": "ITEM_FIXED"}}, 422),
    ]
    for method, path, body, expected in beta_calls:
        response = call(em, method, path, body, BETA_MEDIA_TYPE)
        assert response.status_code == expected, (path, response.get_data(as_text=True))
        assert response.mimetype == BETA_MEDIA_TYPE
        validate(response)

    listed = call(em, "GET", f"{returns}?orderId={order['id']}", media=BETA_MEDIA_TYPE).get_json()
    assert [r["id"] for r in listed["customerReturns"]] == [opened["id"]]
    assert call(em, "GET", returns).status_code == 406  # the public type is not the beta one

    refunds = "/payments/refunds"
    v1_calls: list[tuple[str, str, Any, int]] = [
        ("POST", refunds, refund_body(order, "cmd-1", lineItems=one_line), 200),
        ("POST", refunds, refund_body(order, "cmd-1", lineItems=one_line), 200),
        ("POST", refunds, refund_body(order, "cmd-1", reason="COMPLAINT", lineItems=one_line), 422),
        ("POST", refunds, {"commandId": "x"}, 400),
        ("POST", refunds, refund_body(order, "cmd-2", reason="WHY"), 400),
        (
            "POST",
            refunds,
            refund_body(
                order,
                "cmd-3",
                delivery={"value": {"amount": "99999.00", "currency": currency}},
            ),
            422,
        ),
        (
            "POST",
            refunds,
            refund_body({**order, "payment": {"id": unknown}}, "cmd-4", lineItems=one_line),
            404,
        ),
        ("GET", refunds, None, 200),
        ("GET", f"{refunds}?order.id={order['id']}&status=SUCCESS&limit=10", None, 200),
        ("GET", f"{refunds}?limit=500", None, 422),
    ]
    for method, path, body, expected in v1_calls:
        response = call(em, method, path, body)
        assert response.status_code == expected, (path, body, response.get_data(as_text=True))
        validate(response)

    made = call(em, "GET", f"{refunds}?order.id={order['id']}").get_json()["refunds"]
    assert len(made) == 1 and made[0]["status"] == "SUCCESS"
    finished = call(em, "GET", f"{returns}/{opened['id']}", media=BETA_MEDIA_TYPE).get_json()
    assert finished["status"] == "FINISHED"


def test_refunds_never_exceed_what_was_paid_nor_refund_a_line_twice(emulator: Emulator) -> None:
    em = emulator
    order = sent_order(em)
    line = order["lineItems"][0]
    all_of_it = [{"id": line["id"], "type": "QUANTITY", "quantity": line["quantity"]}]
    first = call(em, "POST", "/payments/refunds", refund_body(order, "a", lineItems=all_of_it))
    assert first.status_code == 200
    again = call(em, "POST", "/payments/refunds", refund_body(order, "b", lineItems=all_of_it))
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["code"] == "REFUND_AMOUNT_EXCEEDED"
    wrong_currency = refund_body(
        order, "c", delivery={"value": {"amount": "1.00", "currency": "EUR"}}
    )
    assert call(em, "POST", "/payments/refunds", wrong_currency).status_code == 422


def test_a_cancelled_refund_frees_its_amount_and_manual_outcome_waits(emulator: Emulator) -> None:
    em = emulator
    order = sent_order(em)
    line = order["lineItems"][0]
    one = [{"id": line["id"], "type": "QUANTITY", "quantity": line["quantity"]}]
    em.control("POST", "/refunds", {"outcome": "MANUAL"})
    refund = call(em, "POST", "/payments/refunds", refund_body(order, "m", lineItems=one))
    refund_id = refund.get_json()["id"]
    listed = call(em, "GET", f"/payments/refunds?id={refund_id}").get_json()["refunds"]
    assert listed[0]["status"] == "NEW"
    em.control("POST", f"/refunds/{refund_id}/complete", {"status": "CANCELED"})
    listed = call(em, "GET", f"/payments/refunds?id={refund_id}").get_json()["refunds"]
    assert listed[0]["status"] == "CANCELED"
    retry = call(em, "POST", "/payments/refunds", refund_body(order, "m2", lineItems=one))
    assert retry.status_code == 200


def test_only_a_sent_order_can_be_returned(emulator: Emulator) -> None:
    order = ready_order(emulator)
    response = emulator.control("POST", f"/orders/{order['id']}/return", {})
    assert response.status_code == 409
