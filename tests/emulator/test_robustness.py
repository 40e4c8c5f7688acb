"""Malformed input gets Allegro's error in Allegro's shape, never a 500 (issue 11).

The first cases are the four inputs schemathesis 4.32.5 found crashing the emulator, then the
inputs it accepted in silence. The statuses are the spec's for each operation: 422 for
`/order/events` and the writes, 400 where the spec says "illegal values" / "invalid value"
(the checkout-form list's filters, the shipment body).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import TestResponse

from tests.emulator.conftest import MEDIA_TYPE, Emulator, ready_order

ERROR_FIELDS = {"code", "message", "details", "path", "userMessage", "metadata"}


def assert_allegro_error(response: TestResponse, status: int, path: str | None = None) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert response.mimetype == MEDIA_TYPE
    errors = json.loads(body)["errors"]
    assert len(errors) == 1 and set(errors[0]) == ERROR_FIELDS
    assert errors[0]["code"] and errors[0]["message"] and errors[0]["userMessage"]
    if path is not None:
        assert errors[0]["path"] == path


# --- the four crashes -------------------------------------------------------------------------


def test_an_event_cursor_beyond_64_bits_is_a_422_not_an_overflow(emulator: Emulator) -> None:
    response = emulator.get("/order/events?from=99999999999999999999")
    assert_allegro_error(response, 422, "from")
    # The largest 64-bit id is still a cursor: nothing after it.
    assert emulator.get(f"/order/events?from={2**63 - 1}").get_json() == {"events": []}


@pytest.mark.parametrize("cursor", ["%C2%B2", "%D9%A1%D9%A2", "1_000", "+5", "-1", "%201"])
def test_an_event_cursor_must_be_ascii_digits(emulator: Emulator, cursor: str) -> None:
    """`²` passed str.isdigit() and then failed int(); `١٢` and `1_000` int() even accepts."""
    assert_allegro_error(emulator.get(f"/order/events?from={cursor}"), 422, "from")


@pytest.mark.parametrize("status", [{}, ["SENT"], 5, None, True])
def test_a_fulfillment_status_that_is_no_string_is_a_422(emulator: Emulator, status: Any) -> None:
    order = ready_order(emulator)
    response = emulator.put(f"/order/checkout-forms/{order['id']}/fulfillment", {"status": status})
    assert_allegro_error(response, 422, "status")
    assert emulator.state(order["id"])["fulfillmentChanges"] == 0


@pytest.mark.parametrize("line_items", [5, {}, "all", [5], [{}], [{"id": 7}]])
def test_shipment_line_items_must_be_a_list_of_ids(emulator: Emulator, line_items: Any) -> None:
    """`5` crashed; `{}` was taken as "all lines". Neither adds a waybill now."""
    order = ready_order(emulator)
    path = f"/order/checkout-forms/{order['id']}/shipments"
    body = {"carrierId": "DPD", "waybill": "1000123456789U", "lineItems": line_items}
    assert_allegro_error(emulator.post(path, body), 422, "lineItems")
    assert emulator.get(path).get_json() == {"shipments": []}


@pytest.mark.parametrize("line_items", [None, []])
def test_absent_or_empty_line_items_still_mean_every_line(
    emulator: Emulator, line_items: Any
) -> None:
    order = ready_order(emulator)
    path = f"/order/checkout-forms/{order['id']}/shipments"
    body = {"carrierId": "DPD", "waybill": "1000123456789U", "lineItems": line_items}
    created = emulator.post(path, body)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert [line["id"] for line in created.get_json()["lineItems"]] == [
        line["id"] for line in order["lineItems"]
    ]


# --- what was accepted in silence -------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_a_json_body_in_another_media_type_is_415(
    emulator: Emulator, content_type: str | None
) -> None:
    """Allegro answers a body that is not `application/vnd.allegro.public.v1+json` with 415
    Unsupported Media Type (allegro-api#604); nothing is written."""
    order = ready_order(emulator)
    headers = emulator.headers()
    if content_type:
        headers["Content-Type"] = content_type
    for method, suffix, body in (
        ("PUT", "fulfillment", {"status": "PROCESSING"}),
        ("POST", "shipments", {"carrierId": "DPD", "waybill": "1000123456789U"}),
        ("POST", "invoices", {"file": {"name": "fv.pdf"}}),
        ("POST", "serial-numbers", {"lineItems": []}),
    ):
        response = emulator.client.open(
            f"/order/checkout-forms/{order['id']}/{suffix}",
            method=method,
            data=json.dumps(body),
            headers=headers,
        )
        assert_allegro_error(response, 415)
        assert response.get_json()["errors"][0]["code"] == "NotSupportedException"
    state = emulator.state(order["id"])
    assert (state["fulfillmentChanges"], state["shipments"], state["invoices"]) == (0, [], [])


def test_the_media_type_may_carry_a_charset(emulator: Emulator) -> None:
    order = ready_order(emulator)
    response = emulator.client.put(
        f"/order/checkout-forms/{order['id']}/fulfillment",
        data=json.dumps({"status": "PROCESSING"}),
        headers=emulator.headers(**{"Content-Type": f"{MEDIA_TYPE}; charset=UTF-8"}),
    )
    assert response.status_code == 204, response.get_data(as_text=True)


@pytest.mark.parametrize("number", [12345, 1.5, {"n": "FV 1"}, ["FV 1"], True])
def test_an_invoice_number_that_is_no_string_is_a_422(emulator: Emulator, number: Any) -> None:
    """It used to be dropped in silence: the invoice was created without its number."""
    order = ready_order(emulator)
    path = f"/order/checkout-forms/{order['id']}/invoices"
    response = emulator.post(path, {"file": {"name": "fv.pdf"}, "invoiceNumber": number})
    assert_allegro_error(response, 422, "invoiceNumber")
    assert emulator.get(path).get_json()["invoices"] == []


def test_an_invoice_number_is_kept_when_it_is_a_string(emulator: Emulator) -> None:
    order = ready_order(emulator)
    path = f"/order/checkout-forms/{order['id']}/invoices"
    body = {"file": {"name": "fv.pdf"}, "invoiceNumber": "FV 7/2026"}
    assert emulator.post(path, body).status_code == 201
    assert emulator.get(path).get_json()["invoices"][0]["invoiceNumber"] == "FV 7/2026"


@pytest.mark.parametrize(
    "value",
    [
        "",  # empty: was ignored, so the filter silently listed everything
        "2026-07-01",  # no time
        "2026-07-01T10:00",  # no seconds
        "2026-07-01T10:00:00",  # no zone (Allegro refuses it: allegro-api#2347)
        "2026-11-31T10:00:00Z",  # no such day
        "yesterday",
    ],
)
@pytest.mark.parametrize("name", ["lineItems.boughtAt.gte", "updatedAt.lte"])
def test_a_date_filter_must_be_a_full_date_time(emulator: Emulator, name: str, value: str) -> None:
    """400: the spec's answer of this operation to "illegal values" (it keeps 422 for the
    limit and offset), and what Allegro answers a zone-less date (allegro-api#1824)."""
    assert_allegro_error(emulator.get(f"/order/checkout-forms?{name}={value}"), 400, name)


@pytest.mark.parametrize(
    "value", ["2026-07-01T10:00:00Z", "2026-07-01T10:00:00.123Z", "2026-07-01T12:00:00+02:00"]
)
def test_full_date_times_are_accepted(emulator: Emulator, value: str) -> None:
    response = emulator.get("/order/checkout-forms", query_string={"updatedAt.gte": value})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "status", "path"),
    [
        ("/order/events?limit=%C2%B2", 422, "limit"),  # events: the spec has 422 only
        ("/order/events?limit=99999999999999999999", 422, "limit"),
        ("/order/checkout-forms?limit=%D9%A1", 400, "limit"),  # list: "illegal values"
        ("/order/checkout-forms?offset=99999999999999999999", 422, "offset"),
    ],
)
def test_integers_in_queries_are_ascii_and_bounded(
    emulator: Emulator, query: str, status: int, path: str
) -> None:
    assert_allegro_error(emulator.get(query), status, path)


