import logging
import socket
from datetime import UTC, datetime, timedelta, timezone

import pytest

from allegro.api.client import (
    AllegroClient,
    AllegroOAuth,
    DeviceAuthorization,
    InMemoryTokenStore,
    OAuthTokens,
    format_datetime,
    oauth_from_settings,
    parse_datetime,
)
from allegro.api.errors import (
    AccessDenied,
    AllegroAuthError,
    AllegroClientError,
    AllegroConflict,
    AllegroError,
    AllegroNotFound,
    AllegroRateLimited,
    AllegroUnavailable,
    AuthorizationPending,
    SlowDown,
)
from allegro.api.payloads import parse_checkout_form


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_token_reprs_hide_the_secrets():
    tokens = OAuthTokens("access-secret", "refresh-secret", datetime.now(UTC))
    authorization = DeviceAuthorization("ABC-123", "device-secret", "u", "u?code=ABC-123", 5, 600)
    shown = repr(tokens) + str(tokens) + repr(authorization)
    for secret in ("access-secret", "refresh-secret", "device-secret"):
        assert secret not in shown
    assert "ABC-123" in repr(authorization)


def test_query_datetimes_are_iso_8601_in_utc_with_z():
    warsaw = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2026, 9, 22, 20, 39, 51, tzinfo=warsaw)) == (
        "2026-09-22T18:39:51.000Z"
    )
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 9, 22, 18, 39))


def test_response_datetimes_are_aware():
    assert parse_datetime("2026-09-22T18:39:51.660Z") == datetime(
        2026, 9, 22, 18, 39, 51, 660000, tzinfo=UTC
    )


def test_only_unavailable_and_rate_limited_are_transient():
    assert AllegroUnavailable("x").is_transient
    assert AllegroRateLimited("x", retry_after=3).is_transient
    for error in (
        AllegroError("x"),
        AllegroAuthError("x"),
        AllegroNotFound("x"),
        AllegroConflict("x"),
        AllegroClientError("x"),
    ):
        assert not error.is_transient


def test_a_refused_connection_is_unavailable():
    oauth = AllegroOAuth(f"http://127.0.0.1:{free_port()}/auth/oauth", "id", "secret", 2)
    with pytest.raises(AllegroUnavailable) as caught:
        oauth.device_authorization_start()
    assert caught.value.status is None
    assert caught.value.is_transient


@pytest.fixture
def oauth(allegro_emulator: str) -> AllegroOAuth:
    return oauth_from_settings()


@pytest.fixture
def api(allegro_emulator: str, oauth: AllegroOAuth, emulator_device_approve) -> AllegroClient:
    """A client for the emulator's seller, holding its tokens in memory."""
    authorization = oauth.device_authorization_start()
    emulator_device_approve(authorization.user_code)
    tokens = oauth.device_token(authorization.device_code)
    return AllegroClient(allegro_emulator, InMemoryTokenStore(tokens), oauth, timeout=5)


def a_paid_form(api: AllegroClient) -> dict:
    return api.checkout_forms(limit=1, status="READY_FOR_PROCESSING").forms[0]


def test_reads_the_seller_the_journal_and_the_forms(api):
    profile = api.me()
    assert profile.id and profile.login and profile.base_marketplace.startswith("allegro-")

    events = api.order_events(from_id=None, limit=5)
    assert 0 < len(events) <= 5
    assert all(e.occurred_at.tzinfo is not None and e.checkout_form_id for e in events)
    later = api.order_events(from_id=events[0].id, limit=5)
    assert later[0].id == events[1].id
    assert api.order_event_stats().id

    since = datetime.now(UTC) - timedelta(days=365)
    page = api.checkout_forms(limit=2, bought_at_gte=since, sort="-lineItems.boughtAt")
    assert page.count == len(page.forms) == 2
    assert page.total_count >= 2
    form = api.checkout_form(page.forms[0]["id"])
    assert form == page.forms[0]
    assert parse_checkout_form(form).total_to_pay.amount > 0


