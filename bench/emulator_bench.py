"""Benchmark: the offline emulator's list endpoint with 10,000 orders (it was a timed unit test).

    .venv/bin/python bench/emulator_bench.py

Three queries (first page, a filtered deep page, one marketplace), each repeated, p50/p95
in milliseconds through the WSGI app in process (no network). Target: p95 under 100 ms.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ("", "?status=READY_FOR_PROCESSING&offset=5000", "?marketplace.id=allegro-hu")


def main(repeat: int = 30) -> None:
    from emulator.app import create_app
    from emulator.clock import FakeClock
    from tests.emulator.conftest import Emulator

    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        em = Emulator(create_app(Path(tmp) / "big.sqlite3", seed=False, clock=clock), clock)
        em.control("POST", "/generate", {"count": 10_000, "days": 30})
        em.connect()
        print(f"{'query':<44}{'p50 ms':>8}{'p95 ms':>8}")
        for query in QUERIES:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                assert em.forms(query)["count"] == 100
                times.append((time.perf_counter() - started) * 1000)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"{query or '(first page)':<44}{statistics.median(times):>8.1f}{p95:>8.1f}")


if __name__ == "__main__":
    main()