@pytest.mark.parametrize(
    ("suffix", "raw", "status"),
    [
        ("fulfillment", b"{not json", 422),
        ("invoices", b"\x00", 422),
        ("serial-numbers", b"[1", 422),
        ("shipments", b"{", 400),  # the spec: 400 for an invalid value in this body
    ],
)
def test_a_body_that_is_no_json_gets_the_operations_status(
    emulator: Emulator, suffix: str, raw: bytes, status: int
) -> None:
    order = ready_order(emulator)
    method = "PUT" if suffix == "fulfillment" else "POST"
    response = emulator.client.open(
        f"/order/checkout-forms/{order['id']}/{suffix}",
        method=method,
        data=raw,
        headers=emulator.headers(**{"Content-Type": MEDIA_TYPE}),
    )
    assert_allegro_error(response, status)


@pytest.mark.parametrize("body", [None, [], {"lineItems": 5}, {"lineItems": {}}])
def test_serial_numbers_need_a_list_of_line_items(emulator: Emulator, body: Any) -> None:
    order = ready_order(emulator)
    response = emulator.post(f"/order/checkout-forms/{order['id']}/serial-numbers", body)
    assert_allegro_error(response, 422)


# --- carriers Allegro removed -----------------------------------------------------------------


@pytest.mark.parametrize(("carrier", "day"), [("WEDO", "2026-05-11"), ("ALLEGRO", "2026-06-09")])
def test_a_removed_carrier_id_is_refused_as_allegro_does(
    emulator: Emulator, carrier: str, day: str
) -> None:
    """allegro-api#13154, #13267: neither id is listed any more and a shipment naming one is a
    400 (the spec's status for an unknown carrier id); the message says when it went."""
    listed = {c["id"] for c in emulator.get("/order/carriers").get_json()["carriers"]}
    assert carrier not in listed
    order = ready_order(emulator)
    path = f"/order/checkout-forms/{order['id']}/shipments"
    response = emulator.post(path, {"carrierId": carrier, "waybill": "A000123"})
    assert_allegro_error(response, 400, "carrierId")
    assert day in response.get_json()["errors"][0]["message"]
    assert emulator.get(path).get_json() == {"shipments": []}
