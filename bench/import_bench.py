"""Benchmark: import N orders of mixed marketplaces from the emulator (the first-connect backfill).

Run by hand, each size in a fresh process so peak memory is its own:

    .venv/bin/python bench/import_bench.py --count 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/import_bench.py

Reports orders per second end to end (HTTP, parsing, upserts, lines), Allegro requests per
order, the worker's peak memory, and the floor: parsing the same payloads plus one bulk insert
of them, measured in the same run. Results go to bench/RESULTS.md by hand.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "serve",
            "--port",
            str(port),
            "--db",
            str(workdir / "e.db"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{url}/_emulator/state", timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("emulator did not start")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    # DEBUG would keep every SQL query in memory and distort the memory figure.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ["SHOP_VAR_DIR"] = str(workdir)
    emulator, url = start_emulator(workdir)
    os.environ["ALLEGRO_API_URL"] = url
    os.environ["ALLEGRO_AUTH_URL"] = f"{url}/auth/oauth"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, transaction

        from allegro.accounts.clients import client_for_account
        from allegro.accounts.services import account_connect_poll, account_connect_start
        from allegro.api.payloads import parse_checkout_form
        from allegro.orders.models import AllegroOrder
        from allegro.orders.services import account_import_run

        if connection.vendor == "postgresql":
            call_command("flush", "--no-input", verbosity=0)
        call_command("migrate", verbosity=0)
        requests.post(f"{url}/_emulator/reset", json={"seed": False}, timeout=30)
        requests.post(
            f"{url}/_emulator/generate", json={"count": args.count, "days": 25}, timeout=600
        ).raise_for_status()

        authorization = account_connect_start()
        requests.post(
            f"{url}/_emulator/device/approve", json={"user_code": authorization.user_code}
        )
        account = account_connect_poll(device_code=authorization.device_code)
        rss_before = peak_rss_mb()

        started = time.perf_counter()
        stats = account_import_run(account_id=account.id, client=client_for_account(account))
        elapsed = time.perf_counter() - started
        imported = AllegroOrder.objects.count()
        rss_import = peak_rss_mb()

        # The floor: the same payloads, already in memory, parsed and bulk-inserted once.
        payloads = list(AllegroOrder.objects.values_list("payload", flat=True))
        floor_started = time.perf_counter()
        with transaction.atomic():
            rows = []
            for raw in payloads:
                form = parse_checkout_form(raw)
                rows.append(
                    AllegroOrder(
                        account=account,
                        checkout_form_id=f"floor-{form.id}"[:36],
                        revision=form.revision,
                        marketplace=form.marketplace,
                        status=form.status,
                        fulfillment_status=form.fulfillment_status,
                        buyer_login=form.buyer.login,
                        bought_at=form.bought_at,
                        total=form.total_to_pay,
                        payload=raw,
                    )
                )
            AllegroOrder.objects.bulk_create(rows, batch_size=1000)
            floor = time.perf_counter() - floor_started
            transaction.set_rollback(True)

        print(f"database          {connection.vendor}")
        print(f"orders imported   {imported} (created {stats.created})")
        print(f"end to end        {elapsed:.2f} s = {imported / elapsed:.0f} orders/s")
        print(f"requests          {stats.requests} = {stats.requests / imported:.4f} per order")
        print(f"floor             {floor:.2f} s = {imported / floor:.0f} orders/s")
        print(f"peak RSS          {rss_before:.0f} MB before, {rss_import:.0f} MB after import")
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
