"""POST /api/returns: a correction per return, idempotent by the return's reference."""

from tests.erp_simulator.conftest import Erp, order

RETURN = {
    "number": "ZS/2026/000001",
    "reference": "allegro:ret-1",
    "returns": [{"code": "VAC-252", "quantity": 1}],
    "reason": "Zwrot towaru",
}


def test_a_return_issues_one_correction_however_often_it_is_sent(erp: Erp) -> None:
    assert erp.send(order()).status_code == 201
    assert erp.post("/api/returns", RETURN).status_code == 409  # no invoice yet
    erp.sim("orders/fulfil", {"number": "ZS/2026/000001"})

    first = erp.post("/api/returns", RETURN)
    again = erp.post("/api/returns", RETURN)
    assert (first.status_code, again.status_code) == (201, 200)
    invoices = again.get_json()["invoices"]
    assert [i["kind"] for i in invoices] == ["VAT", "CORRECTION"]
    assert invoices[1]["total"] == "-1299.00"
    assert first.get_json()["invoices"] == invoices

    other = erp.post("/api/returns", {**RETURN, "returns": [{"code": "VAC-252", "quantity": 2}]})
    assert other.status_code == 409


def test_a_bad_return_is_a_validation_error_naming_the_field(erp: Erp) -> None:
    erp.send(order())
    erp.sim("orders/fulfil", {"number": "ZS/2026/000001"})
    cases = [
        ({**RETURN, "returns": []}, "returns"),
        ({**RETURN, "returns": [{"code": "VAC-252", "quantity": 0}]}, "returns[0].quantity"),
        ({**RETURN, "reference": ""}, "reference"),
        ({**RETURN, "returns": [{"code": "VAC-252", "quantity": 5}]}, None),
    ]
    for body, field in cases:
        response = erp.post("/api/returns", body)
        assert response.status_code == 422, body
        if field:
            assert response.get_json()["error"]["field"] == field
    unknown = erp.post("/api/returns", {**RETURN, "number": "ZS/2026/999999"})
    assert unknown.status_code == 404
    assert erp.sim("state", method="GET").get_json()["invoices"] == 1
