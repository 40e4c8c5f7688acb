from collections.abc import Callable
from typing import Any

import pytest
import requests

EmulatorControl = Callable[..., dict[str, Any]]


@pytest.fixture
def emulator_control(allegro_emulator: str) -> EmulatorControl:
    """POST to one of the emulator's /_emulator control endpoints and return its JSON."""

    def control(path: str, body: Any = None) -> dict[str, Any]:
        response = requests.post(f"{allegro_emulator}/_emulator/{path}", json=body or {}, timeout=5)
        response.raise_for_status()
        return response.json()

    return control


@pytest.fixture
def emulator_device_approve(emulator_control: EmulatorControl) -> Callable[[str], None]:
    """Approve a device-flow code as the seller would; the emulator lets us poll at once."""
    emulator_control("tokens", {"device_interval": 0})
    return lambda user_code: emulator_control("device/approve", {"user_code": user_code})
