import json
import sys
from typing import Any

import requests

TIMEOUT = 60


def control_call(url: str, method: str, path: str, body: Any = None, *, start_hint: str) -> int:
    """Call a running server's control endpoint and print its JSON answer; the exit code."""
    try:
        response = requests.request(method, url.rstrip("/") + path, json=body, timeout=TIMEOUT)
    except requests.ConnectionError:
        print(f"Nothing answers at {url} (start it: {start_hint})", file=sys.stderr)
        return 2
    try:
        print(json.dumps(response.json(), indent=2, ensure_ascii=False))
    except ValueError:
        print(response.text)
    return 0 if response.ok else 1
