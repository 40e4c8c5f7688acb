"""Every emulator answer validates against Allegro's orders-api.yaml (where it defines one)."""

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
from openapi_core.validation.response.exceptions import InvalidData
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from tests.emulator.conftest import MEDIA_TYPE, Emulator, ready_order

SHARED = Path(__file__).resolve().parents[3] / "shared" / "allegro"
SPEC_PATH = SHARED / "orders-api.yaml"
# Allegro's beta resources (customer returns) answer in a media type of their own.
BETA_MEDIA_TYPE = "application/vnd.allegro.beta.v1+json"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@cache
def spec_dict(path: Path = SPEC_PATH) -> dict[str, Any]:
    """One of the shared specs (the orders' by default), served by the test client's host."""
    spec = yaml.safe_load(path.read_text())
    # The test client calls http://localhost/..., not api.allegro.pl: add it as a server.
    spec["servers"] = [{"url": "http://localhost"}]
    return spec


@cache
def openapi(path: Path = SPEC_PATH) -> OpenAPI:
    # openapi-core does not treat the vendor `+json` media types as JSON by themselves.
    config = Config(
        extra_media_type_deserializers={MEDIA_TYPE: json.loads, BETA_MEDIA_TYPE: json.loads}
    )
    return OpenAPI.from_dict(copy.deepcopy(spec_dict(path)), config=config)


@cache
def spec_routes(path: Path = SPEC_PATH) -> Map:
    rules = []
    for template in spec_dict(path)["paths"]:
        rules.append(Rule(template.replace("{", "<").replace("}", ">"), endpoint=template))
    return Map(rules)


def defined(method: str, path: str, status: int, spec: Path = SPEC_PATH) -> bool:
    """Does the spec define a response (with content) for this status of this operation?"""
    template, _ = spec_routes(spec).bind("localhost").match(path.split("?")[0])
    responses = spec_dict(spec)["paths"][template][method.lower()]["responses"]
    return str(status) in responses


def validate(response: Any, spec: Path = SPEC_PATH) -> None:
    sent = response.request
    # The app consumed the request body; response validation only needs method, path, query.
    request = EnvironBuilder(
        path=sent.path,
        query_string=sent.query_string.decode(),
        method=sent.method,
        base_url="http://localhost",
        headers={"Accept": MEDIA_TYPE},
    ).get_request()
    openapi(spec).validate_response(
        WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
    )


def fake_exchange(path: str, body: Any) -> tuple[Request, Response]:
    request = EnvironBuilder(path=path, base_url="http://localhost", headers={"Accept": MEDIA_TYPE})
    response = Response(json.dumps(body), status=200, content_type=MEDIA_TYPE)
    return request.get_request(), response


@pytest.mark.parametrize("name", ["checkout-form-allegro-pl.json", "checkout-form-allegro-cz.json"])
def test_shared_examples_validate_and_a_broken_one_does_not(name: str) -> None:
    """Guards the validator itself: the shared examples pass, a form without buyer fails."""
    example = json.loads((SHARED / "examples" / name).read_text())
    path = f"/order/checkout-forms/{example['id']}"
    request, response = fake_exchange(path, example)
    openapi().validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))

    broken = {key: value for key, value in example.items() if key != "buyer"}
    request, response = fake_exchange(path, broken)
    with pytest.raises(InvalidData, match="'buyer' is a required property"):
        openapi().validate_response(
            WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
        )


def test_shared_events_example_validates() -> None:
    example = json.loads((SHARED / "examples" / "order-events.json").read_text())
    request, response = fake_exchange("/order/events", example)
    openapi().validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))


