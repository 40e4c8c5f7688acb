"""The ERP simulator's fault types and how a `malformed` fault breaks an answer.

Kinds (all only ever hit /api/ calls, optionally only those under `path`):
- `status`: the next `count` calls (all until cleared when no count) answer `status` (5xx,
  default 500) with an HTML page, as a proxy in front of a real ERP would.
- `down`: every call answers 503 (HTML) until cleared - the ERP is down.
- `malformed`: a 200/201 answer is broken: `mode` "missing_fields" (default; a document loses
  `status` and `document_number`, a list loses its key) or "not_json" (an HTML-ish text body).
  A PDF answer is cut short (not a parseable PDF) in either mode.
- `slow`: the call waits `seconds` (default 1) first.

Counting, `path` and storage are `offline.faults`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from offline.faults import DOWN, Fault, FaultModel, FaultType, slow_type, status_type

MODES = ("missing_fields", "not_json")


def _mode(spec: Mapping[str, Any], fault: Fault) -> None:
    mode = spec.get("mode", "missing_fields")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}")
    fault["mode"] = mode


FAULTS = FaultModel(
    [
        status_type(default=500, rate_limit=False),
        DOWN,
        FaultType("malformed", _mode),
        slow_type(max_seconds=120),
    ],
    in_scope=lambda path: path.startswith("/api/"),
)


def break_body(body: Any) -> Any:
    """Drop what a client needs: a document's status and number, a list's key."""
    if isinstance(body, dict):
        if "orders" in body:
            return {"count": len(body["orders"])}
        if "currencies" in body:
            return {}
        body.pop("status", None)
        body.pop("document_number", None)
    return body
