"""An Allegro order becomes a sales order exactly once, by hand or automatically.

Saleor's checkout completion is the model: lock the Allegro order, return the sales order made
before if there is one, otherwise check everything and create the sales order, its lines and
its first event in the same transaction. The one-to-one link AllegroOrder.sales_order makes a
second conversion impossible in the database itself. A refusal raises ConversionRefused with
a message telling the operator what to do, and writes nothing.
"""

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import django_rq
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as UserModel
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from allegro import notices
from allegro.accounts.models import AllegroAccount
from allegro.api.payloads import Address, CheckoutForm, Line, MalformedCheckoutForm
from allegro.conversion.models import OfferProductLink
from allegro.conversion.selectors import (
    ProductIndex,
    allegro_orders_auto_convertible,
    offer_products_match,
    product_index,
)
from allegro.marketplaces import marketplace_get
from allegro.orders.models import (
    AllegroOrder,
    AllegroOrderEvent,
    FulfillmentStatus,
    unknown_marketplace_reason,
)
from allegro.orders.search import sales_order_offer_terms_set
from sales.models import BuyerKind, SalesOrder, SalesOrderStatus
from sales.services import (
    AddressData,
    LineData,
    NewSalesOrder,
    SalesOrderRefused,
    sales_order_attention_flag,
    sales_order_create,
)
from shop.models import Currency, Product, ShopSettings
from shop.notices import Notice, NoticeError, money_param
from shop.services import audit_record

logger = logging.getLogger(__name__)


CHANNEL = "allegro"


CANCELLATION_EVENTS = ("BUYER_CANCELLED", "AUTO_CANCELLED")


_F, _S = FulfillmentStatus, SalesOrderStatus
# The sales status an order starts in, by what Allegro shows of its fulfillment: a sales
# order never starts behind Allegro (which would move Allegro back on its first change).
START_STATUS: dict[str, str] = {
    "": _S.NEW,
    _F.NEW: _S.NEW,
    _F.PROCESSING: _S.IN_PROGRESS,
    _F.READY_FOR_SHIPMENT: _S.READY_FOR_SHIPMENT,
    _F.READY_FOR_PICKUP: _S.READY_FOR_PICKUP,
    _F.SENT: _S.SENT,
    _F.PICKED_UP: _S.PICKED_UP,
    # Returned after it reached the buyer: delivered as far as the order book goes.
    _F.RETURNED: _S.PICKED_UP,
    _F.CANCELLED: _S.CANCELLED,
    _F.SUSPENDED: _S.ON_HOLD,
}


BATCH_SIZE = 500  # orders whose products the automatic conversion reads at once


User = UserModel | AnonymousUser


