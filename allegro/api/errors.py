"""Typed errors of every Allegro call: each says whether trying again can help."""

from __future__ import annotations

from typing import Any


class AllegroError(Exception):
    """Anything that went wrong talking to Allegro; subclasses say what to do about it."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        trace_id: str | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.trace_id = trace_id
        self.body = body

    @property
    def is_transient(self) -> bool:
        """True when the same call may succeed later: retry with back-off."""
        return False

    def for_staff(self, text: str | None = None) -> str:
        """The message staff see (`text`, else this error's) with Allegro's trace-id when the
        answer carried one, so that a question to Allegro can name the call. Connection errors
        and timeouts have none: Allegro never answered."""
        text = str(self) if text is None else text
        return f"{text} (trace-id: {self.trace_id})" if self.trace_id else text


class AllegroUnavailable(AllegroError):
    """Connection error, timeout or 5xx."""

    @property
    def is_transient(self) -> bool:
        return True


class AllegroRateLimited(AllegroError):
    """429; calling again during the block prolongs it, so wait at least `retry_after`."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    @property
    def is_transient(self) -> bool:
        return True


class AllegroAuthError(AllegroError):
    """401, or an OAuth grant Allegro refused; `error` is the OAuth error code if one was given.

    `invalid_grant` on refresh means the account must be connected again.
    """

    def __init__(self, message: str, *, error: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.error = error

    @property
    def needs_reconnect(self) -> bool:
        return self.error == "invalid_grant"


class AllegroClientError(AllegroError):
    """A 4xx that retrying will not fix; `user_message` can be shown to staff as it is."""

    def __init__(
        self, message: str, *, errors: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.errors = errors or []
        self.user_message: str | None = next(
            (e["userMessage"] for e in self.errors if e.get("userMessage")), None
        )


class AllegroNotFound(AllegroClientError):
    """404: also what a checkout form merged into a newer one answers."""


class AllegroConflict(AllegroClientError):
    """409: stale revision, invoice file still being scanned, waybill used too often."""


class AllegroBadResponse(AllegroError):
    """A 2xx whose body does not fit the contract (a field missing or of the wrong type)."""


class AuthorizationPending(AllegroError):
    """Device flow: the seller has not confirmed the code yet."""


class SlowDown(AllegroError):
    """Device flow: polling too often; add 5 seconds to the interval (RFC 8628)."""


class AccessDenied(AllegroAuthError):
    """Device flow: the seller declined."""
