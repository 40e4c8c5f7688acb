"""Benchmark: Allegro ▸ Zamówienia and Sprzedaż ▸ Zamówienia with N orders each, and the
automatic conversion of 1,000 Allegro orders.

    .venv/bin/python bench/lists_bench.py --count 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/lists_bench.py
    DATABASE_URL=... .venv/bin/python bench/lists_bench.py --count 1000000 --reuse

On PostgreSQL the rows are loaded with COPY (1,000,000 + 1,000,000 in about 4 minutes, 3.4 GB)
and the tables vacuumed and analyzed, as autovacuum leaves production tables; `--reuse` keeps
them when the database already holds --count orders of each (new migrations still apply).

Server time is measured in-process through Django's test client (middleware, views, queries
and templates; no network), `--repeat` requests a scenario, reported as p50/p95 with the
number of queries of one request. Rows are bulk-inserted, not imported: this measures the
pages, not the import (bench/import_bench.py does that).
"""

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MARKETPLACES = [
    ("allegro-pl", "PLN"),
    ("allegro-cz", "CZK"),
    ("allegro-sk", "EUR"),
    ("allegro-hu", "HUF"),
]


def setup_django() -> None:
    os.environ["SHOP_VAR_DIR"] = tempfile.mkdtemp(prefix="lists-bench-")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # a log line per conversion would be timed too
    import django

    django.setup()


def fill_allegro(count: int, account, fixture: dict) -> None:
    from django.db import connection
    from django.utils import timezone
    from djmoney.money import Money

    from allegro.orders.models import AllegroOrder, AllegroOrderLine

    now = timezone.now()
    if connection.vendor == "postgresql":
        _copy_allegro(count, account, fixture, now)
        return
    batch: list = []
    for index in range(count):
        marketplace, currency = MARKETPLACES[index % 4]
        payload = copy.deepcopy(fixture)
        payload["id"] = str(uuid.uuid4())
        payload["marketplace"] = {"id": marketplace}
        # Every buyer and product of its own, as search needs (one shared phone would match
        # every order): 5,000 SKUs, a phone and an e-mail per order.
        payload["buyer"]["phoneNumber"] = f"+48 5{index:08d}"
        payload["buyer"]["email"] = f"kupujacy{index}@allegromail.pl"
        payload["lineItems"][0]["offer"]["external"] = {"id": f"VAC-{index % 5000}"}
        batch.append(
            AllegroOrder(
                account=account,
                checkout_form_id=payload["id"],
                revision="r1",
                marketplace=marketplace,
                status="READY_FOR_PROCESSING" if index % 5 else "CANCELLED",
                fulfillment_status="NEW",
                buyer_login=f"buyer_{index}",
                bought_at=now - timedelta(minutes=index),
                total=Money(100 + index % 900, currency),
                payload=payload,
            )
        )
        if len(batch) == 2000:
            created = AllegroOrder.objects.bulk_create(batch)
            AllegroOrderLine.objects.bulk_create(
                AllegroOrderLine(
                    order=order,
                    line_item_id=str(uuid.uuid4()),
                    offer_id=str(10_000_000 + order.pk),
                    offer_name="Odkurzacz",
                    offer_external_id=order.payload["lineItems"][0]["offer"]["external"]["id"],
                    quantity=1,
                    unit_price=order.total,
                )
                for order in created
            )
            batch = []


