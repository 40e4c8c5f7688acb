"""Benchmark: how fast a change in the shop reaches Allegro, and how many writes a second go out.

Run by hand (not a test), on PostgreSQL and a real Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wbbench \\
    REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/writeback_bench.py --workers 4

1. Latency: one idle `rqworker default --with-scheduler` process; for each of --changes orders,
   time from `sales_order_status_change` returning (committed, job queued after commit) to
   the emulator (its own process) showing the new fulfillment status, polled every 2 ms.
2. Rate: --count orders each get one status change while the workers are suspended (so the
   queue is full and writing starts at once); then --workers processes are let go and timed
   until every write is done. Requests a second are read from the request gate's per-second
   budget keys in Redis and compared with ALLEGRO_REQUESTS_PER_MINUTE.

The database is flushed. Results go to bench/RESULTS.md by hand.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.import_bench import start_emulator  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=100, help="latency samples")
    parser.add_argument("--count", type=int, default=1000, help="writes for the rate")
    parser.add_argument("--workers", type=int, default=4)
    # rq's default forks a work horse per job; rq.SimpleWorker runs jobs in the worker itself.
    parser.add_argument("--worker-class", default="")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of the benchmark's own.")

    workdir = Path(tempfile.mkdtemp(prefix="writeback-bench-"))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    os.environ["SHOP_VAR_DIR"] = str(workdir)
    os.environ["LOG_LEVEL"] = "WARNING"
    emulator, url = start_emulator(workdir)
    os.environ["ALLEGRO_API_URL"] = url
    os.environ["ALLEGRO_AUTH_URL"] = f"{url}/auth/oauth"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    workers: list[subprocess.Popen] = []
    try:
        import django

        django.setup()
        import django_rq
        from django.conf import settings
        from django.core.management import call_command
        from rq import Worker
        from rq.suspension import resume, suspend

        from allegro.accounts.clients import client_for_account
        from allegro.accounts.services import account_connect_poll, account_connect_start
        from allegro.api.budget import budget_prefix
        from allegro.conversion.services import allegro_order_convert
        from allegro.orders.models import AllegroOrder
        from allegro.orders.services import account_import_run
        from allegro.writeback.models import AllegroWrite
        from emulator.catalogue import CATALOGUE
        from sales.services import sales_order_status_change
        from shop.models import Currency, ShopSettings, ShopVariant
        from tests.support.factories import make_product

        call_command("flush", "--no-input", verbosity=0)
        call_command("migrate", verbosity=0)
        queue = django_rq.get_queue("default")
        redis = queue.connection
        queue.empty()
        resume(redis)
        ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
        Currency.objects.filter(code="CZK").update(is_available=True)
        for product in CATALOGUE:
            make_product(sku=product.sku)
        authorization = account_connect_start()
        requests.post(
            f"{url}/_emulator/device/approve", json={"user_code": authorization.user_code}
        )
        account = account_connect_poll(device_code=authorization.device_code)

        form_ids: list[str] = []
        for total in (args.changes, args.count):
            created = requests.post(
                f"{url}/_emulator/orders",
                json={"marketplace": "allegro-cz", "count": total},
                timeout=60,
            ).json()["ids"]
            form_ids += created
        account_import_run(account_id=account.id, client=client_for_account(account))
        orders = []
        for form_id in form_ids:
            allegro_order = AllegroOrder.objects.get(checkout_form_id=form_id)
            converted = allegro_order_convert(allegro_order_id=allegro_order.id, user=None)
            orders.append((converted.sales_order.id, form_id))
        latency_orders, rate_orders = orders[: args.changes], orders[args.changes :]

        env = dict(os.environ, DATABASE_CONN_MAX_AGE="60")

        def start_worker() -> subprocess.Popen:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "rqworker", "default", "--with-scheduler"]
                + (["--worker-class", args.worker_class] if args.worker_class else []),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            workers.append(process)
            return process

        def wait_idle_workers(count: int) -> None:
            for _ in range(300):
                if len(Worker.all(queue=queue)) >= count:
                    return
                time.sleep(0.1)
            raise SystemExit("workers did not start")

        # 1. Latency with one idle worker.
        start_worker()
        wait_idle_workers(1)
        session = requests.Session()
        latencies = []
        for sales_id, form_id in latency_orders:
            started = time.perf_counter()
            sales_order_status_change(order_id=sales_id, status="IN_PROGRESS", user=None)
            committed = time.perf_counter()
            for _ in range(5000):
                state = session.get(f"{url}/_emulator/orders/{form_id}", timeout=5).json()
                if state["checkoutForm"]["fulfillment"]["status"] == "PROCESSING":
                    break
                time.sleep(0.002)
            else:
                raise SystemExit(f"{form_id} never showed PROCESSING")
            latencies.append((time.perf_counter() - committed, committed - started))
        shown = [seen for seen, _ in latencies]
        service = [spent for _, spent in latencies]

        # 2. Rate: fill the queue while the workers are suspended, then let them go.
        suspend(redis)
        for _ in range(args.workers - 1):
            start_worker()
        wait_idle_workers(args.workers)
        for sales_id, _form_id in rate_orders:
            sales_order_status_change(order_id=sales_id, status="IN_PROGRESS", user=None)
        pending = AllegroWrite.objects.filter(state=AllegroWrite.State.PENDING)
        per_second: dict[int, int] = {}
        # The budget is the Client ID's, shared by all accounts (allegro/api/budget.py).
        prefix = budget_prefix(settings.ALLEGRO_CLIENT_ID)
        started = time.perf_counter()
        resume(redis)
        for _ in range(60_000):
            # The gate counts every request in a hash per second: read the last ones.
            now = int(time.time())
            for second in range(now - 3, now + 1):
                taken = redis.hget(f"{prefix}s:{second}", "total")
                if taken is not None:
                    per_second[second] = max(per_second.get(second, 0), int(taken))
            if not pending.exists():
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        now = int(time.time())
        for second in range(now - 4, now + 1):
            taken = redis.hget(f"{prefix}s:{second}", "total")
            if taken is not None:
                per_second[second] = max(per_second.get(second, 0), int(taken))
        done = AllegroWrite.objects.filter(
            state=AllegroWrite.State.DONE,
            allegro_order__checkout_form_id__in=dict(rate_orders).values(),
        ).count()
        requests_total = sum(per_second.values())
        failed = AllegroWrite.objects.filter(state=AllegroWrite.State.FAILED).count()
        busiest = max(per_second.values(), default=0)

        print(f"database            {django.db.connection.vendor}, Redis {settings.REDIS_URL}")
        print(
            f"latency (n={len(shown)})   p50 {statistics.median(shown) * 1000:.0f} ms, "
            f"p95 {percentile(shown, 0.95) * 1000:.0f} ms, max {max(shown) * 1000:.0f} ms "
            f"(service call itself: p50 {statistics.median(service) * 1000:.1f} ms)"
        )
        print(
            f"rate ({args.workers} workers)  {done} writes in {elapsed:.2f} s = "
            f"{done / elapsed:.1f} writes/s, failed {failed}"
        )
        print(
            f"requests            {requests_total} counted by the gate; "
            f"{requests_total / elapsed * 60:.0f}/min on average, busiest second "
            f"{busiest} = {busiest * 60}/min; "
            f"budget ALLEGRO_REQUESTS_PER_MINUTE={settings.ALLEGRO_REQUESTS_PER_MINUTE} "
            f"({settings.ALLEGRO_REQUESTS_PER_MINUTE // 60}/s)"
        )
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
