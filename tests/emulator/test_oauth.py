"""Device flow, refresh rotation with its 60 s grace, expiry and revocation."""

from __future__ import annotations

import base64
from pathlib import Path

from emulator.app import create_app
from emulator.clock import FakeClock
from tests.emulator.conftest import Emulator

GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def fresh(db_path: Path, clock: FakeClock) -> Emulator:
    return Emulator(create_app(db_path, clock=clock), clock)


def test_device_flow_pending_slow_down_then_tokens(db_path: Path, clock: FakeClock) -> None:
    em = fresh(db_path, clock)
    device = em.oauth("device", {"client_id": "emulator-client"})
    assert device.status_code == 200
    body = device.get_json()
    assert body["interval"] == 5 and body["expires_in"] == 3600
    assert body["verification_uri_complete"].endswith(
        f"/skojarz-aplikacje?code={body['user_code']}"
    )
    poll = {"grant_type": GRANT, "device_code": body["device_code"]}

    first = em.oauth("token", poll)
    assert (first.status_code, first.get_json()["error"]) == (400, "authorization_pending")
    assert em.oauth("token", poll).get_json()["error"] == "slow_down"
    clock.advance(5)
    assert em.oauth("token", poll).get_json()["error"] == "authorization_pending"

    # The seller confirms on the pairing page, as in a browser.
    page = em.client.get(f"/skojarz-aplikacje?code={body['user_code']}")
    assert b"Confirm" in page.data
    confirmed = em.client.post(
        "/skojarz-aplikacje", data={"code": body["user_code"], "action": "approve"}
    )
    assert confirmed.status_code == 200

    clock.advance(5)
    tokens = em.oauth("token", poll)
    assert tokens.status_code == 200
    data = tokens.get_json()
    assert data["token_type"] == "bearer" and data["expires_in"] == 43199
    assert data["scope"] == (
        "allegro:api:orders:read allegro:api:orders:write allegro:api:profile:read"
    )
    assert data["allegro_api"] is True and data["jti"]
    em.token = data["access_token"]
    assert em.get("/me").get_json()["baseMarketplace"]["id"] == "allegro-pl"

    clock.advance(5)
    assert em.oauth("token", poll).get_json()["error"] == "invalid_grant"  # single use


def test_denied_and_expired_device_codes(db_path: Path, clock: FakeClock) -> None:
    em = fresh(db_path, clock)
    em.control("POST", "/tokens", {"device_interval": 0})
    denied = em.oauth("device", {}).get_json()
    em.control("POST", "/device/deny", {"user_code": denied["user_code"]})
    answer = em.oauth("token", {"grant_type": GRANT, "device_code": denied["device_code"]})
    assert answer.get_json()["error"] == "access_denied"

    late = em.oauth("device", {}).get_json()
    clock.advance(3601)
    answer = em.oauth("token", {"grant_type": GRANT, "device_code": late["device_code"]})
    assert (answer.status_code, answer.get_json()["error"]) == (400, "invalid_grant")


def test_wrong_client_credentials_are_invalid_client(db_path: Path, clock: FakeClock) -> None:
    em = fresh(db_path, clock)
    wrong = "Basic " + base64.b64encode(b"emulator-client:nope").decode()
    for path in ("device", "token"):
        answer = em.oauth(path, {"grant_type": "refresh_token", "refresh_token": "x"}, auth=wrong)
        assert answer.status_code == 401
        assert answer.get_json()["error"] == "invalid_client"
        assert answer.get_json()["error_description"]


def test_refresh_rotates_and_old_token_has_60_seconds_grace(emulator: Emulator) -> None:
    em = emulator
    first = em.connect()
    old = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    rotated = em.oauth("token", old).get_json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]

    em.clock.advance(59)
    # A racing worker with the old refresh token gets the very same new pair.
    assert em.oauth("token", old).get_json() == rotated
    em.clock.advance(2)
    late = em.oauth("token", old)
    assert (late.status_code, late.get_json()["error"]) == (400, "invalid_grant")

    newer = em.oauth(
        "token", {"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]}
    )
    assert newer.status_code == 200


def test_expired_access_token_is_invalid_token(emulator: Emulator) -> None:
    em = emulator
    em.control("POST", "/tokens", {"access_token_ttl": 1})
    tokens = em.connect()
    assert tokens["expires_in"] == 1
    assert em.get("/me").status_code == 200
    em.clock.advance(1)
    answer = em.get("/me")
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_token"
    refreshed = em.oauth(
        "token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    em.token = refreshed.get_json()["access_token"]
    assert em.get("/me").status_code == 200


def test_expire_now_and_revoke_everything(emulator: Emulator) -> None:
    em = emulator
    tokens = em.connect()
    em.control("POST", "/tokens/expire")
    assert em.get("/me").get_json()["error"] == "invalid_token"
    em.control("POST", "/tokens/revoke")
    answer = em.oauth(
        "token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert answer.get_json()["error"] == "invalid_grant"  # the shop must reconnect


def test_missing_token_and_wrong_accept(emulator: Emulator) -> None:
    em = emulator
    assert em.client.get("/me", headers={"Accept": em.headers()["Accept"]}).status_code == 401
    answer = em.client.get("/me", headers={"Authorization": f"Bearer {em.token}"})
    assert answer.status_code == 406
    assert answer.get_json()["errors"][0]["code"] == "NotAcceptableException"
