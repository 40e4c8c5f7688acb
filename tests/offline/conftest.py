"""A toy offline server on the skeleton: one API route, one control route, every fault type
the skeleton applies itself (status, down, slow) and one that breaks answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from werkzeug.routing import Rule
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request, Response

from offline.app import Handler, OfflineApp, route
from offline.clock import FakeClock
from offline.errors import OfflineError, json_response
from offline.faults import DOWN, Fault, FaultModel, FaultType, slow_type, status_type
from offline.store import SqliteStore, get_setting, set_setting
from offline.testing import OfflineClient

TOKEN = "toy-token"


class ToyStore(SqliteStore):
    schema = "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"


def hello(app: ToyApp, request: Request) -> Response:
    with app.store.write() as conn:
        calls = get_setting(conn, "calls", 0) + 1
        set_setting(conn, "calls", calls)
    return json_response({"hello": "world", "calls": calls, "now": app.clock.now().isoformat()})


def fail(app: ToyApp, request: Request) -> Response:
    raise OfflineError(409, "no")


def calls(app: ToyApp, request: Request) -> Response:
    with app.store.read() as conn:
        return json_response({"calls": get_setting(conn, "calls", 0)})


FAULTS = FaultModel(
    [status_type(default=500, rate_limit=False), DOWN, slow_type(), FaultType("broken")],
    in_scope=lambda path: path.startswith("/api/"),
    sampling=True,
)


class ToyApp(OfflineApp):
    name = "toy"
    store_class = ToyStore
    fault_model = FAULTS
    control_prefix = "/_toy"
    break_type = "broken"

    def routes(self) -> list[Rule]:
        return [
            route("/api/hello", "api", hello),
            route("/api/fail", "api", fail),
            route("/_toy/calls", "control", calls),
            route("/_toy/fail", "control", fail),
        ]

    def serve(
        self, kind: str, handler: Handler, request: Request, values: Mapping[str, Any]
    ) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return json_response({"error": "unauthorized"}, 401)
        try:
            return handler(self, request, **values)
        except OfflineError as error:
            return error.response()

    def corrupt(self, fault: Fault, response: Response) -> None:
        body = json.loads(response.get_data())
        body.pop("hello")
        response.set_data(json.dumps(body))


class Toy(OfflineClient[ToyApp]):
    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}", **extra}

    def faults(self, *specs: Any) -> TestResponse:
        answer = self.control("POST", "/faults", list(specs))
        assert answer.status_code == 201, answer.get_data(as_text=True)
        return answer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def toy(tmp_path: Path, clock: FakeClock) -> Toy:
    return Toy(ToyApp(tmp_path / "toy.sqlite3", clock=clock))
