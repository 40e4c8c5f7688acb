"""The only module that talks HTTP to the ERP: one session, a timeout on every request,
answers parsed into erp.backends.base dataclasses, failures into its typed errors."""

import logging
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from django.conf import settings

from erp import notices
from erp.backends.base import (
    ErpBadResponse,
    ErpCurrency,
    ErpDocument,
    ErpDocumentStatus,
    ErpExchangeRate,
    ErpInvoice,
    ErpInvoiceKind,
    ErpInvoiceLine,
    ErpInvoiceRef,
    ErpKsef,
    ErpOrder,
    ErpRefused,
    ErpUnavailable,
    ErpVatRule,
    ErpVatSummary,
    KsefStatus,
    erp_order_payload,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")


class _Bad(Exception):
    """A field of a 2xx answer does not fit; becomes ErpBadResponse with its path."""


def _field(data: Any, name: str, kind: type[T] | tuple[type, ...]) -> Any:
    if not isinstance(data, dict):
        raise _Bad(f"expected an object around {name!r}")
    if name not in data:
        raise _Bad(f"{name!r} is missing")
    value = data[name]
    if isinstance(value, bool) and kind is not bool:
        raise _Bad(f"{name!r} has the wrong type")
    if not isinstance(value, kind):
        raise _Bad(f"{name!r} has the wrong type")
    return value


def _optional(data: dict, name: str, parse: Callable[[Any], T]) -> T | None:
    value = data.get(name)
    return None if value is None else parse(value)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Bad(f"{name!r} is not a decimal string")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _Bad(f"{name!r} is not a decimal: {value!r}") from None
    if not amount.is_finite():
        raise _Bad(f"{name!r} is not a finite decimal")
    return amount


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _Bad(f"{name!r} is not a date: {value!r}") from None


def _datetime(value: Any, name: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(f"{name!r} is not a timestamp: {value!r}") from None


def _exchange_rate(data: Any) -> ErpExchangeRate:
    return ErpExchangeRate(
        currency=_field(data, "currency", str),
        rate=_decimal(_field(data, "rate", (str, int)), "rate"),
        table=_field(data, "table", str),
        date=_date(_field(data, "date", str), "date"),
    )


def _text(data: dict, name: str) -> str:
    """An optional string field: absent or null is ""."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"{name!r} has the wrong type")
    return value


def _choice(data: dict, name: str, allowed: frozenset[str], default: str) -> str:
    value = _text(data, name) if name in data else default
    if value not in allowed:
        raise _Bad(f"unknown {name} {value!r}")
    return value


def _items(data: dict, name: str, parse: Callable[[Any], T]) -> tuple[T, ...]:
    """An optional list (absent or null: none) of objects parsed one by one."""
    value = data.get(name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad(f"{name!r} is not a list")
    return tuple(parse(item) for item in value)


def _amount(data: Any, name: str) -> Decimal:
    return _decimal(_field(data, name, (str, int)), name)


def _invoice_line(data: Any) -> ErpInvoiceLine:
    return ErpInvoiceLine(
        code=_field(data, "code", str),
        name=_field(data, "name", str),
        quantity=_field(data, "quantity", int),
        unit_price=_amount(data, "unit_price"),
        net=_amount(data, "net"),
        vat_rate=_amount(data, "vat_rate"),
        vat=_amount(data, "vat"),
        gross=_amount(data, "gross"),
    )


def _vat_summary(data: Any) -> ErpVatSummary:
    return ErpVatSummary(
        rate=_amount(data, "rate"),
        net=_amount(data, "net"),
        vat=_amount(data, "vat"),
        gross=_amount(data, "gross"),
    )


def _ksef(data: Any) -> ErpKsef:
    status = _field(data, "status", str)
    if status not in KsefStatus.ALL:
        raise _Bad(f"unknown KSeF status {status!r}")
    return ErpKsef(
        status=status,
        number=_text(data, "number"),
        verification_url=_text(data, "verification_url"),
        certificate_url=_text(data, "certificate_url"),
        reason=_text(data, "reason"),
    )


def _invoice_ref(data: Any) -> ErpInvoiceRef:
    return ErpInvoiceRef(id=str(_field(data, "id", (str, int))), number=_field(data, "number", str))


def _invoice(data: Any) -> ErpInvoice:
    invoice_id = str(_field(data, "id", (str, int)))
    if not invoice_id:
        raise _Bad("invoice 'id' is empty")
    total_pln = data.get("total_pln")
    kind = _choice(data, "kind", ErpInvoiceKind.ALL, ErpInvoiceKind.VAT)
    corrects = _optional(data, "corrects", _invoice_ref)
    if kind == ErpInvoiceKind.CORRECTION and corrects is None:
        raise _Bad("a correction names no invoice it corrects")
    vat_rule = _text(data, "vat_rule")
    if vat_rule and vat_rule not in ErpVatRule.ALL:
        raise _Bad(f"unknown vat_rule {vat_rule!r}")
    return ErpInvoice(
        id=invoice_id,
        number=_field(data, "number", str),
        issue_date=_date(_field(data, "issue_date", str), "issue_date"),
        sale_date=_optional(data, "sale_date", lambda v: _date(v, "sale_date")),
        currency=_field(data, "currency", str),
        total=_decimal(_field(data, "total", (str, int)), "total"),
        exchange_rate=_optional(data, "exchange_rate", _exchange_rate),
        total_pln=None if total_pln is None else _decimal(total_pln, "total_pln"),
        pdf_url=_text(data, "pdf_url"),
        kind=kind,
        corrects=corrects,
        correction_reason=_text(data, "correction_reason"),
        vat_rule=vat_rule,
        vat_rule_text=_text(data, "vat_rule_text"),
        lines=_items(data, "lines", _invoice_line),
        vat_summary=_items(data, "vat_summary", _vat_summary),
        vat_summary_pln=_items(data, "vat_summary_pln", _vat_summary),
        ksef=_optional(data, "ksef", _ksef),
    )


def parse_document(data: Any, *, created: bool = False) -> ErpDocument:
    """An order document from the ERP's JSON; ErpBadResponse if it does not fit."""
    try:
        status = _field(data, "status", str)
        if status not in ErpDocumentStatus.ALL:
            raise _Bad(f"unknown status {status!r}")
        if not _field(data, "number", str):
            raise _Bad("'number' is empty")
        return ErpDocument(
            number=data["number"],
            document_number=_field(data, "document_number", str),
            status=status,
            updated_at=_optional(data, "updated_at", lambda v: _datetime(v, "updated_at")),
            invoice=_optional(data, "invoice", _invoice),
            created=created,
            updated=data.get("updated") is True,
            invoices=_items(data, "invoices", _invoice),
        )
    except _Bad as error:
        raise ErpBadResponse(f"The ERP's order document does not fit: {error}.") from None


def _error_message(response: requests.Response) -> tuple[str, str]:
    try:
        error = response.json()["error"]
        return str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return "", response.text[:200]


class HttpErpBackend:
    """The ERP's JSON API over HTTP (the simulator in development and tests)."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.base_url = (base_url or settings.ERP_API_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.ERP_HTTP_TIMEOUT
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token or settings.ERP_API_TOKEN}",
                "Accept": "application/json",
            }
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as error:
            raise ErpUnavailable(notices.TIMEOUT(seconds=f"{self.timeout:g}")) from error
        except requests.RequestException as error:
            raise ErpUnavailable(notices.UNREACHABLE(error=type(error).__name__)) from error
        if response.status_code >= 500 or response.status_code == 429:
            raise ErpUnavailable(
                notices.HTTP_FAILED(status=str(response.status_code)),
                status=response.status_code,
                body=response.text,
            )
        if response.status_code >= 400:
            code, message = _error_message(response)
            logger.info(
                "erp.http.refused",
                extra={"path": path, "status": response.status_code, "code": code},
            )
            raise ErpRefused(
                notices.erp_refusal(code=code, status=response.status_code, message=message),
                code=code,
                status=response.status_code,
                body=response.text,
            )
        return response

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ErpBadResponse(
                f"The ERP's answer (HTTP {response.status_code}) is not JSON.",
                status=response.status_code,
                body=response.text,
            ) from None

    def order_send(self, order: ErpOrder) -> ErpDocument:
        response = self._request("POST", "/api/orders", json=erp_order_payload(order))
        document = parse_document(self._json(response), created=response.status_code == 201)
        if document.number != order.number:
            raise ErpBadResponse(
                f"The ERP answered with order {document.number} for {order.number}."
            )
        return document

    def orders_lookup(self, numbers: list[str]) -> list[ErpDocument]:
        if not numbers:
            return []
        data = self._json(self._request("POST", "/api/orders/lookup", json={"numbers": numbers}))
        orders = data.get("orders") if isinstance(data, dict) else None
        if not isinstance(orders, list):
            raise ErpBadResponse("The ERP's lookup answer does not fit: no list of orders.")
        return [parse_document(item) for item in orders]

    def invoice_pdf(self, invoice_id: str) -> bytes:
        response = self._request(
            "GET",
            f"/api/invoices/{quote(invoice_id, safe='')}/pdf",
            headers={"Accept": "application/pdf"},
        )
        # A PDF cut short (a dropped connection behind a proxy) lacks its %%EOF trailer.
        content = response.content
        if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-1024:]:
            raise ErpBadResponse(
                f"The ERP's invoice {invoice_id} is not a PDF (or is cut short).",
                status=response.status_code,
            )
        return content

    def return_send(
        self, *, number: str, reference: str, items: list[tuple[str, int]], reason: str
    ) -> ErpDocument:
        body = {
            "number": number,
            "reference": reference,
            "returns": [{"code": code, "quantity": quantity} for code, quantity in items],
            "reason": reason,
        }
        return parse_document(self._json(self._request("POST", "/api/returns", json=body)))

    def currencies(self) -> list[ErpCurrency]:
        data = self._json(self._request("GET", "/api/currencies"))
        try:
            items = _field(data, "currencies", list)
            return [
                ErpCurrency(
                    code=_field(item, "code", str), available=_field(item, "available", bool)
                )
                for item in items
            ]
        except _Bad as error:
            raise ErpBadResponse(f"The ERP's currencies do not fit: {error}.") from None