def _copy_allegro(count: int, account, fixture: dict, now) -> None:
    """The same rows as the ORM fill, through COPY: 1,000,000 orders in minutes, not hours."""
    from djmoney.money import Money

    from allegro.orders.models import AllegroOrder, AllegroOrderLine

    first_id = (AllegroOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    # The payload's JSON made once per marketplace, each order's own values put in by
    # replacing these (they occur nowhere else in the form).
    form_id, phone, email, sku = "@@FORM@@", "@@PHONE@@", "@@EMAIL@@", "@@SKU@@"
    payloads = []
    for marketplace, _currency in MARKETPLACES:
        payload = copy.deepcopy(fixture)
        payload.update(id=form_id, marketplace={"id": marketplace})
        payload["buyer"].update(phoneNumber=phone, email=email)
        payload["lineItems"][0]["offer"]["external"] = {"id": sku}
        payloads.append(json.dumps(payload, ensure_ascii=False))
    form_ids = [str(uuid.uuid4()) for _ in range(count)]

    def order(index: int) -> dict:
        marketplace, currency = MARKETPLACES[index % 4]
        own = payloads[index % 4].replace(form_id, form_ids[index])
        own = own.replace(phone, f"+48 5{index:08d}").replace(
            email, f"kupujacy{index}@allegromail.pl"
        )
        return {
            "checkout_form_id": form_ids[index],
            "marketplace": marketplace,
            "status": "READY_FOR_PROCESSING" if index % 5 else "CANCELLED",
            "buyer_login": f"buyer_{index}",
            "bought_at": now - timedelta(minutes=index),
            "total": Decimal(100 + index % 900),
            "total_currency": currency,
            "payload": own.replace(sku, f"VAC-{index % 5000}"),
        }

    template = AllegroOrder(
        account=account,
        revision="r1",
        fulfillment_status="NEW",
        total=Money(100, "PLN"),
        payload={},
    )
    _copy_rows(AllegroOrder, template, order, count, first_id=first_id)
    first_line = (
        AllegroOrderLine.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ) + 1

    def line(index: int) -> dict:
        return {
            "order_id": first_id + index,
            "line_item_id": str(uuid.uuid4()),
            "offer_id": str(10_000_000 + first_id + index),
            "offer_external_id": f"VAC-{index % 5000}",
            "unit_price": Decimal(100 + index % 900),
            "unit_price_currency": MARKETPLACES[index % 4][1],
        }

    line_template = AllegroOrderLine(
        order_id=first_id,
        offer_name="Odkurzacz",
        quantity=1,
        unit_price=Money(100, "PLN"),
    )
    _copy_rows(AllegroOrderLine, line_template, line, count, first_id=first_line)


def fill_sales(count: int) -> None:
    from django.db import connection
    from djmoney.money import Money

    from sales.models import SalesOrder, SalesOrderStatus

    def with_documents(orders: list) -> None:
        """Each order a line, a tracking number and an invoice, as search finds them."""
        created = SalesOrder.objects.bulk_create(orders)
        SalesOrderLine.objects.bulk_create(
            SalesOrderLine(
                order=order,
                product=product,
                code=f"VAC-{order.number_sequence % 5000}",
                name="Odkurzacz",
                quantity=1,
                unit_price=order.lines_total,
                vat_rate=23,
            )
            for order in created
        )
        SalesOrderShipment.objects.bulk_create(
            SalesOrderShipment(
                order=order, carrier_code="DPD", waybill=f"00340434{order.number_sequence:012d}"
            )
            for order in created
        )
        SalesOrderInvoice.objects.bulk_create(
            SalesOrderInvoice(order=order, number=f"FV/2025/{order.number_sequence:06d}")
            for order in created
        )

    from sales.models import SalesOrderInvoice, SalesOrderLine, SalesOrderShipment
    from tests.support.factories import make_product

    product = make_product(sku="VAC-BENCH")

    statuses = list(SalesOrderStatus.values)
    if connection.vendor == "postgresql":
        _copy_sales(count, statuses, product)
        return
    batch: list = []
    for index in range(count):
        marketplace, currency = MARKETPLACES[index % 4]
        batch.append(
            SalesOrder(
                number=f"ZS/2025/{index + 1:06d}",
                number_year=2025,
                number_sequence=index + 1,
                channel="allegro",
                marketplace=marketplace,
                status=statuses[index % len(statuses)],
                currency=currency,
                customer_name=f"Klient {index}",
                customer_login=f"buyer_{index}",
                customer_phone=f"+48 5{index:08d}",  # its Allegro order's buyer
                customer_email=f"klient{index}@example.com",
                delivery_cost=Money(10, currency),
                lines_total=Money(90, currency),
                total=Money(100 + index % 900, currency),
                needs_attention=index % 97 == 0,
                attention_reason="Anulowane w Allegro" if index % 97 == 0 else "",
            )
        )
        if len(batch) == 5000:
            with_documents(batch)
            batch = []
    with_documents(batch)


def link_converted() -> None:
    """Make the n-th sales order the conversion of the n-th Allegro order, so Allegro's
    search finds tracking and invoice numbers through its sales order, as in a shop."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE allegro_allegroorder SET sales_order_id = s.id FROM"
            " (SELECT id, row_number() OVER (ORDER BY id) AS n FROM sales_salesorder) s,"
            " (SELECT id, row_number() OVER (ORDER BY id) AS n FROM allegro_allegroorder) a"
            " WHERE a.id = allegro_allegroorder.id AND a.n = s.n"
        )


def fill_search_terms() -> float:
    """Index every order as the services and importer do (sales.search, allegro.orders.search);
    returns the seconds it took.

    On PostgreSQL the rows are the services' own (`search_rows` of each app, from the orders
    as stored) written by COPY into the term tables with their text indexes dropped and made
    again afterwards: the services' DELETE and INSERT per chunk, each row entering the
    trigram index on its own, took 431 s for 100,000 + 100,000 orders."""
    from django.db import connection

    from allegro.orders.models import AllegroOrder, AllegroOrderSearchTerm
    from allegro.orders.search import _REAL, allegro_order_search_refresh
    from allegro.orders.search import search_rows as allegro_rows
    from sales.models import SalesOrder, SalesOrderSearchTerm
    from sales.search import CHUNK, search_rebuild, search_rows
    from shop.search import term_index_sql

    started = time.perf_counter()
    sales_ids = list(SalesOrder.objects.order_by("pk").values_list("pk", flat=True))
    allegro_ids = list(AllegroOrder.objects.order_by("pk").values_list("pk", flat=True))
    if connection.vendor != "postgresql":
        search_rebuild(SalesOrder, SalesOrderSearchTerm, sales_ids)
        allegro_order_search_refresh(order_ids=allegro_ids)
        return time.perf_counter() - started

    def chunks(ids: list[int]):
        for start in range(0, len(ids), CHUNK):
            yield ids[start : start + CHUNK]

    def sales_terms(chunk: list[int]):
        for row in search_rows(SalesOrder.objects.filter(pk__in=chunk), SalesOrderSearchTerm):
            yield (row.order_id, row.source, row.kind, row.term)

    def allegro_terms(chunk: list[int]):
        for row in allegro_rows(_REAL, list(AllegroOrder.objects.filter(pk__in=chunk))):
            yield (row.order_id, row.kind, row.term)

    with connection.cursor() as cursor:
        for model, columns, terms, ids in (
            (SalesOrderSearchTerm, "order_id, source, kind, term", sales_terms, sales_ids),
            (AllegroOrderSearchTerm, "order_id, kind, term", allegro_terms, allegro_ids),
        ):
            table = model._meta.db_table
            cursor.execute(f"DROP INDEX IF EXISTS {table}_trgm, {table}_prefix")
            cursor.execute(f"TRUNCATE {table}")
            for chunk in chunks(ids):
                rows = list(terms(chunk))  # read before COPY takes the connection
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            # Inside a transaction (the loader's test) the foreign keys' deferred checks must
            # run before an index is made on the table.
            if not connection.get_autocommit():
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for sql in term_index_sql(table):
                cursor.execute(sql)
            cursor.execute("RESET maintenance_work_mem")
    return time.perf_counter() - started


def terms_filled() -> bool:
    """Whether every order has its search terms and, on PostgreSQL, the term tables their text
    indexes (fill_search_terms makes them last)."""
    from django.db import connection

    from allegro.orders.models import AllegroOrder, AllegroOrderSearchTerm
    from sales.models import SalesOrder, SalesOrderSearchTerm

    for order, term in ((SalesOrder, SalesOrderSearchTerm), (AllegroOrder, AllegroOrderSearchTerm)):
        last = order.objects.order_by("-pk").values_list("pk", flat=True).first()
        if last is not None and not term.objects.filter(order_id=last).exists():
            return False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s)", [f"{term._meta.db_table}_trgm"])
                if cursor.fetchone()[0] is None:
                    return False
    return True


def _copy_sales(count: int, statuses: list[str], product) -> None:
    """The same rows as the ORM fill (fill_sales.with_documents), through COPY."""
    from django.utils import timezone
    from djmoney.money import Money

    from sales.models import (
        SalesOrder,
        SalesOrderInvoice,
        SalesOrderLine,
        SalesOrderShipment,
        SalesOrderSource,
    )

    now = timezone.now()
    first_id = (SalesOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    def order(index: int) -> dict:
        marketplace, currency = MARKETPLACES[index % 4]
        attention = index % 97 == 0
        # Oldest first, as they were taken: ids and dates rise together; every tenth order
        # shares its minute with the one before (equal timestamps, as a bulk import makes).
        created = now - timedelta(minutes=count - index - (index % 10 == 1))
        return {
            "number": f"ZS/2025/{index + 1:07d}",
            "number_sequence": index + 1,
            "marketplace": marketplace,
            "status": statuses[index % len(statuses)],
            "currency": currency,
            "customer_name": f"Klient {index}",
            "customer_login": f"buyer_{index}",
            "customer_phone": f"+48 5{index:08d}",  # its Allegro order's buyer
            "customer_email": f"klient{index}@example.com",
            "delivery_cost_currency": currency,
            "lines_total_currency": currency,
            "total": Decimal(100 + index % 900),
            "total_currency": currency,
            "needs_attention": attention,
            "attention_reason": "Anulowane w Allegro" if attention else "",
            "created_at": created,
            "updated_at": created,
        }

    template = SalesOrder(
        number="",
        number_year=2025,
        number_sequence=0,
        channel="allegro",
        currency="PLN",
        delivery_cost=Money(10, "PLN"),
        lines_total=Money(90, "PLN"),
        total=Money(100, "PLN"),
    )
    _copy_rows(SalesOrder, template, order, count, first_id=first_id)

    def next_id(model) -> int:
        return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    def document(index: int) -> dict:
        return {"order_id": first_id + index}

    # Each order a line (5,000 SKUs), a tracking number and an invoice, numbered by its
    # number_sequence (index + 1) as the ORM fill numbers them.
    _copy_rows(
        SalesOrderLine,
        SalesOrderLine(
            order_id=first_id,
            product=product,
            name="Odkurzacz",
            quantity=1,
            unit_price=Money(90, "PLN"),
            vat_rate=23,
        ),
        lambda index: {
            **document(index),
            "code": f"VAC-{(index + 1) % 5000}",
            "unit_price_currency": MARKETPLACES[index % 4][1],
        },
        count,
        first_id=next_id(SalesOrderLine),
    )
    _copy_rows(
        SalesOrderShipment,
        SalesOrderShipment(order_id=first_id, carrier_code="DPD", waybill="-"),
        lambda index: {**document(index), "waybill": f"00340434{index + 1:012d}"},
        count,
        first_id=next_id(SalesOrderShipment),
    )
    _copy_rows(
        SalesOrderInvoice,
        SalesOrderInvoice(order_id=first_id, number="-"),
        lambda index: {**document(index), "number": f"FV/2025/{index + 1:06d}"},
        count,
        first_id=next_id(SalesOrderInvoice),
    )
    # What sales_order_create records for each order's source, once a pair.
    SalesOrderSource.objects.bulk_create(
        [SalesOrderSource(channel="allegro", marketplace=m) for m, _currency in MARKETPLACES],
        ignore_conflicts=True,
    )


def _copy_rows(model, template, varying, count: int, *, first_id: int) -> None:
    """COPY `count` rows of `model` into PostgreSQL: every column as in the unsaved `template`
    (defaults, auto dates) except those `varying(index)` returns (column → database value).

    Columns come from the model, so a column another change adds is filled with its default
    here without editing this function; ids are given (the lines need them) and the identity
    sequence is moved past them afterwards."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    base = {}
    for field in fields:
        value = field.get_db_prep_save(field.pre_save(template, True), connection)
        base[field.column] = getattr(value, "obj", value)  # psycopg's Jsonb wraps the object
        if isinstance(base[field.column], (dict, list)):
            base[field.column] = json.dumps(base[field.column])
    columns = ["id", *base]
    table = model._meta.db_table
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for index in range(count):
                row = dict(base, **varying(index))
                copy.write_row([first_id + index, *(row[c] for c in base)])
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def measure(
    client, url: str, repeat: int, *, found: bool = True
) -> tuple[float, float, int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        page = response.context["page"]
        # A page that lists rows (a search for nothing lists none, and must not refuse).
        assert not page.refusal and bool(len(page)) == found, (url, page.refusal)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    # The database's share of one request, as the client sees each query (the rest is Python:
    # on a shared machine it is the part that moves with the load).
    sql = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(queries), sql


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--conversions", type=int, default=1000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the orders in the database if it holds --count of each (no conversions)",
    )
    parser.add_argument("--fill-only", action="store_true", help="load the orders and stop")
    args = parser.parse_args()
    setup_django()

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from allegro.orders.models import AllegroOrder
    from sales.models import SalesOrder
    from shop.roles import ADMINISTRATOR

    call_command("migrate", verbosity=0)
    loaded = AllegroOrder.objects.count() == SalesOrder.objects.count() == args.count
    reuse = args.reuse and loaded
    if not reuse:
        if connection.vendor == "postgresql":
            call_command("flush", "--no-input", verbosity=0)
        call_command("migrate", verbosity=0)
    setup_test_environment()

    from tests.support.factories import make_account, make_user

    if not reuse:
        account = make_account()
        fixture = json.loads((ROOT / "tests/fixtures/checkout-form-allegro-cz.json").read_text())
        started = time.perf_counter()
        fill_allegro(args.count, account, fixture)
        fill_sales(args.count)
        print(f"filled {args.count} + {args.count} orders in {time.perf_counter() - started:.0f} s")
    if not reuse or not terms_filled():
        # Also when a reused database's load stopped before its terms were complete.
        link_converted()
        print(f"search terms of all orders in {fill_search_terms():.0f} s")
    if connection.vendor == "postgresql":
        # Fresh bulk loads have no planner statistics and no visibility map yet; production
        # tables have both (autovacuum), and index-only scans need the map.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        print(f"VACUUM (ANALYZE) in {time.perf_counter() - started:.0f} s")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if args.fill_only:
        return

    user = User.objects.filter(username="bench").first() or make_user(
        role=ADMINISTRATOR, username="bench"
    )
    client = Client()
    client.force_login(user)
    deep = args.count // 50 // 2
    allegro, sales = "/allegro/zamowienia/", "/sprzedaz/zamowienia/"

    def following(url: str) -> str:
        """The page's own "Next" link: how an operator reaches a deep page (by keyset)."""
        page = client.get(url).context["page"]
        assert page.links.next, url
        return url.split("?")[0] + page.links.next

    scenarios = [
        ("Allegro, first page", allegro),
        ("Allegro, deep page (Next)", following(f"{allegro}?page={deep - 1}")),
        ("Allegro, deep page by number", f"{allegro}?page={deep}"),
        ("Allegro, last page", f"{allegro}?page=last"),
        ("Allegro, sorted by total", f"{allegro}?sort=total"),
        ("Allegro, by buyer, deep", following(f"{allegro}?sort=buyer&page={deep - 1}")),
        ("Allegro, by status desc, deep", following(f"{allegro}?sort=-status&page={deep - 1}")),
        ("Allegro, filtered", f"{allegro}?marketplace=allegro-cz&status=READY_FOR_PROCESSING"),
        (
            "Allegro, filtered deep",
            following(f"{allegro}?marketplace=allegro-cz&page={deep // 4 - 1}"),
        ),
        ("Allegro, search login", f"{allegro}?q=buyer_4242"),
        ("Sales, first page", sales),
        ("Sales, deep page (Next)", following(f"{sales}?page={deep - 1}")),
        ("Sales, deep page by number", f"{sales}?page={deep}"),
        ("Sales, last page", f"{sales}?page=last"),
        ("Sales, by customer", f"{sales}?sort=customer"),
        ("Sales, by number, deep", following(f"{sales}?sort=-number&page={deep - 1}")),
        ("Sales, by total, deep", following(f"{sales}?sort=total&page={deep - 1}")),
        # The filter the form knows (`source`); `marketplace=` was ignored, listing every order.
        ("Sales, filtered", f"{sales}?status=IN_PROGRESS&source=allegro:allegro-cz"),
        ("Sales, filtered deep", following(f"{sales}?status=NEW&page={deep // 8 - 1}")),
        ("Sales, needs attention", f"{sales}?needs_attention=on"),
        ("Sales, attention, by total", f"{sales}?needs_attention=on&sort=-total"),
        # Last: the choice is kept in the session, for every list after it.
        ("Allegro, 200 a page", f"{allegro}?per_page=200"),
        ("Sales, 200 a page", f"{sales}?per_page=200"),
        *search_scenarios(args.count),
    ]
    print(
        f"database {connection.vendor}, {args.count} orders per list, {args.repeat} requests each"
    )
    print(f"{'page':<34}{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}{'SQL ms':>8}")
    for name, url in scenarios:
        p50, p95, queries, sql = measure(client, url, args.repeat, found="no hit" not in name)
        print(f"{name:<34}{p50:>8.1f}{p95:>8.1f}{queries:>9}{sql:>8.1f}", flush=True)
    compare_search_sql(args.count, args.repeat)
    if not reuse:
        measure_conversions(args.conversions)


