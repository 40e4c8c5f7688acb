"""The list endpoint's limits, filters and sorting; the event journal; the seeded demo data."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from emulator.app import create_app
from emulator.catalogue import SKUS
from emulator.clock import FakeClock
from tests.emulator.conftest import Emulator


@pytest.mark.parametrize(
    "query",
    ["?limit=0", "?limit=101", "?offset=-1", "?offset=9901&limit=100", "?offset=10000&limit=1"],
)
def test_list_limits_answer_422(emulator: Emulator, query: str) -> None:
    answer = emulator.get(f"/order/checkout-forms{query}")
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["path"] in ("limit", "offset")


def test_offset_plus_limit_of_exactly_10000_is_allowed(emulator: Emulator) -> None:
    page = emulator.forms("?offset=9900&limit=100")
    assert page["checkoutForms"] == [] and page["count"] == 0 and page["totalCount"] == 40


def test_pages_cover_all_orders_newest_bought_first(emulator: Emulator) -> None:
    seen = []
    for offset in range(0, 40, 15):
        page = emulator.forms(f"?limit=15&offset={offset}")
        assert page["totalCount"] == 40
        seen += page["checkoutForms"]
    assert len({form["id"] for form in seen}) == 40
    bought = [max(item["boughtAt"] for item in form["lineItems"]) for form in seen]
    assert bought == sorted(bought, reverse=True)
    oldest_first = emulator.forms("?sort=lineItems.boughtAt&limit=1")["checkoutForms"][0]
    assert oldest_first["id"] == seen[-1]["id"]


def test_filters(emulator: Emulator) -> None:
    em = emulator
    for status in ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "CANCELLED"):
        forms = em.forms(f"?status={status}")["checkoutForms"]
        assert forms and {form["status"] for form in forms} == {status}
    czech = em.forms("?marketplace.id=allegro-cz")["checkoutForms"]
    assert {form["summary"]["totalToPay"]["currency"] for form in czech} == {"CZK"}
    sent = em.forms("?fulfillment.status=SENT")["checkoutForms"]
    assert sent and all(f["fulfillment"]["status"] == "SENT" for f in sent)
    one = czech[0]
    assert em.forms(f"?buyer.login={one['buyer']['login']}")["checkoutForms"][0]["id"] == one["id"]
    assert [f["id"] for f in em.forms(f"?payment.id={one['payment']['id']}")["checkoutForms"]] == [
        one["id"]
    ]
    method = one["delivery"]["method"]["id"]
    assert all(
        f["delivery"]["method"]["id"] == method
        for f in em.forms(f"?delivery.method.id={method}")["checkoutForms"]
    )
    boughts = sorted(
        max(i["boughtAt"] for i in f["lineItems"]) for f in em.forms()["checkoutForms"]
    )
    low, high = boughts[10], boughts[20]
    window = em.forms(f"?lineItems.boughtAt.gte={low}&lineItems.boughtAt.lte={high}")
    assert window["totalCount"] == 11
    updated = em.forms(f"?updatedAt.gte={low}&sort=-updatedAt")["checkoutForms"]
    assert all(f["updatedAt"] >= low for f in updated)
    assert [f["updatedAt"] for f in updated] == sorted(
        (f["updatedAt"] for f in updated), reverse=True
    )
    assert em.get("/order/checkout-forms?updatedAt.gte=yesterday").status_code == 400


def test_single_form_404_and_422(emulator: Emulator) -> None:
    assert emulator.get("/order/checkout-forms/12345").status_code == 422
    missing = emulator.get("/order/checkout-forms/6b1c2e40-3f7a-11f1-9a7e-2b6d8f0c1a11")
    assert missing.status_code == 404
    assert missing.get_json()["errors"][0]["code"] == "NOT_FOUND"


def test_events_oldest_first_after_cursor_with_type_filter(emulator: Emulator) -> None:
    em = emulator
    events = em.get("/order/events?limit=1000").get_json()["events"]
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(e["id"].isdigit() for e in events)
    assert len(em.get("/order/events").get_json()["events"]) == 100  # default limit
    after = em.get(f"/order/events?from={events[9]['id']}&limit=5").get_json()["events"]
    assert [e["id"] for e in after] == [e["id"] for e in events[10:15]]
    only = em.get("/order/events?type=BUYER_CANCELLED&type=AUTO_CANCELLED&limit=1000")
    assert {e["type"] for e in only.get_json()["events"]} == {"BUYER_CANCELLED", "AUTO_CANCELLED"}
    stats = em.get("/order/event-stats").get_json()["latestEvent"]
    assert stats["id"] == events[-1]["id"]
    assert em.get(f"/order/events?from={stats['id']}").get_json()["events"] == []
    assert em.get("/order/events?limit=0").status_code == 422


def test_seeded_orders_are_realistic_and_their_money_adds_up(emulator: Emulator) -> None:
    forms = emulator.forms()["checkoutForms"]
    assert len(forms) == 40
    assert Counter(f["marketplace"]["id"] for f in forms).keys() == {
        "allegro-pl",
        "allegro-business-pl",
        "allegro-cz",
        "allegro-sk",
        "allegro-hu",
    }
    currency = {
        "allegro-pl": "PLN",
        "allegro-business-pl": "PLN",
        "allegro-cz": "CZK",
        "allegro-sk": "EUR",
        "allegro-hu": "HUF",
    }
    for form in forms:
        expected = currency[form["marketplace"]["id"]]
        lines = sum(Decimal(i["price"]["amount"]) * i["quantity"] for i in form["lineItems"])
        extra = sum(Decimal(s["paidAmount"]["amount"]) for s in form["surcharges"])
        total = lines + Decimal(form["delivery"]["cost"]["amount"]) + extra
        assert form["summary"]["totalToPay"] == {"amount": f"{total:.2f}", "currency": expected}
        assert all(i["offer"]["external"]["id"] in SKUS for i in form["lineItems"])
    # business.allegro.pl: Polish companies, each with a NIP on the invoice.
    business = [f for f in forms if f["marketplace"]["id"] == "allegro-business-pl"]
    assert business
    for form in business:
        company = form["invoice"]["address"]["company"]
        assert form["invoice"]["required"] and company["ids"][0]["type"] == "PL_NIP"
    czech_company = next(f for f in forms if f["invoice"].get("features") == ["VAT_EU_VERIFIED"])
    ids = {i["type"] for i in czech_company["invoice"]["address"]["company"]["ids"]}
    assert ids == {"CZ_ICO", "CZ_DIC", "VAT_EU"}
    assert czech_company["delivery"]["pickupPoint"]["id"] == "9290"
    assert any(
        i["type"] == "PL_NIP"
        for f in forms
        for i in f["invoice"].get("address", {}).get("company", {}).get("ids", [])
    )
    assert any(f["invoice"]["required"] and "company" not in f["invoice"]["address"] for f in forms)
    assert any(f["surcharges"] for f in forms)
    assert any(len(f["lineItems"]) > 1 for f in forms)
    assert any(f.get("messageToSeller") for f in forms)
    assert any(f["delivery"].get("pickupPoint", {}).get("id") == "KRA01M" for f in forms)
    assert {f["status"] for f in forms} == {
        "BOUGHT",
        "FILLED_IN",
        "READY_FOR_PROCESSING",
        "CANCELLED",
    }


def test_seeding_is_deterministic(tmp_path: Path) -> None:
    clock = FakeClock()
    first = Emulator(create_app(tmp_path / "a.sqlite3", clock=clock), clock)
    second = Emulator(create_app(tmp_path / "b.sqlite3", clock=clock), clock)
    for em in (first, second):
        em.connect()
    assert first.forms() == second.forms()


def test_list_pages_100_forms_out_of_10000_orders(tmp_path: Path) -> None:
    """How fast is bench/emulator_bench.py's to say; here, that the pages are right."""
    clock = FakeClock()
    em = Emulator(create_app(tmp_path / "big.sqlite3", seed=False, clock=clock), clock)
    em.control("POST", "/generate", {"count": 10_000, "days": 30})
    em.connect()
    for query in ("", "?status=READY_FOR_PROCESSING&offset=5000", "?marketplace.id=allegro-hu"):
        page = em.forms(query)
        assert page["count"] == 100
        assert len({form["id"] for form in page["checkoutForms"]}) == 100
