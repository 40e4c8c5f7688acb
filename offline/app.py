"""The WSGI app both offline servers are: routing, control endpoints and injected faults.

A route's endpoint is `(kind, handler)`. `control` routes (the server's levers under
`control_prefix`) are never faulted and answer their errors through `control_error`. Every
other route goes: request faults (`down`, then `slow` and `status`), then `serve` (the
server's own checks and the handler), then, for `api` routes, a fault of `break_type` may
break a successful answer (`break_answer`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from offline.clock import Clock
from offline.errors import OfflineError, json_response
from offline.faults import Fault, FaultModel
from offline.store import SqliteStore

Handler = Callable[..., Response]
StartResponse = Callable[..., Any]

PHRASES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
FAULT_PAGE = """<!DOCTYPE html>
<html><head><title>{status} {phrase}</title></head>
<body><h1>{status} {phrase}</h1><p>{detail}</p></body></html>"""


def route(path: str, kind: str, handler: Handler, *methods: str) -> Rule:
    """A rule for `handler(app, request, **values)`; GET unless `methods` say otherwise."""
    return Rule(path, endpoint=(kind, handler), methods=list(methods or ("GET",)))


def html_page(status: int, detail: str = "The server encountered a temporary error.") -> Response:
    """What a proxy or an edge in front of a real server answers a 5xx with: HTML, not JSON."""
    phrase = PHRASES.get(status, "Server Error")
    return Response(
        FAULT_PAGE.format(status=status, phrase=phrase, detail=detail),
        status=status,
        content_type="text/html; charset=utf-8",
    )


def json_body(request: Request, invalid: Exception, *, empty: Any = None) -> Any:
    """The request's JSON body (`empty` when there is none); raises `invalid` if it is not JSON."""
    raw = request.get_data()
    if not raw:
        return empty
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid from None


def json_object(request: Request, bad_request: Callable[[str], Exception]) -> dict[str, Any]:
    """A control call's body: a JSON object, `{}` when empty."""
    body = json_body(request, bad_request("body must be JSON"), empty={})
    if not isinstance(body, dict):
        raise bad_request("body must be a JSON object")
    return body


class OfflineApp:
    """Subclasses give `name`, `store_class`, `fault_model`, `control_prefix`, `break_type`,
    `routes`, `serve` and `corrupt`; the other hooks have defaults."""

    name: str  # logs say `<name>.fault.<type>`
    store_class: type[SqliteStore]
    fault_model: FaultModel
    control_prefix: str  # e.g. "/_sim": control routes live below it, `/faults` among them
    break_type: str  # the fault type that breaks a successful answer
    breakable: tuple[int, ...] = (200,)  # the statuses it breaks
    down_detail = "The server is down for maintenance."

    def __init__(self, db_path: str | Path, *, clock: Clock | None = None) -> None:
        self.store = self.store_class(db_path)
        self.clock = clock or Clock()
        self.logger = logging.getLogger(type(self).__module__)
        self.url_map = Map(
            [
                *self.routes(),
                route(
                    f"{self.control_prefix}/faults",
                    "control",
                    OfflineApp.faults_endpoint,
                    "GET",
                    "POST",
                    "DELETE",
                ),
            ]
        )

    # What a server fills in.

    def routes(self) -> list[Rule]:
        raise NotImplementedError

    def serve(
        self, kind: str, handler: Handler, request: Request, values: Mapping[str, Any]
    ) -> Response:
        """A non-control call that no fault stopped: the server's checks, then `handler`."""
        raise NotImplementedError

    def no_route(self, request: Request, error: HTTPException) -> Response:
        return error.get_response()

    def bad_request(self, message: str) -> OfflineError:
        """The 400 a control call answers a bad body with."""
        return OfflineError(400, message)

    def control_error(self, error: OfflineError) -> Response:
        return error.response()

    def fault_response(self, fault: Fault) -> Response:
        """The answer of a `down` or `status` fault."""
        if fault["type"] == "down":
            return html_page(503, self.down_detail)
        return html_page(fault["status"])

    def corrupt(self, fault: Fault, response: Response) -> None:
        """Break `response` (a successful answer) in place, as a fault of `break_type` says."""
        raise NotImplementedError

    # The skeleton.

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except HTTPException as error:
            return self.no_route(request, error)
        kind: str = endpoint[0]
        handler: Handler = endpoint[1]
        if kind == "control":
            try:
                return handler(self, request, **values)
            except OfflineError as error:
                return self.control_error(error)
        injected = self.request_fault(request)
        if injected is not None:
            return injected
        response = self.serve(kind, handler, request, values)
        if kind == "api":
            self.break_answer(request, response)
        return response

    def fault_subjects(self, request: Request) -> tuple[str, ...]:
        """Whom a call is made for, as a fault's `subject_key` may name it (none by default)."""
        return ()

    def faults_on(self) -> bool:
        with self.store.read() as conn:
            return bool(self.fault_model.current(conn))

    def log_fault(self, kind: str, request: Request, **extra: Any) -> None:
        # The message is the dotted event name itself (e.g. "emulator.fault.slow"), as before.
        event = f"{self.name}.fault.{kind}"
        self.logger.info(event, extra={"path": request.path, **extra})

    def request_fault(self, request: Request) -> Response | None:
        """Apply `down`, `slow` and `status` faults; the answer that replaces the call's, if any."""
        if not self.faults_on():
            return None
        take = self.fault_model.take
        subjects = self.fault_subjects(request)
        with self.store.write() as conn:
            down = take(conn, "down", path=request.path, subjects=subjects)
            slow = failure = None
            if down is None:  # a down server is not slow: it does not count those faults
                slow = take(conn, "slow", path=request.path, subjects=subjects)
                failure = take(conn, "status", path=request.path, subjects=subjects)
        if down is not None:
            self.log_fault("down", request)
            return self.fault_response(down.fault)
        if slow is not None:
            self.log_fault("slow", request)
            time.sleep(slow.fault["seconds"])
        if failure is None:
            return None
        self.log_fault("status", request, status=failure.fault["status"])
        return self.fault_response(failure.fault)

    def break_answer(self, request: Request, response: Response) -> None:
        if response.status_code not in self.breakable or not self.faults_on():
            return
        with self.store.write() as conn:
            fired = self.fault_model.take(
                conn, self.break_type, path=request.path, subjects=self.fault_subjects(request)
            )
        if fired is not None:
            self.log_fault(self.break_type, request)
            self.corrupt(fired.fault, response)

    def faults_endpoint(self, request: Request) -> Response:
        """`<control>/faults`: GET lists, DELETE clears, POST adds a fault, a list of them or
        `{"faults": [...]}` (201, the live list)."""
        if request.method == "DELETE":
            with self.store.write() as conn:
                self.fault_model.clear(conn)
            return json_response({"faults": []})
        if request.method == "GET":
            with self.store.read() as conn:
                return json_response({"faults": self.fault_model.current(conn)})
        body = json_body(request, self.bad_request("body must be JSON"), empty={})
        specs = body.get("faults", [body]) if isinstance(body, dict) else body
        if not isinstance(specs, list):
            raise self.bad_request("faults must be a list")
        try:
            with self.store.write() as conn:
                live = self.fault_model.add(conn, specs)
        except (ValueError, TypeError) as error:
            raise self.bad_request(str(error)) from None
        return json_response({"faults": live}, 201)
