"""Benchmark: the web server. gunicorn (config/gunicorn.conf.py, as production and scripts/run
start it) against Django's development server, on the same pages and data, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_web \\
        .venv/bin/python bench/web_bench.py --count 100000

Fills N Allegro orders and N sales orders (bench/lists_bench.py's fill functions; `--reuse`
keeps a database filled by an earlier run), `DEBUG=0`, then for each server: CONNECTIONS
threads, each with its own signed-in session (through the login form), request one page as
fast as they can for SECONDS; reports requests/s and p50/p95 latency. Loopback HTTP only (no
nginx, no TLS), so the cookies are not marked Secure for this run.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import lists_bench  # noqa: E402  (bench/ is not a package; its fill functions are reused)

USERNAME = "bench"
PASSWORD = "bench-password-1234"


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    failures: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        PORT=str(port),
    )
    return env


def fill(count: int, reuse: bool) -> list[int]:
    """The database holds `count` orders of each kind and the bench user; returns the ids of
    some Allegro orders for the detail page."""
    lists_bench.setup_django()
    import json

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from allegro.orders.models import AllegroOrder
    from shop.roles import ADMINISTRATOR

    call_command("migrate", verbosity=0)
    if not (reuse and AllegroOrder.objects.count() >= count):
        call_command("flush", "--no-input", verbosity=0)
        call_command("migrate", verbosity=0)  # flush empties the role groups migrations made
        from tests.support.factories import make_account

        fixture = json.loads((ROOT / "tests/fixtures/checkout-form-allegro-cz.json").read_text())
        started = time.perf_counter()
        lists_bench.fill_allegro(count, make_account(), fixture)
        lists_bench.fill_sales(count)
        print(f"filled {count} + {count} orders in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    User.objects.filter(username=USERNAME).delete()
    from tests.support.factories import make_user

    user = make_user(role=ADMINISTRATOR, username=USERNAME)
    user.set_password(PASSWORD)
    user.save()
    step = max(count // 200, 1)
    return list(AllegroOrder.objects.order_by("pk").values_list("pk", flat=True)[::step])


def start(kind: str, port: int, threads: int = 1) -> subprocess.Popen:
    venv_bin = Path(sys.executable).parent
    if kind == "gunicorn":
        command = [str(venv_bin / "gunicorn"), "--config", "config/gunicorn.conf.py"]
    else:
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    env = server_env(port)
    env["WEB_WORKERS"] = "4"
    env["WEB_THREADS"] = str(threads)
    log = Path(env["SHOP_VAR_DIR"]) / f"{kind}-{port}.log"
    print(f"{kind} on port {port}, log in {log}")
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login/", timeout=10).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{kind} did not answer on port {port}")


def signed_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    response = session.post(
        f"{base}/login/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, f"login failed: {response.status_code}"
    return session


def load(base: str, paths: list[str], connections: int, seconds: float) -> tuple[Outcome, float]:
    sessions = [signed_in(base) for _ in range(connections)]
    outcomes = [Outcome() for _ in range(connections)]
    start_line = threading.Barrier(connections + 1)

    def run(index: int) -> None:
        session, outcome = sessions[index], outcomes[index]
        start_line.wait()
        deadline = time.monotonic() + seconds
        request = index
        while time.monotonic() < deadline:
            url = base + paths[request % len(paths)]
            request += connections
            began = time.perf_counter()
            try:
                ok = session.get(url, allow_redirects=False, timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                outcome.latencies_ms.append((time.perf_counter() - began) * 1000)
            else:
                outcome.failures += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    total = Outcome()
    for outcome in outcomes:
        total.latencies_ms.extend(outcome.latencies_ms)
        total.failures += outcome.failures
    return total, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each server, alternated")
    parser.add_argument("--reuse", action="store_true", help="keep an already filled database")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_web")
    detail_ids = fill(args.count, args.reuse)
    pages = [
        ("Allegro list", ["/allegro/zamowienia/"]),
        ("Allegro order detail", [f"/allegro/zamowienia/{pk}/" for pk in detail_ids]),
    ]
    servers = {
        "gunicorn 4 workers": ("gunicorn", 1),
        "gunicorn 4w x 4 thr": ("gunicorn", 4),
        "runserver": ("runserver", 1),
    }
    bases: dict[str, str] = {}
    processes: list[subprocess.Popen] = []
    try:
        for label, (kind, threads) in servers.items():
            port = free_port()
            processes.append(start(kind, port, threads))
            bases[label] = f"http://127.0.0.1:{port}"
        print(
            f"{args.count} + {args.count} orders, {args.connections} connections, "
            f"{args.rounds} x {args.seconds:.0f} s a page and server (alternated), DEBUG=0, "
            f"{os.cpu_count()} cores"
        )
        print(
            f"{'server':<22}{'page':<24}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'failed':>8}"
            "  req/s per round"
        )
        for name, paths in pages:
            results = {label: (Outcome(), [0.0], []) for label in servers}
            for label in servers:
                load(bases[label], paths, args.connections, 3)  # warm-up: every worker, caches
            # Alternated rounds: load from other work on the machine falls on both servers.
            for _ in range(args.rounds):
                for label in servers:
                    outcome, elapsed = load(bases[label], paths, args.connections, args.seconds)
                    total, seconds, rates = results[label]
                    total.latencies_ms.extend(outcome.latencies_ms)
                    total.failures += outcome.failures
                    seconds[0] += elapsed
                    rates.append(len(outcome.latencies_ms) / elapsed)
            for label, (total, seconds, rates) in results.items():
                timings = sorted(total.latencies_ms)
                p95 = timings[int(len(timings) * 0.95) - 1]
                print(
                    f"{label:<22}{name:<24}{len(timings) / seconds[0]:>8.1f}"
                    f"{statistics.median(timings):>9.0f}{p95:>9.0f}{total.failures:>8}  "
                    + ", ".join(f"{rate:.1f}" for rate in rates),
                    flush=True,
                )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
