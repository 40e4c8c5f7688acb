"""Refund claims and carrier tracking in the emulator: Allegro's rules, and every answer
validates against after-sales-api.yaml."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder

from tests.emulator.conftest import MEDIA_TYPE, Emulator, ready_order
from tests.emulator.test_contract import SHARED

AFTER_SALES = SHARED / "after-sales-api.yaml"


@cache
def after_sales() -> OpenAPI:
    spec = yaml.safe_load(AFTER_SALES.read_text())
    spec["servers"] = [{"url": "http://localhost"}]
    config = Config(extra_media_type_deserializers={MEDIA_TYPE: json.loads})
    return OpenAPI.from_dict(copy.deepcopy(spec), config=config)


def validate(response: Any) -> None:
    sent = response.request
    request = EnvironBuilder(
        path=sent.path,
        query_string=sent.query_string.decode(),
        method=sent.method,
        base_url="http://localhost",
        headers={"Accept": MEDIA_TYPE},
    ).get_request()
    after_sales().validate_response(
        WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
    )


def call(em: Emulator, method: str, path: str, body: Any = None) -> Any:
    headers = em.headers()
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
        headers["Content-Type"] = MEDIA_TYPE
    response = em.client.open(path, method=method, **kwargs)
    assert response.headers["trace-id"]
    if response.status_code >= 400:
        assert response.get_json()["errors"][0]["code"]
    validate(response)
    return response


def unpaid_order(em: Emulator) -> dict[str, Any]:
    ids = em.control("POST", "/orders", {"status": "BOUGHT"}).get_json()["ids"]
    return em.state(ids[0])["checkoutForm"]


def claim(em: Emulator, line_id: str, quantity: int) -> Any:
    return call(
        em, "POST", "/order/refund-claims", {"lineItem": {"id": line_id}, "quantity": quantity}
    )


def test_a_claim_for_an_unpaid_purchase_is_created_listed_read_and_cancelled(
    emulator: Emulator,
) -> None:
    order = unpaid_order(emulator)
    line = order["lineItems"][0]

    created = claim(emulator, line["id"], 1)
    assert created.status_code == 201
    claim_id = created.get_json()["id"]
    one = call(emulator, "GET", f"/order/refund-claims/{claim_id}").get_json()
    assert one["status"] == "IN_PROGRESS"
    assert one["lineItem"]["id"] == line["id"] and one["quantity"] == 1
    assert one["commission"]["currency"] == line["price"]["currency"]
    listed = call(emulator, "GET", f"/order/refund-claims?lineItem.offer.id={line['offer']['id']}")
    assert [c["id"] for c in listed.get_json()["refundClaims"]] == [claim_id]
    assert call(emulator, "GET", "/order/refund-claims?status=GRANTED").get_json()["count"] == 0

    assert call(emulator, "DELETE", f"/order/refund-claims/{claim_id}").status_code == 204
    assert call(emulator, "GET", f"/order/refund-claims/{claim_id}").get_json()["status"] == (
        "CANCELLED"
    )
    # Cancelled: the quantity is free again, and a second cancel is "already processed".
    assert call(emulator, "DELETE", f"/order/refund-claims/{claim_id}").status_code == 422
    assert claim(emulator, line["id"], line["quantity"]).status_code == 201


def test_a_paid_purchase_is_claimable_only_for_what_came_back(emulator: Emulator) -> None:
    order = ready_order(emulator)
    line = order["lineItems"][0]

    refused = claim(emulator, line["id"], 1)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["code"] == "REFUND_CLAIM_NOT_ALLOWED"

    emulator.control(
        "POST", f"/orders/{order['id']}/line-returned", {"lineItemId": line["id"], "quantity": 1}
    )
    assert claim(emulator, line["id"], 1).status_code == 201
    again = claim(emulator, line["id"], 1)
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["code"] == "REFUND_CLAIM_QUANTITY_EXCEEDED"


def test_allegro_decides_and_a_decided_claim_cannot_be_cancelled(emulator: Emulator) -> None:
    line = unpaid_order(emulator)["lineItems"][0]
    claim_id = claim(emulator, line["id"], 1).get_json()["id"]

    emulator.control("POST", f"/refund-claims/{claim_id}/decide", {"status": "REJECTED"})

    assert call(emulator, "GET", f"/order/refund-claims/{claim_id}").get_json()["status"] == (
        "REJECTED"
    )
    assert call(emulator, "DELETE", f"/order/refund-claims/{claim_id}").status_code == 422


@pytest.mark.parametrize(
    "body",
    [{}, {"lineItem": {"id": "x"}}, {"lineItem": {"id": "x"}, "quantity": 0}, [1]],
)
def test_a_malformed_claim_is_a_400(emulator: Emulator, body: Any) -> None:
    assert call(emulator, "POST", "/order/refund-claims", body).status_code == 400


def test_unknown_and_foreign_claims(emulator: Emulator) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert call(emulator, "GET", f"/order/refund-claims/{unknown}").status_code == 404
    assert call(emulator, "DELETE", f"/order/refund-claims/{unknown}").status_code == 404
    assert claim(emulator, unknown, 1).status_code == 422
    assert call(emulator, "GET", "/order/refund-claims?limit=0").status_code == 400
    line = unpaid_order(emulator)["lineItems"][0]
    claim_id = claim(emulator, line["id"], 1).get_json()["id"]

    emulator.control("POST", "/sellers", {"login": "druhy", "orders": 0})
    emulator.connect(seller="druhy")

    assert call(emulator, "GET", f"/order/refund-claims/{claim_id}").status_code == 403
    assert claim(emulator, line["id"], 1).status_code == 403
    assert call(emulator, "GET", "/order/refund-claims").get_json()["count"] == 0


def test_a_parcel_history_advances_as_the_carrier_reports(emulator: Emulator) -> None:
    order = ready_order(emulator)
    shipments = f"/order/checkout-forms/{order['id']}/shipments"
    emulator.post(shipments, {"carrierId": "DPD", "waybill": "DPD0001"})
    tracking = "/order/carriers/DPD/tracking?waybill=DPD0001&waybill=NOPE"

    first = call(emulator, "GET", tracking).get_json()
    assert first["carrierId"] == "DPD"
    parcel, unknown = first["waybills"]
    assert [s["code"] for s in parcel["trackingDetails"]["statuses"]] == ["PENDING"]
    assert unknown == {"waybill": "NOPE"}

    for status in ("in_transit", "out_for_delivery", "delivered"):
        emulator.clock.advance(3600)
        emulator.control("POST", "/parcels/advance", {"waybill": "DPD0001", "status": status})

    details = call(emulator, "GET", tracking).get_json()["waybills"][0]["trackingDetails"]
    assert [s["code"] for s in details["statuses"]] == [
        "PENDING",
        "IN_TRANSIT",
        "RELEASED_FOR_DELIVERY",
        "DELIVERED",
    ]
    assert details["updatedAt"] == details["statuses"][-1]["occurredAt"]


def test_tracking_refuses_what_the_spec_refuses(emulator: Emulator) -> None:
    assert call(emulator, "GET", "/order/carriers/NOPE/tracking?waybill=1").status_code == 400
    assert call(emulator, "GET", "/order/carriers/DPD/tracking").status_code == 400
    many = "&".join(f"waybill={n}" for n in range(21))
    assert call(emulator, "GET", f"/order/carriers/DPD/tracking?{many}").status_code == 400
    response = emulator.control(
        "POST", "/parcels/advance", {"waybill": "NONE", "status": "DELIVERED"}
    )
    assert response.status_code == 404
    order = ready_order(emulator)
    emulator.post(
        f"/order/checkout-forms/{order['id']}/shipments", {"carrierId": "DPD", "waybill": "W1"}
    )
    response = emulator.control("POST", "/parcels/advance", {"waybill": "W1", "status": "LOST"})
    assert response.status_code == 400


def test_another_sellers_waybill_is_unknown(emulator: Emulator) -> None:
    order = ready_order(emulator)
    emulator.post(
        f"/order/checkout-forms/{order['id']}/shipments", {"carrierId": "DPD", "waybill": "MINE"}
    )
    emulator.control("POST", "/sellers", {"login": "cizi", "orders": 0})
    emulator.connect(seller="cizi")

    body = call(emulator, "GET", "/order/carriers/DPD/tracking?waybill=MINE").get_json()
    assert body["waybills"] == [{"waybill": "MINE"}]


def test_billing_document_links_up_to_ten_each_once(emulator: Emulator) -> None:
    order = ready_order(emulator)
    links = f"/order/{order['id']}/billing-documents/links"

    assert call(
        emulator, "POST", links, {"url": "https://sklep.example/paragon/1"}
    ).status_code == (201)
    assert call(
        emulator, "POST", links, {"url": "https://sklep.example/paragon/1"}
    ).status_code == (409)
    assert call(emulator, "POST", links, {"url": "not a url"}).status_code == 422
    for n in range(2, 11):
        call(emulator, "POST", links, {"url": f"https://sklep.example/paragon/{n}"})
    assert call(emulator, "POST", links, {"url": "https://sklep.example/11"}).status_code == 422
    unknown = "/order/00000000-0000-4000-8000-000000000000/billing-documents/links"
    assert call(emulator, "POST", unknown, {"url": "https://sklep.example/x"}).status_code == 404
    stored = emulator.control("GET", f"/orders/{order['id']}/billing-links").get_json()["links"]
    assert len(stored) == 10


def test_faults_hit_the_after_sale_paths_as_they_hit_orders(emulator: Emulator) -> None:
    emulator.control(
        "POST",
        "/faults",
        [
            {"type": "status", "status": 503, "count": 1, "path": "/order/refund-claims"},
            {"type": "status", "status": 429, "count": 1, "path": "/order/carriers/DPD/tracking"},
        ],
    )

    unavailable = emulator.get("/order/refund-claims")
    assert unavailable.status_code == 503 and unavailable.mimetype == "text/html"
    limited = emulator.get("/order/carriers/DPD/tracking?waybill=X")
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert emulator.get("/order/refund-claims").status_code == 200


def test_the_cli_moves_parcels_and_answers_claims_through_the_control_endpoints(tmp_path) -> None:
    """`python -m emulator parcel|claim-decide|line-returned` reach the control endpoints the
    README's steps use; an unknown parcel or claim is said as the emulator's error, not a
    traceback."""
    import subprocess
    import sys

    from emulator.testing import running_emulator

    root = Path(__file__).resolve().parents[2]
    with running_emulator(tmp_path / "served.sqlite3") as url:

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "emulator", *args, "--url", url],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=30,
            )

        unknown_parcel = cli("parcel", "NO-SUCH-WAYBILL", "delivered")
        unknown_claim = cli("claim-decide", "no-such-claim", "GRANTED")
    assert unknown_parcel.returncode == 1
    assert json.loads(unknown_parcel.stdout) == {"error": "no parcel was sent with that waybill"}
    assert unknown_claim.returncode == 1 and "error" in json.loads(unknown_claim.stdout)
