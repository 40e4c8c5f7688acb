"""Intake: idempotency by number, updates while ACCEPTED, the lock, validation, currencies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.erp_simulator.conftest import Erp, order


def test_new_order_is_accepted_with_a_document_number(erp: Erp) -> None:
    response = erp.send(order())
    assert response.status_code == 201
    assert response.json == {
        "number": "ZS/2026/000001",
        "document_number": "ZK/1/2026",
        "status": "ACCEPTED",
        "updated_at": "2026-11-27T09:30:00Z",
        "invoice": None,
        "invoices": [],
        "updated": False,
    }


def test_same_number_again_is_the_same_document(erp: Erp) -> None:
    first = erp.send(order()).json
    again = erp.send(order(total="1378", delivery_cost="79"))  # same content, other spelling
    assert again.status_code == 200
    assert again.json == first
    assert erp.send(order(number="ZS/2026/000002")).json["document_number"] == "ZK/2/2026"
    assert erp.sim("state", method="GET").json["orders"]["ACCEPTED"] == 2


def test_changed_content_updates_while_accepted(erp: Erp) -> None:
    erp.send(order())
    lines = [{**order()["lines"][0], "quantity": 2}]
    response = erp.send(order(lines=lines, total="2677.00"))
    assert response.status_code == 200
    assert response.json["updated"] is True
    assert response.json["document_number"] == "ZK/1/2026"


@pytest.mark.parametrize("to", ["IN_PROGRESS", "SHIPPED"])
def test_changes_are_locked_once_in_progress(erp: Erp, to: str) -> None:
    erp.send(order())
    assert erp.sim("orders/fulfil", {"number": "ZS/2026/000001", "to": to}).status_code == 200
    response = erp.send(order(delivery_cost="0.00", total="1299.00"))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "locked"
    # a plain retry of the unchanged order is still fine
    retry = erp.send(order())
    assert retry.status_code == 200
    assert retry.json["status"] == to


def _line(**changes: Any) -> list[dict[str, Any]]:
    return [{**order()["lines"][0], **changes}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (order(number=""), "number"),
        ({k: v for k, v in order().items() if k != "number"}, "number"),
        (order(currency="USD"), "currency"),
        (order(total="1377.99"), "total"),
        (order(lines=_line(quantity=0), total="79.00"), "lines[0].quantity"),
        (order(lines=_line(quantity="1")), "lines[0].quantity"),
        (order(lines=[]), "lines"),
        (order(lines=_line(unit_price=1299.0)), "lines[0].unit_price"),
        (order(lines=_line(unit_price="12.345")), "lines[0].unit_price"),
        (order(sale_date="26.11.2026"), "sale_date"),
        (order(customer=None), "customer"),
        (order(customer={"name": "", "company": None}), "customer.name"),
        (order(fulfilment="later"), "fulfilment"),
    ],
)
def test_validation(erp: Erp, body: dict[str, Any], field: str) -> None:
    response = erp.send(body)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert error["message"].startswith(field)


def test_not_json_is_400(erp: Erp) -> None:
    response = erp.client.post("/api/orders", data="{oops", headers=erp.headers())
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_currency_availability(erp: Erp) -> None:
    listed = erp.get("/api/currencies").json["currencies"]
    assert listed == [
        {"code": "PLN", "available": True},
        {"code": "CZK", "available": True},
        {"code": "EUR", "available": True},
        {"code": "HUF", "available": False},
    ]
    response = erp.send(order(currency="HUF"))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "currency_unavailable"
    erp.enable("HUF")
    assert erp.send(order(currency="HUF")).status_code == 201
    # switching a currency off later does not break an idempotent retry
    erp.enable("HUF", False)
    assert erp.send(order(currency="HUF")).status_code == 200


def test_get_and_lookup(erp: Erp) -> None:
    erp.send(order())
    erp.send(order(number="ZS/2026/000002"))
    found = erp.get("/api/orders", query_string={"number": "ZS/2026/000002"})
    assert found.status_code == 200
    assert found.json["document_number"] == "ZK/2/2026"
    assert "updated" not in found.json
    missing = erp.get("/api/orders", query_string={"number": "nope"})
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"
    numbers = ["ZS/2026/000002", "unknown", "ZS/2026/000001"]
    looked = erp.post("/api/orders/lookup", {"numbers": numbers}).json["orders"]
    assert [doc["number"] for doc in looked] == ["ZS/2026/000002", "ZS/2026/000001"]


def test_auth(erp: Erp, monkeypatch: pytest.MonkeyPatch) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        response = erp.client.get("/api/currencies", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"
        assert response.json["error"]["message"]
    monkeypatch.setenv("ERP_SIMULATOR_TOKEN", "other")
    assert erp.get("/api/currencies").status_code == 401
    ok = erp.client.get("/api/currencies", headers={"Authorization": "Bearer other"})
    assert ok.status_code == 200


def test_a_document_only_order_is_invoiced_at_once_and_never_fulfilled(erp: Erp) -> None:
    response = erp.send(order(fulfilment="none"))
    assert response.status_code == 201
    document = response.json
    assert document["status"] == "SHIPPED"
    assert document["invoice"]["number"] == "FV/1/2026"
    # no fulfilment step: nothing open to ship, and "fulfil all" does not take it
    assert erp.sim("orders/fulfil", {"all": True}).json == {"orders": []}
    assert erp.sim("orders/fulfil", {"number": "ZS/2026/000001"}).status_code == 409
    # resent unchanged: the same document, no second invoice
    again = erp.send(order(fulfilment="none"))
    assert again.status_code == 200
    assert again.json["invoice"] == document["invoice"]
    assert erp.sim("state", method="GET").json["invoices"] == 1


def test_an_order_without_fulfilment_or_with_shop_is_fulfilled_as_before(erp: Erp) -> None:
    first = erp.send(order(fulfilment="shop")).json
    assert first["status"] == "ACCEPTED"
    # "shop" is the default: the same content as an order sent before the field existed
    assert erp.send(order()).json == first
