from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_django.fixtures import Settings

SimControl = Callable[..., Any]


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

    def control(path: str, body: Any = None, method: str = "POST") -> Any:
        response = requests.request(method, f"{erp_simulator}/_sim/{path}", json=body, timeout=5)
        response.raise_for_status()
        return response.json() if response.content else None

    return control