def search_terms_of(count: int) -> list[tuple[str, str]]:
    """(what, text) an operator searches by, each found in both lists but the last."""
    n = count // 3 + 17
    return [
        ("tracking number", f"00340434{n:012d}"),
        ("invoice number", f"FV/2025/{n:06d}"),
        ("phone", f"+48 5{n:08d}"),
        ("login fragment", f"uyer_{n // 10}"),
        ("login fragment, 11,111 found", f"buyer_{n // 10000}"),
        ("SKU", f"VAC-{n % 5000}"),
        ("no hit", "nikt-taki-nie-kupil"),
    ]


def search_scenarios(count: int) -> list[tuple[str, str]]:
    from urllib.parse import quote

    rows = []
    for what, text in search_terms_of(count):
        rows.append((f"Sales, search {what}", f"/sprzedaz/zamowienia/?q={quote(text)}"))
        rows.append((f"Allegro, search {what}", f"/allegro/zamowienia/?q={quote(text)}"))
    return rows


def _old_sales_search(text: str):
    """Sprzedaż ▸ Zamówienia's search before issue 13: an OR of LIKEs across the order's
    columns and a sub-query of notes (it found none of the numbers searched here)."""
    from django.db.models import Q

    from sales.models import SalesOrder, SalesOrderNote

    return SalesOrder.objects.filter(
        Q(number__icontains=text)
        | Q(customer_name__icontains=text)
        | Q(customer_company__icontains=text)
        | Q(customer_login__icontains=text)
        | Q(customer_email__icontains=text)
        | Q(channel_reference__istartswith=text)
        | Q(pk__in=SalesOrderNote.objects.filter(text__icontains=text).values("order_id"))
    ).order_by("-created_at", "-id")


