"""The skeleton's dispatch: control calls, request faults, broken answers, the faults endpoint."""

from __future__ import annotations

import logging
import time

import pytest

from tests.offline.conftest import Toy


def calls(toy: Toy) -> int:
    count: int = toy.control("GET", "/calls").get_json()["calls"]
    return count


def test_api_call_goes_through_the_server_checks(toy: Toy) -> None:
    assert toy.get("/api/hello").get_json()["hello"] == "world"
    assert toy.client.get("/api/hello").status_code == 401
    failed = toy.get("/api/fail")
    assert failed.status_code == 409 and failed.get_json() == {"error": "no"}


def test_unknown_path_and_method_use_werkzeug_answers_by_default(toy: Toy) -> None:
    assert toy.get("/api/nope").status_code == 404
    assert toy.post("/api/hello", {}).status_code == 405


def test_status_fault_fires_count_times_with_an_html_page_then_goes(toy: Toy) -> None:
    toy.faults({"type": "status", "status": 502, "count": 2})
    for _ in range(2):
        answer = toy.get("/api/hello")
        assert answer.status_code == 502 and answer.mimetype == "text/html"
        assert "502 Bad Gateway" in answer.get_data(as_text=True)
    assert toy.get("/api/hello").status_code == 200
    assert calls(toy) == 1  # the faulted calls never reached the handler
    assert toy.control("GET", "/faults").get_json() == {"faults": []}


def test_control_calls_are_never_faulted_and_answer_their_errors(toy: Toy) -> None:
    toy.faults({"type": "down"})
    assert toy.control("GET", "/calls").status_code == 200
    failed = toy.control("GET", "/fail")
    assert failed.status_code == 409 and failed.get_json() == {"error": "no"}


def test_down_ignores_count_lasts_until_cleared_and_spares_other_faults(toy: Toy) -> None:
    toy.faults({"type": "down", "count": 1}, {"type": "status", "count": 1})
    for _ in range(3):
        answer = toy.get("/api/hello")
        assert answer.status_code == 503 and answer.mimetype == "text/html"
    listed = toy.control("GET", "/faults").get_json()["faults"]
    assert [(f["type"], f["fired"]) for f in listed] == [("down", 3), ("status", 0)]
    assert "count" not in listed[0]
    toy.control("DELETE", "/faults")
    assert toy.get("/api/hello").status_code == 200


def test_slow_and_status_fire_on_one_call_a_timeout_that_also_fails(toy: Toy) -> None:
    toy.faults({"type": "slow", "seconds": 0.3, "count": 1}, {"type": "status", "count": 1})
    started = time.perf_counter()
    failed = toy.get("/api/hello")
    assert failed.status_code == 500 and time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    assert toy.get("/api/hello").status_code == 200
    assert time.perf_counter() - started < 0.3


def test_breaking_fault_hits_successful_api_answers_only(toy: Toy) -> None:
    toy.faults({"type": "broken", "count": 1})
    assert toy.get("/api/fail").status_code == 409  # not a success: not broken, not counted
    broken = toy.get("/api/hello").get_json()
    assert "hello" not in broken and broken["calls"] == 1
    assert toy.get("/api/hello").get_json()["hello"] == "world"


def test_faults_hit_only_their_path_or_the_default_scope(toy: Toy) -> None:
    toy.faults({"type": "status", "path": "/api/fail"})
    assert toy.get("/api/hello").status_code == 200
    assert toy.get("/api/fail").status_code == 500


def test_faults_endpoint_takes_an_object_a_list_or_a_wrapper(toy: Toy) -> None:
    assert toy.control("POST", "/faults", {"type": "down"}).status_code == 201
    assert toy.control("POST", "/faults", [{"type": "slow"}]).status_code == 201
    added = toy.control("POST", "/faults", {"faults": [{"type": "broken"}]})
    assert added.status_code == 201
    assert [f["id"] for f in added.get_json()["faults"]] == [1, 2, 3]
    for bad in ({"type": "nope"}, {"faults": 1}, 7, {"type": "status", "status": 429}):
        answer = toy.control("POST", "/faults", bad)
        assert answer.status_code == 400 and "error" in answer.get_json()
    answer = toy.client.post("/_toy/faults", data="{oops")
    assert answer.status_code == 400 and answer.get_json() == {"error": "body must be JSON"}
    assert len(toy.control("GET", "/faults").get_json()["faults"]) == 3  # a bad add adds nothing
    assert toy.control("DELETE", "/faults").get_json() == {"faults": []}


def test_faults_survive_a_restart(toy: Toy) -> None:
    toy.faults({"type": "down"})
    again = Toy(type(toy.app)(toy.app.store.path))
    assert again.get("/api/hello").status_code == 503


def test_each_fired_fault_is_logged_with_its_path(
    toy: Toy, caplog: pytest.LogCaptureFixture
) -> None:
    toy.faults({"type": "status", "status": 503, "count": 1}, {"type": "broken", "count": 1})
    with caplog.at_level(logging.INFO, logger="tests.offline.conftest"):
        toy.get("/api/hello")
        toy.get("/api/hello")
    fired = [(r.getMessage(), getattr(r, "path", None)) for r in caplog.records]
    assert fired == [("toy.fault.status", "/api/hello"), ("toy.fault.broken", "/api/hello")]
    assert caplog.records[0].status == 503  # type: ignore[attr-defined]
