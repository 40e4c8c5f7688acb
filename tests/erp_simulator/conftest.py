"""Fixtures: the ERP simulator app on a temporary db with a fixed clock, driven in-process."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import TestResponse

from erp_simulator.app import ErpApp, create_app
from erp_simulator.clock import FakeClock
from offline.testing import OfflineClient

TOKEN = "erp-simulator-token"
ORDER: dict[str, Any] = {
    "number": "ZS/2026/000001",
    "currency": "CZK",
    "sale_date": "2026-11-26",
    "channel": "allegro",
    "marketplace": "allegro-cz",
    "customer": {
        "name": "Jiří Dvořák",
        "company": "Šťastná Žába s.r.o.",
        "tax_ids": [{"type": "CZ_ICO", "value": "27082440"}],
        "email": "jiri@example.cz",
        "phone": "+420601123456",
    },
    "billing_address": {
        "name": "Jiří Dvořák",
        "company": "Šťastná Žába s.r.o.",
        "street": "Křižíkova 15",
        "zip_code": "186 00",
        "city": "Praha",
        "country_code": "CZ",
    },
    "delivery_address": None,
    "pickup_point": {"id": "CZ1234", "name": "Zásilkovna Karlín", "address": "Thámova 7, Praha"},
    "delivery_method": "Zásilkovna",
    "delivery_cost": "79.00",
    "lines": [
        {
            "code": "VAC-252",
            "name": "Vysavač ěščřžýáíéůú",
            "quantity": 1,
            "unit_price": "1299.00",
            "vat_rate": "21.00",
        }
    ],
    "total": "1378.00",
}


def order(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(ORDER)
    body.update(changes)
    return body


class Erp(OfflineClient[ErpApp]):
    """A test client that speaks to the app as the shop's ERP client would."""

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}", **extra}

    def send(self, body: dict[str, Any]) -> TestResponse:
        return self.post("/api/orders", body)

    def sim(self, path: str, body: Any = None, method: str = "POST") -> TestResponse:
        return self.control(method, f"/{path}", body)

    def enable(self, code: str, available: bool = True) -> None:
        assert self.sim("currencies", {"code": code, "available": available}).status_code == 200


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 27, 9, 30, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "erp.sqlite3"


@pytest.fixture
def erp(db_path: Path, clock: FakeClock) -> Erp:
    simulator = Erp(create_app(db_path, clock=clock))
    simulator.enable("CZK")
    return simulator
