"""Buyer-side levers (new orders, cancel, surcharge, merge), persistence and the real server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from emulator.app import create_app
from emulator.testing import running_emulator
from tests.emulator.conftest import BASIC, MEDIA_TYPE, Emulator, ready_order

ROOT = Path(__file__).resolve().parents[2]


def events_after(em: Emulator, cursor: str) -> list[dict]:
    return em.get(f"/order/events?from={cursor}&limit=1000").get_json()["events"]


def cursor_now(em: Emulator) -> str:
    return em.get("/order/event-stats").get_json()["latestEvent"]["id"]


def test_new_orders_come_with_their_journal(emulator: Emulator) -> None:
    em = emulator
    cursor = cursor_now(em)
    created = em.control("POST", "/orders", {"marketplace": "allegro-cz", "count": 3})
    assert created.status_code == 201
    ids = created.get_json()["ids"]
    events = events_after(em, cursor)
    assert [e["type"] for e in events if e["order"]["checkoutForm"]["id"] == ids[0]] == [
        "BOUGHT",
        "FILLED_IN",
        "READY_FOR_PROCESSING",
    ]
    form = em.get(f"/order/checkout-forms/{ids[0]}").get_json()
    assert form["marketplace"]["id"] == "allegro-cz" and form["status"] == "READY_FOR_PROCESSING"
    assert form["summary"]["totalToPay"]["currency"] == "CZK"
    bought = em.control("POST", "/orders", {"marketplace": "allegro-hu", "status": "BOUGHT"})
    assert (
        em.get(f"/order/checkout-forms/{bought.get_json()['ids'][0]}").get_json()["status"]
        == "BOUGHT"
    )
    assert em.control("POST", "/orders", {"marketplace": "allegro-de"}).status_code == 400


def test_cancel_surcharge_and_auto_cancel(emulator: Emulator) -> None:
    em = emulator
    order = ready_order(em)
    cursor = cursor_now(em)
    surcharged = em.control(
        "POST", f"/orders/{order['id']}/surcharge", {"amount": "7.50"}
    ).get_json()
    form = em.get(f"/order/checkout-forms/{order['id']}").get_json()
    assert form["revision"] == surcharged["revision"] != order["revision"]
    assert len(form["surcharges"]) == 1
    old_total = float(order["summary"]["totalToPay"]["amount"])
    assert abs(float(form["summary"]["totalToPay"]["amount"]) - old_total - 7.5) < 0.001
    em.control("POST", f"/orders/{order['id']}/cancel")
    assert em.get(f"/order/checkout-forms/{order['id']}").get_json()["status"] == "CANCELLED"
    other = ready_order(em)
    em.control("POST", f"/orders/{other['id']}/auto-cancel")
    types = [e["type"] for e in events_after(em, cursor)]
    assert types[:2] == ["READY_FOR_PROCESSING", "BUYER_CANCELLED"]
    assert types[-1] == "AUTO_CANCELLED"
    assert em.control("POST", "/orders/nope/cancel").status_code == 404


def test_merge_replaces_orders_with_a_new_form_and_old_ids_404(emulator: Emulator) -> None:
    em = emulator
    first, second = ready_order(em), ready_order(em)
    cursor = cursor_now(em)
    merged = em.control("POST", "/merge", {"ids": [first["id"], second["id"]]})
    assert merged.status_code == 201
    new_id = merged.get_json()["id"]
    for old in (first, second):
        assert em.get(f"/order/checkout-forms/{old['id']}").status_code == 404
        assert em.state(old["id"])["mergedInto"] == new_id
    form = em.get(f"/order/checkout-forms/{new_id}").get_json()
    line_ids = [i["id"] for i in first["lineItems"] + second["lineItems"]]
    assert [i["id"] for i in form["lineItems"]] == line_ids
    listed = {f["id"] for f in em.forms("?limit=100")["checkoutForms"]}
    assert new_id in listed and first["id"] not in listed
    assert {e["order"]["checkoutForm"]["id"] for e in events_after(em, cursor)} == {new_id}
    assert em.control("POST", "/merge", {"ids": [new_id]}).status_code == 422


def test_state_survives_a_restart(db_path: Path, emulator: Emulator) -> None:
    em = emulator
    order = ready_order(em)
    em.put(f"/order/checkout-forms/{order['id']}/fulfillment", {"status": "PROCESSING"})
    em.control("POST", "/faults", {"type": "status", "status": 503, "count": 1, "path": "/nowhere"})
    restarted = Emulator(create_app(db_path, clock=em.clock), em.clock)
    restarted.token = em.token  # tokens live in the db too
    form = restarted.get(f"/order/checkout-forms/{order['id']}").get_json()
    assert form["fulfillment"]["status"] == "PROCESSING"
    state = restarted.control("GET", "/state").get_json()
    assert state["orders"] == 41  # no reseed on top of existing data
    assert len(state["faults"]) == 1


def test_reset_reseeds_and_event_ids_keep_growing(emulator: Emulator) -> None:
    em = emulator
    ready_order(em)
    before = int(cursor_now(em))
    assert em.control("POST", "/reset").get_json() == {"orders": 40}
    events = em.get("/order/events?limit=1").get_json()["events"]
    assert int(events[0]["id"]) > before


def test_running_emulator_and_cli_over_real_http(tmp_path: Path) -> None:
    with running_emulator(tmp_path / "served.sqlite3") as url:
        assert url.startswith("http://127.0.0.1:")
        session = requests.Session()
        device = session.post(
            f"{url}/auth/oauth/device",
            params={"client_id": "emulator-client"},
            headers={"Authorization": BASIC},
            timeout=5,
        ).json()
        assert device["verification_uri"] == f"{url}/skojarz-aplikacje"
        cli = [sys.executable, "-m", "emulator"]
        run = subprocess.run(
            [*cli, "approve", device["user_code"], "--url", url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert device["user_code"] in run.stdout
        session.post(f"{url}/_emulator/tokens", json={"device_interval": 0}, timeout=5)
        tokens = session.post(
            f"{url}/auth/oauth/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": device["device_code"],
            },
            headers={"Authorization": BASIC},
            timeout=5,
        ).json()
        headers = {"Accept": MEDIA_TYPE, "Authorization": f"Bearer {tokens['access_token']}"}
        seeded = session.get(
            f"{url}/order/checkout-forms?marketplace.id=allegro-sk", headers=headers, timeout=5
        ).json()["totalCount"]
        assert seeded > 0
        subprocess.run(
            [*cli, "new-order", "--marketplace", "allegro-sk", "--count", "2", "--url", url],
            cwd=ROOT,
            capture_output=True,
            timeout=30,
            check=True,
        )
        page = session.get(
            f"{url}/order/checkout-forms?marketplace.id=allegro-sk", headers=headers, timeout=5
        )
        assert page.headers["Content-Type"].startswith(MEDIA_TYPE) and page.headers["trace-id"]
        assert page.json()["totalCount"] == seeded + 2
        subprocess.run(
            [*cli, "faults", '{"type": "status", "status": 429, "count": 1}', "--url", url],
            cwd=ROOT,
            capture_output=True,
            timeout=30,
            check=True,
        )
        limited = session.get(f"{url}/me", headers=headers, timeout=5)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        assert session.get(f"{url}/me", headers=headers, timeout=5).status_code == 200
