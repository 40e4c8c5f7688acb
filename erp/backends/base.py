"""What the shop and the ERP say to each other, whatever carries it (HTTP, memory in tests).

Every backend turns the ERP's answers into these frozen dataclasses (money as Decimal) and its
failures into the three typed errors below; nothing downstream sees raw JSON or a KeyError.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol


class ErpError(Exception):
    """Anything that went wrong talking to the ERP; `status` and `body` when it answered."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body[:2000]


class ErpUnavailable(ErpError):
    """Not reached, timed out, 5xx or 429: transient, the next sync tries again."""


class ErpRefused(ErpError):
    """A 4xx: the ERP understood and said no (validation, locked, unknown currency)."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None, body: str = ""):
        super().__init__(message, status=status, body=body)
        self.code = code


class ErpBadResponse(ErpError):
    """A 2xx whose body does not fit the protocol (not JSON, a field missing or of the wrong
    type): nothing of such an answer is applied."""


class ErpDocumentStatus:
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    ALL = frozenset({ACCEPTED, IN_PROGRESS, SHIPPED, DELIVERED, CANCELLED})


@dataclass(frozen=True)
class ErpTaxId:
    type: str
    value: str


@dataclass(frozen=True)
class ErpCustomer:
    name: str = ""
    company: str = ""
    tax_ids: tuple[ErpTaxId, ...] = ()
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ErpAddress:
    name: str = ""
    company: str = ""
    street: str = ""
    zip_code: str = ""
    city: str = ""
    country_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ErpPickupPoint:
    id: str
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class ErpLine:
    code: str
    name: str
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class ErpOrder:
    """A sales order as the ERP receives it (POST /api/orders); amounts in `currency`."""

    number: str
    currency: str
    sale_date: date
    channel: str
    marketplace: str
    customer: ErpCustomer
    billing_address: ErpAddress | None
    delivery_address: ErpAddress | None
    pickup_point: ErpPickupPoint | None
    delivery_method: str
    delivery_cost: Decimal
    lines: tuple[ErpLine, ...]
    total: Decimal
    # Fulfilled outside the shop: the ERP only issues the documents and ships nothing.
    document_only: bool = False


@dataclass(frozen=True)
class ErpExchangeRate:
    currency: str
    rate: Decimal
    table: str
    date: date


@dataclass(frozen=True)
class ErpInvoice:
    id: str  # opaque: the simulator sends "17", a real ERP may send 17
    number: str
    issue_date: date
    sale_date: date | None
    currency: str
    total: Decimal
    exchange_rate: ErpExchangeRate | None
    total_pln: Decimal | None
    pdf_url: str = ""


@dataclass(frozen=True)
class ErpDocument:
    """The ERP's order document (ZK) as it stands now."""

    number: str
    document_number: str
    status: str
    updated_at: datetime | None
    invoice: ErpInvoice | None
    created: bool = False  # 201 on POST /api/orders: a new document
    updated: bool = False  # 200 with "updated": true: an ACCEPTED document took our changes


@dataclass(frozen=True)
class ErpCurrency:
    code: str
    available: bool


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _address(address: ErpAddress | None) -> dict[str, str] | None:
    if address is None:
        return None
    data = asdict(address)
    if not data["phone"]:
        del data["phone"]  # optional in the protocol
    return data


def erp_order_payload(order: ErpOrder) -> dict[str, Any]:
    """The JSON body of POST /api/orders; also what the content hash of a sent order covers."""
    return {
        "number": order.number,
        "currency": order.currency,
        "sale_date": order.sale_date.isoformat(),
        "channel": order.channel,
        "marketplace": order.marketplace,
        "customer": {
            "name": order.customer.name,
            "company": order.customer.company,
            "tax_ids": [{"type": t.type, "value": t.value} for t in order.customer.tax_ids],
            "email": order.customer.email,
            "phone": order.customer.phone,
        },
        "billing_address": _address(order.billing_address),
        "delivery_address": _address(order.delivery_address),
        "pickup_point": asdict(order.pickup_point) if order.pickup_point else None,
        "delivery_method": order.delivery_method,
        "delivery_cost": _money(order.delivery_cost),
        "lines": [
            {
                "code": line.code,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
                "vat_rate": _money(line.vat_rate),
            }
            for line in order.lines
        ],
        "total": _money(order.total),
        # Protocol 2: only when fulfilled outside, so orders sent before keep their hash.
        **({"fulfilment": "none"} if order.document_only else {}),
    }


class ErpBackend(Protocol):
    """What a sync needs of the ERP; chosen by settings.ERP_BACKEND (erp.backends.get_backend)."""

    def order_send(self, order: ErpOrder) -> ErpDocument:
        """Create the order's document, or update it while ACCEPTED (idempotent by number)."""
        ...

    def orders_lookup(self, numbers: list[str]) -> list[ErpDocument]:
        """The documents of those numbers the ERP knows (unknown numbers are left out)."""
        ...

    def invoice_pdf(self, invoice_id: str) -> bytes: ...

    def currencies(self) -> list[ErpCurrency]: ...


__all__ = [
    "ErpAddress",
    "ErpBackend",
    "ErpBadResponse",
    "ErpCurrency",
    "ErpCustomer",
    "ErpDocument",
    "ErpDocumentStatus",
    "ErpError",
    "ErpExchangeRate",
    "ErpInvoice",
    "ErpLine",
    "ErpOrder",
    "ErpPickupPoint",
    "ErpRefused",
    "ErpTaxId",
    "ErpUnavailable",
    "erp_order_payload",
]