class ConversionRefused(NoticeError):
    """The order cannot become a sales order now; `message` tells the operator what to do
    (in the language of the moment; `stored()` keeps it as a notice for any reader).

    `unmatched` lists the lines whose offers match no product (code "unmatched"), and
    `replaced_by` the order that replaced a merged one (code "superseded").
    """

    def __init__(
        self,
        code: str,
        message: Notice | str,
        *,
        unmatched: tuple[Line, ...] = (),
        replaced_by: AllegroOrder | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.unmatched = unmatched
        self.replaced_by = replaced_by


@dataclass(frozen=True)
class ConversionResult:
    sales_order: SalesOrder
    created: bool


@dataclass
class AutoConversionStats:
    created: int = 0
    refused: int = 0


def _user_or_none(user: User | None) -> UserModel | None:
    return user if user is not None and user.is_authenticated else None


def _malformed(reason: str) -> ConversionRefused:
    return ConversionRefused("malformed", notices.MALFORMED(reason=reason))


def _form(order: AllegroOrder) -> CheckoutForm:
    try:
        return order.form
    except MalformedCheckoutForm as error:
        raise _malformed(error.reason) from None


def _check_status(order: AllegroOrder, *, confirmed: bool) -> None:
    convertible = order.convertible()
    if not convertible:
        replaced_by = order.superseded_by if convertible.code == "superseded" else None
        raise ConversionRefused(convertible.code, convertible.reason, replaced_by=replaced_by)
    if convertible.needs_confirmation and not confirmed:
        raise ConversionRefused(
            "needs_confirmation", notices.NEEDS_CONFIRMATION(reason=convertible.reason)
        )


def _check_market(form: CheckoutForm) -> None:
    market = marketplace_get(form.marketplace)
    if market is None:
        # AllegroOrder.convertible() refuses it first; a form read straight from Allegro too.
        raise ConversionRefused("marketplace_unknown", unknown_marketplace_reason(form.marketplace))
    if market.foreign and not ShopSettings.load().sells_abroad:
        raise ConversionRefused(
            "marketplace", notices.MARKETPLACE_VARIANT(marketplace=str(market.name))
        )
    currency = Currency.objects.filter(code=form.currency).first()
    if currency is None:
        raise ConversionRefused(
            "currency_unknown", notices.CURRENCY_UNKNOWN(currency=form.currency)
        )
    if not currency.is_available:
        raise ConversionRefused(
            "currency_unavailable", notices.CURRENCY_UNAVAILABLE(currency=form.currency)
        )


def _products(
    order: AllegroOrder, form: CheckoutForm, chosen: Mapping[str, int], index: ProductIndex | None
) -> tuple[dict[str, Product], dict[str, Product]]:
    """Each offer's product, and the subset the operator chose just now."""
    matched = offer_products_match(account_id=order.account_id, lines=form.lines, index=index)
    unmatched = [line for line in form.lines if line.offer_id not in matched]
    wanted = {line.offer_id: chosen[line.offer_id] for line in unmatched if line.offer_id in chosen}
    picked = Product.objects.filter(is_active=True).in_bulk(set(wanted.values()))
    picks = {offer_id: picked[pk] for offer_id, pk in wanted.items() if pk in picked}
    # One entry per offer: merged forms may hold the same offer twice.
    still_unmatched = tuple(
        {line.offer_id: line for line in unmatched if line.offer_id not in picks}.values()
    )
    if still_unmatched:
        offers = ", ".join(
            f"{line.offer_id} „{line.offer_name}”"
            + (f" ({line.external_id})" if line.external_id else "")
            for line in still_unmatched
        )
        raise ConversionRefused(
            "unmatched", notices.UNMATCHED(offers=offers), unmatched=still_unmatched
        )
    return matched | picks, picks


def _additional_services(raw: dict[str, Any], currency: str) -> Money:
    """Services bought with the lines (carrying in, ...): part of totalToPay, absent from the
    typed form, so read here with the same care (Decimal amounts, one currency)."""
    total = Money(0, currency)
    try:
        for item in raw.get("lineItems") or []:
            for service in item.get("selectedAdditionalServices") or []:
                price = service["price"]
                if price["currency"] != currency:
                    raise ValueError(f"additional service in {price['currency']}")
                total += Money(Decimal(price["amount"]), currency) * int(
                    service.get("quantity") or 1
                )
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise _malformed(f"lineItems.selectedAdditionalServices: {error!r}") from None
    return total


def _address(address: Address | None, *, name: str = "", company: str = "") -> AddressData | None:
    if address is None:
        return None
    return AddressData(
        name=(name or address.person)[:255],
        company_name=(company or address.company_name)[:255],
        street=address.street[:255],
        zip_code=address.zip_code[:32],
        city=address.city[:128],
        country_code=address.country_code[:2],
        phone_number=address.phone_number[:32],
    )


# Allegro shows the goods handed over (to a carrier or the buyer) in these statuses.
HANDED_OVER = (_F.SENT, _F.PICKED_UP, _F.RETURNED)
# The journal's event type (allegro.orders.services imports this module, not the reverse).
FULFILLMENT_STATUS_CHANGED = "FULFILLMENT_STATUS_CHANGED"


def handed_over_on(order: AllegroOrder) -> date | None:
    """The day Allegro shows an order fulfilled outside the shop as sent: its last
    fulfillment change in the journal, else the form's last change (an order backfilled from
    the list has no journal); None while nothing was handed over."""
    if order.fulfillment_status not in HANDED_OVER:
        return None
    moment = (
        AllegroOrderEvent.objects.filter(
            account_id=order.account_id,
            checkout_form_id=order.checkout_form_id,
            type=FULFILLMENT_STATUS_CHANGED,
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    ) or order.allegro_updated_at
    return timezone.localdate(moment) if moment else None


def _new_sales_order(
    order: AllegroOrder, form: CheckoutForm, products: Mapping[str, Product]
) -> NewSalesOrder:
    currency = form.currency
    surcharges = sum(
        (s.paid_amount for s in form.surcharges if s.paid_amount is not None), Money(0, currency)
    )
    # totalToPay = lines + delivery + additional services + surcharges. The sales order has
    # lines and one delivery amount, so the extras (dopłaty, services such as carrying in)
    # ride with delivery: the order then totals exactly what the buyer pays.
    delivery_cost = form.delivery.cost + _additional_services(order.payload, currency) + surcharges
    lines = [
        LineData(
            product=products[line.offer_id],
            quantity=line.quantity,
            unit_price=line.unit_price,
            name=line.offer_name,
            vat_rate=line.tax_rate,
        )
        for line in form.lines
    ]
    total = sum((line.unit_price * line.quantity for line in lines), delivery_cost)
    if total != form.total_to_pay:
        raise ConversionRefused(
            "total_mismatch",
            notices.TOTAL_MISMATCH(
                total=money_param(total),
                to_pay=money_param(form.total_to_pay),
                difference=money_param(form.total_to_pay - total),
            ),
        )
    buyer, invoice, delivery = form.buyer, form.invoice, form.delivery
    point = delivery.pickup_point
    return NewSalesOrder(
        channel=CHANNEL,
        marketplace=form.marketplace,
        channel_reference=form.id,
        currency=currency,
        lines=lines,
        delivery_cost=delivery_cost,
        customer_name=(buyer.name or invoice.natural_person)[:255],
        customer_company=(invoice.company_name or buyer.company_name)[:255],
        customer_tax_ids=[
            {"type": tax_id.type, "label": tax_id.label, "value": tax_id.value}
            for tax_id in invoice.tax_ids
        ],
        customer_email=buyer.email[:255],
        customer_phone=buyer.phone_number[:32],
        customer_login=buyer.login[:128],
        invoice_requested=invoice.required,
        # Company data on the invoice address is Allegro's "invoice for a company".
        buyer_kind=BuyerKind.COMPANY
        if invoice.company_name or invoice.tax_ids
        else BuyerKind.CONSUMER,
        customer_vat_eu_verified=invoice.vat_eu_verified,
        payment_type=form.payment.type[:32] if form.payment else "",
        paid_at=form.payment.finished_at if form.payment else None,
        delivery_date=handed_over_on(order) if order.is_fulfilled_outside else None,
        billing_address=_address(
            invoice.address, name=invoice.natural_person or buyer.name, company=invoice.company_name
        )
        or _address(buyer.address, name=buyer.name, company=buyer.company_name),
        delivery_address=_address(delivery.address),
        delivery_method=delivery.method_name[:255],
        pickup_point_id=point.id[:64] if point else "",
        pickup_point_name=point.name[:255] if point else "",
        pickup_point_address=", ".join(point.address.lines)[:255]
        if point and point.address
        else "",
        pickup_point_description=point.description if point else "",
        buyer_message=form.message_to_seller,
        status=START_STATUS.get(order.fulfillment_status, SalesOrderStatus.NEW),
        fulfilled_outside=order.is_fulfilled_outside,
    )


def _remember(
    order: AllegroOrder,
    picks: Mapping[str, Product],
    remember: bool | Collection[str],
    user: User | None,
) -> None:
    offers = set(picks) if remember is True else set(remember or ()) & set(picks)
    for offer_id in offers:
        OfferProductLink.objects.update_or_create(
            account_id=order.account_id,
            offer_id=offer_id,
            defaults={"product": picks[offer_id], "created_by": _user_or_none(user)},
        )


def allegro_order_convert(
    *,
    allegro_order_id: int,
    user: User | None,
    products: Mapping[str, int] | None = None,
    remember: bool | Collection[str] = True,
    index: ProductIndex | None = None,
    fulfilled_outside_confirmed: bool = False,
) -> ConversionResult:
    """Turn an Allegro order into a sales order, or return the one made before.

    `products` maps offer ids to the product ids an operator chose for lines that match no
    product; `remember` keeps those choices for the account's next orders (True: all of them,
    or a collection of the offer ids to keep). `index` saves a batch reading the products
    order by order. The sales order starts in the status matching Allegro's fulfillment;
    an order Allegro shows as already fulfilled (sent, picked up, ...) is refused with code
    "needs_confirmation" unless `fulfilled_outside_confirmed`: an operator said yes to it.
    Raises ConversionRefused and writes nothing when the order cannot be converted.
    """
    with transaction.atomic():
        # The lock comes first: a double click, two operators and the automatic job all
        # queue here, and whoever comes second finds the link made by the first.
        order = AllegroOrder.objects.select_for_update().get(pk=allegro_order_id)
        if order.sales_order_id is not None:
            return ConversionResult(SalesOrder.objects.get(pk=order.sales_order_id), created=False)
        _check_status(order, confirmed=fulfilled_outside_confirmed)
        form = _form(order)
        _check_market(form)
        products_by_offer, picks = _products(order, form, products or {}, index)
        new = _new_sales_order(order, form, products_by_offer)
        try:
            sales_order = sales_order_create(new=new, user=_user_or_none(user))
        except SalesOrderRefused as error:
            raise ConversionRefused("sales_refused", error.notice) from None
        _remember(order, picks, remember, user)
        sales_order_offer_terms_set(
            sales_order_id=sales_order.pk, offer_ids=[line.offer_id for line in form.lines]
        )
        if form.invoice.missing_tax_id:
            # Allegro lets a buyer ask for an invoice without a tax id (#12668).
            sales_order = sales_order_attention_flag(
                order_id=sales_order.pk, reason=notices.MISSING_TAX_ID()
            )
        order.sales_order = sales_order
        order.conversion_problem = ""
        order.save(update_fields=["sales_order", "conversion_problem", "updated_at"])
    logger.info(
        "allegro.conversion.created",
        extra={
            "allegro_order_id": order.pk,
            "checkout_form_id": order.checkout_form_id,
            "sales_order": sales_order.number,
            "status": sales_order.status,
            "fulfilled_outside": sales_order.fulfilled_outside,
            "user_id": getattr(_user_or_none(user), "pk", None),
        },
    )
    return ConversionResult(sales_order, created=True)


def account_orders_auto_convert(*, account_id: int, retry_problems: bool) -> AutoConversionStats:
    """Convert every eligible order of an account that creates orders automatically.

    Each order in its own transaction, through allegro_order_convert, so the automatic job
    and operators can never make two sales orders of one Allegro order. A refusal is kept in
    the order's conversion_problem for staff; `retry_problems` tries those orders again
    (products or currencies may have been added since). Orders stored while this runs are
    picked up before it returns.
    """
    stats = AutoConversionStats()
    attempted: set[int] = set()
    while True:
        pending = [
            pk
            for pk in allegro_orders_auto_convertible(
                account_id=account_id, retry_problems=retry_problems
            )
            if pk not in attempted
        ]
        if not pending:
            return stats
        for start in range(0, len(pending), BATCH_SIZE):
            batch = pending[start : start + BATCH_SIZE]
            index = product_index(account_id=account_id, order_ids=batch)
            for pk in batch:
                attempted.add(pk)
                _auto_convert_one(pk, index, stats)


def _auto_convert_one(pk: int, index: ProductIndex, stats: AutoConversionStats) -> None:
    try:
        stats.created += allegro_order_convert(
            allegro_order_id=pk, user=None, remember=False, index=index
        ).created
    except ConversionRefused as refusal:
        stats.refused += 1
        _problem_store(pk, refusal.stored())
    except Exception as error:
        # One broken order must not stop the account's others; staff see why.
        logger.exception("allegro.conversion.failed", extra={"allegro_order_id": pk})
        stats.refused += 1
        _problem_store(pk, notices.UNEXPECTED_CONVERSION(error=str(error)).stored())


def _problem_store(allegro_order_id: int, message: str) -> None:
    # Only while still unconverted: an operator may have converted it a moment ago.
    AllegroOrder.objects.filter(pk=allegro_order_id, sales_order__isnull=True).exclude(
        conversion_problem=message
    ).update(conversion_problem=message)
    logger.info(
        "allegro.conversion.refused",
        extra={"allegro_order_id": allegro_order_id, "reason": message},
    )


def auto_conversion_enqueue(*, account_id: int) -> None:
    """Queue the account's automatic conversion once the current transaction commits, so
    the job finds the orders it is queued for."""
    transaction.on_commit(
        # By path: the jobs module imports the importer, which calls this.
        lambda: django_rq.get_queue("default").enqueue(
            "allegro.conversion.jobs.auto_convert_account", account_id
        )
    )


@transaction.atomic
def account_auto_conversion_set(
    *, account_id: int, enabled: bool, user: User | None, since: datetime | None = None
) -> AllegroAccount:
    """Switch "create orders for offers automatically" for one account.

    It takes only orders bought from `since` on: by default from the moment it is switched
    on (an account already on keeps its date), so switching on never converts the weeks of
    orders the backfill brought. An administrator may give an earlier date; the orders from
    then are converted after commit, and settings say how many (selectors).
    """
    account = AllegroAccount.objects.select_for_update().get(pk=account_id)
    if enabled:
        cut_off = since or (account.auto_convert_from if account.auto_create_orders else None)
        cut_off = cut_off or timezone.now()
    else:
        cut_off = account.auto_convert_from
    if account.auto_create_orders == enabled and account.auto_convert_from == cut_off:
        return account
    before = {"auto_create_orders": account.auto_create_orders, "from": account.auto_convert_from}
    account.auto_create_orders = enabled
    account.auto_convert_from = cut_off
    account.save(update_fields=["auto_create_orders", "auto_convert_from", "updated_at"])
    audit_record(
        user=user,
        action="allegro.auto_conversion_set",
        obj=account,
        before=before,
        after={"auto_create_orders": enabled, "from": cut_off},
    )
    logger.info(
        "allegro.conversion.auto_switched",
        extra={
            "account_id": account_id,
            "enabled": enabled,
            "since": cut_off.isoformat() if cut_off else None,
            "user_id": getattr(_user_or_none(user), "pk", None),
        },
    )
    if enabled:
        auto_conversion_enqueue(account_id=account_id)
    return account


def allegro_orders_cancellation_flag(*, allegro_order_ids: Collection[int]) -> int:
    """Ask staff to look at the sales orders of Allegro orders just cancelled in Allegro.

    Called by the import in the transaction that stores the cancellation. The sales order
    keeps its status: whether a parcel can still be stopped or money goes back is a person's
    call. Returns how many sales orders were flagged.
    """
    converted = list(
        AllegroOrder.objects.filter(
            pk__in=allegro_order_ids, sales_order__isnull=False
        ).values_list("account_id", "checkout_form_id", "sales_order_id")
    )
    for account_id, form_id, sales_order_id in converted:
        latest = (
            AllegroOrderEvent.objects.filter(
                account_id=account_id, checkout_form_id=form_id, type__in=CANCELLATION_EVENTS
            )
            .order_by("-occurred_at", "-event_id")
            .values_list("type", flat=True)
            .first()
        )
        reason = {
            "AUTO_CANCELLED": notices.CANCELLED_BY_ALLEGRO,
            "BUYER_CANCELLED": notices.CANCELLED_BY_BUYER,
        }.get(latest or "", notices.CANCELLED_AFTER)
        sales_order_attention_flag(order_id=sales_order_id, reason=reason(form_id=form_id))
        logger.info(
            "allegro.conversion.cancelled_after",
            extra={"checkout_form_id": form_id, "sales_order_id": sales_order_id},
        )
    return len(converted)
