"""Deterministic generation of realistic checkout forms with the journal they would have."""

from __future__ import annotations

import base64
import random
import sqlite3
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from emulator.catalogue import CATALOGUE, MARKETS, PEOPLE, DeliveryOption, Market
from emulator.clock import iso
from emulator.money import price
from emulator.orders import SELLER_ID, Built, Order, insert_built

DEMO_SEED = 20260718
BUYER_STATUSES = ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "CANCELLED")
# Where randomly drawn orders come from, with their weights; business.allegro.pl orders are
# planned explicitly (always a company with a NIP).
RANDOM_MARKETS = ("allegro-pl", "allegro-cz", "allegro-sk", "allegro-hu")
RANDOM_MARKET_WEIGHTS = (50, 25, 12, 13)


@dataclass
class Plan:
    """What one generated order should look like; unset fields are drawn from the RNG."""

    marketplace: str
    status: str = "READY_FOR_PROCESSING"
    age: timedelta = timedelta(hours=1)  # how long ago it was bought
    lines: tuple[tuple[str, int], ...] | None = None  # (sku, quantity)
    delivery: str | None = None  # pickup / courier / cod
    point: str | None = None  # pickup point id
    company: str | None = None  # "pl", "cz" or "no_tax_id" (invoice required, no company)
    message: str | None = None
    surcharge: bool = False
    cancel: str = "BUYER_CANCELLED"  # or AUTO_CANCELLED
    fulfillment: tuple[str, ...] | None = None  # seller's status changes; None: by age


def make_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def shipment_id(carrier: str, waybill: str, salt: str) -> str:
    # Allegro's ids are base64 of "CARRIER:waybill"; the salt keeps repeated waybills distinct.
    return base64.b64encode(f"{carrier}:{waybill}:{salt}".encode()).decode()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _waybill(rng: random.Random, carrier: str) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(20))
    if carrier == "INPOST":
        return "6" + digits[:23]
    if carrier == "DPD":
        return "1000" + digits[:9] + "U"
    if carrier == "PACKETA":
        return "Z" + digits[:10]
    return digits[:11]


def _person(rng: random.Random, market: Market) -> dict[str, Any]:
    people = PEOPLE[market.id]
    first, female = rng.choice(people["first"])
    last = rng.choice(people["last"])[female]
    street, post_code, city = rng.choice(people["address"])
    login = f"{_ascii(first)}_{_ascii(last)}{rng.randint(1, 99)}".replace(" ", "")
    token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))
    phone = market.phone_prefix + "".join(rng.choice("0123456789") for _ in range(9))
    return {
        "id": str(rng.randint(10_000_000, 99_999_999)),
        "email": f"{token}+{rng.getrandbits(32):08x}@allegromail.pl",
        "login": login,
        "firstName": first,
        "lastName": last,
        "guest": False,
        "phoneNumber": phone,
        "preferences": {"language": market.language},
        "address": {
            "street": street,
            "city": city,
            "postCode": post_code,
            "countryCode": market.country,
        },
    }


def _pick_delivery(rng: random.Random, market: Market, plan: Plan) -> DeliveryOption:
    options = [o for o in market.deliveries if plan.delivery is None or o.kind == plan.delivery]
    if plan.delivery is None:
        options = [o for o in options if o.kind != "cod"] or options
    return rng.choice(options)


