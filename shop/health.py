"""Is the back office healthy? The infrastructure's checks, plus what each app registers.

`/health/` (for load balancers) asks only the database and Redis. Administrators see every
check on their page, and each check that needs them also raises a banner on every page:
an import that has not run for three intervals, no worker or scheduler seen for a minute,
an Allegro account to connect again. Apps add their own checks with `source_register` at
start-up (AppConfig.ready): the shop knows no channel.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django_rq
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from redis.exceptions import RedisError
from rq import Worker
from rq.cron_scheduler_registry import get_registry_key
from rq.registry import FailedJobRegistry

logger = logging.getLogger(__name__)

BANNER_CACHE_KEY = "shop:health:warnings"
BANNER_CACHE_SECONDS = 15


@dataclass(frozen=True)
class Check:
    key: str  # stable, for machines and tests: "database", "scheduler", "allegro.account.<id>"
    name: str
    ok: bool
    detail: str
    # What an administrator must hear of on every page; empty when nothing needs doing.
    warning: str = ""


HealthSource = Callable[[], list[Check]]
_sources: list[HealthSource] = []


def source_register(source: HealthSource) -> None:
    if source not in _sources:
        _sources.append(source)


def _ago(seconds: float) -> str:
    return _("%(seconds)d s ago") % {"seconds": round(seconds)}


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure of the database is the answer, not a crash
        return Check(
            "database", _("Database"), False, str(error), _("The database does not answer.")
        )
    return Check("database", _("Database"), True, connection.vendor)


def redis_check() -> Check:
    try:
        django_rq.get_connection("default").ping()
    except RedisError as error:
        return Check(
            "redis", "Redis", False, str(error), _("Redis does not answer: nothing is queued.")
        )
    return Check("redis", "Redis", True, "ping")


def _stale_after() -> float:
    return float(settings.HEALTH_STALE_SECONDS)


def _heartbeat_check(
    key: str,
    name: str,
    last: float | None,
    now: float,
    *,
    fresh: Callable[[str], str],
    missing: str,
    warning: str,
) -> Check:
    """A process that beats its heart into Redis: fine while the last beat is recent (`fresh`
    says so, given how long ago), else when it was last seen (or `missing`) and `warning`."""
    if last is not None and now - last <= _stale_after():
        return Check(key, name, True, fresh(_ago(now - last)))
    seen = _("last seen %(ago)s") % {"ago": _ago(now - last)} if last else missing
    return Check(key, name, False, seen, warning)


def _queue_checks() -> list[Check]:
    redis = django_rq.get_connection("default")
    now = time.time()
    checks = []
    workers = Worker.all(connection=redis)
    beats = [w.last_heartbeat.timestamp() for w in workers if w.last_heartbeat is not None]
    newest = max(beats, default=None)
    checks.append(
        _heartbeat_check(
            "workers",
            _("Workers"),
            newest,
            now,
            fresh=lambda ago: (
                _("%(count)d seen, last %(ago)s") % {"count": len(workers), "ago": ago}
            ),
            missing=_("none seen"),
            warning=_(
                "No worker has been seen for a minute: nothing is imported or sent to Allegro."
            ),
        )
    )
    # (name, last heartbeat as a Unix time) of every cron scheduler RQ knows.
    entries: list[Any] = redis.zrange(get_registry_key(), 0, -1, withscores=True)
    last = max((float(entry[1]) for entry in entries), default=None)
    checks.append(
        _heartbeat_check(
            "scheduler",
            _("Scheduler"),
            last,
            now,
            fresh=lambda ago: _("last seen %(ago)s") % {"ago": ago},
            missing=_("never seen"),
            warning=_(
                "The scheduler has not been seen for a minute: no import or sweep is started."
            ),
        )
    )
    queue = django_rq.get_queue("default")
    failed = FailedJobRegistry(queue=queue).count
    checks.append(
        Check(
            "queue",
            _("Queue"),
            True,
            _("%(waiting)d waiting, %(failed)d failed")
            % {"waiting": queue.count, "failed": failed},
        )
    )
    return checks


def checks() -> list[Check]:
    """Every check: the database, Redis and its workers and scheduler, then the apps'."""
    found = [database_check(), redis_check()]
    if found[1].ok:
        try:
            found += _queue_checks()
        except RedisError as error:
            found.append(Check("queue", _("Queue"), False, str(error)))
    for source in _sources:
        try:
            found += source()
        except Exception as error:  # one broken check must not hide the others
            logger.warning("health.source_failed", extra={"source": repr(source)}, exc_info=True)
            name = getattr(source, "__name__", "?")
            found.append(Check(name, name, False, str(error)))
    return found


def warnings() -> list[str]:
    """What the banner says to administrators; cached briefly, every page asks."""
    # Kept per language: the banner is said in each reader's language, never in the
    # language of whoever asked first.
    language = get_language() or settings.LANGUAGE_CODE
    cached = cache.get(BANNER_CACHE_KEY)
    if not isinstance(cached, dict) or language not in cached:
        cached = {} if not isinstance(cached, dict) else cached
        cached[language] = [str(check.warning) for check in checks() if check.warning]
        cache.set(BANNER_CACHE_KEY, cached, BANNER_CACHE_SECONDS)
    return list(cached[language])
