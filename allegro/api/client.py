"""The one module that talks HTTP to Allegro: OAuth, the order API and typed errors.

It imports no models. Token persistence is behind `TokenStore` (allegro.tokens implements it for
AllegroAccount rows), so this module can be used and tested without a database.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from requests.exceptions import ChunkedEncodingError

from allegro.api.errors import (
    AccessDenied,
    AllegroAuthError,
    AllegroBadResponse,
    AllegroClientError,
    AllegroConflict,
    AllegroError,
    AllegroNotFound,
    AllegroRateLimited,
    AllegroUnavailable,
    AuthorizationPending,
    SlowDown,
)

logger = logging.getLogger(__name__)


_T = TypeVar("_T")


MEDIA_TYPE = "application/vnd.allegro.public.v1+json"


DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


# Refresh a little before the stated expiry so a token never dies in flight.
EXPIRY_MARGIN = timedelta(seconds=60)


# Error bodies are kept for staff and logs; an HTML error page need not be kept whole.
BODY_KEEP_CHARS = 2000


def _fits_contract(method: Callable[..., _T]) -> Callable[..., _T]:
    """Turn a payload that breaks the contract into AllegroBadResponse instead of a KeyError
    deep in a worker: the caller then handles it like any other refused answer."""

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> _T:
        try:
            return method(*args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # The answer came with a trace-id like any other: keep it for staff.
            raise AllegroBadResponse(
                f"{method.__name__}: the answer does not fit the contract ({exc!r})",
                trace_id=getattr(args[0], "last_trace_id", None) if args else None,
            ) from exc

    return checked


@dataclass(frozen=True)
class OAuthTokens:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime

    def expires_within(self, margin: timedelta) -> bool:
        return self.expires_at - margin <= datetime.now(UTC)


@dataclass(frozen=True)
class DeviceAuthorization:
    user_code: str
    device_code: str = field(repr=False)
    verification_uri: str
    verification_uri_complete: str
    interval: int
    expires_in: int


@dataclass(frozen=True)
class SellerProfile:
    id: str
    login: str
    base_marketplace: str


@dataclass(frozen=True)
class OrderEvent:
    id: str
    type: str
    occurred_at: datetime
    checkout_form_id: str
    revision: str | None
    marketplace: str | None


@dataclass(frozen=True)
class LatestOrderEvent:
    """The journal's newest event; both fields are None while the journal is empty."""

    id: str | None
    occurred_at: datetime | None


@dataclass(frozen=True)
class CheckoutFormsPage:
    forms: list[dict[str, Any]]
    count: int
    total_count: int


@dataclass(frozen=True)
class Carrier:
    id: str
    name: str


@dataclass(frozen=True)
class Shipment:
    id: str
    carrier_id: str
    waybill: str
    carrier_name: str | None
    line_item_ids: tuple[str, ...]
    created_at: datetime | None


@dataclass(frozen=True)
class Invoice:
    id: str
    invoice_number: str | None
    file_name: str | None
    file_uploaded_at: datetime | None
    # ACCEPTED, REJECTED or WAITING (antivirus scan); None until a file is uploaded.
    file_security_status: str | None
    created_at: datetime | None


class TokenStore(Protocol):
    """Where one account's tokens live; `refresh` must serialise refreshes of that account.

    Refresh tokens are single use: the store decides under its lock whether another process
    refreshed already (the stored access token is no longer `stale`); if not it calls
    `refresh(refresh_token)` and persists the new pair before returning it.
    """

    def current(self) -> OAuthTokens: ...

    def refresh(self, stale: OAuthTokens, refresh: Callable[[str], OAuthTokens]) -> OAuthTokens: ...


class RequestGate(Protocol):
    """Shares one request budget between every process that calls Allegro for an account."""

    def before_request(self) -> None:
        """Wait for a place in the budget (and out of any 429 pause); may raise
        AllegroRateLimited when the wait would be too long for the caller."""

    def rate_limited(self, retry_after: float | None) -> None:
        """Allegro answered 429: every worker of the account pauses, not only this one."""


