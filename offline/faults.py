"""Injected faults, stored in the db so a second shell can switch them on a running server.

One model for both servers; each declares which fault types it knows (`FaultModel(types)`)
and which paths a fault without `path` hits (`in_scope`). Common keys of a fault spec:

- `type`: one of the server's types;
- `count`: fire on the next N matches, then the fault is removed (a type may ignore it:
  `down` lasts until cleared);
- `ratio` (0-1] with `seed`, where the server samples (`sampling=True`): fire on that share
  of matches, decided by `Random(f"{seed}:{n}")` for the n-th match, so a run is
  reproducible; with `count` too, at most `count` firings;
- neither: fire on every match until cleared;
- `path`: a path prefix the fault is limited to;
- the server's `subject_key`, if it has one (the emulator's `seller`): the fault hits only
  calls made for that subject (the server says which subjects a call is for).

What a fault does when it fires is the server's business (`offline.app` applies the request
faults `down`, `slow` and `status`; the servers break answers and journals).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from offline.store import get_setting, set_setting

Fault = dict[str, Any]
# Reads a spec's type-specific keys into the normalised fault; ValueError says what is wrong.
Options = Callable[[Mapping[str, Any], Fault], None]

SETTING = "faults"


def _no_options(spec: Mapping[str, Any], fault: Fault) -> None:
    return None


@dataclass(frozen=True)
class FaultType:
    name: str
    options: Options = _no_options
    counted: bool = True  # False: `count` is ignored and the fault lasts until cleared


def status_type(*, default: int, rate_limit: bool) -> FaultType:
    """`status`: the call answers `status`, a 5xx, or 429 (with `retry_after`) if `rate_limit`."""

    def options(spec: Mapping[str, Any], fault: Fault) -> None:
        status = int(spec.get("status", default))
        if rate_limit:
            if status != 429 and not 500 <= status <= 599:
                raise ValueError("status must be 429 or 5xx")
        elif not 500 <= status <= 599:
            raise ValueError("status must be 5xx")
        fault["status"] = status
        if rate_limit:
            fault["retry_after"] = int(spec.get("retry_after", 1))

    return FaultType("status", options)


def slow_type(*, max_seconds: float | None = None) -> FaultType:
    """`slow`: the call waits `seconds` (default 1) first."""

    def options(spec: Mapping[str, Any], fault: Fault) -> None:
        seconds = float(spec.get("seconds", 1))
        if max_seconds is not None and not 0 <= seconds <= max_seconds:
            raise ValueError(f"seconds must be 0..{max_seconds:g}")
        fault["seconds"] = seconds

    return FaultType("slow", options)


# `down`: every call answers 503 until the faults are cleared.
DOWN = FaultType("down", counted=False)


@dataclass(frozen=True)
class Fired:
    """A fault that fired, with an RNG for whatever randomness its effect needs."""

    fault: Fault
    rng: random.Random


class FaultModel:
    def __init__(
        self,
        types: Iterable[FaultType],
        *,
        in_scope: Callable[[str], bool],
        sampling: bool = False,
        subject_key: str | None = None,
    ) -> None:
        self.types = {kind.name: kind for kind in types}
        self.in_scope = in_scope  # the paths a fault without `path` hits
        self.sampling = sampling  # `ratio` and `seed` are understood
        self.subject_key = subject_key  # a fault naming a subject hits only calls for it

    def validate(self, spec: Any) -> Fault:
        """Normalise one fault spec; ValueError explains what is wrong."""
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        name = spec.get("type")
        kind = self.types.get(name) if isinstance(name, str) else None
        if kind is None:
            raise ValueError(f"type must be one of {list(self.types)}")
        fault: Fault = {"type": kind.name}
        if self.sampling:
            fault["hits"] = 0
        fault["fired"] = 0
        if "count" in spec and kind.counted:
            count = int(spec["count"])
            if count < 1:
                raise ValueError("count must be >= 1")
            fault["count"] = count
        if self.sampling:
            if "ratio" in spec:
                ratio = float(spec["ratio"])
                if not 0 < ratio <= 1:
                    raise ValueError("ratio must be in (0, 1]")
                fault["ratio"] = ratio
            fault["seed"] = spec.get("seed", 0)
        if spec.get("path") is not None:
            if not str(spec["path"]).startswith("/"):
                raise ValueError("path is a path prefix starting with /")
            fault["path"] = str(spec["path"])
        if self.subject_key is not None and spec.get(self.subject_key) not in (None, ""):
            fault[self.subject_key] = str(spec[self.subject_key])
        kind.options(spec, fault)
        return fault

    def add(self, conn: sqlite3.Connection, specs: list[Any]) -> list[Fault]:
        """Validate all of `specs`, then append them with fresh ids; the live list."""
        new = [self.validate(spec) for spec in specs]
        faults: list[Fault] = get_setting(conn, SETTING, [])
        next_id = max((fault["id"] for fault in faults), default=0) + 1
        for offset, fault in enumerate(new):
            fault["id"] = next_id + offset
        faults.extend(new)
        set_setting(conn, SETTING, faults)
        return faults

    def clear(self, conn: sqlite3.Connection) -> None:
        set_setting(conn, SETTING, [])

    def current(self, conn: sqlite3.Connection) -> list[Fault]:
        faults: list[Fault] = get_setting(conn, SETTING, [])
        return faults

    def _matches(
        self, fault: Fault, path: str | None, event_type: str | None, subjects: Collection[str]
    ) -> bool:
        key = self.subject_key
        if key is not None and key in fault and fault[key] not in subjects:
            return False
        if path is not None:
            prefix = fault.get("path")
            return self.in_scope(path) if prefix is None else path.startswith(prefix)
        if event_type is not None and "types" in fault:
            return event_type in fault["types"]
        return True

    def take(
        self,
        conn: sqlite3.Connection,
        kind: str,
        *,
        path: str | None = None,
        event_type: str | None = None,
        subjects: Collection[str] = (),
    ) -> Fired | None:
        """The first fault of `kind` that fires for this match (a request's `path`, or a
        journal event's `event_type`, made for `subjects`), or None.

        Must run inside a write transaction: counters are persisted, spent faults dropped.
        """
        faults = self.current(conn)
        fired: Fired | None = None
        changed = False
        for fault in faults:
            if fault["type"] != kind or not self._matches(fault, path, event_type, subjects):
                continue
            if "count" in fault and fault["fired"] >= fault["count"]:
                continue
            rng = random.Random(f"{fault.get('seed', 0)}:{fault.get('hits', 0)}")
            if "hits" in fault:
                fault["hits"] += 1
            changed = True
            if "ratio" in fault and rng.random() >= fault["ratio"]:
                continue
            fault["fired"] += 1
            fired = Fired(fault, rng)
            break
        if changed:
            # Spent faults go, so an idle fault list costs API calls nothing again.
            live = [f for f in faults if "count" not in f or f["fired"] < f["count"]]
            set_setting(conn, SETTING, live)
        return fired
