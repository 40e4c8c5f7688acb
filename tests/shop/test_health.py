"""/health/ for load balancers, the administrators' health page and banner."""

import os
import signal
import subprocess
import time
from datetime import timedelta

import django_rq
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rq import Worker

from allegro.accounts.models import AllegroAccount
from shop import health
from tests.support import clients
from tests.support.factories import make_account
from tests.support.html import text
from tests.support.workers import ROOT, Workers, free_port, wait_for, worker_env

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(settings):
    cache.delete(health.BANNER_CACHE_KEY)
    redis = django_rq.get_connection("default")
    redis.delete("rq:cron_schedulers")
    for worker in Worker.all(connection=redis):
        worker.register_death()
    yield
    cache.delete(health.BANNER_CACHE_KEY)


def seen_worker() -> Worker:
    worker = Worker(["default"], connection=django_rq.get_connection("default"))
    worker.register_birth()
    worker.heartbeat()
    return worker


def seen_scheduler(seconds_ago: float = 0) -> None:
    django_rq.get_connection("default").zadd(
        "rq:cron_schedulers", {"test-scheduler": time.time() - seconds_ago}
    )


def test_load_balancers_get_200_without_signing_in(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


def test_load_balancers_get_503_when_redis_is_away(client, settings):
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["redis"] != "ok"


def test_the_health_page_is_for_administrators(administrator_client):
    assert clients.operator().get(reverse("shop:health")).status_code == 403
    page = text(administrator_client.get(reverse("shop:health")))
    assert "Redis" in page
    # The column names what is checked: a noun, not the verb "Sprawdź".
    assert "<th>Kontrola</th>" in page and "Sprawdź" not in page


def test_the_banner_is_said_in_each_readers_language(administrator_client):
    """Cached for every page, but per language: the first reader's is not everyone's."""
    polish = text(administrator_client.get(reverse("allegro:orders:order_list")))
    administrator_client.cookies.load({"django_language": "en"})
    english = text(administrator_client.get(reverse("allegro:orders:order_list")))

    assert "Żaden worker nie był widziany" in polish
    assert "No worker has been seen" in english and "Żaden worker" not in english


def test_administrators_are_told_when_no_worker_or_scheduler_is_seen(administrator_client):
    page = text(administrator_client.get(reverse("allegro:orders:order_list")))

    assert "health-banner" in page
    assert "Żaden worker nie był widziany" in page or "No worker has been seen" in page
    operator_page = clients.operator().get(reverse("allegro:orders:order_list"))
    assert "health-banner" not in text(operator_page)


def test_no_banner_while_workers_and_the_scheduler_are_seen(administrator_client):
    seen_worker()
    seen_scheduler()

    page = text(administrator_client.get(reverse("allegro:orders:order_list")))

    assert "health-banner" not in page


def test_a_scheduler_silent_for_longer_than_the_limit_raises_the_banner(settings):
    settings.HEALTH_STALE_SECONDS = 60
    seen_worker()
    seen_scheduler(seconds_ago=61)

    warned = [check.key for check in health.checks() if check.warning]

    assert warned == ["scheduler"]


def test_an_account_to_reconnect_or_not_importing_is_named(settings):
    settings.ALLEGRO_IMPORT_INTERVAL = 30
    seen_worker()
    seen_scheduler()
    make_account(login="stale_shop", last_import_at=timezone.now() - timedelta(seconds=91))
    make_account(login="fresh_shop", last_import_at=timezone.now() - timedelta(seconds=5))
    make_account(
        login="lost_shop",
        status=AllegroAccount.Status.RECONNECT_NEEDED,
        status_reason="invalid_grant",
    )

    warnings = " | ".join(health.warnings())
    warned = {check.key for check in health.checks() if check.warning}

    assert "stale_shop" in warnings and "lost_shop" in warnings
    assert "fresh_shop" not in warnings
    assert len(warned) == 2


@pytest.mark.django_db(transaction=True)
def test_a_killed_scheduler_is_noticed_within_the_limit_and_cleared_when_it_is_back(
    settings, tmp_path
):
    """A real `manage.py scheduler`: alive it beats, killed it raises the banner, started
    again (as its supervisor does) the banner goes."""
    settings.HEALTH_STALE_SECONDS = 3
    seen_worker()
    env = worker_env(emulator_url="http://127.0.0.1:9", redis_url=settings.REDIS_URL)
    env.update({"ALLEGRO_IMPORT_INTERVAL": "1", "ERP_SYNC_INTERVAL": "1"})
    processes = Workers(env=env, log_dir=tmp_path)

    def scheduler_warning() -> bool:
        seen_worker()
        return any(check.key == "scheduler" and check.warning for check in health.checks())

    try:
        processes.start_scheduler()
        wait_for(lambda: not scheduler_warning(), timeout=30, what="the scheduler's heartbeat")
        processes.kill(processes.scheduler)
        wait_for(scheduler_warning, timeout=30, interval=0.5, what="the banner")
        processes.start_scheduler()
        wait_for(lambda: not scheduler_warning(), timeout=30, what="the banner to go")
    finally:
        processes.stop_all()


def test_the_run_scripts_supervisor_starts_a_process_again_when_it_exits(tmp_path):
    """scripts/run keeps the scheduler alive with `supervise` from scripts/_common.sh."""
    log = tmp_path / "supervised.log"
    script = f'source scripts/_common.sh; supervise "{log}" sh -c "echo started"; wait'
    process = subprocess.Popen(["bash", "-c", script], cwd=ROOT, start_new_session=True)
    try:
        wait_for(
            lambda: log.exists() and log.read_text().count("started") >= 3,
            timeout=20,
            what="three starts",
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
