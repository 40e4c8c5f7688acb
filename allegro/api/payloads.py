"""A typed, validated view of an Allegro checkout form.

The importer keeps Allegro's raw JSON for replay, but nothing downstream reads it directly:
`parse_checkout_form` checks a form against the parts of the contract we rely on and returns
frozen dataclasses with `Decimal` money, or raises `MalformedCheckoutForm` with a reason staff
can read. Optional fields may be absent or `null` (real Allegro sends both).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar, overload
from uuid import UUID

from django.conf import settings
from django.utils.dateparse import parse_datetime
from djmoney.money import Money

T = TypeVar("T")

BUYER_STATUSES = frozenset({"BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "CANCELLED"})


FULFILLMENT_STATUSES = frozenset(
    {
        "NEW",
        "PROCESSING",
        "READY_FOR_SHIPMENT",
        "READY_FOR_PICKUP",
        "SENT",
        "PICKED_UP",
        "CANCELLED",
        "SUSPENDED",
        "RETURNED",
    }
)


TAX_ID_LABELS = {
    "PL_NIP": "NIP",
    "CZ_ICO": "IČO",
    "CZ_DIC": "DIČ",
    "SK_ICO": "IČO",
    "SK_IC_DPH": "IČ DPH",
    "HU_ADOSZAM": "Adószám",
    "VAT_EU": "VAT EU",
}


# The shop stores money with 14 digits, 2 of them decimals.
MAX_AMOUNT = Decimal(10) ** 12


class MalformedCheckoutForm(ValueError):
    """The payload does not fit the contract; `reason` says where and why."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    @property
    def reason(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Address:
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    street: str = ""
    city: str = ""
    zip_code: str = ""
    country_code: str = ""
    phone_number: str = ""

    @property
    def person(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def lines(self) -> list[str]:
        """The address as it is written on a parcel, empty parts left out."""
        town = f"{self.zip_code} {self.city}".strip()
        parts = [self.company_name, self.person, self.street, town, self.country_code]
        return [part for part in parts if part]


@dataclass(frozen=True)
class TaxId:
    type: str
    value: str

    @property
    def label(self) -> str:
        return TAX_ID_LABELS.get(self.type, self.type)


@dataclass(frozen=True)
class PickupPoint:
    id: str
    name: str
    description: str
    address: Address | None


@dataclass(frozen=True)
class Buyer:
    id: str
    login: str
    email: str
    first_name: str
    last_name: str
    company_name: str
    phone_number: str
    guest: bool
    language: str
    address: Address | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Delivery:
    method_id: str
    method_name: str
    address: Address | None
    pickup_point: PickupPoint | None
    cost: Money
    smart: bool


@dataclass(frozen=True)
class Invoice:
    required: bool
    company_name: str
    tax_ids: tuple[TaxId, ...]
    vat_payer_status: str
    vat_eu_verified: bool
    address: Address | None
    natural_person: str

    @property
    def missing_tax_id(self) -> bool:
        # Allegro lets a buyer ask for an invoice without giving a tax id (#12668).
        return self.required and not self.tax_ids


@dataclass(frozen=True)
class Line:
    id: str
    offer_id: str
    offer_name: str
    external_id: str
    quantity: int
    unit_price: Money
    original_price: Money
    tax_rate: Decimal | None
    bought_at: datetime | None

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Payment:
    id: str
    type: str
    provider: str
    paid_amount: Money | None
    finished_at: datetime | None


@dataclass(frozen=True)
class CheckoutForm:
    id: str
    revision: str
    status: str
    fulfillment_status: str
    marketplace: str
    buyer: Buyer
    delivery: Delivery
    invoice: Invoice
    lines: tuple[Line, ...]
    surcharges: tuple[Payment, ...]
    payment: Payment | None
    total_to_pay: Money
    message_to_seller: str
    updated_at: datetime | None

    @property
    def currency(self) -> str:
        return str(self.total_to_pay.currency)

    @property
    def bought_at(self) -> datetime | None:
        """When the last line was bought: Allegro's own sort key for orders."""
        dates = [line.bought_at for line in self.lines if line.bought_at]
        return max(dates) if dates else None

    @property
    def line_item_ids(self) -> frozenset[str]:
        return frozenset(line.id for line in self.lines)


class _Reader:
    """Walks a JSON object and raises with the path of whatever does not fit."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise MalformedCheckoutForm(path, "expected an object")
        self.data = data
        self.path = path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    # With required=True a missing key raises instead of returning None.
    @overload
    def child(self, key: str, *, required: Literal[True]) -> "_Reader": ...
    @overload
    def child(self, key: str, *, required: bool = False) -> "_Reader | None": ...
    def child(self, key: str, *, required: bool = False) -> "_Reader | None":
        value = self.data.get(key)
        if value is None:
            if required:
                raise MalformedCheckoutForm(self._at(key), "is missing")
            return None
        return _Reader(value, self._at(key))

    def items(self, key: str, *, required: bool = False) -> list["_Reader"]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise MalformedCheckoutForm(self._at(key), "is missing")
            return []
        if not isinstance(value, list):
            raise MalformedCheckoutForm(self._at(key), "expected a list")
        return [_Reader(item, f"{self._at(key)}[{index}]") for index, item in enumerate(value)]

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise MalformedCheckoutForm(self._at(key), "is missing")
            return ""
        if not isinstance(value, str):
            raise MalformedCheckoutForm(self._at(key), "expected a string")
        return value

    def choice(self, key: str, allowed: frozenset[str], *, required: bool = False) -> str:
        value = self.text(key, required=required)
        if value and value not in allowed:
            raise MalformedCheckoutForm(self._at(key), f"unknown value {value!r}")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise MalformedCheckoutForm(self._at(key), "expected true or false")
        return value

    def moment(self, key: str) -> datetime | None:
        return self._parsed(key, _aware_datetime, "not an ISO 8601 date-time")

    def decimal(self, key: str) -> Decimal | None:
        return self._parsed(key, _finite_decimal, "not a decimal number")

    def _parsed(self, key: str, parse: Callable[[str], T | None], problem: str) -> T | None:
        """An optional text field read by `parse`, which gives None for what it cannot read."""
        value = self.text(key)
        if not value:
            return None
        parsed = parse(value)
        if parsed is None:
            raise MalformedCheckoutForm(self._at(key), f"{problem}: {value!r}")
        return parsed

    @overload
    def money(self, key: str, *, required: Literal[True]) -> Money: ...
    @overload
    def money(self, key: str, *, required: bool = False) -> Money | None: ...
    def money(self, key: str, *, required: bool = False) -> Money | None:
        price = self.child(key, required=required)
        if price is None:
            return None
        amount = price.decimal("amount")
        if amount is None:
            raise MalformedCheckoutForm(price._at("amount"), "is missing")
        if amount < 0:
            raise MalformedCheckoutForm(price._at("amount"), f"negative amount {amount}")
        currency = price.text("currency", required=True)
        if currency not in settings.CURRENCIES:
            raise MalformedCheckoutForm(price._at("currency"), f"unknown currency {currency!r}")
        if amount >= MAX_AMOUNT:
            raise MalformedCheckoutForm(price._at("amount"), f"amount {amount} is too large")
        # Allegro sends amounts as strings so that nothing is rounded: neither do we.
        places = settings.CURRENCY_MINOR_UNITS[currency]
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            raise MalformedCheckoutForm(
                price._at("amount"),
                f"{price.data['amount']!r} has more decimals than {currency} has ({places})",
            )
        return Money(amount, currency)

    def quantity(self, key: str) -> int:
        value = self.data.get(key)
        # JSON numbers may arrive as 2.0; bool is an int in Python and must not pass.
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise MalformedCheckoutForm(self._at(key), f"not a whole number: {value!r}")
        if value < 1:
            raise MalformedCheckoutForm(self._at(key), f"must be at least 1, got {value}")
        return int(value)


def _aware_datetime(value: str) -> datetime | None:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _finite_decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _address(reader: _Reader | None, *, zip_key: str) -> Address | None:
    if reader is None:
        return None
    return Address(
        first_name=reader.text("firstName"),
        last_name=reader.text("lastName"),
        company_name=reader.text("companyName"),
        street=reader.text("street"),
        city=reader.text("city"),
        zip_code=reader.text(zip_key),
        country_code=reader.text("countryCode"),
        phone_number=reader.text("phoneNumber"),
    )


def _buyer(reader: _Reader) -> Buyer:
    preferences = reader.child("preferences")
    return Buyer(
        id=reader.text("id", required=True),
        login=reader.text("login", required=True),
        email=reader.text("email"),
        first_name=reader.text("firstName"),
        last_name=reader.text("lastName"),
        company_name=reader.text("companyName"),
        phone_number=reader.text("phoneNumber"),
        guest=reader.flag("guest"),
        language=preferences.text("language") if preferences else "",
        # The buyer's own address says postCode; delivery and invoice addresses say zipCode.
        address=_address(reader.child("address"), zip_key="postCode"),
    )


def _pickup_point(reader: _Reader | None) -> PickupPoint | None:
    if reader is None:
        return None
    return PickupPoint(
        id=reader.text("id", required=True),
        name=reader.text("name"),
        description=reader.text("description"),
        address=_address(reader.child("address"), zip_key="zipCode"),
    )


def _delivery(reader: _Reader | None, currency: str) -> Delivery:
    if reader is None:
        return Delivery("", "", None, None, Money(0, currency), smart=False)
    method = reader.child("method")
    return Delivery(
        method_id=method.text("id") if method else "",
        method_name=method.text("name") if method else "",
        address=_address(reader.child("address"), zip_key="zipCode"),
        pickup_point=_pickup_point(reader.child("pickupPoint")),
        cost=reader.money("cost") or Money(0, currency),
        smart=reader.flag("smart"),
    )


def _invoice(reader: _Reader | None) -> Invoice:
    if reader is None:
        return Invoice(False, "", (), "", False, None, "")
    address = reader.child("address")
    company = address.child("company") if address else None
    person = address.child("naturalPerson") if address else None
    tax_ids: tuple[TaxId, ...] = ()
    if company is not None:
        tax_ids = tuple(
            TaxId(type=item.text("type", required=True), value=item.text("value", required=True))
            for item in company.items("ids")
        )
        # Older forms carry only the free-text taxId (a Polish NIP).
        if not tax_ids and company.text("taxId"):
            tax_ids = (TaxId(type="PL_NIP", value=company.text("taxId")),)
    features = reader.data.get("features") or []
    return Invoice(
        required=reader.flag("required"),
        company_name=company.text("name") if company else "",
        tax_ids=tax_ids,
        vat_payer_status=company.text("vatPayerStatus") if company else "",
        vat_eu_verified="VAT_EU_VERIFIED" in features,
        address=_address(address, zip_key="zipCode"),
        natural_person=f"{person.text('firstName')} {person.text('lastName')}".strip()
        if person
        else "",
    )


def _line(reader: _Reader) -> Line:
    offer = reader.child("offer", required=True)
    external = offer.child("external")
    tax = reader.child("tax")
    return Line(
        id=reader.text("id", required=True),
        offer_id=offer.text("id", required=True),
        offer_name=offer.text("name"),
        external_id=external.text("id") if external else "",
        quantity=reader.quantity("quantity"),
        unit_price=reader.money("price", required=True),
        original_price=reader.money("originalPrice", required=True),
        tax_rate=tax.decimal("rate") if tax else None,
        bought_at=reader.moment("boughtAt"),
    )


@overload
def _payment(reader: _Reader) -> Payment: ...
@overload
def _payment(reader: _Reader | None) -> Payment | None: ...
def _payment(reader: _Reader | None) -> Payment | None:
    if reader is None:
        return None
    return Payment(
        id=reader.text("id", required=True),
        type=reader.text("type", required=True),
        provider=reader.text("provider"),
        paid_amount=reader.money("paidAmount"),
        finished_at=reader.moment("finishedAt"),
    )


def _check_one_currency(form: CheckoutForm) -> None:
    """An order's amounts are all in its marketplace's currency; a mix means a broken form."""
    amounts = [("delivery.cost", form.delivery.cost)]
    amounts += [(f"lineItems[{i}].price", line.unit_price) for i, line in enumerate(form.lines)]
    amounts += [
        (f"surcharges[{i}].paidAmount", s.paid_amount)
        for i, s in enumerate(form.surcharges)
        if s.paid_amount is not None
    ]
    for path, amount in amounts:
        if amount.currency != form.total_to_pay.currency:
            raise MalformedCheckoutForm(
                path,
                f"currency {amount.currency} differs from the total's {form.total_to_pay.currency}",
            )


def parse_checkout_form(raw: Any) -> CheckoutForm:
    """Validate an Allegro checkout form and return its typed view."""
    form = _Reader(raw, "")
    total_to_pay = form.child("summary", required=True).money("totalToPay", required=True)
    fulfillment = form.child("fulfillment")
    marketplace = form.child("marketplace")
    lines = tuple(_line(item) for item in form.items("lineItems", required=True))
    if not lines:
        raise MalformedCheckoutForm("lineItems", "an order needs at least one line")
    if form.data.get("surcharges") is None and "surcharges" not in form.data:
        raise MalformedCheckoutForm("surcharges", "is missing")
    form_id = form.text("id", required=True)
    try:
        UUID(form_id)
    except ValueError:
        raise MalformedCheckoutForm("id", f"not a UUID: {form_id!r}") from None
    parsed = CheckoutForm(
        id=form_id,
        revision=form.text("revision"),
        status=form.choice("status", BUYER_STATUSES, required=True),
        fulfillment_status=fulfillment.choice("status", FULFILLMENT_STATUSES)
        if fulfillment
        else "",
        # Forms from before the foreign marketplaces opened carry no marketplace.
        marketplace=(marketplace.text("id") if marketplace else "") or "allegro-pl",
        buyer=_buyer(form.child("buyer", required=True)),
        delivery=_delivery(form.child("delivery"), str(total_to_pay.currency)),
        invoice=_invoice(form.child("invoice")),
        lines=lines,
        surcharges=tuple(_payment(item) for item in form.items("surcharges")),
        payment=_payment(form.child("payment")),
        total_to_pay=total_to_pay,
        message_to_seller=form.text("messageToSeller"),
        updated_at=form.moment("updatedAt"),
    )
    _check_one_currency(parsed)
    return parsed
