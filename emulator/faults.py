"""The emulator's fault types and how a `corrupt` fault breaks an answer.

Counting, sampling (`ratio`/`seed`), `path` and storage are `offline.faults`; see README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from offline.faults import Fault, FaultModel, FaultType, slow_type, status_type

EVENT_TYPES = {
    "BOUGHT",
    "FILLED_IN",
    "READY_FOR_PROCESSING",
    "BUYER_CANCELLED",
    "BUYER_MODIFIED",
    "FULFILLMENT_STATUS_CHANGED",
    "AUTO_CANCELLED",
}


def _event_types(spec: Mapping[str, Any], fault: Fault) -> None:
    if "types" in spec:
        types = list(spec["types"])
        if not set(types) <= EVENT_TYPES:
            raise ValueError(f"types must be among {sorted(EVENT_TYPES)}")
        fault["types"] = types


def _allegro_api(path: str) -> bool:
    # Without a path a fault hits the Allegro API only, never OAuth or the pairing page.
    return not path.startswith(("/auth/", "/skojarz-aplikacje"))


FAULTS = FaultModel(
    [  # in alphabetical order, as "type must be one of [...]" lists them
        FaultType("corrupt"),
        FaultType("drop_events", _event_types),
        FaultType("duplicate_events"),
        FaultType("shuffle_events"),
        slow_type(),
        status_type(default=503, rate_limit=True),
    ],
    in_scope=_allegro_api,
    sampling=True,
    subject_key="seller",  # id or login: the fault hits only calls with that seller's token
)


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
