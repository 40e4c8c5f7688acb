"""Leases: Redis locks that a running job keeps renewing, so a killed job's lease expires soon.

A plain lock with a long timeout (the job's worst case) blocks every later run for that long
after a `kill -9`; a lease is short and a thread renews it while the job lives. The lease only
saves duplicate work: correctness always comes from the database.
"""

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from redis.exceptions import LockError, RedisError

logger = logging.getLogger(__name__)


@contextmanager
def lease(connection: Redis, name: str, *, seconds: float) -> Iterator[bool]:
    """Hold `name` for as long as the block runs; yields False (and holds nothing) when another
    process holds it."""
    # Not thread-local: the renewing thread must see the token the job's thread acquired.
    lock = connection.lock(name, timeout=seconds, thread_local=False)
    if not lock.acquire(blocking=False):
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(seconds / 3):
            try:
                lock.reacquire()
            except LockError:
                # Expired while Redis was away and perhaps taken by another run: stop renewing
                # what is no longer ours; the database keeps the two runs from doubling work.
                logger.warning("lease.lost", extra={"lease": name})
                return
            except RedisError:
                logger.warning("lease.renew_failed", extra={"lease": name})

    renewer = threading.Thread(target=renew, name=f"lease:{name}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        # Expired, or Redis away: then it lapses by itself.
        with contextlib.suppress(LockError, RedisError):
            lock.release()
