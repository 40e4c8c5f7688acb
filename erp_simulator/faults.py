"""Injected faults, stored in the db so a second shell can switch them on a running server.

Kinds (all only ever hit /api/ calls, optionally only those under `path`):
- `status`: the next `count` calls (all until cleared when no count) answer `status` (5xx,
  default 500) with an HTML page, as a proxy in front of a real ERP would.
- `down`: every call answers 503 (HTML) until cleared - the ERP is down.
- `malformed`: a 200/201 answer is broken: `mode` "missing_fields" (default; a document loses
  `status` and `document_number`, a list loses its key) or "not_json" (an HTML-ish text body).
  A PDF answer is cut short (not a parseable PDF) in either mode.
- `slow`: the call waits `seconds` (default 1) first.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from offline.store import get_setting, set_setting

KINDS = ("status", "down", "malformed", "slow")
MODES = ("missing_fields", "not_json")


def validate(spec: Any) -> dict[str, Any]:
    """Normalise one fault spec; ValueError explains what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("a fault is a JSON object")
    kind = spec.get("type")
    if kind not in KINDS:
        raise ValueError(f"type must be one of {list(KINDS)}")
    fault: dict[str, Any] = {"type": kind, "fired": 0}
    if "count" in spec and kind != "down":
        count = int(spec["count"])
        if count < 1:
            raise ValueError("count must be >= 1")
        fault["count"] = count
    if spec.get("path") is not None:
        if not str(spec["path"]).startswith("/"):
            raise ValueError("path is a path prefix starting with /")
        fault["path"] = str(spec["path"])
    if kind == "status":
        status = int(spec.get("status", 500))
        if not 500 <= status <= 599:
            raise ValueError("status must be 5xx")
        fault["status"] = status
    elif kind == "malformed":
        mode = spec.get("mode", "missing_fields")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}")
        fault["mode"] = mode
    elif kind == "slow":
        seconds = float(spec.get("seconds", 1))
        if not 0 <= seconds <= 120:
            raise ValueError("seconds must be 0..120")
        fault["seconds"] = seconds
    return fault


def add(conn: sqlite3.Connection, specs: list[Any]) -> list[dict[str, Any]]:
    new = [validate(spec) for spec in specs]
    faults = get_setting(conn, "faults", [])
    next_id = max((fault["id"] for fault in faults), default=0) + 1
    for offset, fault in enumerate(new):
        fault["id"] = next_id + offset
    faults.extend(new)
    set_setting(conn, "faults", faults)
    return faults


def clear(conn: sqlite3.Connection) -> None:
    set_setting(conn, "faults", [])


def current(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return get_setting(conn, "faults", [])


def take(conn: sqlite3.Connection, kind: str, path: str) -> dict[str, Any] | None:
    """The first live fault of `kind` matching `path`, counted as fired (in a write txn)."""
    faults = get_setting(conn, "faults", [])
    for fault in faults:
        if fault["type"] != kind or not path.startswith(fault.get("path", "/api/")):
            continue
        if "count" in fault and fault["fired"] >= fault["count"]:
            continue
        fault["fired"] += 1
        live = [f for f in faults if "count" not in f or f["fired"] < f["count"]]
        set_setting(conn, "faults", live)
        return fault
    return None


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
