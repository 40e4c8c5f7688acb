"""Benchmark: Allegro requests of the steady-state import (the journal running), per poll.

Run by hand (not a test):

    .venv/bin/python bench/steady_import_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/steady_import_bench.py

Against the emulator (its own process), after the first-connect backfill, each scenario is run
twice in the same process: "batched" (the importer as it is) and "event-then-GET" (the peers'
way, forced: every form the journal names is read by itself, and our own writes' events are
treated as news to read). Scenarios: an idle poll; 1, 10 and 200 new orders per poll; --writes
own fulfillment writes (each a sales order status change performed by the write job), then the
poll that sees their events. Requests are counted where they leave the client, per path kind.
The database is flushed (PostgreSQL) or fresh (SQLite). Results go to bench/RESULTS.md by hand.
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.import_bench import start_emulator  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="steady-import-bench-"))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ["SHOP_VAR_DIR"] = str(workdir)
    os.environ["LOG_LEVEL"] = "WARNING"
    emulator, url = start_emulator(workdir)
    os.environ["ALLEGRO_API_URL"] = url
    os.environ["ALLEGRO_AUTH_URL"] = f"{url}/auth/oauth"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from allegro.accounts.clients import client_for_account
        from allegro.accounts.services import account_connect_poll, account_connect_start
        from allegro.api import client as api_client
        from allegro.conversion.services import allegro_order_convert
        from allegro.orders import services
        from allegro.orders.models import AllegroOrder
        from allegro.orders.services import account_import_run
        from allegro.writeback.models import AllegroWrite
        from allegro.writeback.services import write_perform
        from emulator.catalogue import CATALOGUE
        from sales.services import sales_order_status_change
        from shop.models import ShopSettings, ShopVariant
        from tests.support.factories import make_product

        if connection.vendor == "postgresql":
            call_command("flush", "--no-input", verbosity=0)
        call_command("migrate", verbosity=0)
        requests.post(f"{url}/_emulator/reset", json={"seed": True}, timeout=30)
        ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
        for product in CATALOGUE:
            make_product(sku=product.sku)
        authorization = account_connect_start()
        requests.post(
            f"{url}/_emulator/device/approve", json={"user_code": authorization.user_code}
        )
        account = account_connect_poll(device_code=authorization.device_code)
        client = client_for_account(account)
        account_import_run(account_id=account.id, client=client)  # the backfill

        sent: Counter[str] = Counter()
        real_send = api_client._send

        def counting_send(session: Any, method: str, url: str, **kwargs: Any) -> Any:
            path = kwargs.get("log_path", "")
            if path == "/order/events":
                sent["events"] += 1
            elif path == "/order/checkout-forms":
                sent["list"] += 1
            elif method == "PUT":
                sent["put"] += 1
            elif path.startswith("/order/checkout-forms/"):
                sent["get"] += 1
            else:
                sent["other"] += 1
            return real_send(session, method, url, **kwargs)

        api_client._send = counting_send  # type: ignore[assignment]
        batched_single_reads = services.SINGLE_READS_UP_TO

        def poll() -> tuple[Counter[str], float]:
            sent.clear()
            started = time.perf_counter()
            account_import_run(account_id=account.id, client=client)
            return Counter(sent), time.perf_counter() - started

        def new_orders(count: int) -> list[str]:
            return requests.post(
                f"{url}/_emulator/orders",
                json={"marketplace": "allegro-pl", "count": count},
                timeout=60,
            ).json()["ids"]

        rows: list[tuple[str, str, Counter[str], float, int]] = []
        for mode in ("event-then-GET", "batched"):
            old_way = mode == "event-then-GET"
            services.SINGLE_READS_UP_TO = 10**9 if old_way else batched_single_reads
            poll()  # whatever the previous mode left in the journal
            counted, seconds = poll()
            rows.append((mode, "idle poll", counted, seconds, 0))
            for count in (1, 10, 200):
                new_orders(count)
                counted, seconds = poll()
                rows.append((mode, f"{count} new orders", counted, seconds, count))

            form_ids = new_orders(args.writes)
            poll()
            sales_order_ids = [
                allegro_order_convert(
                    allegro_order_id=AllegroOrder.objects.get(checkout_form_id=form_id).id,
                    user=None,
                ).sales_order.id
                for form_id in form_ids
            ]
            sent.clear()
            started = time.perf_counter()
            for sales_order_id in sales_order_ids:
                sales_order_status_change(order_id=sales_order_id, status="IN_PROGRESS", user=None)
            for write_id in AllegroWrite.objects.filter(state="PENDING").values_list(
                "id", flat=True
            ):
                write_perform(write_id=write_id, client_for=client_for_account)
            writes = Counter(sent)
            if old_way:
                # Peers do not know the event is theirs: it is news, and news is read.
                AllegroOrder.objects.filter(own_write_at__isnull=False).update(
                    own_write_status="", own_write_at=None
                )
            counted, _seconds = poll()
            rows.append(
                (
                    mode,
                    f"{args.writes} own status writes + next poll",
                    writes + counted,
                    time.perf_counter() - started,
                    args.writes,
                )
            )

        print(f"database {connection.vendor}")
        print(
            f"{'mode':<16} {'scenario':<36} {'events':>6} {'list':>5} {'GET':>5} {'PUT':>5}"
            f" {'total':>6} {'reads/unit':>10} {'per unit':>9} {'seconds':>8}"
        )
        for mode, scenario, counted, seconds, units in rows:
            total = sum(counted.values())
            reads = counted["list"] + counted["get"]
            per_unit = f"{(total - counted['put']) / units:.3f}" if units else "-"
            reads_per_unit = f"{reads / units:.3f}" if units else "-"
            print(
                f"{mode:<16} {scenario:<36} {counted['events']:>6} {counted['list']:>5}"
                f" {counted['get']:>5} {counted['put']:>5} {total:>6} {reads_per_unit:>10}"
                f" {per_unit:>9} {seconds:>8.2f}"
            )
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
