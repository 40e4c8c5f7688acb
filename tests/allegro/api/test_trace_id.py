"""Every failed Allegro call keeps Allegro's trace-id; every request names the product."""

import pytest

from allegro.api.client import user_agent
from allegro.api.errors import (
    AllegroBadResponse,
    AllegroClientError,
    AllegroError,
    AllegroUnavailable,
)
from tests.support.stub_allegro import stub_allegro, stub_client
from tests.support.workers import free_port

ALLEGRO_ERROR = {
    "errors": [
        {
            "code": "VALIDATION_ERROR",
            "message": "carrierId: unknown carrier",
            "userMessage": "Nieznany przewoźnik.",
            "details": None,
            "path": "carrierId",
            "metadata": {},
        }
    ]
}


@pytest.mark.parametrize(
    ("status", "body", "error_class"),
    [
        (422, ALLEGRO_ERROR, AllegroClientError),
        (503, "<html>Service Unavailable</html>", AllegroUnavailable),
        (200, {"carriers": [{"name": "no id"}]}, AllegroBadResponse),
        (200, "<html>a proxy's page</html>", AllegroUnavailable),
    ],
)
def test_a_failed_call_keeps_allegros_trace_id(status, body, error_class):
    answer = (status, body, {"trace-id": "trace-42"})
    with stub_allegro(lambda method, path: answer) as stub, pytest.raises(error_class) as caught:
        stub_client(stub.url).carriers()

    assert caught.value.trace_id == "trace-42"
    assert caught.value.for_staff().endswith(" (trace-id: trace-42)")


def test_a_connection_error_has_no_trace_id():
    with pytest.raises(AllegroUnavailable) as caught:
        stub_client(f"http://127.0.0.1:{free_port()}").carriers()

    assert caught.value.trace_id is None
    assert "trace-id" not in caught.value.for_staff()


def test_a_message_for_staff_keeps_allegros_words_and_adds_the_trace_id():
    error = AllegroError("POST /x: 422 VALIDATION_ERROR", trace_id="abc")
    assert error.for_staff("Nieznany przewoźnik.") == "Nieznany przewoźnik. (trace-id: abc)"
    assert AllegroError("timeout").for_staff() == "timeout"


def test_every_request_names_the_product_and_its_version(settings):
    settings.PRODUCT_CONTACT = "https://sklep.example/kontakt"
    expected = f"Kontuar/{settings.PRODUCT_VERSION} (+https://sklep.example/kontakt)"
    assert user_agent() == expected

    def answer(method: str, path: str):
        if path == "/auth/oauth/token":
            return 200, {"access_token": "a", "refresh_token": "r", "expires_in": 3600}, {}
        return 200, {"carriers": [{"id": "DPD", "name": "DPD"}]}, {}

    with stub_allegro(answer) as stub:
        api = stub_client(stub.url)
        api.carriers()
        api.oauth.refresh("refresh")

    assert [path for _method, path, _headers in stub.seen] == [
        "/order/carriers",
        "/auth/oauth/token",
    ]
    assert {headers["user-agent"] for _method, _path, headers in stub.seen} == {expected}


def test_the_version_comes_from_one_place(settings):
    import config

    assert config.__version__ == settings.PRODUCT_VERSION
    settings.PRODUCT_CONTACT = ""
    assert user_agent() == f"Kontuar/{config.__version__}"