class InMemoryTokenStore:
    """Tokens held only by this process: for a pair not stored yet (reading `/me` on connect)."""

    def __init__(self, tokens: OAuthTokens) -> None:
        self._tokens = tokens
        self._lock = threading.Lock()

    def current(self) -> OAuthTokens:
        return self._tokens

    def refresh(self, stale: OAuthTokens, refresh: Callable[[str], OAuthTokens]) -> OAuthTokens:
        with self._lock:
            if self._tokens.access_token == stale.access_token:
                self._tokens = refresh(self._tokens.refresh_token)
            return self._tokens


def parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _optional_datetime(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, as Allegro's filters expect."""
    if value.tzinfo is None:
        raise ValueError("Allegro query datetimes must be timezone-aware.")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _json_or_none(response: requests.Response) -> Any:
    # 5xx pages from Allegro's edge are HTML: never assume a body is JSON.
    try:
        return response.json()
    except ValueError:
        return None


def _tokens_from(payload: Mapping[str, Any]) -> OAuthTokens:
    return OAuthTokens(
        access_token=payload["access_token"],
        refresh_token=payload["refresh_token"],
        expires_at=datetime.now(UTC) + timedelta(seconds=int(payload["expires_in"])),
    )


def user_agent() -> str:
    """The product and its version, and who runs this installation if settings say: Allegro
    asks integrations to name themselves ("Kontuar/1.0.0 (+https://shop.example)")."""
    from django.conf import settings

    agent = f"{settings.PRODUCT_NAME}/{settings.PRODUCT_VERSION}"
    return f"{agent} (+{settings.PRODUCT_CONTACT})" if settings.PRODUCT_CONTACT else agent


def _new_session() -> requests.Session:
    session = requests.Session()
    # Every request, OAuth's included, goes through a session made here.
    session.headers["User-Agent"] = user_agent()
    # Workers use this from several threads; keep a connection for each instead of dropping.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    log_path: str,
    timeout: float,
    **kwargs: Any,
) -> requests.Response:
    """Send one request; transport failures become AllegroUnavailable. Never logs bodies.

    A failure before any answer (connection refused, timeout) has no trace-id: Allegro never
    saw the call, or never said so. Every answer's trace-id goes with the error made of it."""
    started = time.monotonic()
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except (requests.Timeout, requests.ConnectionError, ChunkedEncodingError) as exc:
        logger.warning(
            "allegro.request.unavailable",
            extra={"method": method, "path": log_path, "error": type(exc).__name__},
        )
        raise AllegroUnavailable(f"{method} {log_path}: {type(exc).__name__}") from exc
    except requests.RequestException as exc:
        raise AllegroError(f"{method} {log_path}: {exc}") from exc
    status = response.status_code
    # 4xx are the caller's to judge (device-flow polling answers 400 until confirmed).
    level = logging.WARNING if status >= 500 or status == 429 else logging.DEBUG
    logger.log(
        level,
        "allegro.request",
        extra={
            "method": method,
            "path": log_path,
            "status": status,
            "trace_id": response.headers.get("trace-id"),
            "duration_ms": round((time.monotonic() - started) * 1000),
        },
    )
    return response


def _raise_for_status(response: requests.Response, what: str) -> None:
    status = response.status_code
    if status < 400:
        return
    trace_id = response.headers.get("trace-id")
    body = response.text[:BODY_KEEP_CHARS]
    payload = _json_or_none(response)
    payload = payload if isinstance(payload, dict) else {}
    errors = [e for e in payload.get("errors") or [] if isinstance(e, dict)]
    detail = (
        next((e.get("userMessage") or e.get("message") for e in errors), None)
        or payload.get("error_description")
        or payload.get("error")
        or response.reason
    )
    message = f"{what}: {status} {detail}"
    common: dict[str, Any] = {"status": status, "trace_id": trace_id, "body": body}
    if status == 429:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        raise AllegroRateLimited(message, retry_after=retry_after, **common)
    if status >= 500:
        raise AllegroUnavailable(message, **common)
    if status == 401:
        raise AllegroAuthError(message, error=payload.get("error"), **common)
    if status == 404:
        raise AllegroNotFound(message, errors=errors, **common)
    if status == 409:
        raise AllegroConflict(message, errors=errors, **common)
    raise AllegroClientError(message, errors=errors, **common)