def test_writes_fulfillment_shipments_and_invoices(api):
    form = a_paid_form(api)
    api.fulfillment_set(form["id"], status="PROCESSING", revision=form["revision"])
    assert api.checkout_form(form["id"])["fulfillment"]["status"] == "PROCESSING"

    carrier = next(c for c in api.carriers() if c.id != "OTHER")
    shipment = api.shipment_add(form["id"], carrier_id=carrier.id, waybill="AD-1239134")
    assert api.shipments(form["id"]) == [shipment]
    assert shipment.line_item_ids  # an empty list ships every line

    invoice_id = api.invoice_add(form["id"], file_name="FV-1-2026.pdf", invoice_number="FV 1/2026")
    api.invoice_file_upload(form["id"], invoice_id, b"%PDF-1.4\n%%EOF\n")
    [invoice] = api.invoices(form["id"])
    assert (invoice.id, invoice.invoice_number, invoice.file_name) == (
        invoice_id,
        "FV 1/2026",
        "FV-1-2026.pdf",
    )
    assert invoice.file_uploaded_at is not None


def test_429_is_rate_limited_with_retry_after(api, emulator_control):
    emulator_control("faults", {"type": "status", "status": 429, "retry_after": 7, "count": 1})
    with pytest.raises(AllegroRateLimited) as caught:
        api.me()
    assert caught.value.status == 429
    assert caught.value.retry_after == 7
    assert caught.value.trace_id
    assert caught.value.is_transient


def test_500_with_an_html_page_is_unavailable(api, emulator_control):
    emulator_control("faults", {"type": "status", "status": 500, "count": 1})
    with pytest.raises(AllegroUnavailable) as caught:
        api.order_events(from_id=None)
    assert caught.value.status == 500
    assert "<html>" in caught.value.body
    assert api.me().login  # the fault was one-off


def test_a_slow_answer_times_out_as_unavailable(api, emulator_control):
    emulator_control("faults", {"type": "slow", "seconds": 2, "count": 1})
    api.timeout = 0.3
    with pytest.raises(AllegroUnavailable) as caught:
        api.me()
    assert caught.value.status is None


def test_404_is_not_found_with_the_user_message(api):
    with pytest.raises(AllegroNotFound) as caught:
        api.checkout_form("00000000-0000-4000-8000-000000000000")
    assert caught.value.user_message
    assert caught.value.errors[0]["code"] == "NOT_FOUND"
    assert not caught.value.is_transient


def test_stale_revision_is_a_conflict(api):
    form = a_paid_form(api)
    with pytest.raises(AllegroConflict) as caught:
        api.fulfillment_set(form["id"], status="PROCESSING", revision="stale-revision")
    assert caught.value.status == 409
    assert caught.value.user_message == "The order has changed. Refresh it and try again."


def test_422_is_a_client_error_carrying_errors_and_user_message(api):
    form = a_paid_form(api)
    with pytest.raises(AllegroClientError) as caught:
        api.fulfillment_set(form["id"], status="RETURNED", revision=form["revision"])
    assert type(caught.value) is AllegroClientError
    assert caught.value.status == 422
    assert caught.value.errors[0]["code"] == "FULFILLMENT_STATUS_NOT_ALLOWED"
    assert caught.value.user_message


def test_an_expired_access_token_is_refreshed_before_the_call(api, caplog):
    stale = api.tokens.current()
    api.tokens = InMemoryTokenStore(
        OAuthTokens(stale.access_token, stale.refresh_token, datetime.now(UTC))
    )
    with caplog.at_level(logging.INFO, logger="allegro"):
        assert api.me().login
    assert api.tokens.current().access_token != stale.access_token
    messages = [r.message for r in caplog.records]
    assert "allegro.oauth.refreshed" in messages
    assert "allegro.token.rejected" not in messages


def test_a_token_rejected_with_401_is_refreshed_once_and_the_call_retried(api, emulator_control):
    stale = api.tokens.current()
    emulator_control("tokens/expire")
    assert api.me().login
    assert api.tokens.current().access_token != stale.access_token


def test_revoked_tokens_end_in_an_auth_error_needing_reconnect(api, emulator_control):
    emulator_control("tokens/revoke")
    with pytest.raises(AllegroAuthError) as caught:
        api.me()
    assert caught.value.needs_reconnect
    assert not caught.value.is_transient


def test_device_flow_answers(oauth, emulator_control):
    authorization = oauth.device_authorization_start()
    assert authorization.interval > 0 and authorization.expires_in > 0
    with pytest.raises(AuthorizationPending):
        oauth.device_token(authorization.device_code)
    with pytest.raises(SlowDown):
        oauth.device_token(authorization.device_code)

    emulator_control("device/deny", {"user_code": authorization.user_code})
    with pytest.raises(AccessDenied):
        oauth.device_token(authorization.device_code)
