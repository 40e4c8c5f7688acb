"""Injected faults, stored in the db so a second shell can switch them on a running server.

A fault fires either for its next `count` matches, or for a `ratio` of matches decided by an
RNG seeded with `seed` and the match number (deterministic across restarts), or both (ratio
decides, count caps the firings). With neither it fires until cleared. See README.md.
"""

from __future__ import annotations

import random
import sqlite3
from typing import Any

from offline.store import get_setting, set_setting

KINDS = {"status", "slow", "corrupt", "drop_events", "duplicate_events", "shuffle_events"}
EVENT_TYPES = {
    "BOUGHT",
    "FILLED_IN",
    "READY_FOR_PROCESSING",
    "BUYER_CANCELLED",
    "BUYER_MODIFIED",
    "FULFILLMENT_STATUS_CHANGED",
    "AUTO_CANCELLED",
}


def validate(spec: Any) -> dict[str, Any]:
    """Normalise one fault spec; ValueError explains what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("a fault is a JSON object")
    kind = spec.get("type")
    if kind not in KINDS:
        raise ValueError(f"type must be one of {sorted(KINDS)}")
    fault: dict[str, Any] = {"type": kind, "hits": 0, "fired": 0}
    if "count" in spec:
        fault["count"] = _positive_int(spec["count"], "count")
    if "ratio" in spec:
        ratio = float(spec["ratio"])
        if not 0 < ratio <= 1:
            raise ValueError("ratio must be in (0, 1]")
        fault["ratio"] = ratio
    fault["seed"] = spec.get("seed", 0)
    if "path" in spec:
        if not str(spec["path"]).startswith("/"):
            raise ValueError("path is a path prefix starting with /")
        fault["path"] = str(spec["path"])
    if kind == "status":
        status = int(spec.get("status", 503))
        if status != 429 and not 500 <= status <= 599:
            raise ValueError("status must be 429 or 5xx")
        fault["status"] = status
        fault["retry_after"] = int(spec.get("retry_after", 1))
    elif kind == "slow":
        fault["seconds"] = float(spec.get("seconds", 1))
    elif kind == "drop_events" and "types" in spec:
        types = list(spec["types"])
        if not set(types) <= EVENT_TYPES:
            raise ValueError(f"types must be among {sorted(EVENT_TYPES)}")
        fault["types"] = types
    return fault


def _positive_int(value: Any, name: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be >= 1")
    return number


def add(conn: sqlite3.Connection, specs: list[Any]) -> list[dict[str, Any]]:
    new = [validate(spec) for spec in specs]
    faults = get_setting(conn, "faults", [])
    next_id = max((f["id"] for f in faults), default=0) + 1
    for offset, fault in enumerate(new):
        fault["id"] = next_id + offset
    faults.extend(new)
    set_setting(conn, "faults", faults)
    return faults


def corrupt(body: Any) -> Any:
    """Break a 200 answer the way a bug or a half-deployed Allegro would: a required part goes
    missing (a form's summary, an event's order), so the client must notice and say so."""
    if isinstance(body, dict):
        if body.get("checkoutForms"):
            body["checkoutForms"][0].pop("summary", None)
        elif body.get("events"):
            body["events"][0].pop("order", None)
        elif "summary" in body:
            body.pop("summary")
        else:
            body.clear()
    return body


def clear(conn: sqlite3.Connection) -> None:
    set_setting(conn, "faults", [])


def current(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return get_setting(conn, "faults", [])


def _matches(fault: dict[str, Any], path: str | None, event_type: str | None) -> bool:
    if path is not None:
        prefix = fault.get("path")
        # Without a path a fault hits the Allegro API only, never OAuth or the pairing page.
        if prefix is None:
            return not path.startswith(("/auth/", "/skojarz-aplikacje"))
        return path.startswith(prefix)
    if event_type is not None and "types" in fault:
        return event_type in fault["types"]
    return True


def take(
    conn: sqlite3.Connection,
    kind: str,
    *,
    path: str | None = None,
    event_type: str | None = None,
) -> tuple[dict[str, Any], random.Random] | None:
    """Return the first fault of `kind` that fires for this match, with an RNG for its use.

    Must run inside a write transaction: counters are persisted.
    """
    faults = get_setting(conn, "faults", [])
    fired: tuple[dict[str, Any], random.Random] | None = None
    changed = False
    for fault in faults:
        if fault["type"] != kind or not _matches(fault, path, event_type):
            continue
        if "count" in fault and fault["fired"] >= fault["count"]:
            continue
        rng = random.Random(f"{fault['seed']}:{fault['hits']}")
        fault["hits"] += 1
        changed = True
        if "ratio" in fault and rng.random() >= fault["ratio"]:
            continue
        fault["fired"] += 1
        fired = (fault, rng)
        break
    if changed:
        # Spent faults go, so an idle fault list costs API calls nothing again.
        live = [f for f in faults if "count" not in f or f["fired"] < f["count"]]
        set_setting(conn, "faults", live)
    return fired
