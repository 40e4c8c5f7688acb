"""Faults, persistence across restarts, and the real threaded server."""

from __future__ import annotations

from pathlib import Path

import requests

from erp_simulator.app import create_app
from erp_simulator.clock import FakeClock
from erp_simulator.testing import running_simulator
from tests.erp_simulator.conftest import TOKEN, Erp, order


def test_status_fault_answers_html_then_recovers(erp: Erp) -> None:
    assert erp.sim("faults", {"type": "status", "status": 502, "count": 2}).status_code == 201
    for _ in range(2):
        response = erp.send(order())
        assert response.status_code == 502
        assert response.mimetype == "text/html"
    assert erp.send(order()).status_code == 201
    assert erp.sim("state", method="GET").json["faults"] == []


def test_fault_limited_to_a_path(erp: Erp) -> None:
    erp.sim("faults", {"type": "status", "path": "/api/orders/lookup"})
    assert erp.send(order()).status_code == 201
    assert erp.post("/api/orders/lookup", {"numbers": []}).status_code == 500
    assert erp.sim("orders/fulfil", {"all": True}).status_code == 200  # control never faulted


def test_down_until_cleared(erp: Erp) -> None:
    erp.sim("faults", {"type": "down"})
    for _ in range(3):
        assert erp.get("/api/currencies").status_code == 503
    assert erp.sim("faults", method="DELETE").status_code == 200
    assert erp.get("/api/currencies").status_code == 200


def test_malformed_answers(erp: Erp) -> None:
    erp.sim("faults", {"type": "malformed", "count": 1})
    broken = erp.send(order())
    assert broken.status_code == 201
    assert "status" not in broken.json
    assert "document_number" not in broken.json
    erp.sim("faults", {"type": "malformed", "mode": "not_json", "count": 1})
    response = erp.get("/api/orders", query_string={"number": "ZS/2026/000001"})
    assert response.status_code == 200
    assert not response.data.startswith(b"{")
    erp.sim("faults", {"type": "malformed", "count": 1})
    assert erp.post("/api/orders/lookup", {"numbers": ["ZS/2026/000001"]}).json == {"count": 1}
    assert erp.get("/api/orders", query_string={"number": "ZS/2026/000001"}).json["status"]


def test_bad_fault_spec_is_400(erp: Erp) -> None:
    assert erp.sim("faults", {"type": "status", "status": 404}).status_code == 400
    assert erp.sim("faults", {"type": "nope"}).status_code == 400


def test_state_survives_restart(db_path: Path, erp: Erp, clock: FakeClock) -> None:
    erp.send(order())
    erp.sim("orders/fulfil", {"number": "ZS/2026/000001"})
    erp.sim("faults", {"type": "down"})
    again = Erp(create_app(db_path, clock=clock))
    state = again.sim("state", method="GET").json
    assert state["orders"]["SHIPPED"] == 1
    assert state["currencies"]["CZK"] is True
    assert state["faults"][0]["type"] == "down"
    again.sim("faults", method="DELETE")
    assert again.send(order(number="ZS/2026/000002")).json["document_number"] == "ZK/2/2026"
    assert again.get("/api/invoices/1/pdf").status_code == 200
    again.sim("reset")
    assert again.sim("state", method="GET").json["total_orders"] == 0


def test_running_simulator_over_http(tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with running_simulator(tmp_path / "erp.sqlite3") as base:
        requests.post(f"{base}/_sim/currencies", json={"code": "CZK", "available": True}, timeout=5)
        created = requests.post(f"{base}/api/orders", json=order(), headers=headers, timeout=5)
        assert created.status_code == 201
        fulfilled = requests.post(
            f"{base}/_sim/orders/fulfil", json={"number": "ZS/2026/000001"}, timeout=5
        ).json()
        pdf = requests.get(base + fulfilled["invoice"]["pdf_url"], headers=headers, timeout=5)
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
