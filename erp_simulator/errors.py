"""The ERP protocol's error: the `{"error": {"code": ..., "message": ...}}` body."""

from __future__ import annotations

from typing import Any

from offline.errors import OfflineError


class ApiError(OfflineError):
    def __init__(self, status: int, code: str, message: str, *, field: str | None = None):
        super().__init__(status, message)
        self.code = code
        self.field = field

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", f"{field}: {message}", field=field)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)