def test_every_endpoint_and_error_matches_the_spec(emulator: Emulator) -> None:
    em = emulator
    order = ready_order(em)
    oid = order["id"]
    line_id = order["lineItems"][0]["id"]
    invoice_id = em.post(f"/order/checkout-forms/{oid}/invoices", {"file": {"name": "fv.pdf"}})
    invoice_id = invoice_id.get_json()["id"]
    merged = [ready_order(em)["id"], ready_order(em)["id"]]
    em.control("POST", "/merge", {"ids": merged})
    unknown = "00000000-0000-4000-8000-000000000000"
    forms = f"/order/checkout-forms/{oid}"
    revision = order["revision"]

    calls: list[tuple[str, str, Any, int, dict[str, Any]]] = [
        ("GET", "/me", None, 200, {}),
        ("GET", "/marketplaces", None, 200, {}),
        ("GET", "/order/carriers", None, 200, {}),
        ("GET", "/order/events", None, 200, {}),
        ("GET", "/order/events?limit=2&type=BOUGHT&type=READY_FOR_PROCESSING", None, 200, {}),
        ("GET", "/order/events?limit=1001", None, 422, {}),
        ("GET", "/order/event-stats", None, 200, {}),
        ("GET", "/order/checkout-forms", None, 200, {}),
        ("GET", "/order/checkout-forms?limit=5&offset=3&status=CANCELLED", None, 200, {}),
        ("GET", "/order/checkout-forms?marketplace.id=allegro-cz&sort=updatedAt", None, 200, {}),
        ("GET", "/order/checkout-forms?limit=0", None, 422, {}),
        ("GET", "/order/checkout-forms?limit=101", None, 422, {}),
        ("GET", "/order/checkout-forms?offset=9950&limit=100", None, 422, {}),
        ("GET", "/order/checkout-forms?sort=price", None, 400, {}),
        ("GET", forms, None, 200, {}),
        ("GET", f"/order/checkout-forms/{unknown}", None, 404, {}),
        ("GET", f"/order/checkout-forms/{merged[0]}", None, 404, {}),
        ("GET", "/order/checkout-forms/not-a-uuid", None, 422, {}),
        ("PUT", f"{forms}/fulfillment?checkoutForm.revision=deadbeef", {"status": "SENT"}, 409, {}),
        ("PUT", f"{forms}/fulfillment", {"status": "RETURNED"}, 422, {}),
        ("PUT", f"{forms}/fulfillment", {"status": "FLYING"}, 422, {}),
        (
            "PUT",
            f"{forms}/fulfillment?checkoutForm.revision={revision}",
            {"status": "PROCESSING"},
            204,
            {},
        ),
        ("PUT", f"/order/checkout-forms/{unknown}/fulfillment", {"status": "SENT"}, 404, {}),
        ("POST", f"{forms}/shipments", {"carrierId": "DPD", "waybill": "1000123456789U"}, 201, {}),
        (
            "POST",
            f"{forms}/shipments",
            {
                "carrierId": "OTHER",
                "carrierName": "Kurier Janek",
                "waybill": "JN-1",
                "lineItems": [{"id": line_id}],
            },
            201,
            {},
        ),
        ("POST", f"{forms}/shipments", {"carrierId": "NOPE", "waybill": "X"}, 400, {}),
        ("POST", f"{forms}/shipments", {"carrierId": "DPD", "waybill": "9" * 65}, 400, {}),
        (
            "POST",
            f"{forms}/shipments",
            {"carrierId": "DPD", "waybill": "1", "lineItems": [{"id": unknown}]},
            422,
            {},
        ),
        (
            "POST",
            f"/order/checkout-forms/{unknown}/shipments",
            {"carrierId": "DPD", "waybill": "1"},
            404,
            {},
        ),
        ("GET", f"{forms}/shipments", None, 200, {}),
        ("GET", f"/order/checkout-forms/{unknown}/shipments", None, 404, {}),
        (
            "POST",
            f"{forms}/invoices",
            {"file": {"name": "fv2.pdf"}, "invoiceNumber": "FV 2/2026"},
            201,
            {},
        ),
        ("POST", f"{forms}/invoices", {"invoiceNumber": "no file"}, 422, {}),
        ("POST", f"/order/checkout-forms/{unknown}/invoices", {"file": {"name": "a.pdf"}}, 404, {}),
        ("GET", f"{forms}/invoices", None, 200, {}),
        ("GET", f"/order/checkout-forms/{unknown}/invoices", None, 404, {}),
        (
            "PUT",
            f"{forms}/invoices/{invoice_id}/file",
            b"not a pdf",
            422,
            {"Content-Type": "application/pdf"},
        ),
        (
            "PUT",
            f"{forms}/invoices/{invoice_id}/file",
            b"%PDF-" + b"0" * (3 * 1024 * 1024),
            413,
            {"Content-Type": "application/pdf"},
        ),
        ("PUT", f"{forms}/invoices/{unknown}/file", PDF, 404, {"Content-Type": "application/pdf"}),
        (
            "PUT",
            f"{forms}/invoices/{invoice_id}/file",
            PDF,
            200,
            {"Content-Type": "application/pdf"},
        ),
        (
            "PUT",
            f"{forms}/invoices/{invoice_id}/file",
            PDF,
            409,
            {"Content-Type": "application/pdf"},
        ),
        ("POST", f"{forms}/serial-numbers", {"lineItems": []}, 204, {}),
    ]
    for method, path, body, expected, headers in calls:
        kwargs: dict[str, Any] = {"headers": em.headers(**headers)}
        if isinstance(body, bytes):
            kwargs["data"] = body
        elif body is not None:
            kwargs["json"] = body
            kwargs["headers"]["Content-Type"] = MEDIA_TYPE
        response = em.client.open(path, method=method, **kwargs)
        assert response.status_code == expected, (method, path, response.get_data(as_text=True))
        assert response.headers["trace-id"]
        if response.status_code not in (200, 201, 204):
            assert response.mimetype == MEDIA_TYPE
            assert "errors" in response.get_json()
        if defined(method, path, expected):
            validate(response)

    # Auth and Accept errors, on operations whose spec defines them.
    em.token = "bogus"
    for path in ("/me", f"{forms}/shipments"):
        response = em.get(path)
        assert response.status_code == 401
        assert response.get_json()["error"] == "invalid_token"
        validate(response)
    response = em.client.get("/order/checkout-forms", headers={"Accept": "application/json"})
    assert response.status_code == 406
    validate(response)


def test_seeded_and_generated_forms_all_validate(emulator: Emulator) -> None:
    """All seeded forms, and a bulk batch, pass the CheckoutForm schema and the events schema."""
    emulator.control("POST", "/generate", {"count": 300, "days": 30})
    for offset in range(0, 340, 100):
        response = emulator.get(f"/order/checkout-forms?offset={offset}")
        validate(response)
    response = emulator.get("/order/events?limit=1000")
    assert len(response.get_json()["events"]) == 1000
    validate(response)
