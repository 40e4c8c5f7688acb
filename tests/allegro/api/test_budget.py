"""The request budget of a Client ID on the real Redis: shared by processes and accounts."""

import multiprocessing
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from django.conf import settings
from redis import Redis

from allegro.api.budget import READ, WRITE, RedisRequestBudget

# 20 requests a second; reads at most 14 of them, 7 each while two accounts read.
PER_MINUTE = 1200
PER_SECOND = PER_MINUTE // 60
READ_SHARE = 70
READS_CAP = PER_SECOND * READ_SHARE // 100
ACCOUNT_A, ACCOUNT_B = 101, 202


def budget(client_id: str, redis: Redis, **overrides: object) -> RedisRequestBudget:
    options: dict = {
        "client_id": client_id,
        "redis": redis,
        "per_minute": PER_MINUTE,
        "read_share": READ_SHARE,
        "max_wait": 10,
        "default_pause": 10,
    } | overrides
    return RedisRequestBudget(**options)


@pytest.fixture
def redis() -> Iterator[Redis]:
    connection = Redis.from_url(settings.REDIS_URL)
    yield connection
    connection.close()


@pytest.fixture
def client_id(redis: Redis) -> Iterator[str]:
    """A Client ID of its own, so no other test's slices count; its keys go at the end."""
    client_id = f"test-{uuid.uuid4().hex}"
    yield client_id
    prefix = budget(client_id, redis).prefix
    keys = list(redis.scan_iter(f"{prefix}*"))
    if keys:
        redis.delete(*keys)


def _hammer(redis_url: str, client_id: str, seconds: int) -> list[tuple[int, int, str]]:
    """One worker process: account A backfills (reads), account B reads as fast as the budget
    lets it and writes two or three a second, each in its own thread, for `seconds` (Redis's
    clock) from the second the test announces once every process is up. Returns (second,
    account, priority) of every admitted request."""
    connection = Redis.from_url(redis_url)
    shared = budget(client_id, connection)
    connection.incr(shared.prefix + "test:ready")
    while (announced := connection.get(shared.prefix + "test:start")) is None:
        threading.Event().wait(0.005)
    start = int(announced)
    stop = start + seconds
    admitted: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def run(account: int, priority: str) -> None:
        gate = shared.gate(account_id=account, priority=priority)
        while int(connection.time()[0]) < start:
            threading.Event().wait(0.005)
        while True:
            second = gate.wait_for_place()
            if second >= stop:
                return
            with lock:
                admitted.append((second, account, priority))
            if priority == WRITE:
                # Staff's writes come a few a second, not in a loop: writes may take the whole
                # slice, so a writer hammering in every process would starve the reads by
                # design and leave A nothing to prove its fair half with.
                threading.Event().wait(0.45)

    threads = [
        threading.Thread(target=run, args=(ACCOUNT_A, READ)),
        threading.Thread(target=run, args=(ACCOUNT_B, READ)),
        threading.Thread(target=run, args=(ACCOUNT_B, WRITE)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    connection.close()
    return admitted


def test_the_budget_is_shared_by_processes_and_accounts(redis: Redis, client_id: str) -> None:
    prefix = budget(client_id, redis).prefix
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        pending = pool.starmap_async(_hammer, [(settings.REDIS_URL, client_id, 4)] * 3)
        # They start together once all three are up, however long spawning takes on a busy
        # machine (a start fixed in advance passed before a slow process was ready).
        deadline = time.monotonic() + 120
        while int(redis.get(prefix + "test:ready") or 0) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert int(redis.get(prefix + "test:ready") or 0) == 3, "the processes did not start"
        start = int(redis.time()[0]) + 1
        redis.set(prefix + "test:start", start)
        results = pending.get(timeout=120)
    stop = start + 4
    admitted = [entry for result in results for entry in result]
    # The first second is the warm-up: an account counts for the fair split once it has
    # asked, so in it A's reads may take the whole reads' share before B's first read.
    seconds = range(start + 1, stop)
    total = Counter(second for second, _account, _priority in admitted)
    reads = Counter(second for second, _account, priority in admitted if priority == READ)
    reads_of = Counter((second, account) for second, account, p in admitted if p == READ)
    writes = Counter(second for second, _account, priority in admitted if priority == WRITE)
    # All three processes and both accounts were admitted: they hammered together.
    assert {account for _second, account, _priority in admitted} == {ACCOUNT_A, ACCOUNT_B}
    assert all(result for result in results)
    for second in seconds:
        # Together never over the ceiling, though each process alone would have filled it.
        assert total[second] == PER_SECOND, (second, total)
        # Reads never took the writes' part of a second...
        assert reads[second] <= READS_CAP
        # ...and A's backfill never took B's fair half of the reads.
        assert reads_of[(second, ACCOUNT_A)] <= READS_CAP // 2
        assert reads_of[(second, ACCOUNT_B)] <= READS_CAP // 2
        # B's writes got through every second, at least the part reads may never use.
        assert writes[second] >= PER_SECOND - READS_CAP
    # The page's per-account usage adds up what was admitted.
    usage = budget(client_id, redis).usage()
    assert usage.requests >= len(admitted)
    assert usage.accounts[str(ACCOUNT_A)].writes == 0
    assert usage.accounts[str(ACCOUNT_B)].writes >= len(seconds) * (PER_SECOND - READS_CAP)


def test_writes_use_the_whole_second_reads_only_their_share(redis: Redis, client_id: str) -> None:
    shared = budget(client_id, redis, max_wait=0)
    # Within one slice of Redis's clock (asked again if a second boundary fell in between).
    for _attempt in range(5):
        for key in redis.scan_iter(f"{shared.prefix}*"):
            redis.delete(key)
        reads = [shared.admit(account=str(ACCOUNT_A), priority=READ) for _ in range(PER_SECOND)]
        writes = [shared.admit(account=str(ACCOUNT_B), priority=WRITE) for _ in range(PER_SECOND)]
        if len({a.second for a in reads + writes}) == 1:
            break
    assert sum(a.admitted for a in reads) == READS_CAP
    assert sum(a.admitted for a in writes) == PER_SECOND - READS_CAP
    refused = next(a for a in writes if not a.admitted)
    assert 0 < refused.wait <= 1 and not refused.paused


def test_a_429_pauses_every_account_of_the_client_id(redis: Redis, client_id: str) -> None:
    shared = budget(client_id, redis, max_wait=0)
    shared.gate(account_id=ACCOUNT_A, priority=READ).rate_limited(30)
    for account in (ACCOUNT_A, ACCOUNT_B):
        for priority in (READ, WRITE):
            admission = shared.admit(account=str(account), priority=priority)
            assert not admission.admitted
            assert admission.paused and 25 < admission.wait <= 30
    # Another Client ID (another application) is not paused.
    other = budget(f"{client_id}-other", redis, max_wait=0)
    assert other.admit(account=str(ACCOUNT_A), priority=READ).admitted
    redis.delete(*redis.scan_iter(f"{other.prefix}*"))
    assert budget(client_id, redis).usage().paused_for > 25


def test_a_shorter_429_never_shortens_a_longer_pause(redis: Redis, client_id: str) -> None:
    shared = budget(client_id, redis)
    shared.rate_limited(60)
    shared.rate_limited(2)
    assert shared.paused_for() > 50


def test_the_client_id_is_not_kept_in_redis_keys(redis: Redis, client_id: str) -> None:
    shared = budget(client_id, redis)
    shared.admit(account="1", priority=READ)
    keys = [key.decode() for key in redis.scan_iter(f"{shared.prefix}*")]
    assert keys and not any(client_id in key for key in keys)