def _company(plan: Plan, buyer: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    if plan.company == "cz":
        ico = str(rng.randint(20_000_000, 29_999_999))
        return {
            "name": f"{buyer['lastName'].rstrip('á')} Trading s.r.o.",
            "ids": [
                {"type": "CZ_ICO", "value": ico},
                {"type": "CZ_DIC", "value": f"CZ{ico}"},
                {"type": "VAT_EU", "value": f"CZ{ico}"},
            ],
            "vatPayerStatus": "ACTIVE",
            "taxId": f"IČO: {ico}, DIČ: CZ{ico}",
        }
    if plan.company == "pl":
        nip = _nip(rng)
        return {
            "name": f"{buyer['lastName']}-Tech Sp. z o.o.",
            "ids": [{"type": "PL_NIP", "value": nip}],
            "vatPayerStatus": "ACTIVE",
            "taxId": nip,
        }
    return None


def _nip(rng: random.Random) -> str:
    """A Polish NIP with a valid checksum, so shop-side validation accepts it."""
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def build_order(rng: random.Random, plan: Plan, now: datetime) -> Built:
    """One checkout form in its final state plus the events and changes that led there."""
    market = MARKETS[plan.marketplace]
    currency = market.currency
    buyer = _person(rng, market)
    bought = now - plan.age
    order_id = make_uuid(rng)

    lines = plan.lines
    if lines is None:
        count = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        products = rng.sample(CATALOGUE, count)
        lines = tuple((p.sku, rng.choices((1, 2, 3), weights=(80, 15, 5))[0]) for p in products)
    by_sku = {p.sku: p for p in CATALOGUE}
    line_items = []
    lines_total = Decimal("0")
    for sku, quantity in lines:
        product = by_sku[sku]
        unit = market.local_price(product.price_pln)
        original = unit
        if rng.random() < 0.15:  # a promotion: paid less than the listed price
            original = unit + market.local_price(Decimal("10.00"))
        lines_total += unit * quantity
        line_items.append(
            {
                "id": make_uuid(rng),
                "offer": {"id": product.offer_id, "name": product.name, "external": {"id": sku}},
                "quantity": quantity,
                "originalPrice": price(original, currency),
                "price": price(unit, currency),
                "selectedAdditionalServices": [],
                "vouchers": [],
                # `exemption` is nullable in the spec and usually null in real answers.
                "tax": {"rate": market.vat, "subject": "GOODS", "exemption": None},
                "boughtAt": iso(bought),
                "discounts": [],
            }
        )

    option = _pick_delivery(rng, market, plan)
    delivery: dict[str, Any] = {
        "address": {
            "firstName": buyer["firstName"],
            "lastName": buyer["lastName"],
            "street": buyer["address"]["street"],
            "city": buyer["address"]["city"],
            "zipCode": buyer["address"]["postCode"],
            "countryCode": market.country,
            "phoneNumber": buyer["phoneNumber"],
        },
        "method": {"id": option.method_id, "name": option.name},
        "cost": price(option.cost, currency),
        "time": {
            "from": iso(bought + timedelta(days=2)),
            "to": iso(bought + timedelta(days=4)),
            "dispatch": {"from": iso(bought), "to": iso(bought + timedelta(days=1))},
        },
        "smart": False,
        "calculatedNumberOfPackages": 1,
    }
    if option.points:
        points = [p for p in option.points if plan.point in (None, p[0])] or list(option.points)
        point_id, name, description, street, zip_code, city = rng.choice(points)
        delivery["pickupPoint"] = {
            "id": point_id,
            "name": name,
            "description": description,
            "address": {
                "street": street,
                "zipCode": zip_code,
                "city": city,
                "countryCode": market.country,
            },
        }
    if (
        market.id == "allegro-pl"
        and option.kind == "pickup"
        and lines_total >= 40
        and rng.random() < 0.4
    ):
        delivery["smart"] = True  # Allegro Smart! buyers get free parcel-locker delivery
        delivery["cost"] = price("0.00", currency)
    delivery_cost = Decimal(delivery["cost"]["amount"])

    company = _company(plan, buyer, rng)
    if company:
        buyer["companyName"] = company["name"]
        delivery["address"]["companyName"] = company["name"]
    invoice: dict[str, Any] = {"required": False, "features": []}
    if company or plan.company == "no_tax_id":
        invoice = {
            "required": True,
            "features": ["VAT_EU_VERIFIED"] if plan.company == "cz" else [],
            "address": {
                "street": buyer["address"]["street"],
                "city": buyer["address"]["city"],
                "zipCode": buyer["address"]["postCode"],
                "countryCode": market.country,
                "naturalPerson": {"firstName": buyer["firstName"], "lastName": buyer["lastName"]},
            },
        }
        if company:
            invoice["address"]["company"] = company

    cod = option.kind == "cod"
    payment: dict[str, Any] = {
        "id": make_uuid(rng),
        "type": "CASH_ON_DELIVERY" if cod else "ONLINE",
        "features": [],
    }
    if not cod:
        payment["provider"] = "P24" if market.id == "allegro-pl" and rng.random() < 0.5 else "AF"

    form: dict[str, Any] = {
        "id": order_id,
        "buyer": buyer,
        "payment": payment,
        "status": plan.status,
        "fulfillment": {
            "status": "NEW",
            "shipmentSummary": {"lineItemsSent": "NONE"},
            "provider": {"id": "SELLER"},
        },
        "delivery": delivery,
        "invoice": invoice,
        "lineItems": line_items,
        "surcharges": [],
        "marketplace": {"id": market.id},
        "summary": {"totalToPay": price(lines_total + delivery_cost, currency)},
        "updatedAt": iso(bought),
        "revision": "",
    }
    if plan.message:
        form["messageToSeller"] = plan.message

    built = Built(Order(form, rev_no=0))
    order = built.order

    def step(kind: str | None, at: datetime) -> None:
        order.bump_revision()
        if kind:
            built.events.append((kind, at, order.rev_no))

    step("BOUGHT", bought)
    at = bought
    if plan.status == "CANCELLED" and plan.cancel == "AUTO_CANCELLED":
        at = min(bought + timedelta(days=rng.choice((3, 4, 5))), now)
        step("AUTO_CANCELLED", at)
        form["updatedAt"] = iso(at)
    elif plan.status != "BOUGHT":
        at = min(bought + timedelta(seconds=rng.randint(30, 240)), now)
        step("FILLED_IN", at)
        form["updatedAt"] = iso(at)
        if plan.status == "READY_FOR_PROCESSING":
            at = min(at + timedelta(seconds=rng.randint(20, 300)), now)
            step("READY_FOR_PROCESSING", at)
            form["updatedAt"] = iso(at)
            if not cod:
                payment["finishedAt"] = iso(at)
                payment["paidAmount"] = dict(form["summary"]["totalToPay"])
            if plan.surcharge:
                at = min(at + timedelta(hours=rng.randint(1, 20)), now)
                _add_surcharge(form, rng, at, market)
                step("READY_FOR_PROCESSING", at)  # every surcharge re-emits this event
        elif plan.status == "CANCELLED":
            at = min(at + timedelta(minutes=rng.randint(5, 600)), now)
            step("BUYER_CANCELLED", at)
            form["updatedAt"] = iso(at)

    if plan.status == "READY_FOR_PROCESSING":
        _fulfil(built, rng, plan, at, now, option)
    return built


def _add_surcharge(form: dict[str, Any], rng: random.Random, at: datetime, market: Market) -> None:
    amount = market.local_price(Decimal(rng.choice(("5.00", "10.00", "15.00"))))
    form["surcharges"].append(
        {
            "id": make_uuid(rng),
            "type": "ONLINE",
            "provider": "AF",
            "finishedAt": iso(at),
            "paidAmount": price(amount, market.currency),
            "features": [],
        }
    )
    total = Decimal(form["summary"]["totalToPay"]["amount"]) + amount
    form["summary"]["totalToPay"] = price(total, market.currency)
    form["updatedAt"] = iso(at)


def _fulfil(
    built: Built,
    rng: random.Random,
    plan: Plan,
    paid: datetime,
    now: datetime,
    option: DeliveryOption,
) -> None:
    """Walk the seller's side forward as a shop would have, by the order's age."""
    statuses = plan.fulfillment
    if statuses is None:
        days = (now - paid).days
        if days >= 8:
            statuses = ("PROCESSING", "SENT") + (("PICKED_UP",) if option.kind == "pickup" else ())
        elif days >= 3:
            statuses = rng.choice(
                (("PROCESSING",), ("PROCESSING", "READY_FOR_SHIPMENT"), ("PROCESSING", "SENT"))
            )
        else:
            statuses = ()
    order = built.order
    form = order.form
    at = paid
    for status in statuses:
        at = min(at + timedelta(hours=rng.randint(2, 30)), now)
        if status == "SENT":
            waybill = _waybill(rng, option.carrier)
            built.shipments.append(
                {
                    "id": shipment_id(option.carrier, waybill, f"{rng.getrandbits(32):08x}"),
                    "waybill": waybill,
                    "carrierId": option.carrier,
                    "lineItems": [{"id": item["id"]} for item in form["lineItems"]],
                    "createdAt": iso(at),
                }
            )
            form["fulfillment"]["shipmentSummary"]["lineItemsSent"] = "ALL"
            order.bump_revision()  # tracking numbers move the revision, not updatedAt
        form["fulfillment"]["status"] = status
        order.bump_revision()
        order.fulfillment_changes += 1
        built.events.append(("FULFILLMENT_STATUS_CHANGED", at, order.rev_no))
        built.history.append((status, at, order.rev_no))


def demo_plans(rng: random.Random) -> list[Plan]:
    """About forty orders that cover every case the back office must handle."""
    hours = timedelta(hours=1)
    plans = [
        Plan(
            "allegro-cz",
            age=3 * hours,
            lines=(("VAC-252", 1),),
            delivery="pickup",
            point="9290",
            company="cz",
        ),
        Plan(
            "allegro-pl",
            age=5 * hours,
            lines=(("KET-17", 1), ("FLT-02", 2)),
            delivery="courier",
            company="pl",
            message="Proszę o fakturę VAT na firmę, dziękuję.",
        ),
        Plan(
            "allegro-pl",
            age=20 * hours,
            lines=(("COF-15", 1),),
            delivery="pickup",
            point="KRA01M",
            company="no_tax_id",
            message="Poproszę o fakturę imienną.",
        ),
        Plan(
            "allegro-pl", age=30 * hours, lines=(("IRN-24", 1),), delivery="pickup", surcharge=True
        ),
        Plan("allegro-pl", age=7 * hours, lines=(("FAN-40", 1), ("SCL-05", 1)), delivery="cod"),
        Plan("allegro-pl", status="BOUGHT", age=hours / 2, lines=(("HDR-22", 1),)),
        Plan("allegro-pl", status="FILLED_IN", age=2 * hours, lines=(("BLN-12", 1),)),
        Plan("allegro-cz", status="FILLED_IN", age=4 * hours, lines=(("KET-17", 1),)),
        Plan("allegro-pl", status="CANCELLED", age=4 * 24 * hours, lines=(("TST-02", 1),)),
        Plan("allegro-cz", status="CANCELLED", age=9 * 24 * hours, cancel="AUTO_CANCELLED"),
        Plan(
            "allegro-sk",
            age=26 * hours,
            lines=(("VAC-252", 1), ("BAG-252", 2)),
            delivery="pickup",
            message="Prosím, zabaľte to dobre.",
        ),
        Plan(
            "allegro-hu", age=36 * hours, lines=(("COF-15", 1), ("SCL-05", 1)), delivery="courier"
        ),
        Plan("allegro-sk", status="BOUGHT", age=hours),
        Plan("allegro-hu", status="CANCELLED", age=6 * 24 * hours),
        Plan(
            "allegro-cz",
            age=50 * hours,
            lines=(("BLN-12", 1), ("FLT-02", 3)),
            surcharge=True,
            message="Prosím o doručení co nejdříve.",
        ),
    ]
    # business.allegro.pl: Polish companies with a NIP, paying in PLN.
    plans += [
        Plan(
            "allegro-business-pl",
            age=8 * hours,
            lines=(("COF-15", 2), ("FLT-02", 4)),
            delivery="courier",
            company="pl",
            message="Faktura VAT na firmę, NIP w danych do faktury.",
        ),
        Plan(
            "allegro-business-pl",
            age=28 * hours,
            lines=(("VAC-252", 3),),
            delivery="pickup",
            point="WAW22A",
            company="pl",
        ),
        Plan("allegro-business-pl", status="FILLED_IN", age=3 * hours, company="pl"),
    ]
    messages = {
        "allegro-pl": ("Proszę o szybką wysyłkę.", "Paczkę proszę zostawić u sąsiada spod 5."),
        "allegro-cz": ("Děkuji, těším se.",),
        "allegro-sk": ("Ďakujem!",),
        "allegro-hu": ("Köszönöm szépen!",),
    }
    while len(plans) < 40:
        marketplace = rng.choices(RANDOM_MARKETS, weights=RANDOM_MARKET_WEIGHTS)[0]
        status = rng.choices(BUYER_STATUSES, weights=(5, 8, 75, 12))[0]
        max_days = 3 if status in ("BOUGHT", "FILLED_IN") else 30
        age = timedelta(seconds=rng.randint(600, max_days * 86_400))
        message = rng.choice(messages[marketplace]) if rng.random() < 0.2 else None
        plans.append(
            Plan(
                marketplace,
                status=status,
                age=age,
                message=message,
                surcharge=status == "READY_FOR_PROCESSING" and rng.random() < 0.05,
                cancel=rng.choice(("BUYER_CANCELLED", "AUTO_CANCELLED")),
            )
        )
    return plans


def seed_demo(conn: sqlite3.Connection, now: datetime) -> list[str]:
    rng = random.Random(DEMO_SEED)
    return insert_built(conn, [build_order(rng, plan, now) for plan in demo_plans(rng)])


def random_plan(rng: random.Random, *, marketplace: str | None = None, max_age: timedelta) -> Plan:
    marketplace = marketplace or rng.choices(RANDOM_MARKETS, weights=RANDOM_MARKET_WEIGHTS)[0]
    status = rng.choices(BUYER_STATUSES, weights=(3, 4, 85, 8))[0]
    seconds = max(int(max_age.total_seconds()), 60)
    return Plan(
        marketplace,
        status=status,
        age=timedelta(seconds=rng.randint(60, seconds)),
        cancel=rng.choice(("BUYER_CANCELLED", "AUTO_CANCELLED")),
    )


def generate(conn: sqlite3.Connection, now: datetime, *, count: int, days: int) -> int:
    """Bulk orders for benchmarks: mixed marketplaces, full journal, inserted in batches."""
    existing = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    rng = random.Random(f"generate:{existing}:{count}")
    batch: list[Built] = []
    for _ in range(count):
        batch.append(build_order(rng, random_plan(rng, max_age=timedelta(days=days)), now))
        if len(batch) == 1000:
            insert_built(conn, batch)
            batch = []
    insert_built(conn, batch)
    return count


def new_orders(
    conn: sqlite3.Connection,
    now: datetime,
    *,
    marketplace: str,
    count: int,
    status: str,
    bought_at: datetime | None,
    seller_id: str = SELLER_ID,
) -> list[str]:
    """Orders 'just placed' by buyers (control endpoint) at `seller_id`'s offers; journal
    events are stamped now-ish."""
    existing = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    rng = random.Random(f"new:{existing}")
    age = (now - bought_at) if bought_at else timedelta(minutes=6)
    built = [
        build_order(rng, Plan(marketplace, status=status, age=age, fulfillment=()), now)
        for _ in range(count)
    ]
    for one in built:
        one.order.seller_id = seller_id
    return insert_built(conn, built)


def seller_orders(
    conn: sqlite3.Connection, now: datetime, *, seller_id: str, marketplace: str, count: int
) -> list[str]:
    """A newly added seller's history: `count` paid orders over the last week."""
    existing = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    rng = random.Random(f"seller:{seller_id}:{existing}")
    built = []
    for _ in range(count):
        plan = Plan(
            marketplace,
            status="READY_FOR_PROCESSING",
            age=timedelta(seconds=rng.randint(3600, 7 * 86400)),
            fulfillment=(),
        )
        one = build_order(rng, plan, now)
        one.order.seller_id = seller_id
        built.append(one)
    return insert_built(conn, built)