def _old_allegro_search(text: str):
    """Allegro ▸ Zamówienia's search before: form id, login, offer id, ORed."""
    from django.db.models import Q

    from allegro.orders.models import AllegroOrder, AllegroOrderLine

    by_form_id = Q(checkout_form_id__istartswith=text)
    by_offer = Q(id__in=AllegroOrderLine.objects.filter(offer_id=text).values("order_id"))
    return (
        AllegroOrder.objects.defer("payload")
        .filter(by_form_id | Q(buyer_login__icontains=text) | by_offer)
        .filter(Q(superseded_at__isnull=True) | by_form_id)
        .order_by("-bought_at", "-id")
    )


def compare_search_sql(count: int, repeat: int) -> None:
    """The SQL of a search (its capped COUNT and its first page), old OR shape against the
    terms' sub-query, on the same data: p50/p95 ms and the rows found."""
    from allegro.orders.selectors import allegro_order_list
    from sales.selectors import sales_order_list
    from shop.listing import COUNT_CAP

    def timed(rows) -> tuple[float, float, int]:
        timings, found = [], 0
        for _ in range(max(repeat // 2, 5)):
            started = time.perf_counter()
            found = rows.order_by()[: COUNT_CAP + 1].count()
            list(rows[:51])
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], found

    print(
        f"{'search SQL (count + page)':<34}{'old p50/p95 ms':>16}{'found':>7}"
        f"{'new p50/p95 ms':>16}{'found':>7}"
    )
    for what, text in search_terms_of(count):
        for name, old, new in (
            ("Sales", _old_sales_search(text), sales_order_list(filters={"q": text})),
            ("Allegro", _old_allegro_search(text), allegro_order_list(filters={"q": text})),
        ):
            o50, o95, ofound = timed(old)
            n50, n95, nfound = timed(new)
            print(
                f"{name + ', ' + what:<34}{o50:>8.1f}/{o95:<7.1f}{ofound:>7}"
                f"{n50:>8.1f}/{n95:<7.1f}{nfound:>7}"
            )


def measure_conversions(count: int) -> None:
    """The automatic conversion of `count` paid orders of one account (PL and CZ, matched by
    SKU), each in its own transaction as the job runs them."""
    from allegro.conversion.services import account_orders_auto_convert
    from shop.models import Currency, ShopSettings, ShopVariant
    from tests.support.factories import (
        CZ_FORM,
        PL_FORM,
        make_account,
        make_allegro_order,
        make_product,
    )

    ShopSettings.objects.filter(id=ShopSettings.load().id).update(variant=ShopVariant.ENTERPRISE)
    Currency.objects.filter(code="CZK").update(is_available=True)
    for sku in ("KET-1700-INOX", "FLT-02", "VAC-252-CZ"):
        make_product(sku=sku)
    account = make_account(auto_create_orders=True)
    for index in range(count):
        make_allegro_order(CZ_FORM if index % 2 else PL_FORM, account=account)
    started = time.perf_counter()
    stats = account_orders_auto_convert(account_id=account.id, retry_problems=False)
    elapsed = time.perf_counter() - started
    print(
        f"automatic conversion: {stats.created} created, {stats.refused} refused "
        f"in {elapsed:.2f} s = {stats.created / elapsed:.0f} orders/s"
    )


if __name__ == "__main__":
    main()
