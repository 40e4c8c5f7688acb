"""The emulator's errors: Allegro's `{"errors": [...]}` body, and the control calls' one."""

from __future__ import annotations

from typing import Any

from offline.errors import OfflineError

MEDIA_TYPE = "application/vnd.allegro.public.v1+json"


class ApiError(OfflineError):
    """An Allegro API error; its response is Allegro's body in Allegro's media type."""

    content_type = MEDIA_TYPE

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
        super().__init__(status, message)
        self.code = code
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


class ControlError(OfflineError):
    """A bad call to /_emulator/: `{"error": "..."}`."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(status, message)
