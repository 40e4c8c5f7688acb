"""Benchmark: Allegro ▸ Zamówienia and Sprzedaż ▸ Zamówienia with N orders each, and the
automatic conversion of 1,000 Allegro orders.

    .venv/bin/python bench/lists_bench.py --count 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/lists_bench.py

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
    from django.utils import timezone
    from djmoney.money import Money

    from allegro.orders.models import AllegroOrder, AllegroOrderLine

    now = timezone.now()
    batch: list = []
    for index in range(count):
        marketplace, currency = MARKETPLACES[index % 4]
        payload = copy.deepcopy(fixture)
        payload["id"] = str(uuid.uuid4())
        payload["marketplace"] = {"id": marketplace}
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
                    offer_external_id="VAC-252",
                    quantity=1,
                    unit_price=order.total,
                )
                for order in created
            )
            batch = []


def fill_sales(count: int) -> None:
    from djmoney.money import Money

    from sales.models import SalesOrder, SalesOrderStatus

    statuses = list(SalesOrderStatus.values)
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
                delivery_cost=Money(10, currency),
                lines_total=Money(90, currency),
                total=Money(100, currency),
                needs_attention=index % 97 == 0,
                attention_reason="Anulowane w Allegro" if index % 97 == 0 else "",
            )
        )
        if len(batch) == 5000:
            SalesOrder.objects.bulk_create(batch)
            batch = []
    SalesOrder.objects.bulk_create(batch)


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--conversions", type=int, default=1000)
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from shop.roles import ADMINISTRATOR

    if connection.vendor == "postgresql":
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    setup_test_environment()
    from tests.support.factories import make_account, make_user

    account = make_account()
    fixture = json.loads((ROOT / "tests/fixtures/checkout-form-allegro-cz.json").read_text())
    started = time.perf_counter()
    fill_allegro(args.count, account, fixture)
    fill_sales(args.count)
    print(f"filled {args.count} + {args.count} orders in {time.perf_counter() - started:.0f} s")
    # Fresh bulk loads have no planner statistics yet; production tables do (autovacuum).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    user = make_user(role=ADMINISTRATOR, username="bench")
    client = Client()
    client.force_login(user)
    deep = args.count // 50 // 2
    scenarios = [
        ("Allegro, first page", "/allegro/zamowienia/"),
        ("Allegro, deep page", f"/allegro/zamowienia/?page={deep}"),
        (
            "Allegro, filtered",
            "/allegro/zamowienia/?marketplace=allegro-cz&status=READY_FOR_PROCESSING",
        ),
        ("Allegro, filtered deep", f"/allegro/zamowienia/?marketplace=allegro-cz&page={deep // 4}"),
        ("Allegro, search login", "/allegro/zamowienia/?q=buyer_4242"),
        ("Sales, first page", "/sprzedaz/zamowienia/"),
        ("Sales, deep page", f"/sprzedaz/zamowienia/?page={deep}"),
        ("Sales, filtered", "/sprzedaz/zamowienia/?status=NEW&marketplace=allegro-cz"),
        ("Sales, needs attention", "/sprzedaz/zamowienia/?needs_attention=on"),
    ]
    print(
        f"database {connection.vendor}, {args.count} orders per list, {args.repeat} requests each"
    )
    print(f"{'page':<28}{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}")
    for name, url in scenarios:
        p50, p95, queries = measure(client, url, args.repeat)
        print(f"{name:<28}{p50:>8.1f}{p95:>8.1f}{queries:>9}")
    measure_conversions(args.conversions)


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
