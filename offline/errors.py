"""The base of the errors a handler raises to answer with: a status and a message.

Each server's subclass gives the JSON shape (`body`) and media type of its contract.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response


def json_response(
    data: Any, status: int = 200, *, content_type: str = "application/json"
) -> Response:
    """`data` as JSON (non-ASCII kept as is); a `str` is taken as JSON text already."""
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return Response(body, status=status, content_type=content_type)


class OfflineError(Exception):
    content_type = "application/json"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": self.message}

    def response(self) -> Response:
        return json_response(self.body(), self.status, content_type=self.content_type)
