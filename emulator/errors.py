"""The one exception the API layer turns into Allegro's `{"errors": [...]}` body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        path: str | None = None,
        user_message: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.path = path
        self.user_message = user_message or message
        self.metadata = metadata or {}

    def body(self) -> dict[str, Any]:
        # `details` and `path` are nullable in the spec and real answers do carry nulls.
        return {
            "errors": [
                {
                    "code": self.code,
                    "message": self.message,
                    "details": None,
                    "path": self.path,
                    "userMessage": self.user_message,
                    "metadata": self.metadata,
                }
            ]
        }


def not_found(what: str = "Order") -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} not found", user_message=f"{what} not found.")
