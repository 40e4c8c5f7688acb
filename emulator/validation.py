"""Checks on what a client sends, so that malformed input gets Allegro's error, never a crash.

Each raises `ApiError` with Allegro's body; the status is the one the specification gives the
operation for bad input (422 on most, 400 where it says "illegal values" or "invalid value").
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request

from emulator.clock import parse_iso
from emulator.errors import MEDIA_TYPE, ApiError
from offline.app import json_body

# ASCII digits only: str.isdigit() and int() also take "²" or "١٢", which Allegro does not.
INTEGER_RE = re.compile(r"-?[0-9]+")
# RFC 3339 date-time as Allegro takes it: a date, a time and a zone (`Z` or an offset).
DATE_TIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})",
    re.IGNORECASE,
)
MAX_EVENT_ID = 2**63 - 1  # event ids are 64-bit: a larger cursor is no event id at all


def invalid(status: int, message: str, path: str | None = None) -> ApiError:
    return ApiError(status, "VALIDATION_ERROR", message, path=path)


def int_arg(request: Request, name: str, default: int, *, status: int = 400) -> int:
    """An integer query parameter (`default` when absent or empty)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not INTEGER_RE.fullmatch(raw):
        raise invalid(status, f"{name} must be an integer", name)
    return int(raw)


def event_cursor(request: Request) -> int:
    """`from` of `/order/events`: an event id (0, the start, when absent or empty)."""
    raw = request.args.get("from") or "0"
    if not INTEGER_RE.fullmatch(raw) or not 0 <= int(raw) <= MAX_EVENT_ID:
        raise invalid(422, "from must be an event id", "from")
    return int(raw)


def date_time_arg(request: Request, name: str) -> datetime | None:
    """A date-time filter (None when absent). Empty, date-only or zone-less values are 400:
    Allegro refuses them too (allegro-api#1824, #2347) and the spec's 400 is "illegal values"."""
    if name not in request.args:
        return None
    # An unencoded `+01:00` arrives as a space after form decoding.
    raw = request.args[name].strip().replace(" ", "+")
    if not DATE_TIME_RE.fullmatch(raw):
        raise invalid(400, f"{name} must be a date-time like 2026-07-01T00:00:00.000Z", name)
    try:
        return parse_iso(raw.upper())
    except ValueError:  # well shaped, but e.g. 31 November
        raise invalid(400, f"{name} is not a valid date-time", name) from None


def json_request(request: Request, status: int) -> Any:
    """The JSON body of a write (None when there is none); not JSON is a `status`. A body in
    another media type is 415, as Allegro answers it (`NotSupportedException`, allegro-api#604)."""
    if request.get_data() and request.mimetype != MEDIA_TYPE:
        raise ApiError(
            415,
            "NotSupportedException",
            f"Content type '{request.mimetype or 'none'}' not supported; send {MEDIA_TYPE}",
            user_message="The request contains incorrect data. Contact the author of the "
            "application.",
        )
    return json_body(request, invalid(status, "Malformed JSON body"))


def json_object(body: Any, status: int = 422) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid(status, "Request body must be a JSON object")
    return body


def optional_string(body: dict[str, Any], name: str, status: int = 422) -> str | None:
    """A string field that may be absent or null; any other type is refused, never dropped."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid(status, f"{name} must be a string", name)
    return value
