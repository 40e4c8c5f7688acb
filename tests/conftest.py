from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture
def allegro_emulator(tmp_path: Path, settings: Settings) -> Iterator[str]:
    """A fresh offline Allegro emulator; the Allegro settings point at it. Yields its base URL."""
    from emulator.testing import running_emulator

    with running_emulator(tmp_path / "emulator.sqlite3") as base_url:
        settings.ALLEGRO_API_URL = base_url
        settings.ALLEGRO_AUTH_URL = f"{base_url}/auth/oauth"
        yield base_url


@pytest.fixture
def connected_account(allegro_emulator: str, settings: Settings, db: None):
    """The emulator's seller connected through the device flow, as an administrator would."""
    import requests

    from allegro.accounts.services import account_connect_poll, account_connect_start

    settings.ALLEGRO_BACKFILL_DAYS = 60  # covers every seeded order, whatever today's date
    authorization = account_connect_start()
    requests.post(
        f"{allegro_emulator}/_emulator/device/approve",
        json={"user_code": authorization.user_code},
        timeout=10,
    ).raise_for_status()
    account = account_connect_poll(device_code=authorization.device_code)
    assert account is not None
    return account


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
