"""Fixtures: an emulator app on a temporary db with a fake clock, driven in-process."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import TestResponse

from emulator.app import EmulatorApp, create_app
from emulator.clock import FakeClock
from offline.testing import OfflineClient

MEDIA_TYPE = "application/vnd.allegro.public.v1+json"
BASIC = "Basic " + base64.b64encode(b"emulator-client:emulator-secret").decode()


class Emulator(OfflineClient[EmulatorApp]):
    """A test client that speaks to the app as our Allegro client would."""

    media_type = MEDIA_TYPE

    def __init__(self, app: EmulatorApp, clock: FakeClock) -> None:
        super().__init__(app)
        self.clock = clock
        self.token = ""

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Accept": MEDIA_TYPE, "Authorization": f"Bearer {self.token}", **extra}

    def oauth(self, path: str, data: dict[str, str], auth: str = BASIC) -> TestResponse:
        return self.client.post(f"/auth/oauth/{path}", data=data, headers={"Authorization": auth})

    def connect(self, seller: str | None = None) -> dict[str, Any]:
        """Run the device flow end to end (approved by `seller`, default the first) and keep
        the access token."""
        self.control("POST", "/tokens", {"device_interval": 0})
        device = self.oauth("device", {"client_id": "emulator-client"}).get_json()
        approval: dict[str, Any] = {"user_code": device["user_code"]}
        if seller is not None:
            approval["seller"] = seller
        self.control("POST", "/device/approve", approval)
        grant = "urn:ietf:params:oauth:grant-type:device_code"
        tokens = self.oauth("token", {"grant_type": grant, "device_code": device["device_code"]})
        assert tokens.status_code == 200, tokens.get_data(as_text=True)
        self.token = tokens.get_json()["access_token"]
        return tokens.get_json()

    def forms(self, query: str = "") -> dict[str, Any]:
        response = self.get(f"/order/checkout-forms{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def state(self, order_id: str) -> dict[str, Any]:
        return self.control("GET", f"/orders/{order_id}").get_json()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "emulator.sqlite3"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(db_path: Path, clock: FakeClock) -> Iterator[Emulator]:
    """A seeded emulator with a connected (authorised) client."""
    em = Emulator(create_app(db_path, clock=clock), clock)
    em.connect()
    yield em


def ready_order(em: Emulator) -> dict[str, Any]:
    """A fresh paid order (so earlier tests' changes to seeded ones don't matter)."""
    ids = em.control("POST", "/orders", {"marketplace": "allegro-pl"}).get_json()["ids"]
    return em.get(f"/order/checkout-forms/{ids[0]}").get_json()
