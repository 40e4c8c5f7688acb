"""The connect page shows Allegro's trace-id with a connection error when Allegro sent one."""

import pytest
from django.urls import reverse

from shop.roles import ADMINISTRATOR
from tests.support.clients import signed_in
from tests.support.html import messages_of
from tests.support.stub_allegro import stub_allegro
from tests.support.workers import free_port

pytestmark = pytest.mark.django_db
START = reverse("allegro:accounts:settings_connect_start")


def test_allegro_failing_to_start_a_connection_shows_its_trace_id(settings):
    answer = (503, "<html>Service Unavailable</html>", {"trace-id": "connect-trace-5"})
    with stub_allegro(lambda method, path: answer) as stub:
        settings.ALLEGRO_AUTH_URL = f"{stub.url}/auth/oauth"
        response = signed_in(role=ADMINISTRATOR).post(START)

    (message,) = messages_of(response)
    assert message.endswith("(trace-id: connect-trace-5)")


def test_a_connection_error_says_allegro_is_not_answering_without_a_trace_id(settings):
    settings.ALLEGRO_AUTH_URL = f"http://127.0.0.1:{free_port()}/auth/oauth"
    settings.ALLEGRO_HTTP_TIMEOUT = 2

    (message,) = messages_of(signed_in(role=ADMINISTRATOR).post(START))

    assert "trace-id" not in message
