"""What the shop and the ERP say to each other, whatever carries it (HTTP, memory in tests).

Every backend turns the ERP's answers into these frozen dataclasses (money as Decimal) and its
failures into the three typed errors below; nothing downstream sees raw JSON or a KeyError.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from shop.notices import Notice, NoticeError

# The protocol version the shop speaks (erp_simulator/PROTOCOL.md); 2 is kept for the hash of
# orders sent before the upgrade (erp.sync.erp_order_hashes).
PROTOCOL_VERSION = 3
# The tax point is a Polish date whatever the server's zone (art. 19a VAT act).
WARSAW = ZoneInfo("Europe/Warsaw")
CASH_ON_DELIVERY = "CASH_ON_DELIVERY"


class ErpError(NoticeError):
    """Anything that went wrong talking to the ERP; `status` and `body` when it answered. The
    message is a notice (erp.notices) when the backend knows what happened, kept as such."""

    def __init__(self, message: Notice | str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body[:2000]


class ErpUnavailable(ErpError):
    """Not reached, timed out, 5xx or 429: transient, the next sync tries again."""


class ErpRefused(ErpError):
    """A 4xx: the ERP understood and said no (validation, locked, unknown currency)."""

    def __init__(
        self,
        message: Notice | str,
        *,
        code: str = "",
        status: int | None = None,
        body: str = "",
    ):
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


class ErpBuyerKind:
    COMPANY = "company"
    CONSUMER = "consumer"


@dataclass(frozen=True)
class ErpCustomer:
    name: str = ""
    company: str = ""
    tax_ids: tuple[ErpTaxId, ...] = ()
    email: str = ""
    phone: str = ""
    # "" = unknown: the protocol's default (company if any tax id) applies.
    kind: str = ""
    vat_eu_verified: bool = False

    @property
    def effective_kind(self) -> str:
        if self.kind:
            return self.kind
        return ErpBuyerKind.COMPANY if self.tax_ids else ErpBuyerKind.CONSUMER


@dataclass(frozen=True)
class ErpPayment:
    type: str
    finished_at: datetime | None = None

    @property
    def prepaid(self) -> bool:
        """Paid before the goods left (art. 19a ust. 8): the payment is the tax point."""
        return self.finished_at is not None and self.type != CASH_ON_DELIVERY


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
    order_date: date  # the day the shop took the order (the v2 `sale_date`)
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
    payment: ErpPayment | None = None
    delivery_date: date | None = None  # the day the goods were handed over, when known

    @property
    def sale_date(self) -> date:
        """The tax point as the shop knows it: the Warsaw day of the payment for an order paid
        in advance, else the order's day (the ERP then takes the shipping day)."""
        if self.payment is not None and self.payment.prepaid:
            assert self.payment.finished_at is not None
            return self.payment.finished_at.astimezone(WARSAW).date()
        return self.order_date


@dataclass(frozen=True)
class ErpExchangeRate:
    currency: str
    rate: Decimal
    table: str
    date: date


class ErpInvoiceKind:
    VAT = "VAT"
    CORRECTION = "CORRECTION"
    ALL = frozenset({VAT, CORRECTION})


class ErpVatRule:
    DOMESTIC = "DOMESTIC"
    WDT = "WDT"
    OSS = "OSS"
    ALL = frozenset({DOMESTIC, WDT, OSS})


class KsefStatus:
    NOT_SENT = "not_sent"
    PENDING = "pending"
    ACCEPTED = "accepted"
    OFFLINE = "offline"
    REJECTED = "rejected"
    ALL = frozenset({NOT_SENT, PENDING, ACCEPTED, OFFLINE, REJECTED})


@dataclass(frozen=True)
class ErpKsef:
    status: str
    number: str = ""
    verification_url: str = ""
    certificate_url: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ErpInvoiceLine:
    code: str
    name: str
    quantity: int  # negative on a correction that returns goods
    unit_price: Decimal
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class ErpVatSummary:
    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class ErpInvoiceRef:
    id: str
    number: str


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
    # Protocol 3; a version-2 ERP leaves them at these defaults (ksef None: no KSeF data).
    kind: str = ErpInvoiceKind.VAT
    corrects: ErpInvoiceRef | None = None
    correction_reason: str = ""
    vat_rule: str = ""
    vat_rule_text: str = ""
    lines: tuple[ErpInvoiceLine, ...] = ()
    vat_summary: tuple[ErpVatSummary, ...] = ()
    vat_summary_pln: tuple[ErpVatSummary, ...] = ()
    ksef: ErpKsef | None = None


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
    # Every invoice of the order in issue order, corrections included (protocol 3); a version-2
    # answer gives only `invoice`, which then stands alone here.
    invoices: tuple[ErpInvoice, ...] = ()

    @property
    def all_invoices(self) -> tuple[ErpInvoice, ...]:
        if self.invoices:
            return self.invoices
        return (self.invoice,) if self.invoice is not None else ()


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


def _payment(payment: ErpPayment | None) -> dict[str, Any] | None:
    if payment is None:
        return None
    finished = payment.finished_at
    return {
        "type": payment.type,
        "finished_at": finished.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
        if finished
        else None,
    }


def erp_order_payload(order: ErpOrder, *, version: int = PROTOCOL_VERSION) -> dict[str, Any]:
    """The JSON body of POST /api/orders; also what the content hash of a sent order covers.

    `version=2` is the body as the shop sent it before protocol 3 (sale_date = the order's
    day, none of the new fields): only for the hash, so an order sent then is not taken for a
    changed one (erp.sync)."""
    customer: dict[str, Any] = {
        "name": order.customer.name,
        "company": order.customer.company,
        "tax_ids": [{"type": t.type, "value": t.value} for t in order.customer.tax_ids],
        "email": order.customer.email,
        "phone": order.customer.phone,
    }
    v3: dict[str, Any] = {}
    if version >= 3:
        customer["kind"] = order.customer.effective_kind
        customer["vat_eu_verified"] = order.customer.vat_eu_verified
        v3 = {
            "payment": _payment(order.payment),
            "delivery_date": order.delivery_date.isoformat() if order.delivery_date else None,
        }
    return {
        "number": order.number,
        "currency": order.currency,
        "sale_date": (order.sale_date if version >= 3 else order.order_date).isoformat(),
        "channel": order.channel,
        "marketplace": order.marketplace,
        "customer": customer,
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
        **v3,
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

    def return_send(
        self, *, number: str, reference: str, items: list[tuple[str, int]], reason: str
    ) -> ErpDocument:
        """Goods of order `number` came back ((code, quantity) each): the ERP corrects the
        invoice and answers the document with it. Idempotent by `reference`; ErpRefused with
        code "conflict" while the order has no invoice to correct yet."""
        ...

    def currencies(self) -> list[ErpCurrency]: ...


__all__ = [
    "PROTOCOL_VERSION",
    "ErpAddress",
    "ErpBackend",
    "ErpBadResponse",
    "ErpBuyerKind",
    "ErpCurrency",
    "ErpCustomer",
    "ErpDocument",
    "ErpDocumentStatus",
    "ErpError",
    "ErpExchangeRate",
    "ErpInvoice",
    "ErpInvoiceKind",
    "ErpInvoiceLine",
    "ErpInvoiceRef",
    "ErpKsef",
    "ErpLine",
    "ErpOrder",
    "ErpPayment",
    "ErpPickupPoint",
    "ErpRefused",
    "ErpTaxId",
    "ErpUnavailable",
    "ErpVatRule",
    "ErpVatSummary",
    "KsefStatus",
    "erp_order_payload",
]
