"""Several seller accounts on one emulator: each token sees and changes only its seller's data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from emulator.app import create_app
from emulator.clock import FakeClock
from tests.emulator.conftest import Emulator
from tests.emulator.test_contract import validate


def two_sellers(db_path: Path, clock: FakeClock) -> tuple[Emulator, Emulator, dict]:
    app = create_app(db_path, clock=clock)
    pl, cz = Emulator(app, clock), Emulator(app, clock)
    added = pl.control(
        "POST",
        "/sellers",
        {"login": "sklep_cz", "base_marketplace": "allegro-cz", "orders": 3},
    )
    assert added.status_code == 201, added.get_data(as_text=True)
    pl.connect()
    cz.connect(seller="sklep_cz")
    return pl, cz, added.get_json()


def test_a_second_seller_has_its_own_profile_orders_and_journal(
    db_path: Path, clock: FakeClock
) -> None:
    pl, cz, added = two_sellers(db_path, clock)

    me = cz.get("/me")
    validate(me)
    assert (me.get_json()["login"], me.get_json()["baseMarketplace"]) == (
        "sklep_cz",
        {"id": "allegro-cz"},
    )
    assert pl.get("/me").get_json()["login"] == "sklep_demo"

    cz_forms = cz.get("/order/checkout-forms")
    validate(cz_forms)
    assert {form["id"] for form in cz_forms.get_json()["checkoutForms"]} == set(added["orders"])
    assert {f["marketplace"]["id"] for f in cz_forms.get_json()["checkoutForms"]} == {"allegro-cz"}
    pl_ids = {form["id"] for form in pl.forms("?limit=100")["checkoutForms"]}
    assert pl_ids and not pl_ids & set(added["orders"])

    events = cz.get("/order/events")
    validate(events)
    assert {e["order"]["seller"]["id"] for e in events.get_json()["events"]} == {added["id"]}
    assert {e["order"]["checkoutForm"]["id"] for e in events.get_json()["events"]} == set(
        added["orders"]
    )
    latest = cz.get("/order/event-stats").get_json()["latestEvent"]["id"]
    assert latest == events.get_json()["events"][-1]["id"]

    # New orders go to the seller named; the other seller's journal does not see them.
    new = pl.control("POST", "/orders", {"seller": "sklep_cz", "marketplace": "allegro-sk"})
    (new_id,) = new.get_json()["ids"]
    assert pl.get(f"/order/checkout-forms/{new_id}").status_code == 404
    assert cz.get(f"/order/checkout-forms/{new_id}").status_code == 200
    pl_events = pl.get("/order/events").get_json()["events"]
    assert all(e["order"]["checkoutForm"]["id"] != new_id for e in pl_events)


def test_a_seller_cannot_write_to_another_sellers_order(db_path: Path, clock: FakeClock) -> None:
    pl, cz, added = two_sellers(db_path, clock)
    order_id = added["orders"][0]
    body = {"status": "PROCESSING"}

    refused = pl.put(f"/order/checkout-forms/{order_id}/fulfillment", body)
    assert refused.status_code == 404
    assert pl.state(order_id)["checkoutForm"]["fulfillment"]["status"] == "NEW"
    assert pl.get(f"/order/checkout-forms/{order_id}/shipments").status_code == 404

    done = cz.put(f"/order/checkout-forms/{order_id}/fulfillment", body)
    assert done.status_code == 204
    assert cz.state(order_id)["checkoutForm"]["fulfillment"]["status"] == "PROCESSING"
    assert cz.state(order_id)["seller"] == added["id"]


def test_refreshed_tokens_stay_with_their_seller(db_path: Path, clock: FakeClock) -> None:
    app = create_app(db_path, clock=clock)
    em = Emulator(app, clock)
    em.control("POST", "/sellers", {"login": "sklep_cz", "base_marketplace": "allegro-cz"})
    tokens = em.connect(seller="sklep_cz")
    refreshed = em.oauth(
        "token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    ).get_json()
    em.token = refreshed["access_token"]
    assert em.get("/me").get_json()["login"] == "sklep_cz"


def test_a_fault_for_one_seller_leaves_the_other_alone(db_path: Path, clock: FakeClock) -> None:
    pl, cz, _added = two_sellers(db_path, clock)
    pl.control("POST", "/faults", {"type": "status", "status": 429, "seller": "sklep_cz"})

    assert cz.get("/order/checkout-forms").status_code == 429
    assert cz.get("/me").status_code == 429
    assert pl.get("/order/checkout-forms").status_code == 200
    assert pl.get("/me").status_code == 200


def test_device_approval_by_an_unknown_seller_is_refused(db_path: Path, clock: FakeClock) -> None:
    em = Emulator(create_app(db_path, clock=clock), clock)
    device = em.oauth("device", {"client_id": "emulator-client"}).get_json()
    answer = em.control(
        "POST", "/device/approve", {"user_code": device["user_code"], "seller": "nobody"}
    )
    assert answer.status_code == 404


def test_the_pairing_page_lets_the_seller_choose_the_account(
    db_path: Path, clock: FakeClock
) -> None:
    em = Emulator(create_app(db_path, clock=clock), clock)
    em.control("POST", "/sellers", {"login": "sklep_cz", "base_marketplace": "allegro-cz"})
    em.control("POST", "/tokens", {"device_interval": 0})
    device = em.oauth("device", {"client_id": "emulator-client"}).get_json()
    page = em.client.get(f"/skojarz-aplikacje?code={device['user_code']}")
    assert b"sklep_cz" in page.data and b"sklep_demo" in page.data
    em.client.post(
        "/skojarz-aplikacje",
        data={"code": device["user_code"], "action": "approve", "seller": "sklep_cz"},
    )
    grant = "urn:ietf:params:oauth:grant-type:device_code"
    tokens = em.oauth("token", {"grant_type": grant, "device_code": device["device_code"]})
    em.token = tokens.get_json()["access_token"]
    assert em.get("/me").get_json()["login"] == "sklep_cz"


def test_a_db_from_before_sellers_is_upgraded_to_the_first_seller(
    db_path: Path, clock: FakeClock
) -> None:
    conn = sqlite3.connect(db_path)
    conn.executescript(
        "CREATE TABLE orders (id TEXT PRIMARY KEY, marketplace TEXT NOT NULL, status TEXT NOT "
        "NULL, fulfillment_status TEXT NOT NULL, line_items_sent TEXT NOT NULL, bought_at TEXT "
        "NOT NULL, updated_at TEXT NOT NULL, buyer_login TEXT NOT NULL, payment_id TEXT, "
        "delivery_method_id TEXT, rev_no INTEGER NOT NULL, fulfillment_changes INTEGER NOT NULL "
        "DEFAULT 0, merged_into TEXT, data TEXT NOT NULL);"
        "CREATE TABLE access_tokens (token TEXT PRIMARY KEY, expires_at REAL NOT NULL, "
        "revoked INTEGER NOT NULL DEFAULT 0);"
        "INSERT INTO access_tokens VALUES ('old', 1e12, 0);"
    )
    conn.close()
    em = Emulator(create_app(db_path, clock=clock), clock)
    em.token = "old"
    assert em.get("/me").get_json()["login"] == "sklep_demo"
    assert em.forms()["totalCount"] == 40
