"""Injected faults: rate limits, HTML 5xx, slowness and a journal that lies."""

from __future__ import annotations

import time

from tests.emulator.conftest import Emulator


def set_faults(em: Emulator, *specs: dict) -> None:
    answer = em.control("POST", "/faults", {"faults": list(specs)})
    assert answer.status_code == 201, answer.get_data(as_text=True)


def test_next_n_requests_answer_429_with_retry_after(emulator: Emulator) -> None:
    em = emulator
    set_faults(em, {"type": "status", "status": 429, "count": 2, "retry_after": 7})
    for _ in range(2):
        answer = em.get("/order/events")
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert em.get("/order/events").status_code == 200
    assert em.control("GET", "/faults").get_json()["faults"] == []  # spent faults go away


def test_5xx_is_an_html_page_and_path_prefix_limits_it(emulator: Emulator) -> None:
    em = emulator
    set_faults(em, {"type": "status", "status": 502, "path": "/order/checkout-forms"})
    assert em.get("/order/events").status_code == 200
    answer = em.get("/order/checkout-forms")
    assert answer.status_code == 502 and answer.mimetype == "text/html"
    assert answer.get_data(as_text=True).lstrip().startswith("<!DOCTYPE html>")
    # OAuth is out of reach of API faults unless a fault names its path.
    assert em.oauth("device", {}).status_code == 200
    em.control("DELETE", "/faults")
    assert em.get("/order/checkout-forms").status_code == 200


def test_ratio_faults_are_deterministic_for_a_seed(emulator: Emulator) -> None:
    em = emulator

    def pattern() -> list[int]:
        em.control("DELETE", "/faults")
        set_faults(em, {"type": "status", "status": 503, "ratio": 0.5, "seed": 42})
        return [em.get("/me").status_code for _ in range(20)]

    first = pattern()
    assert first == pattern()
    assert 3 <= first.count(503) <= 17 and 200 in first


def test_slow_answers(emulator: Emulator) -> None:
    em = emulator
    set_faults(em, {"type": "slow", "seconds": 0.3, "count": 1, "path": "/me"})
    started = time.perf_counter()
    assert em.get("/me").status_code == 200
    # A lower bound only: the fault sleeps at least that long however fast the machine is.
    assert time.perf_counter() - started >= 0.3
    # Spent after one call: the next one is not slowed (asked of the fault list, not a clock).
    assert em.control("GET", "/faults").get_json()["faults"] == []
    assert em.get("/me").status_code == 200


def test_dropped_events_are_gone_for_good_but_the_order_is_listed(emulator: Emulator) -> None:
    em = emulator
    cursor = em.get("/order/event-stats").get_json()["latestEvent"]["id"]
    set_faults(em, {"type": "drop_events", "count": 1, "types": ["READY_FOR_PROCESSING"]})
    order_id = em.control("POST", "/orders", {"marketplace": "allegro-pl"}).get_json()["ids"][0]
    events = em.get(f"/order/events?from={cursor}").get_json()["events"]
    assert [e["type"] for e in events] == ["BOUGHT", "FILLED_IN"]
    em.control("DELETE", "/faults")
    assert len(em.get(f"/order/events?from={cursor}").get_json()["events"]) == 2
    # Only reconciliation with the list endpoint finds that it is paid.
    paid = em.forms("?status=READY_FOR_PROCESSING&limit=100")["checkoutForms"]
    assert order_id in {f["id"] for f in paid}
    assert [e["dropped"] for e in em.state(order_id)["events"]] == [False, False, True]


def test_duplicated_events(emulator: Emulator) -> None:
    em = emulator
    set_faults(em, {"type": "duplicate_events", "count": 1, "seed": 3})
    page = em.get("/order/events?limit=20").get_json()["events"]
    ids = [e["id"] for e in page]
    assert len(ids) == 20 and len(set(ids)) < 20
    clean = em.get("/order/events?limit=20").get_json()["events"]
    assert len({e["id"] for e in clean}) == 20


def test_out_of_order_events_within_a_page(emulator: Emulator) -> None:
    em = emulator
    set_faults(em, {"type": "shuffle_events", "count": 1, "seed": 5})
    page = [int(e["id"]) for e in em.get("/order/events?limit=30").get_json()["events"]]
    assert page != sorted(page)
    clean = [int(e["id"]) for e in em.get("/order/events?limit=30").get_json()["events"]]
    assert clean == sorted(page)


def test_invalid_fault_specs_are_rejected(emulator: Emulator) -> None:
    for spec in (
        {"type": "explode"},
        {"type": "status", "status": 404},
        {"type": "status", "ratio": 2},
    ):
        assert emulator.control("POST", "/faults", spec).status_code == 400


def test_corrupt_answers_lose_a_required_part_once(emulator: Emulator) -> None:
    em = emulator
    set_faults(em, {"type": "corrupt", "count": 2})

    listed = em.get("/order/checkout-forms").get_json()
    events = em.get("/order/events").get_json()

    assert "summary" not in listed["checkoutForms"][0]
    assert "summary" in listed["checkoutForms"][1]
    assert "order" not in events["events"][0]
    assert "summary" in em.get("/order/checkout-forms").get_json()["checkoutForms"][0]
