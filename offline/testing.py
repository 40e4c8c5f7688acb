"""Running an offline server for tests: in a thread, in a process, or driven in-process.

- `running_server(app)`: a threaded server on a free local port for a `with` block;
- `running_process(argv, probe_url)`: a `python -m <server> serve ...` process, once it answers;
- `OfflineClient`: a Werkzeug test client with the server's headers and its control calls.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

import requests
from werkzeug.serving import make_server
from werkzeug.test import Client, TestResponse

from offline.app import OfflineApp

HOST = "127.0.0.1"
AppT = TypeVar("AppT", bound=OfflineApp)


@contextmanager
def running_server(app: OfflineApp, *, name: str = "offline-server") -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) of `app` served by a threaded server."""
    server = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    """A port nothing listens on right now (another process may still take it)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_answers(url: str, *, timeout: float = 10) -> None:
    """Return once anything answers HTTP at `url`; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing answered at {url} within {timeout} s") from None
            time.sleep(0.05)


@contextmanager
def running_process(
    argv: list[str], probe_url: str, *, cwd: str | Path | None = None, timeout: float = 10
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `argv` (a server's `serve` command), wait until `probe_url` answers, stop it after."""
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            wait_until_answers(probe_url, timeout=timeout)
        except TimeoutError:
            if process.poll() is not None:  # it died: say why
                assert process.stderr is not None
                error = process.stderr.read().decode(errors="replace")
                raise RuntimeError(f"{argv} exited {process.returncode}: {error}") from None
            raise
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


class OfflineClient(Generic[AppT]):
    """Drive an app in-process as a client would: `headers()` go on every API call, a
    `media_type` (if any) is the Content-Type of bodies, `control` calls need neither."""

    media_type: str | None = None

    def __init__(self, app: AppT) -> None:
        self.app = app
        self.client = Client(app)

    def headers(self, **extra: str) -> dict[str, str]:
        return extra

    def _body_headers(self) -> dict[str, str]:
        if self.media_type is None:
            return self.headers()
        return self.headers(**{"Content-Type": self.media_type})

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, headers=self.headers(), **kwargs)

    def post(self, path: str, body: Any) -> TestResponse:
        return self.client.post(path, json=body, headers=self._body_headers())

    def put(self, path: str, body: Any, **kwargs: Any) -> TestResponse:
        return self.client.put(path, json=body, headers=self._body_headers(), **kwargs)

    def control(self, method: str, path: str, body: Any = None) -> TestResponse:
        """`method` the control endpoint `path` (below the app's control prefix)."""
        return self.client.open(f"{self.app.control_prefix}{path}", method=method, json=body)
