"""Calls to the control endpoints of the offline servers the tests start."""

from typing import Any

import requests

TIMEOUT = 10


def emulator_call(base_url: str, path: str, body: Any = None, method: str = "post") -> Any:
    """Call the Allegro emulator's /_emulator/<path> and return its JSON ({} when empty)."""
    response = requests.request(method, f"{base_url}/_emulator/{path}", json=body, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json() if response.content else {}


def simulator_call(base_url: str, path: str, body: Any = None, method: str = "post") -> Any:
    """Call the ERP simulator's /_sim/<path> and return its JSON (None when empty)."""
    response = requests.request(method, f"{base_url}/_sim/{path}", json=body, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json() if response.content else None
