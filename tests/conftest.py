"""Fixtures every test may use; the helpers behind them live in tests/support/."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tests.support import clients
from tests.support.offline import emulator_call, simulator_call

EmulatorControl = Callable[..., Any]
SimControl = Callable[..., Any]


@pytest.fixture(scope="session", autouse=True)
def _no_sessions_left_on_the_test_database(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Request threads of the browser tests' live servers can die holding a PostgreSQL
    session (Chromium's keep-alive sockets), which would keep the test database from being
    dropped. They are ended here, once, after the last test: ending them after each browser
    test also ended connections the next test was already using."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def operator_client(client: Client, db: None) -> Client:
    """Signed in as "operator", in the Operator role."""
    return clients.operator(client)


@pytest.fixture
def administrator_client(client: Client, db: None) -> Client:
    """Signed in as "szef", in the Administrator role."""
    return clients.administrator(client)


@pytest.fixture
def allegro_emulator(tmp_path: Path, settings: Settings) -> Iterator[str]:
    """A fresh offline Allegro emulator; the Allegro settings point at it. Yields its base URL."""
    from emulator.testing import running_emulator

    with running_emulator(tmp_path / "emulator.sqlite3") as base_url:
        settings.ALLEGRO_API_URL = base_url
        settings.ALLEGRO_AUTH_URL = f"{base_url}/auth/oauth"
        yield base_url


@pytest.fixture
def emulator_control(allegro_emulator: str) -> EmulatorControl:
    """POST to one of the emulator's /_emulator control endpoints and return its JSON."""
    return lambda path, body=None: emulator_call(allegro_emulator, path, body or {})


@pytest.fixture
def emulator_device_approve(emulator_control: EmulatorControl) -> Callable[[str], None]:
    """Approve a device-flow code as the seller would; the emulator lets us poll at once."""
    emulator_control("tokens", {"device_interval": 0})
    return lambda user_code: emulator_control("device/approve", {"user_code": user_code})


@pytest.fixture
def connected_account(allegro_emulator: str, settings: Settings, db: None):
    """The emulator's seller connected through the device flow, as an administrator would."""
    from allegro.accounts.services import account_connect_poll, account_connect_start

    settings.ALLEGRO_BACKFILL_DAYS = 60  # covers every seeded order, whatever today's date
    authorization = account_connect_start()
    emulator_call(allegro_emulator, "device/approve", {"user_code": authorization.user_code})
    account = account_connect_poll(device_code=authorization.device_code)
    assert account is not None
    return account


@pytest.fixture
def erp_simulator(tmp_path: Path, settings: Settings) -> Iterator[str]:
    """A fresh ERP simulator; the ERP settings point at it. Yields its base URL."""
    from erp_simulator.testing import running_simulator

    with running_simulator(tmp_path / "erp.sqlite3") as base_url:
        settings.ERP_BACKEND = "erp.backends.http.HttpErpBackend"
        settings.ERP_API_URL = base_url
        settings.ERP_API_TOKEN = "erp-simulator-token"
        settings.ERP_HTTP_TIMEOUT = 5
        settings.MEDIA_ROOT = tmp_path / "media"
        yield base_url


@pytest.fixture
def sim(erp_simulator: str) -> SimControl:
    """POST (or GET/DELETE with method=) to the simulator's /_sim control endpoints."""
    return lambda path, body=None, method="POST": simulator_call(erp_simulator, path, body, method)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