def _json_body(response: requests.Response, what: str) -> Any:
    payload = _json_or_none(response)
    if payload is None:
        # A 2xx that is not JSON comes from a proxy in the way, not from Allegro.
        raise AllegroUnavailable(
            f"{what}: response is not JSON",
            status=response.status_code,
            trace_id=response.headers.get("trace-id"),
            body=response.text[:BODY_KEEP_CHARS],
        )
    return payload


class AllegroOAuth:
    """Allegro's OAuth server (allegro.pl/auth/oauth, not the API host)."""

    def __init__(self, auth_url: str, client_id: str, client_secret: str, timeout: float) -> None:
        self.auth_url = auth_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self._session = _new_session()

    def __repr__(self) -> str:
        return f"AllegroOAuth({self.auth_url!r}, client_id={self.client_id!r})"

    def _post(self, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        what = f"POST /{endpoint}"
        response = _send(
            self._session,
            "POST",
            f"{self.auth_url}/{endpoint}",
            log_path=f"/auth/oauth/{endpoint}",
            timeout=self.timeout,
            auth=(self.client_id, self._client_secret),
            headers={"Accept": "application/json"},
            **kwargs,
        )
        if response.status_code in (400, 401, 403):
            payload = _json_or_none(response)
            error = payload.get("error") if isinstance(payload, dict) else None
            common: dict[str, Any] = {
                "status": response.status_code,
                "trace_id": response.headers.get("trace-id"),
                # OAuth bodies are not kept: keep nothing that could ever carry a credential.
                "body": "",
            }
            message = f"{what}: {response.status_code} {error or response.reason}"
            exception = {
                "authorization_pending": AuthorizationPending,
                "slow_down": SlowDown,
            }.get(error or "")
            if exception is not None:
                raise exception(message, **common)
            if error == "access_denied":
                raise AccessDenied(message, error=error, **common)
            raise AllegroAuthError(message, error=error, **common)
        _raise_for_status(response, what)
        return _json_body(response, what)

    def device_authorization_start(self) -> DeviceAuthorization:
        payload = self._post("device", params={"client_id": self.client_id})
        logger.info("allegro.oauth.device_started")
        return DeviceAuthorization(
            user_code=payload["user_code"],
            device_code=payload["device_code"],
            verification_uri=payload["verification_uri"],
            verification_uri_complete=payload["verification_uri_complete"],
            interval=int(payload.get("interval") or 5),
            expires_in=int(payload["expires_in"]),
        )

    def device_token(self, device_code: str) -> OAuthTokens:
        """Raises AuthorizationPending, SlowDown, AccessDenied or AllegroAuthError (expired)."""
        payload = self._post(
            "token", data={"grant_type": DEVICE_CODE_GRANT, "device_code": device_code}
        )
        logger.info("allegro.oauth.device_authorized")
        return _tokens_from(payload)

    def refresh(self, refresh_token: str) -> OAuthTokens:
        """Returns a new pair; the old refresh token stops working 60 s later."""
        payload = self._post(
            "token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        logger.info("allegro.oauth.refreshed")
        return _tokens_from(payload)


def oauth_from_settings() -> AllegroOAuth:
    from django.conf import settings

    return AllegroOAuth(
        settings.ALLEGRO_AUTH_URL,
        settings.ALLEGRO_CLIENT_ID,
        settings.ALLEGRO_CLIENT_SECRET,
        settings.ALLEGRO_HTTP_TIMEOUT,
    )


def _form_path(checkout_form_id: str, suffix: str = "") -> str:
    return f"/order/checkout-forms/{quote(checkout_form_id, safe='')}{suffix}"


def _shipment(item: Mapping[str, Any]) -> Shipment:
    return Shipment(
        id=item["id"],
        carrier_id=item["carrierId"],
        waybill=item["waybill"],
        carrier_name=item.get("carrierName"),
        line_item_ids=tuple(line["id"] for line in item.get("lineItems") or ()),
        created_at=_optional_datetime(item.get("createdAt")),
    )


def _invoice(item: Mapping[str, Any]) -> Invoice:
    file = item.get("file") or {}
    security = file.get("securityVerification") or {}
    return Invoice(
        id=item["id"],
        invoice_number=item.get("invoiceNumber"),
        file_name=file.get("name"),
        file_uploaded_at=_optional_datetime(file.get("uploadedAt")),
        file_security_status=security.get("status"),
        created_at=_optional_datetime(item.get("createdAt")),
    )


class AllegroClient:
    """One seller account's view of the order API. Thread-safe; share one per account."""

    def __init__(
        self,
        api_url: str,
        tokens: TokenStore,
        oauth: AllegroOAuth,
        timeout: float,
        accept_language: str = "pl-PL",
        gate: RequestGate | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.tokens = tokens
        self.oauth = oauth
        self.timeout = timeout
        self.accept_language = accept_language
        self.gate = gate
        self._session = _new_session()
        # The trace-id of this thread's last answer, for errors raised after it was read.
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"AllegroClient({self.api_url!r})"

    @property
    def last_trace_id(self) -> str | None:
        return getattr(self._local, "trace_id", None)

    def _attempt(
        self, tokens: OAuthTokens, method: str, path: str, headers: dict[str, str], **kwargs: Any
    ) -> requests.Response:
        self._local.trace_id = None
        if self.gate is not None:
            self.gate.before_request()
        response = _send(
            self._session,
            method,
            self.api_url + path,
            log_path=path,
            timeout=self.timeout,
            headers={**headers, "Authorization": f"Bearer {tokens.access_token}"},
            **kwargs,
        )
        self._local.trace_id = response.headers.get("trace-id")
        try:
            _raise_for_status(response, f"{method} {path}")
        except AllegroRateLimited as error:
            if self.gate is not None:
                self.gate.rate_limited(error.retry_after)
            raise
        return response

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        media_type: str = MEDIA_TYPE,
    ) -> requests.Response:
        # `media_type`: Allegro's beta resources (customer returns) want their own, both ways.
        headers = {"Accept": media_type, "Accept-Language": self.accept_language}
        if json is not None:
            headers["Content-Type"] = media_type
        if content_type is not None:
            headers["Content-Type"] = content_type
        kwargs: dict[str, Any] = {"params": params, "json": json, "data": data}

        tokens = self.tokens.current()
        if tokens.expires_within(EXPIRY_MARGIN):
            tokens = self.tokens.refresh(tokens, self.oauth.refresh)
        try:
            return self._attempt(tokens, method, path, headers, **kwargs)
        except AllegroAuthError:
            # Revoked early or clocks disagree. A 401 means the call was not executed, so one
            # retry with a fresh token is safe even for POST; a second 401 is final.
            logger.info("allegro.token.rejected", extra={"path": path})
            tokens = self.tokens.refresh(tokens, self.oauth.refresh)
            return self._attempt(tokens, method, path, headers, **kwargs)

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return _json_body(self._request("GET", path, params=params), f"GET {path}")

    # Reading

    @_fits_contract
    def me(self) -> SellerProfile:
        payload = self._get("/me")
        return SellerProfile(
            id=str(payload["id"]),
            login=payload["login"],
            base_marketplace=(payload.get("baseMarketplace") or {}).get("id") or "allegro-pl",
        )

    @_fits_contract
    def order_events(
        self, *, from_id: str | None, limit: int = 1000, types: Sequence[str] = ()
    ) -> list[OrderEvent]:
        """Events after `from_id`, oldest first; None starts at the oldest kept (60 days)."""
        params: dict[str, Any] = {"limit": limit}
        if from_id:
            params["from"] = from_id
        if types:
            params["type"] = list(types)
        payload = self._get("/order/events", params)
        events = []
        for item in payload["events"]:
            order = item.get("order") or {}
            form = order.get("checkoutForm") or {}
            events.append(
                OrderEvent(
                    id=item["id"],
                    type=item["type"],
                    occurred_at=parse_datetime(item["occurredAt"]),
                    checkout_form_id=form["id"],
                    revision=form.get("revision"),
                    marketplace=(order.get("marketplace") or {}).get("id"),
                )
            )
        return events

    @_fits_contract
    def order_event_stats(self) -> LatestOrderEvent:
        latest = self._get("/order/event-stats").get("latestEvent") or {}
        return LatestOrderEvent(
            id=latest.get("id"), occurred_at=_optional_datetime(latest.get("occurredAt"))
        )

    @_fits_contract
    def checkout_forms(
        self,
        *,
        offset: int = 0,
        limit: int = 100,
        bought_at_gte: datetime | None = None,
        bought_at_lte: datetime | None = None,
        updated_at_gte: datetime | None = None,
        updated_at_lte: datetime | None = None,
        status: str | None = None,
        marketplace: str | None = None,
        sort: str | None = None,
    ) -> CheckoutFormsPage:
        """One page of full checkout forms (raw dicts: the importer validates them itself)."""
        dates = {
            "lineItems.boughtAt.gte": bought_at_gte,
            "lineItems.boughtAt.lte": bought_at_lte,
            "updatedAt.gte": updated_at_gte,
            "updatedAt.lte": updated_at_lte,
        }
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        params |= {name: format_datetime(value) for name, value in dates.items() if value}
        params |= {
            name: value
            for name, value in {
                "status": status,
                "marketplace.id": marketplace,
                "sort": sort,
            }.items()
            if value
        }
        payload = self._get("/order/checkout-forms", params)
        return CheckoutFormsPage(
            forms=payload["checkoutForms"],
            count=int(payload["count"]),
            total_count=int(payload["totalCount"]),
        )

    def checkout_form(self, checkout_form_id: str) -> dict[str, Any]:
        return self._get(_form_path(checkout_form_id))

    @_fits_contract
    def carriers(self) -> list[Carrier]:
        payload = self._get("/order/carriers")
        # OTHER comes without a name.
        return [Carrier(id=c["id"], name=c.get("name") or c["id"]) for c in payload["carriers"]]

    @_fits_contract
    def shipments(self, checkout_form_id: str) -> list[Shipment]:
        payload = self._get(_form_path(checkout_form_id, "/shipments"))
        return [_shipment(item) for item in payload.get("shipments") or ()]

    @_fits_contract
    def invoices(self, checkout_form_id: str) -> list[Invoice]:
        payload = self._get(_form_path(checkout_form_id, "/invoices"))
        return [_invoice(item) for item in payload.get("invoices") or ()]

    # Writing: none of these is idempotent on Allegro's side; callers read before they add.

    def fulfillment_set(self, checkout_form_id: str, *, status: str, revision: str) -> None:
        """AllegroConflict when `revision` is stale: re-read the form and decide again."""
        self._request(
            "PUT",
            _form_path(checkout_form_id, "/fulfillment"),
            params={"checkoutForm.revision": revision},
            json={"status": status},
        )

    @_fits_contract
    def shipment_add(
        self,
        checkout_form_id: str,
        *,
        carrier_id: str,
        waybill: str,
        carrier_name: str | None = None,
        line_item_ids: Sequence[str] = (),
    ) -> Shipment:
        """An empty `line_item_ids` ships every line; `carrier_name` only with carrier OTHER."""
        body: dict[str, Any] = {
            "carrierId": carrier_id,
            "waybill": waybill,
            "lineItems": [{"id": line_id} for line_id in line_item_ids],
        }
        if carrier_name:
            body["carrierName"] = carrier_name
        path = _form_path(checkout_form_id, "/shipments")
        return _shipment(_json_body(self._request("POST", path, json=body), f"POST {path}"))

    @_fits_contract
    def invoice_add(self, checkout_form_id: str, *, file_name: str, invoice_number: str) -> str:
        """Creates the invoice's metadata and returns its id; upload the file next."""
        path = _form_path(checkout_form_id, "/invoices")
        body = {"file": {"name": file_name}, "invoiceNumber": invoice_number}
        return _json_body(self._request("POST", path, json=body), f"POST {path}")["id"]

    def invoice_file_upload(self, checkout_form_id: str, invoice_id: str, pdf: bytes) -> None:
        path = _form_path(checkout_form_id, f"/invoices/{quote(invoice_id, safe='')}/file")
        self._request("PUT", path, data=pdf, content_type="application/pdf")
